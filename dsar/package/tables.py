"""One staged collection written out as JSON, as CSV and as HTML table rows.

Every writer reads the released findings straight from staging and writes them as it goes;
nothing holds more than one record. Each record is shaped again on the way out (secrets
dropped, card numbers masked) by the configuration as it is *now*: a column declared secret
after the search never leaves, whatever staging holds. A collection is read several times (once to learn its
columns and count, then once per format), which costs decryption time but keeps memory
flat however many records a person has.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from dsar.config.models import Collection, Language, LocalText
from dsar.errors import DsarError
from dsar.i18n import format_int
from dsar.package.formats import (
    CSV_SOURCE_COLUMNS,
    FILES_FIELD,
    FORMAT_VERSION,
    RESERVED_COLUMNS,
    SOURCE_FIELD,
    attachment_path,
    csv_cell,
    csv_text,
    data_path,
)
from dsar.package.zipwriter import EncryptedZip, MemberWriter
from dsar.records import Finding
from dsar.shaping import shape
from dsar.staging import Staging

Released = Callable[[Finding], bool]


@dataclass(frozen=True)
class ReleasedRecords:
    """The findings of one request that may leave: staged, and accepted by ``released``."""

    staging: Staging
    request_id: str
    released: Released
    redaction_changes: Mapping[tuple[str, str], tuple[set[int], list[str]]] = field(default_factory=dict)
    """Staff's changes to mail redactions (``dsar.package.mail_files``)."""
    redaction_counts: dict[str, Counter[str]] = field(default_factory=dict)
    """Filled while the files are written: per system, redactions by kind (counts only)."""

    def read(self, system: str, collection: str, config: Collection | None) -> Iterator[Finding]:
        for finding in self.staging.read(self.request_id, system, collection):
            if self.released(finding):
                if config is not None:
                    finding.fields = shape(finding.fields, config)
                if finding.redaction is not None:
                    from dsar.package.mail_files import redact_fields

                    redact_fields(finding, self.redaction_changes)
                yield finding


@dataclass(frozen=True)
class FieldInfo:
    """What the configuration says about one exported column, in the answer's language."""

    description: str | None = None
    special_category: str | None = None
    codes: dict[str, str] = field(default_factory=dict)
    masked: bool = False

    def to_json(self, masked_note: str) -> dict[str, Any]:
        out: dict[str, Any] = {"description": self.description}
        if self.special_category:
            out["special_category"] = self.special_category
        if self.codes:
            out["codes"] = self.codes
        if self.masked:
            out["masked"] = masked_note
        return out


