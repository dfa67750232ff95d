"""The XLSX and CSV connectors after red-team round 7: a sheet is read as a person sees it
(merged cells, every row, blank header cells), what can't be read is refused by name, a
reference value that says "none" is never followed, and a value that doesn't pin its parent
down makes the children wait for staff (``key_not_unique``).

Each case asserts the safe behaviour beyond the round's own tests
(``tests/test_matcher_redteam7.py``), and what the fixes must not break (controls)."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors import connector_for
from connectors.base import Columns
from dsar.errors import ConnectorError
from dsar.records import no_value as no_reference
from dsar.search import final_findings
from dsar.store import Person
from dsar.workspace import Workspace
from tests.test_matcher_redteam5 import _csv_system, _write, run
from tests.test_matcher_redteam7 import FAMILY, KARI_ON_FAMILY_ADDRESS, NAME_EMAIL, PARTICIPANTS, _book, _xlsx_system

KARI = Person("Kari Hansen", emails=("kari@example.no",))


def _findings(system: Any, root: Path, person: Person) -> dict[tuple[str, str], tuple[str, str | None]]:
    with connector_for(system, Workspace(root=root)) as connector:
        found = final_findings(connector, system, person)
    return {(f.collection, f.key): (f.status, f.reason) for f in found}


def _rows(system: Any, root: Path, cid: str) -> list[dict[str, Any]]:
    with connector_for(system, Workspace(root=root)) as connector:
        return list(connector._rows(system.collections[cid]))  # type: ignore[attr-defined]


def _rewrite_sheet(path: Path, edit: Any) -> None:
    """Rewrite the first worksheet's XML (as other generators write it)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)
            zout.writestr(item, data)
    tmp.replace(path)


# -- merged cells ----------------------------------------------------------------------------------


def test_a_name_merged_over_a_block_of_rows_is_on_every_row_of_it(tmp_path):
    _book(tmp_path, {"deltaker": [
        ["Navn", "E-post", "Mobil", "Arrangement"],
        ["Ola Hansen", "ola@example.no", 98765432, "Parterapi"],
        [None, None, 22334455, "Rusmestring"],
        [None, None, None, "Yoga"],
    ]}, merges=(("deltaker", "A2:A4"),))
    rows = _rows(_xlsx_system(PARTICIPANTS), tmp_path, "deltaker")
    assert [r["Navn"] for r in rows] == ["Ola Hansen"] * 3
    assert [r["E-post"] for r in rows] == ["ola@example.no", None, None]  # not merged: stays empty


def test_a_merge_over_rows_the_xml_leaves_out_still_fills_them(tmp_path):
    # Some generators write no <row> element for the rows a merge covers.
    path = _book(tmp_path, {"deltaker": [
        ["Navn", "E-post", "Mobil", "Arrangement"],
        ["Ola Hansen", "ola@example.no", 98765432, "Parterapi"],
        [None, None, 22334455, "Rusmestring"],
    ]}, merges=(("deltaker", "A2:A4"),))
    _rewrite_sheet(path, lambda data: re.sub(rb"<row r=\"4\"[^>]*?(/>|>.*?</row>)", b"", data))
    status = _findings(_xlsx_system(PARTICIPANTS), tmp_path,
                       Person("Kari Hansen", emails=("kari@example.no",), phones=("+4722334455",)))
    assert status.get(("deltaker", "3"), ("",))[0] != "confirmed"


def test_a_merge_across_data_cells_fills_each_of_them(tmp_path):
    # Ola's mobile typed into a merge over "E-post" and "Mobil": it is his number on the row.
    _book(tmp_path, {"deltaker": [
        ["Navn", "E-post", "Mobil", "Arrangement"],
        [None, 98765432, None, "Rusmestring"],
    ]}, merges=(("deltaker", "B2:C2"),))
    (row,) = _rows(_xlsx_system(PARTICIPANTS), tmp_path, "deltaker")
    assert row["E-post"] == row["Mobil"] == 98765432


