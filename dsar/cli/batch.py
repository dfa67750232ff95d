"""``dsar run ID ID …`` and ``dsar run --ready``: many requests in one flow run.

Everything staff typed is checked before Prefect starts (an unknown or unverified id stops
the command with one line and changes nothing). The batch then runs ``flows.batch`` in this
process: one Prefect flow run, Python and Prefect started once. A request another run
holds, or one whose run breaks, is named in the result; the others are answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from dsar.cli.common import prepare_prefect
from dsar.cli.running import Say, Watcher, refuse_unrunnable
from dsar.delivery import take_password
from dsar.workspace import Workspace


def ready_ids(workspace: Workspace) -> list[str]:
    """Every verified request not yet answered, what must be sent first first: registered
    (verified, never run), and running ones whose run was interrupted (nobody holds them).

    Requests with a built answer (complete, needs review, incomplete) are not taken: staff
    act next (review, deliver, or run an incomplete one again by its id)."""
    from dsar.store import open_store
    from dsar.store.states import RequestStatus

    store = open_store(workspace)
    try:
        return [
            s.id
            for s in store.summaries()
            if s.status == RequestStatus.REGISTERED or (s.status == RequestStatus.RUNNING and s.interrupted)
        ]
    finally:
        store.close()


def check_batch(workspace: Workspace, request_ids: Sequence[str]) -> list[str]:
    """The ids once each, in order; ``DsarError`` for the first one the flow would refuse."""
    from dsar.store import open_store

    ids = list(dict.fromkeys(request_ids))
    store = open_store(workspace)
    try:
        for request_id in ids:
            refuse_unrunnable(workspace, store, request_id, busy=False)
    finally:
        store.close()
    return ids


def run_batch(
    workspace: Workspace,
    request_ids: Sequence[str],
    *,
    say: Say | None = None,
    take: bool = True,
    checked: bool = False,
) -> list[dict[str, Any]]:
    """Run ``fulfil_batch`` on ``request_ids`` in this process; a row per request for staff.

    With ``take`` each new package's password is unsealed here, once (printed, then gone);
    without, it waits sealed for ``dsar password`` or the dashboard."""
    ids = list(request_ids) if checked else check_batch(workspace, request_ids)
    if not ids:
        return []
    if say:
        say(f"{len(ids)} krav: starter Prefect …")
    prepare_prefect(workspace)
    from flows.batch import fulfil_batch
    from flows.runtime import runtime

    with _BatchWatcher(workspace, ids, say) if say else nullcontext():
        result = fulfil_batch(ids)
    store = runtime().store
    rows = []
    for outcome in result["requests"]:
        request = store.get(outcome["request_id"])
        package = outcome.get("package")
        fresh = package and take and not outcome.get("already_complete")
        rows.append(
            {
                "id": outcome["request_id"],
                "controller": request.controller_id,
                "status": outcome["status"],
                "package": package,
                "password": take_password(workspace.data_key, Path(package)) if fresh else None,
                "records": outcome.get("records", 0),
                "failed_systems": outcome.get("failed_systems", []),
                "awaiting_review": outcome.get("awaiting_review", 0),
                "due": request.due,
                "error": outcome.get("error"),
            }
        )
    return rows


class _BatchWatcher(Watcher):
    """Says each request's new status once as the batch moves: ids and statuses only."""

    def __init__(self, workspace: Workspace, ids: list[str], say: Say, interval: float = 1.0) -> None:
        super().__init__(interval, "dsar-batch-progress")
        self._workspace = workspace
        self._ids = set(ids)
        self._say = say
        self._seen: dict[str, str] = {}

    def start(self) -> None:
        self._poll(announce=False)
        super().start()

    def _poll(self, announce: bool = True) -> None:
        from dsar.store import open_store
        from dsar.store.states import RequestStatus

        try:
            store = open_store(self._workspace)
            try:
                rows = [s for s in store.summaries() if s.id in self._ids]
            finally:
                store.close()
        except Exception:  # a busy store must never break the batch it watches
            return
        for row in rows:
            if self._seen.get(row.id) == row.status:
                continue
            self._seen[row.id] = row.status
            if announce and row.status != RequestStatus.RUNNING:
                self._say(f"  {row.id:<16} {RequestStatus(row.status).label}")
