"""Turning a request's searched systems into the answer: letter, package, password, status.

The answer is built whenever the flow runs, from whatever the systems yielded so far: a
package is ``complete`` only when every system was searched and every held record decided.
Otherwise it is a partial answer, marked so in its name, manifest, index and letter, which
staff may send while the rest is chased.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from dsar.config.models import ControllerConfig, System
from dsar.deadlines import today_oslo
from dsar.delivery import discard_password, seal_password
from dsar.errors import ConnectorError, DiskFull
from dsar.faults import checkpoint
from dsar.matching import Resolution
from dsar.records import Finding
from dsar.report import Answer, SystemReport
from dsar.staging import Staging
from dsar.store import AccessRequest, RequestStore, SystemRunView
from dsar.store.states import RequestStatus
from dsar.timing import phase
from dsar.workspace import Workspace


@dataclass(frozen=True)
class AnswerOutcome:
    """What the flow reports back: ids, counts, statuses and a path — no personal data."""

    request_id: str
    status: RequestStatus
    package: Path
    records: int
    complete: bool
    failed_systems: tuple[str, ...]
    awaiting_review: int
    waiting_systems: tuple[str, ...] = ()
    """Systems staff search by hand that they have not finished (``connectors.manual``)."""


def answer_request(
    workspace: Workspace,
    store: RequestStore,
    request: AccessRequest,
    controller: ControllerConfig,
    *,
    today: date | None = None,
) -> AnswerOutcome:
    from dsar.letter import render_letter_html, render_letter_pdf
    from dsar.package import build_package
    from dsar.package.password import generate_password

    answer, released = build_answer(workspace, store, request, controller, today=today)
    with phase("letter"):
        letter_html = render_letter_html(answer)
        letter_pdf = render_letter_pdf(answer)
    checkpoint("letter")
    password = generate_password()
    directory = workspace.exports_dir / request.id
    directory.mkdir(parents=True, exist_ok=True)
    dest = store.reserve_package(request.id, directory, complete=answer.complete)
    try:
        # Sealed first: a package must never exist whose password nobody can be given.
        seal_password(workspace.data_key, dest, password)
        with phase("package"):
            info = build_package(
                answer,
                workspace.staging,
                dest,
                password=password,
                letter_html=letter_html,
                letter_pdf=letter_pdf,
                released=released,
                redaction_changes=store.redaction_changes(request.id),
            )
    except BaseException as exc:
        discard_password(dest)
        store.package_failed(request.id, dest)
        full = _disk_full(exc, directory)
        if full is not None:
            raise full from None
        raise
    checkpoint("package-built")
    store.record_package(
        request.id, path=info.path, sha256=info.sha256, size=info.size, records=info.records, complete=info.complete
    )
    _retire_unshown(store, request.id, directory, keep=info.path)
    checkpoint("status")
    failed = tuple(s.system.id for s in answer.systems if s.status == "failed")
    waiting = tuple(s.system.id for s in answer.systems if s.status == "waiting")
    awaiting = sum(s.held for s in answer.systems if s.status == "needs_review")
    if answer.complete:
        status = RequestStatus.COMPLETE
    else:
        # A system that failed or waits for staff's own search leaves the answer incomplete
        # (staff act next); only decisions on held records left: it needs review.
        status = RequestStatus.INCOMPLETE if failed or waiting else RequestStatus.NEEDS_REVIEW
    store.set_status(request.id, status, "flow", package=info.path.name, records=info.records)
    return AnswerOutcome(request.id, status, info.path, info.records, info.complete, failed, awaiting, waiting)


def build_answer(
    workspace: Workspace,
    store: RequestStore,
    request: AccessRequest,
    controller: ControllerConfig,
    *,
    today: date | None = None,
) -> tuple[Answer, Callable[[Finding], bool]]:
    """The facts of the answer, and which staged findings it releases.

    Completeness is proved, not assumed: a system counts as searched only while its staging
    holds exactly what its search wrote (``Staging.verify``). Staging that went missing or
    was changed makes the system failed — searched again on the next run — so no package
    states "complete" over data it doesn't hold.
    """
    runs = store.system_runs(request.id)
    for system_id, run in runs.items():
        if run.done and run.staged is not None:
            problem = workspace.staging.verify(request.id, system_id, run.staged)
            if problem is not None:
                store.system_failed(
                    request.id, system_id,
                    f"{ConnectorError.prefix(system_id)}{problem}; systemet søkes på nytt ved neste kjøring",
                )
    runs = store.system_runs(request.id)
    decisions: dict[str, dict[str, str | None]] = defaultdict(dict)  # system -> group -> decision
    for item in store.review_items(request.id):
        decisions[item.system_id][item.record_ref] = item.decision
    verdicts = {
        system.id: _Released.of(workspace.staging, request.id, system.id, decisions[system.id])
        for system in controller.systems.values()
    }

    def released(finding: Finding) -> bool:
        return verdicts[finding.system].includes(finding)

    reports = [
        _report(workspace.staging, request.id, system, runs.get(system.id), verdicts[system.id])
        for system in controller.systems.values()
    ]
    answer = Answer(
        request_id=request.id,
        controller=controller.controller,
        language=request.language,  # type: ignore[arg-type]
        subject_name=request.person.name,
        subject_email=request.person.emails[0] if request.person.emails else None,
        requested_by=request.requested_by,
        received_on=request.received_on,
        answered_on=today or today_oslo(),
        generated_at=datetime.now(UTC),
        systems=reports,
        password_channel=request.password_channel,  # type: ignore[arg-type]
    )
    return answer, released


@dataclass(frozen=True)
class _Released:
    """Which staged findings of one system the answer releases: the system's group verdicts
    with staff's decisions applied (accepted groups join, rejected ones never do)."""

    resolution: Resolution | None
    groups: frozenset[str]
    decisions: dict[str, str | None]

    @classmethod
    def of(cls, staging: Staging, request_id: str, system_id: str, decisions: dict[str, str | None]) -> _Released:
        resolution = staging.resolution(request_id, system_id) if staging.is_staged(request_id, system_id) else None
        groups = resolution.released(decisions) if resolution is not None else set()
        return cls(resolution, frozenset(groups), decisions)

    def includes(self, finding: Finding) -> bool:
        if self.resolution is None:
            if finding.status == "confirmed":
                return True
            return self.decisions.get(finding.group or "") == "accepted"
        return self.resolution.is_released(finding.group, set(self.groups))

    def waiting(self) -> int:
        """Groups that wait for a decision on their own evidence."""
        if self.resolution is None:
            return sum(1 for d in self.decisions.values() if d is None)
        return sum(
            1
            for gid, verdict in self.resolution.verdicts.items()
            if gid not in self.groups and self.decisions.get(gid) is None
            # held on its own evidence, or excluded and put to staff again (``dsar.exclusions``)
            and (verdict.needs_decision or gid in self.decisions)
        )