def test_a_header_merged_over_two_columns_reads_both_as_one_field(tmp_path):
    _book(tmp_path, {"deltaker": [
        ["Navn", None, "E-post", "Kurs"],
        ["Hansen", "Kari", FAMILY, "Yoga"],
        ["Hansen", None, FAMILY, "Parterapi"],
    ]}, merges=(("deltaker", "A1:B1"),))
    system = _xlsx_system({"deltaker": {"key": "_row", "identities": NAME_EMAIL}})
    rows = _rows(system, tmp_path, "deltaker")
    assert [r["Navn"] for r in rows] == ["Hansen Kari", "Hansen"]
    assert set(rows[0]) == {"Navn", "E-post", "Kurs", "_row"}
    with connector_for(system, Workspace(root=tmp_path)) as connector:
        (warning,) = [w for w in connector.audit_schema() if "tomme overskriftsceller" in w]
    assert "'Navn' (+ B)" in warning


def test_a_header_merged_over_the_last_two_columns_is_not_data_to_the_right(tmp_path):
    _book(tmp_path, {"deltaker": [
        ["E-post", "Kurs", "Navn", None],
        [FAMILY, "Yoga", "Hansen", "Kari"],
        [FAMILY, "Parterapi", "Hansen", "Ola"],
    ]}, merges=(("deltaker", "C1:D1"),))
    status = _findings(_xlsx_system({"deltaker": {"key": "_row", "identities": NAME_EMAIL}}), tmp_path,
                       KARI_ON_FAMILY_ADDRESS)
    assert status[("deltaker", "2")][0] == "confirmed"
    assert status[("deltaker", "3")][0] == "excluded"


# -- formulas, error values, the sheet's stored size --------------------------------------------------


def test_a_workbook_with_formulas_never_computed_is_refused_with_what_to_do(tmp_path):
    _book(tmp_path, {"deltaker": [
        ["Fornavn", "Etternavn", "Navn", "E-post", "Kurs"],
        ["Kari", "Hansen", '=A2&" "&B2', FAMILY, "Yoga"],
    ]})
    system = _xlsx_system({"deltaker": {"key": "_row", "identities": NAME_EMAIL}})
    with pytest.raises(ConnectorError, match=r"rad 2: cellen C2 har en formel uten beregnet verdi.*LibreOffice"):
        _findings(system, tmp_path, KARI_ON_FAMILY_ADDRESS)
    with connector_for(system, Workspace(root=tmp_path)) as connector:
        ok, why = connector.check()
    assert not ok and "formel uten beregnet verdi" in (why or "")
    assert "Kari" not in (why or "")


def test_formulas_saved_with_their_values_are_read(tmp_path):
    # As Excel and LibreOffice save them: the formula and its computed value (a string result
    # as t="str"; an empty string result as an empty <v/>).
    path = _book(tmp_path, {"deltaker": [
        ["Fornavn", "Etternavn", "Navn", "E-post", "Kurs"],
        ["Kari", "Hansen", '=A2&" "&B2', FAMILY, '=""'],
    ]})

    def computed(data: bytes) -> bytes:
        data = data.replace(b"<c r=\"C2\">", b"<c r=\"C2\" t=\"str\">").replace(b"<c r=\"E2\">", b"<c r=\"E2\" t=\"str\">")
        data = re.sub(rb"(<c r=\"C2\"[^>]*><f>.*?</f>)<v\s*/>", rb"\1<v>Kari Hansen</v>", data)
        return data

    _rewrite_sheet(path, computed)
    (row,) = _rows(_xlsx_system({"deltaker": {"key": "_row", "identities": NAME_EMAIL}}), tmp_path, "deltaker")
    assert row["Navn"] == "Kari Hansen"
    assert row["Kurs"] is None


