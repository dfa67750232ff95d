"""The encrypted export package, checked from outside with the ``7z`` command.

A small controller with three systems is built here: one with data (coded, special-category,
masked, secret and nested fields, a hostile value, a held record), one that failed, and one
where nothing was found. The package is opened with 7-Zip the way a person would.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import tracemalloc
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import pyzipper

from dsar.config.models import Controller, System
from dsar.package import (
    FORMAT_VERSION,
    PackageInfo,
    build_package,
    compress_type_for,
    generate_password,
)
from dsar.records import Finding
from dsar.report import Answer, SystemReport
from dsar.staging import Staging

REQUEST = "req-2025-0042"
HOSTILE = "<script>alert('x')</script> & \"sitat\", med komma\nog linjeskift"
HELD_MARKER = "HELD-RECORD-MUST-NOT-LEAVE"
CRM_ERROR = "systemet 'crm': filen contacts.csv finnes ikke"
OSLO = timezone(timedelta(hours=1))
LETTER_PDF = b"%PDF-1.7\n% test letter\n%%EOF\n"
LETTER_HTML = "<!DOCTYPE html><html lang=nb><body><p>Svarbrev – æøå</p></body></html>"

@pytest.fixture(autouse=True, scope="module")
def _seven_zip_installed() -> None:
    # Opening the package with a standard tool is the point: a missing 7z fails, it doesn't
    # quietly skip (make test installs p7zip-full).
    assert shutil.which("7z"), "the 7z command is missing: install Debian's p7zip-full (scripts/setup.sh)"


# ------------------------------------------------------------------------------ world


def _register() -> dict:
    return {
        "purposes": ["Kundeforhold"],
        "legal_basis": ["Avtale (art. 6(1)(b))"],
        "categories": ["Kontaktopplysninger"],
        "recipients": [],
        "retention": "Tre år etter siste kjøp",
        "sources": [],
        "transfers": [],
        "profiling": False,
        "automated_decisions": False,
    }


def _controller() -> Controller:
    return Controller(
        id="butikk",
        name="Eksempel Butikk AS",
        org_nr="974760673",
        address=["Storgata 1", "0155 Oslo"],
        email="personvern@example.no",
        phone="+47 22 00 00 00",
        responsible={"nb": "Daglig leder", "en": "Managing director"},
        languages=["nb", "en"],
    )


def _shop() -> System:
    return System(
        id="nettbutikk",
        title={"nb": "Nettbutikken", "en": "Web shop"},
        connector="sql",
        connection={"url": "sqlite:///{workspace}/sources/shop.db"},
        register=_register(),
        collections={
            "customers": {
                "title": {"nb": "Kunder", "en": "Customers"},
                "table": "customers",
                "key": ["id"],
                "identities": [{"type": "email", "column": "email"}],
                "fields": {
                    "id": {"nb": "Kundenummer", "en": "Customer number"},
                    "email": {"nb": "E-postadresse", "en": "E-mail address"},
                    "name": {"nb": "Navn", "en": "Name"},
                    "status": {"nb": "Kundestatus", "en": "Customer status"},
                    "diet": {"nb": "Kostbehov ved arrangementer", "en": "Dietary needs"},
                    "card": {"nb": "Lagret betalingskort", "en": "Stored payment card"},
                    "note": {"nb": "Notat fra kundeservice", "en": "Customer service note"},
                    "prefs": {"nb": "Innstillinger", "en": "Preferences"},
                },
                "secret": {"password_hash": {"nb": "Passord (hash)", "en": "Password (hash)"}},
                "special_category": {
                    "diet": {
                        "nb": "Kan avsløre helse eller religion",
                        "en": "May reveal health or religion",
                    }
                },
                "codes": {
                    "status": {
                        "A": {"nb": "Aktiv kunde", "en": "Active customer"},
                        "P": {"nb": "Passiv kunde", "en": "Passive customer"},
                    }
                },
                "masked": {"card": "pan"},
            },
            "orders": {
                "title": {"nb": "Ordrer", "en": "Orders"},
                "table": "orders",
                "key": ["id"],
                "fields": {"id": "Ordrenummer", "customer_id": "Kundenummer", "total": "Beløp"},
            },
        },
        references=[{"from": "orders.customer_id", "to": "customers.id"}],
    )


def _crm() -> System:
    return System(
        id="crm",
        title={"nb": "Kunderegister (CRM)", "en": "Customer register (CRM)"},
        connector="csv",
        register=_register(),
        collections={
            "contacts": {
                "title": {"nb": "Kontakter", "en": "Contacts"},
                "path": "crm/contacts.csv",
                "key": ["_line"],
                "identities": [{"type": "email", "column": "email"}],
                "fields": {"email": "E-post"},
            }
        },
    )


def _newsletter() -> System:
    return System(
        id="nyhetsbrev",
        title={"nb": "Nyhetsbrev", "en": "Newsletter"},
        connector="csv",
        register=_register(),
        collections={
            "subscribers": {
                "title": "Abonnenter",
                "path": "news/subscribers.csv",
                "key": ["_line"],
                "identities": [{"type": "email", "column": "email"}],
            }
        },
    )


def _answer(*, language: str = "nb", crm_failed: bool = False) -> Answer:
    crm = (
        SystemReport(system=_crm(), status="failed", error=CRM_ERROR)
        if crm_failed
        else SystemReport(system=_crm(), status="nothing_found")
    )
    return Answer(
        request_id=REQUEST,
        controller=_controller(),
        language=language,  # type: ignore[arg-type]
        subject_name="Åse Ærlig-Øvre",
        received_on=date(2025, 3, 5),
        answered_on=date(2025, 3, 20),
        generated_at=datetime(2025, 3, 20, 14, 3, tzinfo=OSLO),
        systems=[
            SystemReport(system=_shop(), status="complete", held=1, collections={"customers": 1, "orders": 3}),
            crm,
            SystemReport(system=_newsletter(), status="nothing_found"),
        ],
        password_channel="sms",
    )


def _stage(staging: Staging) -> None:
    stager = staging.begin(REQUEST, "nettbutikk")
    stager.add(
        Finding(
            system="nettbutikk",
            collection="customers",
            key="17",
            fields={
                "id": 17,
                "email": "ase@example.no",
                "name": "Åse Ærlig-Øvre",
                "status": "A",
                "diet": "halal",
                "card": "411111******1111",
                "note": HOSTILE,
                "prefs": {"newsletter": True, "tags": ["sko", "vinter"]},
            },
            matched_on=["email"],
        )
    )
    stager.add(
        Finding(
            system="nettbutikk",
            collection="customers",
            key="18",
            fields={"id": 18, "email": "ase@example.no", "name": HELD_MARKER, "status": "P"},
            status="held",
            reason="name differs",
            matched_on=["email"],
        )
    )
    for order_id, total in ((501, "1299.00"), (502, "89.50")):
        stager.add(
            Finding(
                system="nettbutikk",
                collection="orders",
                key=str(order_id),
                fields={"id": order_id, "customer_id": 17, "total": total},
                via="customers/17",
            )
        )
    # A column only a later record has: the CSV columns are the union, first seen first.
    stager.add(
        Finding(
            system="nettbutikk",
            collection="orders",
            key="503",
            fields={"id": 503, "customer_id": 17, "total": "10.00", "gift_wrap": True},
            via="customers/17",
        )
    )
    stager.commit()


@dataclass
class Built:
    info: PackageInfo
    password: str
    root: Path
    """The extracted package."""


def _seven_zip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["7z", *args], capture_output=True, text=True, check=False)


def _build(tmp_path: Path, data_key, **answer_kw) -> Built:
    staging = Staging(tmp_path / "staging", data_key)
    _stage(staging)
    password = generate_password()
    info = build_package(
        _answer(**answer_kw),
        staging,
        tmp_path / "exports" / REQUEST / f"innsyn-{REQUEST}.zip",
        password=password,
        letter_html=LETTER_HTML,
        letter_pdf=LETTER_PDF,
    )
    root = tmp_path / "extracted"
    result = _seven_zip("x", f"-p{password}", f"-o{root}", "-y", str(info.path))
    assert result.returncode == 0, result.stdout + result.stderr
    return Built(info, password, root)


@pytest.fixture
def built(tmp_path: Path, data_key) -> Built:
    return _build(tmp_path, data_key)


@pytest.fixture
def partial(tmp_path: Path, data_key) -> Built:
    return _build(tmp_path, data_key, crm_failed=True)


def _manifest(b: Built) -> dict:
    return json.loads((b.root / "manifest.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------ encryption


def test_opens_only_with_the_password(built: Built, tmp_path: Path) -> None:
    assert _seven_zip("t", f"-p{built.password}", str(built.info.path)).returncode == 0
    out = tmp_path / "wrong"
    wrong = _seven_zip("x", "-pWRONG-PASSWORD", f"-o{out}", "-y", str(built.info.path))
    assert wrong.returncode != 0


def test_every_member_is_aes_256(built: Built) -> None:
    listing = _seven_zip("l", "-slt", f"-p{built.password}", str(built.info.path)).stdout
    members = listing.split("\n----------\n", 1)[1].split("\n\n")
    blocks = [b for b in members if b.startswith("Path = ") and "Folder = -" in b]
    assert len(blocks) == built.info.files
    for block in blocks:
        assert "Encrypted = +" in block, block
        assert re.search(r"^Method = AES-256\b", block, re.M), block
    methods = {b.split("\n", 1)[0][len("Path = ") :]: b for b in blocks}
    assert "Method = AES-256 Store" in methods["svarbrev.pdf"]  # PDF is compressed already
    assert "Method = AES-256 Deflate" in methods["data/nettbutikk/customers.json"]


def test_password_is_nowhere_in_the_zip(built: Built) -> None:
    raw = built.info.path.read_bytes()
    assert built.password.encode() not in raw
    assert built.password.replace("-", "").encode() not in raw


def test_package_info_describes_the_zip(built: Built) -> None:
    raw = built.info.path.read_bytes()
    assert built.info.sha256 == hashlib.sha256(raw).hexdigest()
    assert built.info.size == len(raw)
    assert built.info.records == 4  # 1 customer + 3 orders; the held customer is not counted
    assert built.info.complete is True
    assert not list(built.info.path.parent.glob("*.partial"))


# -------------------------------------------------------------------------- manifest


def test_manifest_lists_every_file_with_checksum(built: Built) -> None:
    manifest = _manifest(built)
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {
        p.relative_to(built.root).as_posix() for p in built.root.rglob("*") if p.is_file()
    }
    assert set(listed) == on_disk - {"manifest.json"}
    for path, entry in listed.items():
        data = (built.root / path).read_bytes()
        assert entry["size"] == len(data), path
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), path
    assert built.info.files == len(listed) + 1


def test_manifest_states_the_answer(built: Built) -> None:
    manifest = _manifest(built)
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["request_id"] == REQUEST
    assert manifest["controller"] == {
        "id": "butikk", "name": "Eksempel Butikk AS", "org_nr": "974760673",
    }  # fmt: skip
    assert datetime.fromisoformat(manifest["generated_at"]).utcoffset() == timedelta(hours=1)
    assert manifest["language"] == "nb"
    assert manifest["complete"] is True
    systems = {s["id"]: s for s in manifest["systems"]}
    assert list(systems) == ["nettbutikk", "crm", "nyhetsbrev"]
    assert systems["nettbutikk"]["status"] == "complete"
    assert systems["nettbutikk"]["records"] == 4
    assert systems["nettbutikk"]["held"] == 1
    assert systems["nyhetsbrev"] == {
        "id": "nyhetsbrev", "title": "Nyhetsbrev", "status": "nothing_found", "searched_by": "dsar",
        "records": 0, "held": 0, "attachments": 0, "attachments_missing": 0, "collections": [],
    }  # fmt: skip


def test_incomplete_answer_names_the_failed_system(partial: Built) -> None:
    manifest = _manifest(partial)
    assert manifest["complete"] is False
    assert partial.info.complete is False
    crm = next(s for s in manifest["systems"] if s["id"] == "crm")
    assert crm["status"] == "failed"
    # Staff's error text (internal, in English) stays with staff: not in the person's copy.
    assert "error" not in crm
    for path in partial.root.rglob("*"):
        if path.is_file():
            assert b"contacts.csv finnes ikke" not in path.read_bytes(), path
    html = (partial.root / "index.html").read_text(encoding="utf-8")
    assert 'data-complete="false"' in html
    assert "ikke fullstendig" in html
    start = html.index('<ul class="missing">')
    missing = html[start : html.index("</ul>", start)]
    assert "Kunderegister (CRM)" in missing and "kunne ikke søkes" in missing
    assert "ikke fullstendig" in (partial.root / "LES-MEG.txt").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- data


def test_json_is_portable_and_explained(built: Built) -> None:
    doc = json.loads((built.root / "data/nettbutikk/customers.json").read_text(encoding="utf-8"))
    assert doc["format_version"] == FORMAT_VERSION
    assert doc["request_id"] == REQUEST
    assert (doc["system"], doc["collection"]) == ("nettbutikk", "customers")
    assert doc["title"] == "Kunder"
    assert doc["exported_at"] == "2025-03-20T14:03:00+01:00"
    fields = doc["fields"]
    assert fields["email"] == {"description": "E-postadresse"}
    assert fields["diet"]["special_category"] == "Kan avsløre helse eller religion"
    assert fields["status"]["codes"] == {"A": "Aktiv kunde", "P": "Passiv kunde"}
    assert "masked" in fields["card"]
    assert doc["not_exported"] == {"password_hash": "Passord (hash)"}
    assert "password_hash" not in fields
    [record] = doc["records"]
    assert record["_source"] == {"system": "nettbutikk", "collection": "customers", "key": "17"}
    assert record["note"] == HOSTILE
    assert record["prefs"] == {"newsletter": True, "tags": ["sko", "vinter"]}


def test_every_json_record_has_its_source(built: Built) -> None:
    files = sorted((built.root / "data").rglob("*.json"))
    assert [f.relative_to(built.root).as_posix() for f in files] == [
        "data/nettbutikk/customers.json",
        "data/nettbutikk/orders.json",
    ]
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["records"]
        for record in doc["records"]:
            assert set(record["_source"]) == {"system", "collection", "key"}
            assert record["_source"]["collection"] == doc["collection"]


def test_csv_has_bom_and_parses(built: Built) -> None:
    raw = (built.root / "data/nettbutikk/customers.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["_source_system", "_source_collection", "_source_key"]
    header, [row] = rows[0], rows[1:]
    cell = dict(zip(header, row, strict=True))
    assert cell["_source_key"] == "17"
    assert cell["name"] == "Åse Ærlig-Øvre"
    assert cell["note"] == HOSTILE  # quotes, comma and newline survive RFC 4180 quoting
    assert json.loads(cell["prefs"]) == {"newsletter": True, "tags": ["sko", "vinter"]}
    assert "password_hash" not in header


def test_csv_columns_are_the_union_in_first_seen_order(built: Built) -> None:
    text = (built.root / "data/nettbutikk/orders.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == [
        "_source_system", "_source_collection", "_source_key",
        "id", "customer_id", "total", "gift_wrap",
    ]  # fmt: skip
    assert [r[-1] for r in rows[1:]] == ["", "", "true"]


def test_held_records_never_leave(built: Built) -> None:
    for path in built.root.rglob("*"):
        if path.is_file():
            assert HELD_MARKER.encode() not in path.read_bytes(), path


def test_the_configuration_at_release_decides_what_leaves(tmp_path: Path, data_key) -> None:
    """Staged before the column was declared secret and the card masked (an older search):
    the package applies today's configuration, so neither value leaves."""
    staging = Staging(tmp_path / "staging", data_key)
    stager = staging.begin(REQUEST, "nettbutikk")
    stager.add(
        Finding(
            system="nettbutikk",
            collection="customers",
            key="19",
            fields={"id": 19, "email": "ase@example.no", "password_hash": "$2b$12$SECRETHASH",
                    "card": "4111111111111111"},
        )
    )
    stager.commit()
    password = generate_password()
    info = build_package(_answer(), staging, tmp_path / "p.zip", password=password,
                         letter_html=LETTER_HTML, letter_pdf=LETTER_PDF)
    root = tmp_path / "x"
    assert _seven_zip("x", f"-p{password}", f"-o{root}", "-y", str(info.path)).returncode == 0
    blobs = b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())
    assert b"SECRETHASH" not in blobs and b"4111111111111111" not in blobs
    [record] = json.loads((root / "data/nettbutikk/customers.json").read_text(encoding="utf-8"))["records"]
    assert "password_hash" not in record and record["card"] == "411111******1111"


