"""Dates, fødselsnumre and identifiers as spreadsheets and hand-kept lists hold them: read
where only one reading fits, never taken as "nothing there" when something is written."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from dsar.config.models import Collection
from dsar.identity import as_date, cell_identifiers, national_id
from dsar.matching import assess
from dsar.store import Person

BORN = date(1960, 3, 4)


@pytest.mark.parametrize("value", [
    "04.03.1960", "4.3.1960", "1960-03-04", "19600304", "04031960", "4. mars 1960", "4 mar 1960",
    "04. MARS 1960", "4 March 1960", 21979, 21979.0, 19600304, 4031960, datetime(1960, 3, 4, 0, 0),
])
def test_a_birth_date_in_the_ways_staff_and_spreadsheets_write_it(value):
    assert as_date(value) == BORN


@pytest.mark.parametrize("value", [
    40360,      # 04.03.60 with the zero lost, or Excel's 2010-07-02: two readings, no date
    "ca. 1960", "4. marsj 1960", "31.02.1960", 0, -5, True, "12345678",
])
def test_a_number_or_text_that_reads_two_ways_or_none_is_no_date(value):
    assert as_date(value) is None


def test_a_fodselsnummer_that_lost_its_leading_zero_is_read_with_it():
    assert national_id("4036000096") == "04036000096"
    assert national_id("040360 00096") == "04036000096"
    assert national_id("4036000097") is None  # the checksum still decides


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("phone", "98765432 (Ola)", {"+4798765432"}),
    ("phone", "987 65 432 (jobb)", {"+4798765432"}),
    ("phone", "98765432 / 22334455", {"+4798765432", "+4722334455"}),
    ("phone", "+47 987 65 432", {"+4798765432"}),
    ("phone", "ring etter kl 16", set()),
    ("email", "ola@example.no (jobb)", {"ola@example.no"}),
    ("email", "ola@example.no; ola@jobb.no", {"ola@example.no", "ola@jobb.no"}),
    ("email", "Ola <ola@example.no>", {"ola@example.no"}),
    ("email", "ingen", set()),
])
def test_identifiers_in_an_annotated_cell(kind, value, expected):
    assert cell_identifiers(kind, value) == expected


DATED = Collection.model_validate({"id": "deltaker", "title": "Deltakere", "key": "id", "identities": [
    {"type": "name", "column": "navn"}, {"type": "birthdate", "column": "fodt"}, {"type": "email", "column": "epost"}]})


@pytest.mark.parametrize("written", ["ca. 1960", "60-tallet", 40360])
def test_a_birth_date_written_but_unreadable_holds_the_row_for_staff(written):
    person = Person("Kari Hansen", emails=("familien@example.no",), birthdate=date(1990, 5, 5)).subject()
    result = assess(person, DATED, {"navn": "Kari Hansen", "fodt": written, "epost": "familien@example.no"})
    assert "birthdate_unreadable" in result.conflicts


@pytest.mark.parametrize("blank", [None, "", "  ", "-", "NULL"])
def test_a_blank_birth_date_is_no_birth_date(blank):
    person = Person("Kari Hansen", emails=("kari@example.no",), birthdate=date(1990, 5, 5)).subject()
    result = assess(person, DATED, {"navn": "Kari Hansen", "fodt": blank, "epost": "kari@example.no"})
    assert result.conflicts == []
