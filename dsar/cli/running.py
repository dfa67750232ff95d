"""Running a request's flow from the command line and handing the password over once.

Every refusal is decided from the store before Prefect is imported: a mistyped id or an
unverified request answers in one line, without starting Prefect's machinery. While the flow
runs, a thread reads each system's outcome from the store and tells staff, system by system.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dsar import asking
from dsar.cli.common import prepare_prefect
from dsar.delivery import take_password
from dsar.workspace import Workspace

if TYPE_CHECKING:
    from dsar.store import RequestStore

Say = Callable[[str], None]


def repackage_request(workspace: Workspace, request_id: str) -> dict[str, Any]:
    """A new package (and password) from what is staged; nothing is searched.

    Only for a request whose systems were searched at least once: the answer states what
    was found then, with the review decisions taken since.
    """
    from dsar.answer import answer_request
    from dsar.errors import InputError
    from dsar.leases import run_lease
    from dsar.store import open_store
    from dsar.store.states import SystemStatus

    store = open_store(workspace)
    request = store.get(request_id)
    purged = [e for e in store.audit_log(request_id) if e.action == "staging_purged"]
    if purged and not (workspace.staging_dir / request_id).is_dir():
        raise InputError(
            f"funnene for kravet {request_id} ble slettet {purged[-1].at:%d.%m.%Y} etter "
            "lagringsreglene ([retention] i config/dsar.toml); det finnes ikke noe å lage en pakke av"
        )
    if not request.state.has_package:
        if request.state.answered:
            raise InputError(f"kravet {request_id} er {request.status}; svaret er allerede levert")
        raise InputError(f"kravet {request_id} er ikke kjørt ennå: dsar run {request_id}")
    again = sorted(
        system_id for system_id, run in store.system_runs(request_id).items()
        if run.status == SystemStatus.PENDING.value and run.finished_at is not None
    )
    if again:
        # Searched before and to be searched again (what the request is searched with changed):
        # a package of what is staged would call those systems not searched.
        raise InputError(
            f"kravet {request_id} skal søkes på nytt i {', '.join(again)} (kravet er endret): "
            f"kjør det (dsar run {request_id}) i stedet for å lage en ny pakke"
        )
    controller = workspace.config.controller(request.controller_id)
    with run_lease(workspace, store, request_id):
        outcome = answer_request(workspace, store, request, controller)
    return {
        "id": request_id,
        "controller": request.controller_id,
        "status": outcome.status.value,
        "package": str(outcome.package),
        "password": take_password(workspace.data_key, outcome.package),
        "records": outcome.records,
        "failed_systems": list(outcome.failed_systems),
        "awaiting_review": outcome.awaiting_review,
        "ask_openly": unattributed(store, request_id),
        "ask_for": asking.said(store, request, controller),
        "due": request.due,
        "note": None,
    }


def unattributed(store: RequestStore, request_id: str) -> int:
    """E-mails and phones the request lacked, seen beside the person's records (a count)."""
    return sum(run.unattributed for run in store.system_runs(request_id).values())


def check_runnable(workspace: Workspace, request_id: str) -> None:
    """Refuse, with the flow's own words, what the flow would refuse; imports no Prefect.

    Unknown id, unverified identity, a status the state machine can't run from (delivered,
    closed). The flow checks again: this is for staff's sake, not the only guard.
    """
    from dsar.store import open_store

    store = open_store(workspace)
    try:
        refuse_unrunnable(workspace, store, request_id)
    finally:
        store.close()


def refuse_unrunnable(workspace: Workspace, store: Any, request_id: str, *, busy: bool = True) -> None:
    """``check_runnable``'s checks on an open store; ``busy=False`` leaves a held lease to
    the run itself (a batch names that request and goes on with the others)."""
    from dsar.errors import RequestNotVerified
    from dsar.store.states import RequestStatus, check_transition

    request = store.get(request_id)
    if not request.verified:
        raise RequestNotVerified(
            f"kravet {request_id} er ikke verifisert: bekreft personens identitet først "
            f"(dsar request verify {request_id} --method …); ingenting ble søkt"
        )
    if request.state not in (RequestStatus.COMPLETE, RequestStatus.RUNNING):
        check_transition(request_id, request.state, RequestStatus.RUNNING)
    workspace.config.controller(request.controller_id)
    holder = store.run_holder(request_id) if busy else None
    if holder is not None:
        from dsar.errors import RequestBusy

        raise RequestBusy(f"kravet {request_id} kjøres nå (av {holder}); vent til kjøringen er ferdig")


