"""Staff's part in systems searched by hand (``connector = "manual"``).

Staff follow the system's ``instructions`` (a paper archive, a system with no export) and then
either attach what they found — each document is staged encrypted like any finding, and goes
into the package with a row in ``data/<system>/dokumenter`` — or confirm that nothing was
found. Either ends the staff task; the next run builds the answer with it. Attaching again
adds to what was attached before. Every step is audited (counts and file sizes, never names).
"""

from __future__ import annotations

import mimetypes
from datetime import date
from pathlib import Path

from connectors.manual import DOCUMENTS
from dsar.config.models import System
from dsar.deadlines import today_oslo
from dsar.errors import InputError
from dsar.records import FileRef, Finding
from dsar.store import RequestStore, SystemRunView
from dsar.workspace import Workspace

MAX_NOTE = 2000


def manual_system(workspace: Workspace, store: RequestStore, request_id: str, system_id: str) -> System:
    """The request's system ``system_id``, checked to be one staff search by hand."""
    request = store.get(request_id)
    controller = workspace.config.controller(request.controller_id)
    system = controller.systems.get(system_id)
    if system is None:
        raise InputError(f"{controller.id} har ikke noe system {system_id!r}; den har: {', '.join(controller.systems)}")
    if system.searched_by_identity:
        raise InputError(f"systemet {system_id!r} søkes av produktet, ikke for hånd (dsar run {request_id})")
    return system


def attach(
    workspace: Workspace,
    store: RequestStore,
    request_id: str,
    system_id: str,
    files: list[Path],
    *,
    note: str | None,
    actor: str,
    today: date | None = None,
) -> SystemRunView:
    """Add documents staff found in a manual system; they join the documents attached before."""
    system = manual_system(workspace, store, request_id, system_id)
    if not files:
        raise InputError("oppgi minst én fil å legge ved (eller bruk 'dsar manual none')")
    for path in files:
        if not path.is_file():
            raise InputError(f"filen finnes ikke: {path.name!r}")
    note = _note(note)
    store.prepare_runs(request_id, [system_id])
    earlier = [
        finding
        for collection in workspace.staging.collections(request_id, system_id)
        for finding in workspace.staging.read(request_id, system_id, collection)
    ]
    stager = workspace.staging.begin(request_id, system_id)
    try:
        staged_dir = workspace.staging.system_dir(request_id, system_id)
        for finding in earlier:  # staged again as they were, files included
            stager.carry_over(finding, staged_dir)
        day = (today or today_oslo()).isoformat()
        for number, path in enumerate(files, start=len(earlier) + 1):
            finding = Finding(
                system=system.id,
                collection=DOCUMENTS,
                key=str(number),
                fields={"nr": number, "dokument": path.name, "merknad": note, "lagt_til": day},
            )
            ref = FileRef(
                field="fil",
                name=path.name,
                media_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                open=lambda p=path: p.open("rb"),
                size=path.stat().st_size,
            )
            stager.add(finding, (ref,))
        counts = stager.commit()
    except BaseException:
        stager.abort()
        raise
    return store.manual_finished(
        request_id,
        system_id,
        documents=sum(counts.confirmed.values()),
        added=len(files),
        actor=actor,
        staged=counts.written,
    )


def confirm_nothing(
    workspace: Workspace, store: RequestStore, request_id: str, system_id: str, *, note: str | None, actor: str
) -> SystemRunView:
    """Staff searched the system by hand and found nothing about the person."""
    manual_system(workspace, store, request_id, system_id)
    _note(note)
    store.prepare_runs(request_id, [system_id])
    if workspace.staging.collections(request_id, system_id):
        raise InputError(
            f"dokumenter er allerede lagt ved for {system_id!r}; «ingenting funnet» ville motsi dem"
        )
    counts = workspace.staging.begin(request_id, system_id).commit()
    return store.manual_finished(request_id, system_id, documents=0, added=0, actor=actor, staged=counts.written)


def _note(note: str | None) -> str | None:
    if note is None:
        return None
    cleaned = "".join(ch for ch in note if ch.isprintable() or ch in "\n\t").strip()
    if len(cleaned) > MAX_NOTE:
        raise InputError(f"merknaden er lengre enn {MAX_NOTE} tegn")
    return cleaned or None