def test_letter_and_readme_are_included(built: Built) -> None:
    assert (built.root / "svarbrev.pdf").read_bytes() == LETTER_PDF
    assert (built.root / "svarbrev.html").read_text(encoding="utf-8") == LETTER_HTML
    readme = (built.root / "LES-MEG.txt").read_text(encoding="utf-8")
    for tool in ("7-Zip", "Keka", "The Unarchiver", "7z x"):
        assert tool in readme
    assert built.password not in readme
    assert (built.root / "attachments" / "nettbutikk").is_dir()


# ------------------------------------------------------------------------ index.html


def test_index_escapes_hostile_values(built: Built) -> None:
    html = (built.root / "index.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;sitat&#34;" in html


def test_index_explains_the_data(built: Built) -> None:
    html = (built.root / "index.html").read_text(encoding="utf-8")
    assert '<html lang="nb">' in html
    assert "Eksempel Butikk AS" in html and REQUEST in html
    assert 'data-complete="true"' in html
    assert "E-postadresse" in html  # column header explanation
    assert '<span class="code">A</span> Aktiv kunde' in html  # code shown with its meaning
    assert 'class="art9"' in html and "Særlig kategori (art. 9)" in html
    assert "Lagret, men ikke utlevert" in html and "password_hash" in html
    nothing = html[html.index('id="nothing-found"') :]
    assert "Nyhetsbrev" in nothing and "Kunderegister (CRM)" in nothing
    assert HELD_MARKER not in html
    # Offline: no scripts, nothing fetched from elsewhere.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<link" not in html


def test_english_answer(tmp_path: Path, data_key) -> None:
    b = _build(tmp_path, data_key, language="en")
    names = {p.name for p in b.root.iterdir()}
    expected = {"README.txt", "cover-letter.pdf", "cover-letter.html", "index.html", "manifest.json"}
    assert expected <= names
    assert not {"LES-MEG.txt", "svarbrev.pdf"} & names
    html = (b.root / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Special category (Art. 9)" in html
    doc = json.loads((b.root / "data/nettbutikk/customers.json").read_text(encoding="utf-8"))
    assert doc["title"] == "Customers"
    assert doc["fields"]["status"]["codes"]["A"] == "Active customer"


# ---------------------------------------------------------------------- robustness


def test_failure_leaves_no_zip(tmp_path: Path, data_key) -> None:
    staging = Staging(tmp_path / "staging", data_key)
    _stage(staging)
    dest = tmp_path / "exports" / "innsyn.zip"
    calls = 0

    def released(finding: Finding) -> bool:
        nonlocal calls
        calls += 1
        if calls > 12:  # fail in the middle of writing the data files
            raise RuntimeError("staging read failed")
        return finding.status == "confirmed"

    with pytest.raises(RuntimeError, match="staging read failed"):
        build_package(
            _answer(), staging, dest, password=generate_password(),
            letter_html=LETTER_HTML, letter_pdf=LETTER_PDF, released=released,
        )  # fmt: skip
    assert list(dest.parent.iterdir()) == []


def test_a_failed_system_is_named_not_read(tmp_path: Path, data_key) -> None:
    staging = Staging(tmp_path / "staging", data_key)
    _stage(staging)
    stale = staging.begin(REQUEST, "crm")  # left over from an earlier run
    stale.add(Finding(system="crm", collection="contacts", key="1", fields={"email": "x@y.no"}))
    stale.commit()
    info = build_package(
        _answer(crm_failed=True), staging, tmp_path / "p.zip", password=generate_password(),
        letter_html=LETTER_HTML, letter_pdf=LETTER_PDF,
    )  # fmt: skip
    with pyzipper.AESZipFile(info.path) as z:
        assert not [n for n in z.namelist() if "/crm/" in n]
    assert info.records == 4


def test_released_rule_decides_what_leaves(tmp_path: Path, data_key) -> None:
    staging = Staging(tmp_path / "staging", data_key)
    _stage(staging)
    info = build_package(
        _answer(), staging, tmp_path / "p.zip", password=generate_password(),
        letter_html=LETTER_HTML, letter_pdf=LETTER_PDF, released=lambda f: True,
    )  # fmt: skip
    assert info.records == 5


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        # media and archives are already compressed: stored, never deflated
        ("attachments/crm/photo.JPG", True),
        ("attachments/crm/scan.jpeg", True),
        ("attachments/crm/voice.m4a", True),
        ("attachments/crm/call.wav", True),
        ("attachments/crm/clip.mp4", True),
        ("attachments/crm/old.zip", True),
        ("svarbrev.pdf", True),
        # text compresses well
        ("data/crm/contacts.json", False),
        ("data/crm/contacts.csv", False),
        ("index.html", False),
        ("LES-MEG.txt", False),
        ("attachments/crm/no-extension", False),
    ],
)
def test_compress_type_for(name: str, stored: bool) -> None:
    expected = pyzipper.ZIP_STORED if stored else pyzipper.ZIP_DEFLATED
    assert compress_type_for(name) == expected


