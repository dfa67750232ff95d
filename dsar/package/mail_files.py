"""A mail system's messages in the package: each as its redacted ``.eml``, its attachments
beside it, and the redactions applied to its row.

The redaction plan was decided at search time and staged (encrypted) with the message;
staff's changes (``RequestStore.redaction_changes``: redactions lifted, texts added) are
applied here, when the package is built, so a change needs no new search. Every member
name is made of the system id and the message's key (no personal data: member names are
not encrypted in a zip): ``attachments/<system>/messages/<key>/<key>.eml`` and
``…/<key>/vedlegg-<n>.<suffix>`` (an attachment's own name may name someone; it is in the row
and the ``.eml``, which are encrypted).

An attachment that can't be read as text (PDF, images, Office files) can't be redacted: it
is withheld, and ``…/<key>/vedlegg-<n>-holdt-tilbake.txt`` (and a note in the ``.eml``) says
which and why; ``redaction_counts`` counts it as ``withheld`` for the manifest.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from dsar.mail_message import MessageUnreadable, parse, released_text, to_eml
from dsar.mail_parts import withheld_note
from dsar.package.formats import attachment_path
from dsar.package.zipwriter import EncryptedZip
from dsar.records import Finding
from dsar.redaction import Applier, Plan

Changes = Mapping[tuple[str, str], tuple[set[int], list[str]]]
"""(system, record key) → (redaction numbers lifted, texts added), from the request store."""


def eml_name(system: str, collection: str, key: str) -> str:
    return attachment_path(system, collection, key, f"{key}.eml")


def applier(finding: Finding, changes: Changes) -> Applier:
    lifted, added = changes.get((finding.system, finding.key), (set(), []))
    return Applier(Plan.from_json(finding.redaction), lifted, added)


def redact_fields(finding: Finding, changes: Changes) -> None:
    """Black out the row's values (sender, recipients, subject, file names) as the ``.eml``
    is; add the number of redactions."""
    if finding.redaction is None:
        return
    redact = applier(finding, changes)
    fields: dict[str, Any] = {}
    for name, value in finding.fields.items():
        if isinstance(value, str):
            fields[name] = redact(value)
        elif isinstance(value, list):
            fields[name] = [redact(v) if isinstance(v, str) else v for v in value]
        else:
            fields[name] = value
    fields["redactions"] = active_count(finding, changes)
    finding.fields = fields


def active_count(finding: Finding, changes: Changes) -> int:
    lifted, added = changes.get((finding.system, finding.key), (set(), []))
    return sum(t.count for t in Plan.from_json(finding.redaction).targets if t.id not in lifted) + len(added)


def write_message(package: EncryptedZip, source: Any, finding: Finding) -> int:
    """Write one released message's redacted ``.eml`` and its attachments; count its
    redactions by kind in ``source.redaction_counts`` (counts only). Returns members written.

    ``source`` is the package's ``ReleasedRecords`` (staging, request, staff's changes)."""
    staged = next((f for f in finding.files if f.get("field") == "eml" and f.get("staged")), None)
    if staged is None:
        return 0
    raw = b"".join(source.staging.open_file(source.request_id, finding.system, str(staged["staged"])))
    try:
        message = parse(raw, with_data=True)
    except MessageUnreadable:
        return 0
    changes: Changes = source.redaction_changes
    lifted, added = changes.get((finding.system, finding.key), (set(), []))
    plan = Plan.from_json(finding.redaction)
    counts = source.redaction_counts.setdefault(finding.system, Counter())
    for target in plan.targets:
        if target.id in lifted:
            counts["lifted"] += 1
        else:
            counts[target.kind] += target.count
    counts["added"] += len(added)
    redact = Applier(plan, lifted, added)
    package.write_bytes(eml_name(finding.system, finding.collection, finding.key), to_eml(message, redact, redact.address))
    written = 1
    # Attachments numbered in their order; a withheld inline part (an image in the body)
    # after them.
    numbered = list(enumerate(message.attachments, start=1))
    numbered += [(len(numbered) + n, p) for n, p in enumerate((p for p in message.withheld if not p.attachment), start=1)]
    for number, part in numbered:
        if part.text is not None:
            name = attachment_name(part.filename, number)
            data = released_text(part, redact).encode("utf-8")
        else:
            name = f"vedlegg-{number}-holdt-tilbake.txt"
            data = withheld_note(redact(part.filename) if part.filename else None, part.content_type, part.size).encode("utf-8")
            counts["withheld"] += 1
        package.write_bytes(attachment_path(finding.system, finding.collection, finding.key, name), data)
        written += 1
    return written


def attachment_name(filename: str | None, number: int) -> str:
    """``vedlegg-<n>.<suffix>``: zip member names are not encrypted, and a file name may
    name someone ("CV Kari Nordmann.pdf"); the name as sent is in the message's row and
    ``.eml``, both encrypted."""
    suffix = re.search(r"\.([A-Za-z0-9]{1,5})$", filename or "")
    return f"vedlegg-{number}" + (f".{suffix.group(1).lower()}" if suffix else "")