def _report(
    staging: Staging,
    request_id: str,
    system: System,
    run: SystemRunView | None,
    verdict: _Released,
) -> SystemReport:
    """One system's outcome. Held records follow their review decision: accepted ones join
    the answer, rejected ones are dropped, undecided ones keep the system waiting."""
    if run is not None and run.status == "waiting":
        return SystemReport(system=system, status="waiting")
    if run is None or not run.done:
        error = run.error if run is not None and run.error else "not searched"
        return SystemReport(system=system, status="failed", error=error)
    collections = dict(run.collections)
    if run.held:
        # Only a system with held records pays for this pass over its staged findings.
        collections = {}
        for collection in staging.collections(request_id, system.id):
            count = sum(1 for f in staging.read(request_id, system.id, collection) if verdict.includes(f))
            if count:
                collections[collection] = count
    waiting = verdict.waiting()
    status = "needs_review" if waiting else ("complete" if any(collections.values()) else "nothing_found")
    return SystemReport(
        system=system,
        status=status,  # type: ignore[arg-type]
        held=waiting,
        collections=collections,
    )


def _retire_unshown(store: RequestStore, request_id: str, directory: Path, *, keep: Path) -> None:
    """Older packages whose passwords were never shown can't be opened by anyone: the new one
    replaces them (marked so in the store, then removed the way a second search removes a
    withdrawn one). A package whose password was taken may be with the person: it stays."""
    from dsar.delivery import SUFFIX

    for sealed in directory.glob(f"*{SUFFIX}"):
        package = sealed.with_name(sealed.name.removesuffix(SUFFIX))
        if package == keep:
            continue
        store.superseded(request_id, package)
        store.remove_withdrawn(request_id, [package], "flow")


def _disk_full(exc: BaseException, directory: Path) -> DiskFull | None:
    """A full disk (or quota) as a clear error naming the directory; None for anything else."""
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(
            f"disken med {directory} er full; ingenting av denne pakken ble tatt vare på. Frigjør plass "
            "og kjør kravet på nytt"
        )
    return None
