"""Turning a request's searched systems into the answer: letter, package, password, status.

The answer is built whenever the flow runs, from whatever the systems yielded so far: a
package is ``complete`` only when every system was searched and every held record decided.
Otherwise it is a partial answer, marked so in its name, manifest, index and letter, which
staff may send while the rest is chased.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from dsar.config.models import ControllerConfig, System
from dsar.delivery import seal_password
from dsar.records import Finding
from dsar.report import Answer, SystemReport
from dsar.store import AccessRequest, RequestStore, SystemRunView
from dsar.workspace import Workspace


@dataclass(frozen=True)
class AnswerOutcome:
    """What the flow reports back: ids, counts, statuses and a path — no personal data."""

    request_id: str
    status: str
    package: Path
    records: int
    complete: bool
    failed_systems: tuple[str, ...]
    awaiting_review: int


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
    letter_html = render_letter_html(answer)
    letter_pdf = render_letter_pdf(letter_html)
    password = generate_password()
    dest = _package_path(workspace, request.id, complete=answer.complete)
    info = build_package(
        answer,
        workspace.staging,
        dest,
        password=password,
        letter_html=letter_html,
        letter_pdf=letter_pdf,
        released=released,
    )
    seal_password(workspace.data_key, info.path, password)
    store.record_package(
        request.id, path=info.path, sha256=info.sha256, size=info.size, records=info.records, complete=info.complete
    )
    failed = tuple(s.system.id for s in answer.systems if s.status == "failed")
    awaiting = sum(s.held for s in answer.systems if s.status == "needs_review")
    status = "complete" if answer.complete else ("incomplete" if failed else "needs_review")
    store.set_status(request.id, status, "flow", package=info.path.name, records=info.records)
    return AnswerOutcome(request.id, status, info.path, info.records, info.complete, failed, awaiting)


def build_answer(
    workspace: Workspace,
    store: RequestStore,
    request: AccessRequest,
    controller: ControllerConfig,
    *,
    today: date | None = None,
) -> tuple[Answer, Callable[[Finding], bool]]:
    """The facts of the answer, and which staged findings it releases."""
    runs = store.system_runs(request.id)
    accepted = store.accepted_refs(request.id)
    undecided = Counter(i.system_id for i in store.review_items(request.id) if i.decision is None)

    def released(finding: Finding) -> bool:
        if finding.status == "confirmed":
            return True
        return (finding.system, finding.review_key or "") in accepted

    reports = [
        _report(workspace, request.id, system, runs.get(system.id), undecided[system.id], accepted, released)
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
        answered_on=today or date.today(),
        generated_at=datetime.now(UTC),
        systems=reports,
        password_channel=request.password_channel,  # type: ignore[arg-type]
    )
    return answer, released


def _report(
    workspace: Workspace,
    request_id: str,
    system: System,
    run: SystemRunView | None,
    undecided: int,
    accepted: set[tuple[str, str]],
    released: Callable[[Finding], bool],
) -> SystemReport:
    if run is None or not run.done:
        error = run.error if run is not None and run.error else "not searched"
        return SystemReport(system=system, status="failed", error=error)
    collections = dict(run.collections)
    if any(s == system.id for s, _ in accepted):
        # Accepted held records join the answer: count them from staging.
        for collection in workspace.staging.collections(request_id, system.id):
            extra = sum(
                1
                for f in workspace.staging.read(request_id, system.id, collection)
                if f.status == "held" and released(f)
            )
            if extra:
                collections[collection] = collections.get(collection, 0) + extra
    records = sum(collections.values())
    if undecided:
        status = "needs_review"
    elif records:
        status = "complete"
    else:
        status = "nothing_found"
    return SystemReport(
        system=system,
        status=status,  # type: ignore[arg-type]
        records=records,
        held=run.held if undecided else 0,
        collections=collections,
    )


def _package_path(workspace: Workspace, request_id: str, *, complete: bool) -> Path:
    directory = workspace.exports_dir / request_id
    directory.mkdir(parents=True, exist_ok=True)
    number = len(list(directory.glob(f"{request_id}-*.zip"))) + 1
    suffix = "" if complete else "-delvis"
    return directory / f"{request_id}-{number}{suffix}.zip"