def run_request(
    workspace: Workspace, request_id: str, *, say: Say | None = None, take: bool = True
) -> dict[str, Any]:
    """Run ``fulfil_request`` in this process and return what staff need to see.

    ``say`` gets progress lines (Prefect starting, each system as it starts and ends).
    With ``take`` the password is unsealed here, once: it is printed and gone from the
    workspace; without it, it waits sealed for ``dsar password`` or the dashboard.
    """
    check_runnable(workspace, request_id)
    if say:
        say(f"{request_id}: starter Prefect …")
    prepare_prefect(workspace)
    from flows.fulfil import fulfil_request
    from flows.runtime import runtime

    with _ProgressWatcher(workspace, request_id, say) if say else nullcontext():
        result = fulfil_request(request_id)
    request = runtime().store.get(request_id)
    package = result.get("package")
    password = take_password(workspace.data_key, Path(package)) if package and take else None
    return {
        "id": request_id,
        "controller": request.controller_id,
        "status": result["status"],
        "package": package,
        "password": password,
        "records": result.get("records", 0),
        "failed_systems": result.get("failed_systems", []),
        "awaiting_review": result.get("awaiting_review", 0),
        "ask_openly": unattributed(runtime().store, request_id),
        "ask_for": asking.said(runtime().store, request, workspace.config.controller(request.controller_id)),
        "due": request.due,
        "note": "allerede ferdig; passordet ble vist da pakken ble laget"
        if result.get("already_complete")
        else None,
    }


class Watcher:
    """A thread polling the store every ``interval`` seconds while a run goes on, saying what
    changed (ids, statuses and counts only); a context manager around the run."""

    def __init__(self, interval: float, name: str) -> None:
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def __enter__(self) -> Watcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self._poll()

    def _poll(self) -> None:
        raise NotImplementedError


class _ProgressWatcher(Watcher):
    """Polls ``system_runs`` and says each change once: ids, statuses and counts only."""

    def __init__(self, workspace: Workspace, request_id: str, say: Say, interval: float = 0.5) -> None:
        super().__init__(interval, "dsar-progress")
        self._workspace = workspace
        self._request_id = request_id
        self._say = say
        self._seen: dict[str, tuple[str, int]] = {}

    def stop(self) -> None:
        super().stop()
        self._poll()  # the last outcomes, even if the run ended between two polls

    def _poll(self) -> None:
        from dsar.store import open_store
        from dsar.store.states import SystemStatus

        try:
            store = open_store(self._workspace)
            try:
                runs = store.system_runs(self._request_id)
            finally:
                store.close()
        except Exception:  # a busy store must never break the run it watches
            return
        for system_id, run in runs.items():
            key = (run.status, run.attempts)
            if self._seen.get(system_id) == key:
                continue
            first = system_id not in self._seen
            self._seen[system_id] = key
            status = SystemStatus(run.status)
            if first and status == SystemStatus.PENDING:
                continue
            self._say(f"  {system_id:<16} {progress_text(status, run.records, run.held, run.attempts)}")


def progress_text(status: Any, records: int, held: int, attempts: int) -> str:
    from dsar.store.states import SystemStatus

    if status == SystemStatus.RUNNING:
        return "søker …" if attempts <= 1 else f"søker (forsøk {attempts}) …"
    if status == SystemStatus.COMPLETE:
        text = f"ferdig: {records} {'post' if records == 1 else 'poster'}"
        return text + (f", {held} holdt tilbake for vurdering" if held else "")
    if status == SystemStatus.NOTHING_FOUND:
        return "ferdig: ingenting funnet"
    if status == SystemStatus.FAILED:
        return "feilet (se dsar status)"
    return SystemStatus(status).label