# ----------------------------------------------------------------------------- memory

BIG = 100_000
MEMORY_BOUND = 6 * 1024 * 1024
"""Measured: ~2.2 MB peak for 100k records (~1.9 MB for 20k); a fixed margin above that."""


def test_memory_stays_flat_for_a_large_collection(tmp_path: Path, data_key) -> None:
    staging = Staging(tmp_path / "staging", data_key)
    stager = staging.begin(REQUEST, "nettbutikk")
    for i in range(BIG):
        stager.add(
            Finding(
                system="nettbutikk",
                collection="orders",
                key=str(i),
                fields={
                    "id": i,
                    "customer_id": 17,
                    "total": f"{i % 9000}.{i % 100:02d}",
                    "comment": f"Levering til Storgata {i % 300}, 0155 Oslo – ring på døra {i}",
                },
            )
        )
    counts = stager.commit()
    assert counts.confirmed == {"orders": BIG}
    staged_dir = staging.system_dir(REQUEST, "nettbutikk")
    staged_bytes = sum(p.stat().st_size for p in staged_dir.iterdir())

    # Warm up: compile templates and import lazily loaded modules outside the measurement.
    build_package(
        _answer(), Staging(tmp_path / "empty", data_key), tmp_path / "warm.zip",
        password="warm-up", letter_html=LETTER_HTML, letter_pdf=LETTER_PDF,
    )  # fmt: skip

    tracemalloc.start()
    try:
        info = build_package(
            _answer(), staging, tmp_path / "big.zip", password=generate_password(),
            letter_html=LETTER_HTML, letter_pdf=LETTER_PDF,
        )  # fmt: skip
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert info.records == BIG
    with pyzipper.AESZipFile(info.path) as z:
        sizes = {i.filename: i.file_size for i in z.infolist()}
    # Each of index.html, the JSON and the CSV is larger than the bound on its own (the
    # members hold ~46 MB, staging ~29 MB): holding any of them whole would break it.
    assert min(sizes[n] for n in ("index.html", "data/nettbutikk/orders.json")) > 2 * MEMORY_BOUND
    assert staged_bytes > 4 * MEMORY_BOUND
    assert peak < MEMORY_BOUND, f"peak {peak / 1e6:.1f} MB for {staged_bytes / 1e6:.1f} MB staged"
    print(f"\npeak {peak / 1e6:.2f} MB; staged {staged_bytes / 1e6:.1f} MB; "
          f"package members {sum(sizes.values()) / 1e6:.1f} MB")  # fmt: skip


