"""Spreadsheets as staff keep them: a title above the table, numbers typed as numbers, dates as
dates, empty rows; and the ways a workbook is broken, each named without its content."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from connectors import connector_for
from connectors.spreadsheet import SpreadsheetConnector
from dsar.config.models import System
from dsar.errors import ConnectorError
from dsar.records import Lookup
from dsar.search import final_findings
from dsar.store import Person
from dsar.workspace import Workspace

REGISTER = {
    "purposes": ["Arrangement"], "legal_basis": ["Avtale"], "categories": ["Navn"], "recipients": [],
    "retention": "Ett år", "sources": [], "transfers": [], "profiling": False, "automated_decisions": False,
}
HEADER = ["Navn", "E-post", "Mobil", "Arrangement", "Påmeldt", "Faktura"]
ROWS: list[list[Any]] = [
    ["Kari Nordmann", " Kari.Nordmann@Example.no", 91234567, "Marked i Sentrum", datetime(2026, 5, 2, 10, 0), 1001],
    [None, None, None, None, None, None],  # an empty row staff left
    ["Ola Nordmann", "ola@example.no", 98765432.0, "Food Court", datetime(2026, 6, 1), 1002],
    ["Nordmann, Kari", None, "+47 912 34 567", "Food Court", datetime(2026, 6, 1), 1003],
    ["Per Hansen", "per@example.no", "41 22 33 44", "Marked i Sentrum", datetime(2026, 5, 2), None],
]


def workbook(path: Path, header_row: int = 3, rows: list[list[Any]] = ROWS, sheet: str = "Deltakere") -> Path:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(["Påmeldte til arrangementer 2026"])  # a title row above the table
    for _ in range(header_row - 2):
        ws.append([])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def system(**collection: Any) -> System:
    return System.model_validate(
        {
            "id": "arrangement",
            "title": "Arrangementer",
            "connector": "xlsx",
            "register": REGISTER,
            "collections": {
                "deltakere": {
                    "title": "Deltakere",
                    "path": "{workspace}/sources/arrangement.xlsx",
                    "sheet": "Deltakere",
                    "header_row": 3,
                    "key": "_row",
                    "identities": [
                        {"type": "email", "column": "E-post"},
                        {"type": "phone", "column": "Mobil"},
                        {"type": "name", "column": "Navn"},
                    ],
                    "fields": {h: h for h in HEADER},
                    **collection,
                }
            },
        }
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    workbook(tmp_path / "sources" / "arrangement.xlsx")
    return Workspace(root=tmp_path)


def test_finds_the_person_however_the_sheet_typed_them(workspace: Workspace) -> None:
    connector = connector_for(system(), workspace)
    assert isinstance(connector, SpreadsheetConnector)
    assert connector.check() == (True, None)
    assert connector.audit_schema() == []
    found = {
        r.key: r.matched_on for r in connector.find(Lookup(emails=("kari.nordmann@example.no",), phones=("+4791234567",)))
    }
    # Row numbers as Excel shows them: the title is row 1, the header row 3.
    assert found == {"4": ("email", "phone"), "7": ("phone",)}


def test_a_number_typed_as_a_number_is_a_phone(workspace: Workspace) -> None:
    found = list(connector_for(system(), workspace).find(Lookup(phones=("+4798765432",))))
    assert [(r.key, r.fields["Mobil"]) for r in found] == [("6", 98765432)]


def test_a_name_finds_a_candidate_held_for_review(workspace: Workspace) -> None:
    sys_ = system()
    findings = final_findings(connector_for(sys_, workspace), sys_, Person(name="Per Hansen", emails=("per.h@example.no",)))
    assert [(f.key, f.status, f.reason) for f in findings] == [("8", "held", "name_only")]


def test_dates_stay_dates(workspace: Workspace) -> None:
    [kari, *_] = connector_for(system(), workspace).find(Lookup(emails=("kari.nordmann@example.no",)))
    assert kari.fields["Påmeldt"] == datetime(2026, 5, 2, 10, 0)


# Each row: what is wrong with the workbook or its configuration, and what the error names.
@pytest.mark.parametrize(
    ("break_it", "adjust", "message"),
    [
        (lambda p: p.unlink(), {}, "finnes ikke"),
        (lambda p: p.write_bytes(b"Navn;E-post\nKari;kari@example.no\n"), {}, "ikke en lesbar XLSX-arbeidsbok"),
        (lambda p: None, {"sheet": "Ark2"}, "har ikke noe ark 'Ark2'"),
        (lambda p: None, {"header_row": 2}, "overskriftsraden er tom"),
        (lambda p: workbook(p, rows=[["Kari", "kari@example.no", 1, "x", None, None, "ekstra"]]), {}, "til høyre for den siste navngitte kolonnen"),
    ],
    ids=["missing", "not-xlsx", "no-sheet", "empty-header", "stray-cells"],
)
def test_a_broken_workbook_is_named_not_quoted(workspace: Workspace, break_it, adjust, message) -> None:
    path = workspace.root / "sources" / "arrangement.xlsx"
    break_it(path)
    connector = connector_for(system(**adjust), workspace)
    ok, problem = connector.check()
    assert not ok and message in str(problem) and "arrangement" in str(problem)
    with pytest.raises(ConnectorError, match=message) as err:
        list(connector.find(Lookup(emails=("kari@example.no",))))
    assert "kari@example.no" not in str(err.value) and "Kari" not in str(err.value)


def test_a_configured_column_missing_from_the_header_is_named(workspace: Workspace) -> None:
    adjust = {"identities": [{"type": "email", "column": "Epost"}]}
    with pytest.raises(ConnectorError, match="kolonnen 'Epost' finnes ikke i overskriftsraden"):
        list(connector_for(system(**adjust), workspace).find(Lookup(emails=("kari@example.no",))))