def test_an_error_value_in_an_identity_column_is_refused_and_elsewhere_kept_as_shown(tmp_path):
    path = _book(tmp_path, {"deltaker": [
        ["Navn", "E-post", "Kurs"],
        ["Kari Hansen", FAMILY, "x"],
    ]})

    def error_in(cell: bytes) -> Any:
        return lambda data: re.sub(
            rb"<c r=\"" + cell + rb"\"[^>]*>.*?</c>", b"<c r=\"" + cell + b"\" t=\"e\"><f>VLOOKUP(A2,X,2)</f><v>#N/A</v></c>", data)

    system = _xlsx_system({"deltaker": {"key": "_row", "identities": NAME_EMAIL}})
    _rewrite_sheet(path, error_in(b"C2"))
    (row,) = _rows(system, tmp_path, "deltaker")
    assert row["Kurs"] == "#N/A" and type(row["Kurs"]) is str
    _rewrite_sheet(path, error_in(b"A2"))
    with pytest.raises(ConnectorError, match="kolonnen 'Navn' viser feilverdien '#N/A'"):
        _rows(system, tmp_path, "deltaker")


def test_every_row_is_read_past_a_stale_dimension(tmp_path):
    path = _book(tmp_path, {"deltaker": [
        ["Navn", "E-post", "Mobil", "Arrangement"],
        ["Ola Hansen", "ola@example.no", None, "Parterapi"],
        ["Kari Hansen", "kari@example.no", None, "Yoga"],
    ]})
    _rewrite_sheet(path, lambda data: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:B2"/>', data))
    status = _findings(_xlsx_system(PARTICIPANTS), tmp_path, KARI)
    assert status == {("deltaker", "3"): ("confirmed", None)}


# -- a blank header cell ----------------------------------------------------------------------------


def test_a_blank_header_before_the_first_named_column_gets_a_positional_name(tmp_path):
    _book(tmp_path, {"deltaker": [[None, "Navn", "E-post"], ["nr. 1", "Kari Hansen", "kari@example.no"]]})
    (row,) = _rows(_xlsx_system({"deltaker": {"key": "_row", "identities": NAME_EMAIL}}), tmp_path, "deltaker")
    assert row == {"_kolonne_A": "nr. 1", "Navn": "Kari Hansen", "E-post": "kari@example.no", "_row": 2}


@pytest.mark.parametrize("use_index", [True, False], ids=["index", "scan"])
def test_a_blank_csv_header_keeps_its_column(tmp_path, use_index):
    system = _csv_system({"deltaker": {"key": "_line", "identities": [
        {"type": "name", "column": "navn"}, {"type": "email", "column": "epost"}]}}, [])
    _write(tmp_path, {"deltaker": f";navn;;epost\nA;Hansen;Kari;{FAMILY}\nB;Hansen;Ola;{FAMILY}\n"})
    status, released, _ = run(system, Workspace(root=tmp_path), KARI_ON_FAMILY_ADDRESS, use_index=use_index)
    assert released == {("deltaker", "1")}
    with connector_for(system, Workspace(root=tmp_path)) as connector:
        rows = list(connector._rows(system.collections["deltaker"], []))  # type: ignore[attr-defined]
    assert rows[0] == {"_kolonne_1": "A", "navn": "Hansen Kari", "epost": FAMILY, "_line": 1}


@pytest.mark.parametrize("use_index", [True, False], ids=["index", "scan"])
def test_an_email_column_continued_with_a_second_address_is_refused(tmp_path, use_index):
    # "E-post" merged over two columns, Ola's address in one and Kari's in the other: which is
    # the row's, nothing says; reading either alone could confirm Ola's row to Kari.
    system = _csv_system({"deltaker": {"key": "_line", "identities": [
        {"type": "name", "column": "navn"}, {"type": "email", "column": "epost"}]}}, [])
    _write(tmp_path, {"deltaker": "navn;epost;;kurs\nOla Hansen;ola@example.no;kari@example.no;Parterapi\n"})
    with pytest.raises(ConnectorError, match=r"linje 2: kolonnen 'epost' fortsetter i felt 3 uten overskrift"):
        run(system, Workspace(root=tmp_path), KARI, use_index=use_index)


def test_an_email_column_continued_in_a_workbook_is_refused_and_one_value_is_read(tmp_path):
    _book(tmp_path, {"deltaker": [
        ["Navn", "E-post", None, "Kurs"],
        ["Kari Hansen", None, "kari@example.no", "Yoga"],  # one value in the two cells: read
        ["Ola Hansen", "ola@example.no", "kari@example.no", "Parterapi"],
    ]}, merges=(("deltaker", "B1:C1"),))
    system = _xlsx_system({"deltaker": {"key": "_row", "identities": NAME_EMAIL}})
    with pytest.raises(ConnectorError, match=r"rad 3: kolonnen 'E-post' fortsetter i kolonne C"):
        _findings(system, tmp_path, KARI)


def test_columns_read_a_header_as_fields():
    columns = Columns.of(["", "navn", "", "", "epost", ""], lambda i: f"_kolonne_{i + 1}")
    assert columns.names == ("_kolonne_1", "navn", "epost")
    assert columns.spans == ((0,), (1, 2, 3), (4, 5))
    row = columns.row(["x", "Hansen", "", "Kari", "kari@example.no", " "], {"epost"}, lambda *_: AssertionError())
    assert row == {"_kolonne_1": "x", "navn": "Hansen Kari", "epost": "kari@example.no"}


# -- a reference value that says "none" ---------------------------------------------------------------


@pytest.mark.parametrize("value", [
    None, "", "  ", "-", "--", "?", ".", "—", "*", "NULL", "null", "(null)", "\\N", "#N/A", "#n/a", "#REF!",
    "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#I/T", "#VERDI!", "#NAVN?", "n/a", "N/A",
    "n.a.", "NA", "<NA>", "nan", "NaN", "-nan", "NaT", "None", "nil", "undefined", "ukjent", "Ikke oppgitt",
    float("nan"), float("inf"), Decimal("NaN"),
])
def test_values_that_say_there_is_no_reference(value):
    assert no_reference(value)


@pytest.mark.parametrize("value", [0, 7, -1, "7", "007", "7.0", "#1042", "K-100", "A", "HAMLET", "Tom", "kari.hansen",
                                   Decimal("12"), 12.5])
def test_values_that_are_references(value):
    assert not no_reference(value)


@pytest.mark.parametrize("placeholder", ["ikke funnet", "x"])
def test_a_placeholder_no_rule_knows_held_by_two_customers_pulls_in_no_guest_order(tmp_path, placeholder):
    # The structural backstop: whatever its spelling, a value two customer rows hold doesn't
    # say which customer an order is.
    _book(tmp_path, {
        "kunde": [["Kundenr", "Navn", "E-post"], [placeholder, "Kari Hansen", "kari@example.no"],
                  [placeholder, "Per Lunde", "per@example.no"]],
        "ordre": [["Ordrenr", "Kundenr", "Vare"], [101, placeholder, "graviditetstest"]],
    })
    system = _xlsx_system({"kunde": {"key": "_row", "identities": NAME_EMAIL}, "ordre": {"key": "Ordrenr"}},
                          [("ordre.Kundenr", "kunde.Kundenr")])
    status = _findings(system, tmp_path, KARI)
    assert status[("kunde", "2")] == ("confirmed", None)
    assert status[("ordre", "101")] == ("held", "key_not_unique")


# -- a value that doesn't pin its parent down ---------------------------------------------------------

SHOP = {"kunde": {"key": "Kundenr", "identities": NAME_EMAIL}, "ordre": {"key": "Ordrenr"}, "betaling": {"key": "_row"}}
SHOP_REFS = [("ordre.Kundenr", "kunde.Kundenr"), ("betaling.Ordrenr", "ordre.Ordrenr")]


@pytest.mark.parametrize("olas_number", [100, "100", " 100"])
def test_payments_under_an_order_number_two_orders_have_wait_for_staff(tmp_path, olas_number):
    # Which order a payment of 100 belongs to, nothing in the sheet says: neither is released,
    # both are put to staff, and Kari's order itself (found by her customer number) is hers.
    _book(tmp_path, {
        "kunde": [["Kundenr", "Navn", "E-post"], [1, "Kari Hansen", "kari@example.no"], [2, "Ola Hansen", "ola@example.no"]],
        "ordre": [["Ordrenr", "Kundenr", "Vare"], [100, 1, "sykkel"], [olas_number, 2, "graviditetstest"]],
        "betaling": [["Ordrenr", "Beløp", "Kort"], [100, 4990, "Visa 1111"], [olas_number, 199, "Visa 2222"]],
    })
    status = _findings(_xlsx_system(SHOP, SHOP_REFS), tmp_path, KARI)
    assert status[("ordre", "100")] == ("confirmed", None)
    assert status[("betaling", "2")] == status[("betaling", "3")] == ("held", "key_not_unique")


def test_payments_under_a_number_only_one_order_has_are_released(tmp_path):
    _book(tmp_path, {
        "kunde": [["Kundenr", "Navn", "E-post"], [1, "Kari Hansen", "kari@example.no"], [2, "Ola Hansen", "ola@example.no"]],
        "ordre": [["Ordrenr", "Kundenr", "Vare"], [100, 1, "sykkel"], [100, 1, "sykkel"], [1000, 2, "graviditetstest"]],
        "betaling": [["Ordrenr", "Beløp", "Kort"], [100, 4990, "Visa 1111"], [1000, 199, "Visa 2222"]],
    })
    # Kari's order row is there twice, as it is (a line pasted twice): the same row, one parent.
    status = _findings(_xlsx_system(SHOP, SHOP_REFS), tmp_path, KARI)
    assert status[("betaling", "2")] == ("confirmed", None)
    assert ("betaling", "3") not in status


@pytest.mark.parametrize("use_index", [True, False], ids=["index", "scan"])
def test_a_csv_order_number_two_orders_have_holds_the_payments(tmp_path, use_index):
    system = _csv_system({
        "kunde": {"key": "kundenr", "identities": [{"type": "name", "column": "navn"}, {"type": "email", "column": "epost"}]},
        "ordre": {"key": "_line"},
        "betaling": {"key": "_line"},
    }, [("ordre.kundenr", "kunde.kundenr"), ("betaling.ordrenr", "ordre.ordrenr")])
    _write(tmp_path, {
        "kunde": "kundenr;navn;epost\n1;Kari Hansen;kari@example.no\n2;Ola Hansen;ola@example.no\n",
        "ordre": "ordrenr;kundenr;vare\n100;1;sykkel\n100;2;graviditetstest\n200;1;hjelm\n",
        "betaling": "ordrenr;belop\n100;4990\n100;199\n200;500\n",
    })
    status, released, reasons = run(system, Workspace(root=tmp_path), KARI, use_index=use_index)
    assert released == {("kunde", "1"), ("ordre", "1"), ("ordre", "3"), ("betaling", "3")}
    assert reasons == {"betaling/1": "key_not_unique", "betaling/2": "key_not_unique"}


def test_an_order_reached_up_under_a_key_two_rows_have_is_not_released(tmp_path):
    # The payment carries Kari's e-mail; order 100 is in the sheet twice, Ola's first. Before,
    # the second row under the key was dropped as "seen" and the first (Ola's) went with Kari.
    _book(tmp_path, {
        "ordre": [["Ordrenr", "Navn", "Vare"], [100, "Ola Hansen", "graviditetstest"], [100, "Kari Hansen", "sykkel"]],
        "betaling": [["Ordrenr", "E-post", "Beløp"], [100, "kari@example.no", 4990]],
    })
    system = _xlsx_system({
        "ordre": {"key": "Ordrenr"},
        "betaling": {"key": "_row", "identities": [{"type": "email", "column": "E-post"}]},
    }, [("betaling.Ordrenr", "ordre.Ordrenr")])
    with connector_for(system, Workspace(root=tmp_path)) as connector:
        found = final_findings(connector, system, KARI)
    orders = [(f.fields["Navn"], f.status, f.reason) for f in found if f.collection == "ordre"]
    assert sorted(orders) == [("Kari Hansen", "held", "key_not_unique"), ("Ola Hansen", "held", "key_not_unique")]
