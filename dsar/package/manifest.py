"""``manifest.json``: what the package holds, how complete it is, and every file's checksum.

Written last, once every other member is in and hashed; it lists all members but itself.
A program can check a copy against it (``sha256``, ``size``) and tell from ``complete`` and
each system's ``status`` whether more is to come. It holds no record values.
"""

from __future__ import annotations

import json
from typing import Any

from dsar.package.formats import FORMAT_VERSION
from dsar.package.tables import SystemExport
from dsar.package.zipwriter import MemberEntry
from dsar.report import Answer

ENCRYPTION = "AES-256 (WinZip AE-2)"


def build_manifest(
    answer: Answer,
    systems: list[SystemExport],
    entries: list[MemberEntry],
    redactions: dict[str, dict[str, int]] | None = None,
) -> dict[str, Any]:
    """``redactions``: per mail system, how many places others' data was blacked out, by kind
    (counts only, as every number here)."""
    controller = answer.controller
    return {
        "format_version": FORMAT_VERSION,
        "request_id": answer.request_id,
        "controller": {"id": controller.id, "name": controller.name, "org_nr": controller.org_nr},
        "generated_at": answer.generated_at.isoformat(),
        "language": answer.language,
        "complete": answer.complete,
        "encryption": ENCRYPTION,
        "systems": [_system(s, (redactions or {}).get(s.id)) for s in systems],
        "files": [entry.to_json() for entry in entries],
    }


def _system(system: SystemExport, redactions: dict[str, int] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": system.id,
        "title": system.title,
        "status": system.status,
        "searched_by": "staff" if system.by_staff else "dsar",
        "records": system.records,
        "held": system.held,
        "attachments": system.attachments,
        "attachments_missing": system.attachments_missing,
    }
    if redactions is not None:
        out["redactions"] = {kind: redactions.get(kind, 0) for kind in ("email", "phone", "name", "added", "lifted", "withheld")}
    out["collections"] = [
        {
            "id": c.collection,
            "title": c.title,
            "records": c.records,
            "files": [c.json_path, c.csv_path],
        }
        for c in system.with_records
    ]
    return out


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