@pytest.mark.parametrize("column", ["_source", "_source_key", "_source_system"])
def test_a_column_named_like_the_provenance_columns_is_refused(tmp_path: Path, data_key, column: str) -> None:
    from dsar.errors import DsarError

    staging = Staging(tmp_path / "staging", data_key)
    stager = staging.begin(REQUEST, "nettbutikk")
    stager.add(Finding(system="nettbutikk", collection="orders", key="1", fields={"id": 1, column: "x"}))
    stager.commit()
    with pytest.raises(DsarError, match="pakken bruker til å vise hvor en post kommer fra"):
        build_package(_answer(), staging, tmp_path / "p.zip", password=generate_password(),
                      letter_html=LETTER_HTML, letter_pdf=LETTER_PDF)
    assert not (tmp_path / "p.zip").exists()


# ------------------------------------------------------------------------ attached files


def test_attached_files_are_stored_linked_and_shown(tmp_path: Path, data_key) -> None:
    """A photo and a recording go in as they are (stored, not deflated), each record links its
    files, index.html shows the photo and plays the sound offline, and a file the system lists
    but no longer has is stated, not silently left out."""
    from dsar.records import FileRef
    from sample_data.media import write_photo, write_sound

    photo, sound = tmp_path / "IMG 0001.JPG", tmp_path / "opptak.wav"
    write_photo(photo, "test")
    write_sound(sound, "test")
    staging = Staging(tmp_path / "staging", data_key)
    _stage(staging)
    stager = staging.begin(REQUEST, "crm")
    stager.add(
        Finding(system="crm", collection="contacts", key="7/2", fields={"email": "ase@example.no"}),
        (
            FileRef("photo", photo.name, "image/jpeg", lambda: photo.open("rb"), photo.stat().st_size),
            FileRef("audio", sound.name, "audio/wav", lambda: sound.open("rb"), sound.stat().st_size),
            FileRef("scan", "borte.pdf", "application/pdf", lambda: (tmp_path / "borte.pdf").open("rb")),
        ),
    )
    stager.commit()
    answer = _answer()
    answer.systems[1] = SystemReport(system=_crm(), status="complete", collections={"contacts": 1})
    password = generate_password()
    info = build_package(
        answer, staging, tmp_path / "pkg.zip", password=password, letter_html=LETTER_HTML, letter_pdf=LETTER_PDF
    )
    root = tmp_path / "out"
    assert _seven_zip("x", f"-p{password}", f"-o{root}", "-y", str(info.path)).returncode == 0

    [record] = json.loads((root / "data" / "crm" / "contacts.json").read_text(encoding="utf-8"))["records"]
    image, audio, gone = record["_files"]
    assert gone == {"name": "borte.pdf", "field": "scan", "missing": True}
    assert (root / image["path"]).read_bytes() == photo.read_bytes()
    assert (root / audio["path"]).read_bytes() == sound.read_bytes()
    assert image["path"].startswith("attachments/crm/contacts/7_2-") and image["path"].endswith("/IMG_0001.JPG")
    with pyzipper.AESZipFile(info.path) as package:
        package.setpassword(password.encode())
        assert package.getinfo(image["path"]).compress_type == pyzipper.ZIP_STORED
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    crm = next(s for s in manifest["systems"] if s["id"] == "crm")
    assert (crm["attachments"], crm["attachments_missing"]) == (2, 1)
    listed = {f["path"]: f for f in manifest["files"]}
    assert listed[image["path"]]["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
    with (root / "data" / "crm" / "contacts.csv").open(encoding="utf-8-sig", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert image["path"] in row["_files"] and "borte.pdf" in row["_files"]
    index = (root / "index.html").read_text(encoding="utf-8")
    assert f'<img src="{image["path"]}"' in index and f'<audio controls preload="none" src="{audio["path"]}"' in index
    assert "finnes ikke lenger" in index
