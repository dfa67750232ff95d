"""Seventh red-team round on the record matcher: the spreadsheet (XLSX) connector and the CSV
connector as staff's files really are, and how their rows go through ``row_matches``, the
``Resolver`` and ``final_findings``: merged cells, formulas, a stale sheet dimension, a header
cell left blank, Excel's typing (numbers, dates as serials, error values, numbers stored as
text), placeholders in reference columns, annotated phone and e-mail cells, keys a sheet
repeats, BOM/CRLF/quoted newlines, a misdeclared encoding.

Each case asserts the SAFE behaviour: a record of somebody else's is never ``confirmed``
(held or excluded is safe). Cases the product gets wrong are marked ``xfail(strict=True)``
with the mechanism ("LEAK: …"), so the suite stays green and a fix turns them into passes
that must then lose the mark. Controls (the same data without the trick) pass unmarked.

Leaks found (all fixed since; each case now asserts the fix):

- A merged cell is read only in its top-left cell (``_Sheet`` opens the workbook
  ``read_only``): the rows under another person's merged name say nothing, and a row there
  holding the household's landline is confirmed.
- A formula saved without a cached value (a workbook a script wrote) reads as empty
  (``data_only=True``): the relative's row on the family address then says no name.
- A stale ``<dimension>`` in the sheet (openpyxl's read-only mode trusts it) silently drops
  the rows past it: the daughter's own dated row is lost and her mother's row of the same
  name is confirmed to her.
- A header cell left blank (a header merged over "surname | first name", or exported to CSV
  as ``navn;;epost``) drops its column: the name read is the bare surname, which neither
  agrees nor conflicts, so a relative's row on the family address is confirmed.
- Placeholders other than blank/NULL/\\N in a reference column (Excel's ``#N/A``/``#REF!``,
  ``-``, ``n/a``, ``nan``, ``None``) are followed as values: the person's row reaches every
  guest order holding the same placeholder (``_Frontier._add``, ``NO_VALUE``).
- A birth date the parser can't read (an Excel serial in a General-format cell,
  ``04031960``, ``4. mars 1960``, a fødselsnummer whose leading zero was lost in a CSV) is
  no birth date: a namesake's row on the person's address loses its ``birthdate_differs``
  conflict and is confirmed (``dsar.identity.as_date`` / ``national_id``, ``assess``).
- An annotated phone or e-mail cell ("98765432 (Ola)", two numbers) is "no identifier", so
  a household's booking under another resident's number is not ``identifier_differs``
  (``dsar.matching.other_identifier``) and is confirmed.
- A key the sheet repeats (no unique constraint; or 100 and "100", which Excel keeps apart)
  lets the person's order reach the payments of another order with the same number
  (``Connector._follow`` going down by a parent key it never checks is unique).

Fixed by: merged ranges read from the sheet's XML and filled in; a formula without a saved
value refused with advice; rows read to the end whatever the stored dimension; a blank header
cell joined to the named column on its left; ``no_reference`` for placeholders; ``as_date``
reading serials, ``ddmmyyyy`` and written months, ``birthdate_unreadable`` holding a date that
can't be read; ``cell_identifiers``; sheets and CSV files asked whether a parent key is unique
before going down by it (``key_not_unique``).

Held safely: two addresses or two numbers in one cell; a reference typed as a number in one
sheet and as text with leading zeros or ".0" in another; a fødselsnummer typed as a number
(leading zero lost) in XLSX; an identifier only in a free-text column; a CSV with a BOM,
CRLF and a quoted newline holding a line that looks like the person's row (index and scan);
header names with NBSP and trailing spaces, and two headers equal once stripped; names typed
into swapped first/last name columns; a UTF-8 export read as cp1252.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors import connector_for
from dsar.config.models import System
from dsar.errors import ConnectorError
from dsar.search import final_findings
from dsar.store import Person
from dsar.workspace import Workspace
from tests.connector_world import REGISTER
from tests.test_matcher_redteam5 import _csv_system, _write, run

BOOK = "{workspace}/sources/bok.xlsx"


def leak(mechanism: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"LEAK: {mechanism}")


def _book(root: Path, sheets: dict[str, list[list[Any]]], merges: tuple[tuple[str, str], ...] = ()) -> Path:
    """A workbook saved by openpyxl (as a script would: formulas carry no cached value)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    for name, cells in merges:
        book[name].merge_cells(cells)
    path = root / "sources" / "bok.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _xlsx_system(collections: dict[str, Any], references: list[tuple[str, str]] | None = None) -> System:
    """One workbook; each collection is the sheet of its id."""
    return System.model_validate({
        "id": "ark", "title": "Ark", "connector": "xlsx", "register": REGISTER,
        "collections": {cid: {"title": cid, "path": BOOK, "sheet": cid, **c} for cid, c in collections.items()},
        "references": [{"from": a, "to": b} for a, b in references or []],
    })