@dataclass
class CollectionExport:
    """A collection's released records and the explanations that go with them.

    Built by :meth:`scan`, which reads the records once for their columns (the union over
    records, in first-seen order) and their number.
    """

    source: ReleasedRecords
    system: str
    collection: str
    config: Collection | None
    language: Language
    columns: list[str]
    records: int
    fields: dict[str, FieldInfo]
    attachments: int = 0
    attachments_missing: int = 0

    @classmethod
    def scan(
        cls,
        source: ReleasedRecords,
        system: str,
        collection: str,
        config: Collection | None,
        language: Language,
    ) -> CollectionExport:
        seen: dict[str, None] = {}
        count = attached = missing = 0
        for finding in source.read(system, collection, config):
            count += 1
            for name in finding.fields:
                if name not in seen:
                    seen[name] = None
            for info in finding.files:
                if info.get("missing"):
                    missing += 1
                else:
                    attached += 1
        clashes = sorted(RESERVED_COLUMNS.intersection(seen))
        if clashes:
            # Provenance must not be overwritten by (or confused with) a column of that name.
            raise DsarError(
                f"systemet {system!r}, samling {collection!r}: kolonnene {clashes} har navn som "
                "pakken bruker til å vise hvor en post kommer fra; gi dem andre navn i systemet"
            )
        columns = list(seen)
        return cls(
            source=source,
            system=system,
            collection=collection,
            config=config,
            language=language,
            columns=columns,
            records=count,
            fields={name: _field_info(config, name, language) for name in columns},
            attachments=attached,
            attachments_missing=missing,
        )

    # -- what the person reads about the collection -------------------------------------

    @property
    def title(self) -> str:
        return self.config.title.get(self.language) if self.config else self.collection

    @property
    def not_exported(self) -> dict[str, str]:
        """Secret columns: stored by the controller, never released (RULES: never in clear)."""
        if self.config is None:
            return {}
        return {name: text.get(self.language) for name, text in self.config.secret.items()}

    @property
    def json_path(self) -> str:
        return data_path(self.system, self.collection, "json")

    @property
    def csv_path(self) -> str:
        return data_path(self.system, self.collection, "csv")

    @property
    def has_special(self) -> bool:
        return any(f.special_category for f in self.fields.values())

    # -- writers --------------------------------------------------------------------------

    def write_json(self, out: MemberWriter, *, exported_at: str, masked_note: str) -> int:
        """Stream ``data/<system>/<collection>.json``: head, one record a line, tail."""
        head = {
            "format_version": FORMAT_VERSION,
            "request_id": self.source.request_id,
            "system": self.system,
            "collection": self.collection,
            "title": self.title,
            "exported_at": exported_at,
            "fields": {name: info.to_json(masked_note) for name, info in self.fields.items()},
            "not_exported": self.not_exported,
        }
        text = json.dumps(head, ensure_ascii=False, indent=2)
        # Reopen the object just before its closing brace to append the records array.
        out.write_text(text[: text.rindex("}")].rstrip() + ',\n  "records": [')
        written = 0
        for finding in self.source.read(self.system, self.collection, self.config):
            record = {SOURCE_FIELD: _source(finding), **finding.fields}
            if finding.files:
                record[FILES_FIELD] = self._files_of(finding)
            out.write_text(("\n    " if written == 0 else ",\n    ") + _dumps(record))
            written += 1
        out.write_text("\n  ]\n}\n" if written else "]\n}\n")
        return written

    def write_csv(self, out: MemberWriter) -> int:
        """Stream ``data/<system>/<collection>.csv``: UTF-8 with BOM, RFC 4180 (CRLF)."""
        # The BOM makes Excel read UTF-8 (æøå) instead of guessing a Windows code page.
        out.write("\ufeff".encode())
        writer = csv.writer(_TextOut(out), lineterminator="\r\n")
        files = self.attachments + self.attachments_missing > 0
        writer.writerow([*CSV_SOURCE_COLUMNS, *self.columns, *([FILES_FIELD] if files else [])])
        written = 0
        for finding in self.source.read(self.system, self.collection, self.config):
            row = [
                finding.system,
                finding.collection,
                csv_text(finding.key),  # a key is a source's value too
                *(csv_cell(finding.fields.get(name)) for name in self.columns),
            ]
            if files:
                row.append(csv_text(
                    " | ".join(f.get("path") or f"({f['name']}: mangler)" for f in self._files_of(finding))
                ))
            writer.writerow(row)
            written += 1
        return written

    def _files_of(self, finding: Finding) -> list[dict[str, Any]]:
        """A record's attached files as the package names them (no staging paths)."""
        out = []
        for info in finding.files:
            if info.get("missing"):
                out.append({"name": info["name"], "field": info["field"], "missing": True})
            else:
                out.append(
                    {
                        "path": attachment_path(self.system, self.collection, finding.key, str(info["name"])),
                        "name": info["name"],
                        "field": info["field"],
                        "media_type": info["media_type"],
                        "size": info["size"],
                        "sha256": info["sha256"],
                    }
                )
        return out

    def write_files(self, package: EncryptedZip) -> int:
        """Stream every released record's files into the package, checking each against the
        digest taken when it was staged. Media are stored as they are (not deflated)."""
        written = 0
        for finding in self.source.read(self.system, self.collection, self.config):
            if finding.redaction is not None:
                # A mail message: its .eml is written redacted, never as it was staged.
                from dsar.package.mail_files import write_message

                written += write_message(package, self.source, finding)
                continue
            for info in finding.files:
                if info.get("missing"):
                    continue
                path = attachment_path(self.system, self.collection, finding.key, str(info["name"]))
                with package.member(path) as out:
                    for chunk in self.source.staging.open_file(self.source.request_id, self.system, str(info["staged"])):
                        out.write(chunk)
                if package.entries[-1].sha256 != info["sha256"]:
                    raise DsarError(
                        f"en mellomlagret fil fra systemet {self.system!r}, samling {self.collection!r}, "
                        "stemmer ikke med sjekksummen fra da den ble funnet; søk i systemet på nytt"
                    )
                written += 1
        return written

    def html_rows(self, words: dict[str, Any]) -> Iterator[Markup]:
        """``<tr>`` per record, every value escaped: record text is untrusted."""
        special = {name for name, info in self.fields.items() if info.special_category}
        for finding in self.source.read(self.system, self.collection, self.config):
            cells = [f'<td class="key">{self._shortened(finding.key, words)}</td>']
            for name in self.columns:
                css = ' class="art9"' if name in special else ""
                value = finding.fields.get(name)
                cells.append(f"<td{css}>{_html_value(value, self.fields[name], words, self._shortened)}</td>")
            if self.attachments + self.attachments_missing:
                cells.append(f'<td class="files">{_html_files(self._files_of(finding), words)}</td>')
            yield Markup("<tr>" + "".join(cells) + "</tr>\n")


    def _shortened(self, text: str, words: dict[str, Any]) -> str:
        """``text`` escaped; a very long value (a planted 5 MB field would make the page
        unusable) cut to ``HTML_VALUE_LIMIT`` characters, with a note where the whole is."""
        if len(text) <= HTML_VALUE_LIMIT:
            return str(escape(text))
        note = words["shortened"].format(
            shown=format_int(HTML_VALUE_LIMIT, self.language), total=format_int(len(text), self.language),
            json=self.json_path, csv=self.csv_path,
        )
        return f'{escape(text[:HTML_VALUE_LIMIT])}… <span class="shortened">({escape(note)})</span>'


