"""The CSV connector: a Windows-1252, semicolon-separated export like Norwegian Excel writes.

customers.csv → orders.csv by ``kundenr``; newsletter.csv has no key of its own (``_line``).
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Condition
from dsar.errors import ConnectorError
from dsar.identity import phone_variants
from dsar.records import Lookup
from dsar.workspace import Workspace
from tests.connector_world import CSV_CUSTOMERS as CUSTOMERS
from tests.connector_world import CSV_EXPECTED as EXPECTED
from tests.connector_world import (
    CSV_FILES,
    PERSON,
    PERSON_EMAIL,
    PERSON_PHONE,
    csv_workspace,  # noqa: F401 - the `workspace` fixture
    found,
)
from tests.connector_world import CSV_NEWSLETTER as NEWSLETTER
from tests.connector_world import CSV_ORDERS as ORDERS
from tests.connector_world import csv_connector as connector
from tests.connector_world import write_csv as write

SEARCHED = (PERSON_EMAIL, "91234567", "912 34 567", *phone_variants(PERSON_PHONE))
CONTENT = ("Nordmann", "Ødegård", "Bærum", "example.no", "O'Brien")


def assert_names_no_value(error: BaseException) -> None:
    text = " ".join([str(error), repr(error.args)])
    for value in (*SEARCHED, *CONTENT):
        assert value not in text, "an error message repeats a value from the file"


# -- the search --------------------------------------------------------------------------------


def test_find_returns_exactly_the_persons_records(workspace: Workspace) -> None:
    with connector(workspace) as csv:
        records = list(csv.find(PERSON))
    assert found(records) == EXPECTED
    assert len(records) == len(EXPECTED)


def test_cells_are_decoded_text_as_written(workspace: Workspace) -> None:
    with connector(workspace) as csv:
        records = {(r.collection, r.key): r.fields for r in csv.find(PERSON)}
    assert records[("customers", "1")]["navn"] == "Nordmann, Kari"
    assert records[("customers", "1")]["poststed"] == "Ødegård"
    assert records[("customers", "1")]["epost"] == "Kari.Nordmann@Example.no "
    assert records[("customers", "3")]["merknad"] == "deler e-post\nmed kona"
    assert records[("newsletter", "4")] == {
        "epost": "KARI.NORDMANN@EXAMPLE.NO", "påmeldt": "2022-01-01", "_line": 4,
    }


def test_line_numbers_count_lines_of_the_file(workspace: Workspace) -> None:
    """A record spanning two lines moves the next record's _line by two."""
    with connector(workspace, customers={"key": "_line"}) as csv:
        condition = Condition("epost", "email", ("per@example.no",))
        rows = list(csv.select(csv.system.collections["customers"], [condition]))
    assert [r["_line"] for r in rows] == [6]  # customer 5: lines 1, 2, 3-4, 5 come before


def test_apostrophes_and_utf8_files(tmp_path: Path) -> None:
    write(tmp_path, "customers.csv", "\ufeff" + CUSTOMERS, encoding="utf-8")  # Excel's BOM
    write(tmp_path, "orders.csv", ORDERS, encoding="utf-8")
    write(tmp_path, "newsletter.csv", NEWSLETTER, encoding="utf-8")
    utf8 = {"encoding": "utf-8"}
    with connector(Workspace(root=tmp_path), customers=utf8, orders=utf8, newsletter=utf8) as csv:
        records = list(csv.find(Lookup(emails=("o'brien@example.no",))))
    assert found(records) == {("customers", "6", ("email",), None)}
    assert records[0].fields["navn"] == "Siobhan O'Brien"


# Each row: an encoding and line ending exports come in; the same records must be found.
@pytest.mark.parametrize(
    ("encoding", "newline"),
    [("utf-8", "\r\n"), ("utf-16", "\n"), ("utf-16-le", "\r\n"), ("iso-8859-1", "\r\n")],
)
def test_encodings_and_line_endings(tmp_path: Path, encoding: str, newline: str) -> None:
    for name, text in CSV_FILES.items():
        write(tmp_path, name, text.replace("\n", newline), encoding=encoding)
    changed = {"encoding": encoding}
    with connector(
        Workspace(root=tmp_path), customers=changed, orders=changed, newsletter=changed
    ) as csv:
        assert csv.check() == (True, None)
        records = list(csv.find(PERSON))
    assert found(records) == EXPECTED
    fields = {(r.collection, r.key): r.fields for r in records}
    assert fields[("customers", "3")]["merknad"] == f"deler e-post{newline}med kona"
    assert fields[("customers", "1")]["poststed"] == "Ødegård"