def _status(system: System, root: Path, person: Person) -> dict[tuple[str, str], str]:
    with connector_for(system, Workspace(root=root)) as connector:
        found = final_findings(connector, system, person)
    return {(f.collection, f.key): f.status for f in found}


def _csv_file(root: Path, cid: str, text: str, encoding: str = "utf-8") -> None:
    path = root / "sources" / f"{cid}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))


NAME_EMAIL = [{"type": "name", "column": "Navn"}, {"type": "email", "column": "E-post"}]
PARTICIPANTS = {"deltaker": {"key": "_row", "identities": [*NAME_EMAIL, {"type": "phone", "column": "Mobil"}]}}
FAMILY = "hansen@example.no"
KARI_ON_FAMILY_ADDRESS = Person("Kari Hansen", emails=(FAMILY,))


# -- merged cells: only the top-left cell holds the value -----------------------------------------


@pytest.mark.parametrize("merged", [
    pytest.param(False, id="name typed on each row (control)"),
    pytest.param(True, id="name merged over the block"),
])
def test_a_row_under_another_persons_merged_name_is_not_confirmed_on_the_household_landline(tmp_path, merged):
    # Ola's block: his own mobile on one row, the household's landline (which Kari gave as hers)
    # on the next. Staff merged his name over both rows, as sheets grouped by person do.
    _book(tmp_path, {"deltaker": [
        ["Navn", "E-post", "Mobil", "Arrangement"],
        ["Kari Hansen", "kari@example.no", 91234567, "Yoga"],
        ["Ola Hansen", "ola@example.no", 98765432, "Parterapi"],
        [None if merged else "Ola Hansen", None, 22334455, "Rusmestring"],
    ]}, merges=(("deltaker", "A3:A4"),) if merged else ())
    status = _status(_xlsx_system(PARTICIPANTS), tmp_path,
                     Person("Kari Hansen", emails=("kari@example.no",), phones=("+4722334455",)))
    assert status[("deltaker", "2")] == "confirmed"
    assert status.get(("deltaker", "4")) != "confirmed"


# -- formulas and a stale sheet dimension -----------------------------------------------------------


def test_a_name_computed_by_a_formula_without_a_cached_value_does_not_confirm_a_relatives_row(tmp_path):
    # "Navn" is =Fornavn&" "&Etternavn, in a workbook a script wrote (never opened in Excel).
    _book(tmp_path, {"deltaker": [
        ["Fornavn", "Etternavn", "Navn", "E-post", "Kurs"],
        ["Kari", "Hansen", '=A2&" "&B2', FAMILY, "Yoga"],
        ["Ola", "Hansen", '=A3&" "&B3', FAMILY, "Parterapi"],
    ]})
    system = _xlsx_system({"deltaker": {"key": "_row", "identities": NAME_EMAIL}})
    try:
        status = _status(system, tmp_path, KARI_ON_FAMILY_ADDRESS)
    except ConnectorError:
        return  # refusing the workbook (formulas without values) is safe too
    assert status.get(("deltaker", "3")) != "confirmed"


