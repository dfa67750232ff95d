"""What ``dsar review redactions / lift / redact`` read and change: staged mail findings and
their redaction plans, and staff's changes in the request store."""

from __future__ import annotations

from typing import Any

from dsar.errors import InputError
from dsar.records import Finding
from dsar.redaction import Applier, Plan, preview_mark
from dsar.workspace import Workspace

COLLECTION = "messages"


def _mail_systems(ws: Workspace, request_id: str, only: str | None) -> list[str]:
    from dsar.store import open_store

    request = open_store(ws).get(request_id)
    controller = ws.config.controllers[request.controller_id]
    systems = [s.id for s in controller.systems.values() if s.connector == "mail"]
    if only is not None:
        if only not in systems:
            raise InputError(f"{only!r} er ikke et e-postsystem hos {request.controller_id} (e-postsystemer: {', '.join(systems) or 'ingen'})")
        return [only]
    return systems


def _findings(ws: Workspace, request_id: str, system: str) -> list[Finding]:
    return [f for f in ws.staging.read(request_id, system, COLLECTION) if f.redaction is not None]


def redaction_rows(ws: Workspace, request_id: str, only: str | None) -> list[dict[str, Any]]:
    from dsar.store import open_store

    changes = open_store(ws).redaction_changes(request_id)
    rows = []
    for system in _mail_systems(ws, request_id, only):
        for finding in _findings(ws, request_id, system):
            lifted, added = changes.get((system, finding.key), (set(), []))
            counts = {"email": 0, "phone": 0, "name": 0}
            for target in Plan.from_json(finding.redaction).targets:
                if target.id not in lifted:
                    counts[target.kind] += target.count
            rows.append({"system": system, "message": finding.key, "status": finding.status,
                         "date": finding.fields.get("date"), **counts, "added": len(added), "lifted": len(lifted)})
    return rows


def message_preview(ws: Workspace, request_id: str, only: str | None, key: str) -> dict[str, Any]:
    from dsar.mail_message import parse
    from dsar.store import open_store

    store = open_store(ws)
    changes = store.redaction_changes(request_id)
    for system in _mail_systems(ws, request_id, only):
        for finding in _findings(ws, request_id, system):
            if finding.key != key:
                continue
            staged = next((f for f in finding.files if f.get("field") == "eml" and f.get("staged")), None)
            raw = b"".join(ws.staging.open_file(request_id, system, str(staged["staged"]))) if staged else None
            if raw is None:
                raise InputError(f"melding {key} i {system} er ikke mellomlagret; kjør kravet på nytt")
            message = parse(raw)
            lifted, added = changes.get((system, key), (set(), []))
            plan = Plan.from_json(finding.redaction)
            mark = Applier(plan, lifted, added, render=preview_mark)
            texts = [{"where": "header", "text": "\n".join(
                f"{role}: " + ", ".join(f"{mark(n)} <{mark(a)}>" if n else mark(a) for n, a in pairs)
                for role, pairs in message.addresses.items())}]
            texts.append({"where": "subject", "text": mark(message.subject)})
            for number, part in enumerate(message.parts, start=1):
                if part.text is not None and part.html is None:
                    texts.append({"where": part.filename or f"part {number}", "text": mark(part.text)})
            return {
                "asked_name": store.get(request_id).person.name,
                "system": system,
                "message": key,
                "texts": texts,
                "targets": [{**t.to_json(), "lifted": t.id in lifted} for t in plan.targets],
                "added": added,
            }
    raise InputError(f"kravet {request_id} har ingen mellomlagret melding {key}")


def change(ws: Workspace, request_id: str, system: str, key: str, actor: str, *, lift: int | None = None, add: str | None = None) -> None:
    from dsar.store import open_store

    _mail_systems(ws, request_id, system)
    finding = next((f for f in _findings(ws, request_id, system) if f.key == key), None)
    if finding is None:
        raise InputError(f"kravet {request_id} har ingen mellomlagret melding {key} i {system}")
    if lift is not None and lift not in {t.id for t in Plan.from_json(finding.redaction).targets}:
        raise InputError(f"melding {key} har ingen sladding #{lift}; se 'dsar review redactions {request_id} --message {key}'")
    open_store(ws).change_redaction(request_id, system, key, actor, lift=lift, add=add)