def test_check_and_audit_a_good_export(workspace: Workspace) -> None:
    with connector(workspace, orders={"fields": {"ordrenr": "ordrenummer"}}) as csv:
        assert csv.check() == (True, None)
        warnings = csv.audit_schema()
    assert len(warnings) == 1
    assert "collections.orders" in warnings[0]
    assert "['kundenr', 'dato', 'sum']" in warnings[0]


# -- broken files ------------------------------------------------------------------------------


def _error(workspace: Workspace, **changes: dict[str, Any]) -> tuple[ConnectorError, str | None]:
    with connector(workspace, **changes) as csv:
        with pytest.raises(ConnectorError) as caught:
            list(csv.find(PERSON))
        ok, why = csv.check()
    assert ok is False and why is not None
    assert caught.value.transient is False
    assert_names_no_value(caught.value)
    for value in (*SEARCHED, *CONTENT):
        assert value not in why
    return caught.value, why


# Each row: what is wrong in customers.csv, and the words the error must use.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            CUSTOMERS.replace("4;Kari Nordmann;", "4;Kari;Nordmann;"),
            "linje 6: raden har 7 felt, overskriftsraden 6",
        ),
        (CUSTOMERS.replace("5;Per Ås;", '5;"Per" Ås;'), "linje 7: ugyldig CSV"),
        (CUSTOMERS.replace("epost;", "e_post;", 1), "linje 1: kolonnen 'epost' finnes ikke i overskriftsraden"),
        (
            CUSTOMERS.replace("merknad", "navn", 1),
            "linje 1: overskriftskolonne(r) [6] gjentar navnet på en tidligere kolonne",
        ),
        ("", "linje 1: filen er tom"),
    ],
    ids=["field-count", "quoting", "missing-column", "duplicate-column", "empty"],
)
def test_a_broken_file_names_the_file_and_line(
    workspace: Workspace, text: str, expected: str
) -> None:
    write(workspace.root, "customers.csv", text)
    error, why = _error(workspace)
    assert "customers.csv" in str(error) and expected in str(error)
    assert why is not None and expected in why


def test_an_undecodable_byte_names_its_line(workspace: Workspace) -> None:
    path = workspace.root / "sources" / "regnskap" / "customers.csv"
    data = CUSTOMERS.encode("cp1252").replace(b"Troms\xf8", b"Troms\x81")  # 0x81: not cp1252
    path.write_bytes(data)
    error, _ = _error(workspace)
    assert "customers.csv" in str(error)
    assert "linje 6: byte som ikke er gyldig cp1252" in str(error)


def test_the_wrong_encoding_names_the_first_bad_line(workspace: Workspace) -> None:
    error, _ = _error(workspace, customers={"encoding": "utf-8"})
    assert "linje 2: byte som ikke er gyldig utf-8" in str(error)  # Ø in cp1252 on line 2
    assert "collections.customers.encoding" in str(error)


def test_a_missing_file_is_a_clear_error(workspace: Workspace) -> None:
    (workspace.root / "sources" / "regnskap" / "orders.csv").unlink()
    error, why = _error(workspace)
    assert "orders.csv') finnes ikke" in str(error)
    assert "systems.regnskap.collections.orders.path" in str(error)
    assert why is not None and "orders.csv" in why


# -- streaming ---------------------------------------------------------------------------------