def _stale_dimension(path: Path, ref: str) -> None:
    """Rewrite the sheets' ``<dimension>`` as some generators leave it (not updated)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), data)
                assert n == 1
            zout.writestr(item, data)
    tmp.replace(path)


DATED = {"deltaker": {"key": "_row", "identities": [
    {"type": "name", "column": "Navn"}, {"type": "birthdate", "column": "Født"}, {"type": "email", "column": "E-post"}]}}


@pytest.mark.parametrize("stale", [
    pytest.param(False, id="dimension right (control)"),
    pytest.param(True, id="dimension stale"),
])
def test_rows_past_a_stale_sheet_dimension_are_not_silently_dropped(tmp_path, stale):
    # Mother and daughter, both Kari Hansen, on the family address; the daughter asks without
    # a birth date. Two birth dates behind one address: both rows wait for staff.
    path = _book(tmp_path, {"deltaker": [
        ["Navn", "Født", "E-post", "Kurs"],
        ["Kari Hansen", datetime(1960, 3, 4), FAMILY, "Klimakteriegruppe"],
        ["Kari Hansen", datetime(1990, 5, 5), FAMILY, "Yoga"],
    ]})
    if stale:
        _stale_dimension(path, "A1:D2")
    try:
        status = _status(_xlsx_system(DATED), tmp_path, KARI_ON_FAMILY_ADDRESS)
    except ConnectorError:
        return
    assert status.get(("deltaker", "2")) != "confirmed"


# -- a header cell left blank: its column is dropped --------------------------------------------------

BLANK_HEADER_LEAK = leak(
    "a column under a blank header cell is silently dropped (spreadsheet `if name`, CSV key ''): "
    "the name read is the bare surname, PARTIAL, so a relative's row on the family address is confirmed")


def test_a_header_merged_over_surname_and_first_name_does_not_confirm_a_relatives_row(tmp_path):
    _book(tmp_path, {"deltaker": [
        ["Navn", None, "E-post", "Kurs"],
        ["Hansen", "Kari", FAMILY, "Yoga"],
        ["Hansen", "Ola", FAMILY, "Parterapi"],
    ]}, merges=(("deltaker", "A1:B1"),))
    system = _xlsx_system({"deltaker": {"key": "_row", "identities": NAME_EMAIL}})
    assert _status(system, tmp_path, KARI_ON_FAMILY_ADDRESS).get(("deltaker", "3")) != "confirmed"


@pytest.mark.parametrize("use_index", [True, False], ids=["index", "scan"])
def test_a_csv_export_of_that_header_does_not_confirm_a_relatives_row(tmp_path, use_index):
    # The same sheet saved as CSV: the merged header exports as "navn;;epost".
    system = _csv_system({"deltaker": {"key": "_line", "identities": [
        {"type": "name", "column": "navn"}, {"type": "email", "column": "epost"}]}}, [])
    _write(tmp_path, {"deltaker": f"navn;;epost;kurs\nHansen;Kari;{FAMILY};Yoga\nHansen;Ola;{FAMILY};Parterapi\n"})
    status, released, _ = run(system, Workspace(root=tmp_path), KARI_ON_FAMILY_ADDRESS, use_index=use_index)
    assert status.get(("deltaker", "2")) != "confirmed"
    assert ("deltaker", "2") not in released


# -- placeholders in a reference column ----------------------------------------------------------------

PLACEHOLDER_LEAK = leak(
    "_Frontier._add skips only blank, NULL and \\N: another placeholder in the person's reference "
    "cell is followed to every guest order holding it")


@pytest.mark.parametrize("placeholder", [
    pytest.param("#N/A", id="VLOOKUP found nothing"),
    pytest.param("#REF!", id="broken reference"),
    pytest.param("-", id="dash"),
    pytest.param("n/a", id="n/a"),
    pytest.param("nan", id="pandas nan"),
    pytest.param("None", id="python None"),
    pytest.param("NULL", id="NULL (fixed in round six, control)"),
])
def test_a_placeholder_customer_number_in_a_workbook_does_not_pull_in_guest_orders(tmp_path, placeholder):
    # The order sheet's customer number is a VLOOKUP on the buyer's e-mail: guests get #N/A,
    # and so does Kari's own customer row, added after the lookup table was made.
    _book(tmp_path, {
        "kunde": [["Kundenr", "Navn", "E-post"], [placeholder, "Kari Hansen", "kari@example.no"],
                  [7, "Per Lunde", "per@example.no"]],
        "ordre": [["Ordrenr", "Kundenr", "Vare"], [100, 7, "sykkel"], [101, placeholder, "graviditetstest"]],
    })
    system = _xlsx_system({"kunde": {"key": "_row", "identities": NAME_EMAIL}, "ordre": {"key": "Ordrenr"}},
                          [("ordre.Kundenr", "kunde.Kundenr")])
    status = _status(system, tmp_path, Person("Kari Hansen", emails=("kari@example.no",)))
    assert status[("kunde", "2")] == "confirmed"
    assert status.get(("ordre", "101")) != "confirmed"


CSV_SHOP = {
    "kunde": {"key": "rad", "identities": [{"type": "name", "column": "navn"}, {"type": "email", "column": "epost"}]},
    "ordre": {"key": "ordrenr"},
}


@pytest.mark.parametrize("use_index", [True, False], ids=["index", "scan"])
@pytest.mark.parametrize("placeholder", [
    pytest.param("#N/A"),
    pytest.param("-"),
    pytest.param("n/a"),
    pytest.param("nan"),
    pytest.param("None"),
    pytest.param("null"),
])
def test_a_placeholder_customer_number_in_a_csv_does_not_pull_in_guest_orders(tmp_path, placeholder, use_index):
    system = _csv_system(CSV_SHOP, [("ordre.kundenr", "kunde.kundenr")])
    _write(tmp_path, {
        "kunde": f"rad;kundenr;navn;epost\n1;{placeholder};Kari Hansen;kari@example.no\n2;7;Per Lunde;per@example.no\n",
        "ordre": f"ordrenr;kundenr;vare\n100;7;sykkel\n101;{placeholder};graviditetstest\n",
    })
    status, released, _ = run(system, Workspace(root=tmp_path), Person("Kari Hansen", emails=("kari@example.no",)),
                              use_index=use_index)
    assert status[("kunde", "1")] == "confirmed"
    assert status.get(("ordre", "101")) != "confirmed"
    assert ("ordre", "101") not in released


# -- a birth date or fødselsnummer the parser can't read ------------------------------------------

MOTHER_FNR = "04036000096"  # valid, born 04.03.1960
UNREAD = ()  # fixed: read, or held as birthdate_unreadable
DAUGHTER = Person("Kari Hansen", emails=(FAMILY,), birthdate=date(1990, 5, 5))


@pytest.mark.parametrize("born", [
    pytest.param(datetime(1960, 3, 4), id="a date cell (control)"),
    pytest.param("04.03.1960", id="dd.mm.yyyy text (control)"),
    pytest.param(21979, id="Excel serial in a General cell", marks=UNREAD),
    pytest.param("04031960", id="ddmmyyyy", marks=UNREAD),
    pytest.param("4. mars 1960", id="written out", marks=UNREAD),
])
def test_a_namesake_mothers_row_with_a_birth_date_typed_oddly_is_not_confirmed(tmp_path, born):
    # The daughter asks with her birth date; her mother of the same name is on the family address.
    _book(tmp_path, {"deltaker": [["Navn", "Født", "E-post", "Kurs"], ["Kari Hansen", born, FAMILY, "Klimakteriegruppe"]]})
    assert _status(_xlsx_system(DATED), tmp_path, DAUGHTER).get(("deltaker", "2")) != "confirmed"


@pytest.mark.parametrize("fnr", [
    pytest.param(MOTHER_FNR, id="as text (control)"),
    pytest.param("040360 00096", id="with a space (control)"),
    pytest.param(int(MOTHER_FNR), id="typed as a number, zero lost (control: padded)"),
])
def test_a_fodselsnummer_typed_as_a_number_in_a_workbook_still_tells_mother_from_daughter(tmp_path, fnr):
    _book(tmp_path, {"deltaker": [["Navn", "Fnr", "E-post", "Kurs"], ["Kari Hansen", fnr, FAMILY, "Klimakteriegruppe"]]})
    system = _xlsx_system({"deltaker": {"key": "_row", "identities": [
        {"type": "name", "column": "Navn"}, {"type": "national_id", "column": "Fnr"}, {"type": "email", "column": "E-post"}]}})
    assert _status(system, tmp_path, DAUGHTER)[("deltaker", "2")] == "excluded"


@pytest.mark.parametrize("use_index", [True, False], ids=["index", "scan"])
def test_a_fodselsnummer_that_lost_its_leading_zero_in_a_csv_still_tells_mother_from_daughter(tmp_path, use_index):
    # The CSV went through Excel: the number column lost its leading zero, ten digits are left.
    system = _csv_system({"medlem": {"key": "_line", "identities": [
        {"type": "name", "column": "navn"}, {"type": "national_id", "column": "fnr"},
        {"type": "email", "column": "epost"}]}}, [])
    _write(tmp_path, {"medlem": f"navn;fnr;epost;merknad\nKari Hansen;{MOTHER_FNR[1:]};{FAMILY};styreverv\n"})
    status, released, _ = run(system, Workspace(root=tmp_path), DAUGHTER, use_index=use_index)
    assert status.get(("medlem", "1")) != "confirmed"


# -- an annotated phone or e-mail cell under a household ------------------------------------------

HOUSEHOLD = {
    "enhet": {"key": "Enhet", "identities": [{"type": "email", "column": "E-post"}]},
    "booking": {"key": "_row", "identities": [{"type": "phone", "column": "Mobil"}, {"type": "email", "column": "E-post"}]},
}
ANNOTATED = ()  # fixed: dsar.identity.cell_identifiers


@pytest.mark.parametrize(("phone", "email"), [
    pytest.param(98765432, None, id="a number typed as a number (control)"),
    pytest.param("Ola 98765432", None, id="a name before the number (control)"),
    pytest.param(None, "ola@example.no", id="an e-mail (control)"),
    pytest.param("98765432 (Ola)", None, id="a name after the number", marks=ANNOTATED),
    pytest.param("987 65 432 (jobb)", None, id="a note after the number", marks=ANNOTATED),
    pytest.param("98765432 / 22334455", None, id="two numbers", marks=ANNOTATED),
    pytest.param(None, "ola@example.no (jobb)", id="a note after the e-mail", marks=ANNOTATED),
    pytest.param(None, "ola@example.no; ola@jobb.no", id="two e-mails", marks=ANNOTATED),
])
def test_a_households_booking_under_another_residents_annotated_number_is_not_confirmed(tmp_path, phone, email):
    # The flat's row holds Kari's e-mail; each booking holds the number of the resident who made it.
    _book(tmp_path, {
        "enhet": [["Enhet", "E-post"], ["H0101", "kari@example.no"]],
        "booking": [["Enhet", "Mobil", "E-post", "Hva"], ["H0101", 91234567, None, "vaskeri"],
                    ["H0101", phone, email, "gjesterom, overnatting"]],
    })
    system = _xlsx_system(HOUSEHOLD, [("booking.Enhet", "enhet.Enhet")])
    status = _status(system, tmp_path, Person("Kari Hansen", emails=("kari@example.no",), phones=("+4791234567",)))
    assert status[("booking", "2")] == "confirmed"
    assert status.get(("booking", "3")) != "confirmed"


# -- a key the sheet repeats ---------------------------------------------------------------------

SHOP_WITH_PAYMENTS = {
    "kunde": {"key": "Kundenr", "identities": NAME_EMAIL},
    "ordre": {"key": "Ordrenr"},
    "betaling": {"key": "_row"},
}
REPEATED = ()  # fixed: the parent file is asked whether the number is unique (key_not_unique)


@pytest.mark.parametrize("olas_number", [
    pytest.param(100, id="the number repeated", marks=REPEATED),
    pytest.param("100", id="number stored as text (Excel keeps 100 and '100' apart)", marks=REPEATED),
    pytest.param(1000, id="distinct numbers (control)"),
])
def test_payments_of_another_customers_order_with_the_same_number_are_not_confirmed(tmp_path, olas_number):
    _book(tmp_path, {
        "kunde": [["Kundenr", "Navn", "E-post"], [1, "Kari Hansen", "kari@example.no"], [2, "Ola Hansen", "ola@example.no"]],
        "ordre": [["Ordrenr", "Kundenr", "Vare"], [100, 1, "sykkel"], [olas_number, 2, "graviditetstest"]],
        "betaling": [["Ordrenr", "Beløp", "Kort"], [100, 4990, "Visa 1111"], [olas_number, 199, "Visa 2222"]],
    })
    system = _xlsx_system(SHOP_WITH_PAYMENTS, [("ordre.Kundenr", "kunde.Kundenr"), ("betaling.Ordrenr", "ordre.Ordrenr")])
    status = _status(system, tmp_path, Person("Kari Hansen", emails=("kari@example.no",)))
    # With the number twice, nothing says which order a payment is for: Kari's waits for staff too.
    assert status[("betaling", "2")] == ("confirmed" if olas_number == 1000 else "held")
    assert status.get(("betaling", "3")) != "confirmed"


# -- held safely -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("email", "phone"), [
    ("ola@example.no; kari@example.no", None),
    ("ola@example.no / kari@example.no", None),
    ("kari@example.no\nola@example.no", None),
    (None, "98765432 / 91234567"),
    (None, "91234567, 98765432"),
    (None, "91234567 (Kari)"),
])
def test_a_cell_holding_two_addresses_or_numbers_is_nobodys(tmp_path, email, phone):
    # A sheet without names: a row found by Kari's identifier would be released as hers.
    _book(tmp_path, {"kontakt": [["E-post", "Mobil", "Sak"], [email, phone, "felles sak"]]})
    system = _xlsx_system({"kontakt": {"key": "_row", "identities": [
        {"type": "email", "column": "E-post"}, {"type": "phone", "column": "Mobil"}]}})
    status = _status(system, tmp_path, Person("Kari Hansen", emails=("kari@example.no",), phones=("+4791234567",)))
    assert status.get(("kontakt", "2")) != "confirmed"


@pytest.mark.parametrize("olas", ["007", "07", "7.0", "7,0", " 07 "])
def test_a_reference_typed_as_a_number_in_one_sheet_and_as_text_in_another_reaches_no_other_customer(tmp_path, olas):
    # Kari is customer 7 (a number); Ola is customer "007" (text). Ola's orders carry his number.
    _book(tmp_path, {
        "kunde": [["Kundenr", "Navn", "E-post"], [7, "Kari Hansen", "kari@example.no"], [olas, "Ola Lunde", "ola@example.no"]],
        "ordre": [["Ordrenr", "Kundenr", "Vare"], [100, 7, "sykkel"], [101, olas, "graviditetstest"]],
    })
    system = _xlsx_system({"kunde": {"key": "_row", "identities": NAME_EMAIL}, "ordre": {"key": "Ordrenr"}},
                          [("ordre.Kundenr", "kunde.Kundenr")])
    status = _status(system, tmp_path, Person("Kari Hansen", emails=("kari@example.no",)))
    assert status[("ordre", "100")] == "confirmed"
    assert status.get(("ordre", "101")) != "confirmed"


def test_an_identifier_only_in_a_free_text_column_finds_nothing(tmp_path):
    _book(tmp_path, {"deltaker": [
        ["Navn", "E-post", "Mobil", "Merknad"],
        ["Ola Hansen", "ola@example.no", 98765432, "kopi til kari@example.no, ring 91234567"],
    ]})
    status = _status(_xlsx_system(PARTICIPANTS), tmp_path,
                     Person("Kari Hansen", emails=("kari@example.no",), phones=("+4791234567",)))
    assert status == {}


@pytest.mark.parametrize("use_index", [True, False], ids=["index", "scan"])
def test_a_quoted_newline_holding_a_line_like_the_persons_row_is_not_a_row(tmp_path, use_index):
    system = _csv_system({"deltaker": {"key": "_line", "identities": [
        {"type": "name", "column": "navn"}, {"type": "email", "column": "epost"}]}}, [])
    _csv_file(tmp_path, "deltaker", (
        "\ufeffnavn;epost;merknad\r\nKari Hansen;kari@example.no;ok\r\n"
        'Ola Hansen;ola@example.no;"ringte\r\nKari Hansen;kari@example.no;x\r\nslutt"\r\n'
        "Per Lunde;per@example.no;\r\n"))
    for _ in range(2):  # the index is built, then read
        status, _, _ = run(system, Workspace(root=tmp_path), Person("Kari Hansen", emails=("kari@example.no",)),
                           use_index=use_index)
        assert status == {("deltaker", "1"): "confirmed"}


def test_header_names_with_nbsp_and_trailing_spaces_are_read_and_the_relative_excluded(tmp_path):
    _book(tmp_path, {"deltaker": [
        ["Navn\u00a0", " E-post ", "Mobil", "Kurs"],
        ["Kari Hansen", FAMILY, None, "Yoga"],
        ["Ola Hansen", FAMILY, None, "Parterapi"],
    ]})
    status = _status(_xlsx_system(PARTICIPANTS), tmp_path, KARI_ON_FAMILY_ADDRESS)
    assert status == {("deltaker", "2"): "confirmed", ("deltaker", "3"): "excluded"}


def test_two_headers_equal_once_stripped_are_refused(tmp_path):
    # "E-post" (the participant's) and "E-post " (a parent's, typed with a trailing space).
    _book(tmp_path, {"deltaker": [
        ["Navn", "E-post", "Mobil", "E-post\u00a0"],
        ["Emma Hansen", "emma@example.no", None, "kari@example.no"],
    ]})
    with pytest.raises(ConnectorError, match="gjentar navnet"):
        _status(_xlsx_system(PARTICIPANTS), tmp_path, Person("Kari Hansen", emails=("kari@example.no",)))


def test_names_typed_into_swapped_first_and_last_name_columns_keep_the_relative_out(tmp_path):
    _book(tmp_path, {"deltaker": [
        ["Fornavn", "Etternavn", "E-post", "Kurs"],
        ["Hansen", "Kari", FAMILY, "Yoga"],
        ["Hansen", "Ola", FAMILY, "Parterapi"],
        ["Ola", "Hansen", FAMILY, "Rusmestring"],
    ]})
    system = _xlsx_system({"deltaker": {"key": "_row", "identities": [
        {"type": "name", "columns": ["Fornavn", "Etternavn"]}, {"type": "email", "column": "E-post"}]}})
    status = _status(system, tmp_path, KARI_ON_FAMILY_ADDRESS)
    assert status[("deltaker", "2")] == "confirmed"
    assert status[("deltaker", "3")] != "confirmed"
    assert status[("deltaker", "4")] != "confirmed"


def test_a_utf8_export_read_as_cp1252_does_not_confirm_relatives_with_norwegian_letters(tmp_path):
    system = _csv_system({"deltaker": {"key": "_line", "encoding": "cp1252", "identities": [
        {"type": "name", "column": "navn"}, {"type": "email", "column": "epost"}]}}, [])
    _csv_file(tmp_path, "deltaker",
              f"navn;epost\nKari Hansen;{FAMILY}\nÅse Hansen;{FAMILY}\nØystein Hansen;{FAMILY}\n")
    status, released, _ = run(system, Workspace(root=tmp_path), KARI_ON_FAMILY_ADDRESS)
    assert status[("deltaker", "1")] == "confirmed"
    assert status[("deltaker", "2")] != "confirmed" and status[("deltaker", "3")] != "confirmed"
    assert released == {("deltaker", "1")}
