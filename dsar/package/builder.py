"""Builds the encrypted export package of one answer.

The package is one AES-256 zip::

    LES-MEG.txt | README.txt            how to open it, what the files are
    index.html                          the whole copy, readable offline in a browser
    svarbrev.pdf, svarbrev.html         the cover letter (cover-letter.* in English)
    data/<system>/<collection>.json     portable copy: metadata, field meanings, records
    data/<system>/<collection>.csv      the same as a table (UTF-8 with BOM, RFC 4180)
    attachments/<system>/<collection>/<key>/<file>   files that belong to a record (photos,
                                        recordings), stored as they are when already compressed
                                        (a mail message: its redacted <key>.eml and its attachments)
    manifest.json                       systems, completeness, every file's SHA-256 and size

Records come from staging as they are read and go into the zip as they are written, so
memory stays flat however much a person has. Only findings ``released`` accepts are ever
written; held ones never leave. The zip appears at ``dest`` only when complete.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dsar.config.models import Language
from dsar.errors import DsarError
from dsar.faults import checkpoint
from dsar.i18n import in_oslo
from dsar.package import texts
from dsar.package.formats import INDEX, MANIFEST, attachments_dir, letter_names
from dsar.package.index_html import write_index
from dsar.package.manifest import build_manifest, manifest_bytes
from dsar.package.readme import render_readme
from dsar.package.tables import CollectionExport, ReleasedRecords, SystemExport
from dsar.package.zipwriter import EncryptedZip
from dsar.records import Finding
from dsar.report import Answer, SystemReport
from dsar.staging import Staging


@dataclass(frozen=True)
class PackageInfo:
    """What was built: safe to log and to return to Prefect (no data, no password)."""

    path: Path
    sha256: str
    size: int
    files: int
    """File members, the manifest included (directory entries not counted)."""
    records: int
    """Records written (each appears once in JSON, once in CSV and once in index.html)."""
    complete: bool


def confirmed_only(finding: Finding) -> bool:
    """The default release rule: confirmed matches only; held ones wait for staff."""
    return finding.status == "confirmed"


def build_package(
    answer: Answer,
    staging: Staging,
    dest: Path,
    *,
    password: str,
    letter_html: str,
    letter_pdf: bytes,
    released: Callable[[Finding], bool] = confirmed_only,
    redaction_changes: Mapping[tuple[str, str], tuple[set[int], list[str]]] | None = None,
) -> PackageInfo:
    """Write the encrypted package of ``answer`` to ``dest`` and describe it.

    ``released`` decides finding by finding what may leave; the flow passes one that also
    accepts held records staff approved. Systems that ``failed`` are named, not read.
    The zip is written beside ``dest`` as ``<name>.partial`` and renamed into place when
    complete; on any error nothing is left behind and the error propagates.
    ``password`` is used for encryption only: it is not stored, logged or returned.
    """
    language = answer.language
    source = ReleasedRecords(staging, answer.request_id, released, dict(redaction_changes or {}))
    systems = [_scan_system(report, source, language) for report in answer.systems]
    exported_at = answer.generated_at.isoformat()
    masked_note = texts.labels(language)["masked"]
    letter_pdf_name, letter_html_name = letter_names(language)

    # Zip file times carry no zone; an unzip tool shows them as local time.
    with EncryptedZip(dest, password, in_oslo(answer.generated_at)) as package:
        readme_name, readme = render_readme(answer, dest.name)
        package.write_bytes(readme_name, readme)
        with package.member(INDEX) as out:
            write_index(out, answer, systems)
        package.write_bytes(letter_pdf_name, letter_pdf)
        checkpoint("packaging")
        package.write_bytes(letter_html_name, letter_html.encode("utf-8"))

        records = 0
        redactions: dict[str, dict[str, int]] = {}
        for system in systems:
            for export in system.with_records:
                with package.member(export.json_path) as out:
                    written = export.write_json(
                        out, exported_at=exported_at, masked_note=masked_note
                    )
                _check_count(export, written)
                with package.member(export.csv_path) as out:
                    _check_count(export, export.write_csv(out))
                export.write_files(package)
                records += written
            if system.records and not system.attachments:
                package.directory(attachments_dir(system.id))
            if system.mail:
                redactions[system.id] = dict(source.redaction_counts.get(system.id, {}))

        manifest = build_manifest(answer, systems, package.entries, redactions)
        package.write_bytes(MANIFEST, manifest_bytes(manifest))
        files = len(package.entries)
        sha256, size = package.finish()

    return PackageInfo(
        path=dest, sha256=sha256, size=size, files=files, records=records, complete=answer.complete
    )


def _scan_system(
    report: SystemReport, source: ReleasedRecords, language: Language
) -> SystemExport:
    system = report.system
    collections: list[CollectionExport] = []
    if report.status not in ("failed", "waiting"):
        # A failed system's search did not finish, so nothing of it is staged; should an
        # older staging exist, the package must not contradict "could not be searched".
        staged = set(source.staging.collections(source.request_id, system.id))
        ordered = [c for c in system.collections if c in staged]
        ordered += sorted(staged - set(ordered))
        collections = [
            CollectionExport.scan(source, system.id, cid, system.collections.get(cid), language)
            for cid in ordered
        ]
    return SystemExport(
        id=system.id,
        title=system.title.get(language),
        status=report.status,
        held=report.held,
        collections=collections,
        mail=system.connector == "mail",
        by_staff=report.by_staff,
    )


def _check_count(export: CollectionExport, written: int) -> None:
    if written != export.records:
        # Staging is read once per format; a re-run of the system replacing it meanwhile
        # would make the formats disagree.
        raise DsarError(
            f"de mellomlagrede funnene fra systemet {export.system!r}, samling {export.collection!r}, "
            f"ble endret mens pakken ble bygd ({export.records}, så {written} poster); bygg pakken på nytt"
        )