# Each row: how select reads the file; the peak must stay far below the file's size either way.
@pytest.mark.parametrize("use_index", [True, False], ids=["index-built-then-used", "scan"])
def test_a_large_file_is_streamed(tmp_path: Path, use_index: bool) -> None:
    """100,000 rows (~6.5 MB) indexed or scanned with a peak far below the file's size."""
    path = tmp_path / "sources" / "regnskap" / "customers.csv"
    path.parent.mkdir(parents=True)
    with path.open("w", encoding="cp1252", newline="") as out:
        out.write("kundenr;navn;epost;telefon;poststed;merknad\n")
        for i in range(100_000):
            out.write(f"{i};Person Ødegård {i};person{i}@example.com;+47 9{i:07d};Bærum;\n")
        out.write(f"999999;Nordmann, Kari;{PERSON_EMAIL};91234567;Oslo;\n")
    write(tmp_path, "orders.csv", "ordrenr;kundenr;dato;sum\n")
    write(tmp_path, "newsletter.csv", "epost;påmeldt\n")
    assert path.stat().st_size > 6_000_000
    with connector(Workspace(root=tmp_path)) as csv:
        csv.use_index = use_index
        tracemalloc.start()
        records = list(csv.find(PERSON))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert [r.key for r in records] == ["999999"]
    assert peak < 1_000_000, f"peak {peak / 1e6:.1f} MB"


# -- exports as SMS providers and staff really write them ----------------------------------------


def test_a_cell_over_128_kib_is_data_not_a_broken_file(workspace: Workspace) -> None:
    note = "lang merknad " * 20_000  # ~260 KB in one quoted cell
    write(workspace.root, "customers.csv", CUSTOMERS.replace('"deler e-post\nmed kona"', f'"{note}"'))
    with connector(workspace) as csv:
        records = {(r.collection, r.key): r.fields for r in csv.find(PERSON)}
    assert records[("customers", "3")]["merknad"] == note


def test_an_export_read_with_the_wrong_delimiter_says_which_to_set(workspace: Workspace) -> None:
    changes = {"delimiter": ","}
    with connector(workspace, customers=changes) as csv, pytest.raises(ConnectorError) as err:
        list(csv.find(PERSON))
    assert "ser ut til å være ';'-separert" in str(err.value) and "collections.customers.delimiter" in str(err.value)
    assert_names_no_value(err.value)


def test_a_utf8_export_with_a_byte_order_mark_reads_like_any_other(workspace: Workspace) -> None:
    for name, text in CSV_FILES.items():
        write(workspace.root, name, text, encoding="utf-8-sig")
    utf8 = {"encoding": "utf-8"}
    with connector(workspace, customers=utf8, orders=utf8, newsletter=utf8) as csv:
        assert found(list(csv.find(PERSON))) == EXPECTED


def test_a_sub_address_finds_the_mailbox_it_reaches(tmp_path: Path) -> None:
    # A shop account made with kari+strikk@: Kari's mailbox, found whichever of the two she gives;
    # the index and the row check read it the same way.
    tagged = CUSTOMERS.replace("per@example.no", "Kari.Nordmann+strikk@example.no")
    write(tmp_path, "customers.csv", tagged, encoding="utf-8")
    write(tmp_path, "orders.csv", ORDERS, encoding="utf-8")
    write(tmp_path, "newsletter.csv", NEWSLETTER, encoding="utf-8")
    utf8 = {"encoding": "utf-8"}
    for given in ("kari.nordmann@example.no", "kari.nordmann+annet@example.no"):
        with connector(Workspace(root=tmp_path), customers=utf8, orders=utf8, newsletter=utf8) as csv:
            keys = {r.key for r in csv.find(Lookup(emails=(given,))) if r.collection == "customers"}
        assert {"1", "3", "5"} <= keys and "7" not in keys, given


def test_line_key_n_is_line_n_plus_one_of_the_file(workspace: Workspace) -> None:
    """As the configurations describe ``_line`` to staff: the header row not counted, the line
    right below it is 1 (blank lines count), so staff open the file at line ``_line`` + 1."""
    with connector(workspace) as csv:
        condition = Condition("epost", "email", (PERSON_EMAIL,))
        rows = list(csv.select(csv.system.collections["newsletter"], [condition]))
    lines = NEWSLETTER.splitlines()  # lines[n] is line n + 1 of the file
    assert [r["_line"] for r in rows] == [1, 4]
    assert all(lines[r["_line"]].startswith(r["epost"]) for r in rows)