# Characters of one value shown in index.html; the JSON and CSV hold every value whole.
HTML_VALUE_LIMIT = 2000


class _TextOut:
    """``csv.writer`` writes text; the member takes bytes."""

    def __init__(self, out: MemberWriter) -> None:
        self._out = out

    def write(self, text: str) -> None:
        self._out.write_text(text)


def _source(finding: Finding) -> dict[str, str]:
    return {"system": finding.system, "collection": finding.collection, "key": finding.key}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _field_info(config: Collection | None, name: str, language: Language) -> FieldInfo:
    if config is None:
        return FieldInfo()

    def text(source: dict[str, LocalText]) -> str | None:
        item = source.get(name)
        return item.get(language) if item is not None else None

    codes = config.codes.get(name, {})
    return FieldInfo(
        description=text(config.fields),
        special_category=text(config.special_category),
        codes={code: meaning.get(language) for code, meaning in codes.items()},
        masked=name in config.masked,
    )


def _html_value(
    value: Any, info: FieldInfo, words: dict[str, Any], shortened: Callable[[str, dict[str, Any]], str]
) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(escape(words["yes"] if value else words["no"]))
    if isinstance(value, (dict, list)):
        return f"<code>{shortened(_dumps(value), words)}</code>"
    text = str(value)
    meaning = info.codes.get(text)
    if meaning is not None:
        return f'<span class="code">{escape(text)}</span> {escape(meaning)}'
    return shortened(text, words)


def _html_files(files: list[dict[str, Any]], words: dict[str, Any]) -> str:
    """Images inline, sound and video playable, anything else a link — all local files."""
    parts = []
    for info in files:
        name = escape(info["name"])
        if info.get("missing"):
            parts.append(f'<span class="missing">{name}: {escape(words["file_missing"])}</span>')
            continue
        href = escape(info["path"])
        kind = str(info.get("media_type") or "")
        if kind.startswith("image/"):
            media = f'<img src="{href}" alt="{name}" loading="lazy">'
        elif kind.startswith("audio/"):
            media = f'<audio controls preload="none" src="{href}"></audio>'
        elif kind.startswith("video/"):
            media = f'<video controls preload="none" src="{href}"></video>'
        else:
            media = ""
        parts.append(f'<figure>{media}<figcaption><a href="{href}">{name}</a></figcaption></figure>')
    return "".join(parts)


@dataclass
class SystemExport:
    """A system as the package presents it: its outcome and its collections' exports."""

    id: str
    title: str
    status: str
    held: int
    collections: list[CollectionExport]
    by_staff: bool = False
    mail: bool = False
    """A mail system: its messages go into ``attachments/`` as redacted ``.eml`` files too."""

    @property
    def records(self) -> int:
        return sum(c.records for c in self.collections)

    @property
    def attachments(self) -> int:
        return sum(c.attachments for c in self.collections)

    @property
    def attachments_missing(self) -> int:
        return sum(c.attachments_missing for c in self.collections)

    @property
    def with_records(self) -> list[CollectionExport]:
        return [c for c in self.collections if c.records]
