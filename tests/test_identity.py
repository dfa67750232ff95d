"""Identifiers as systems spell them, and as people type them."""

from __future__ import annotations

import pytest

from dsar.errors import InputError
from dsar.identity import (
    as_date,
    looks_like_email,
    looks_like_phone,
    normalize_email,
    normalize_phone,
    parse_birthdate,
    phone_note,
    phone_variants,
)
from dsar.names import fold_name, names_compatible


@pytest.mark.parametrize(
    "raw",
    ["kari.nordmann@example.no", " Kari.Nordmann@Example.no ", "KARI.NORDMANN@EXAMPLE.NO"],
)
def test_email_case_and_spaces(raw):
    assert normalize_email(raw) == "kari.nordmann@example.no"


@pytest.mark.parametrize("raw", ["kari.nordmann", "kari@", "kari@@example.no", "kari nordmann@example.no"])
def test_malformed_email_is_refused_without_echo(raw):
    with pytest.raises(InputError) as err:
        normalize_email(raw)
    assert raw.strip() not in str(err.value)


@pytest.mark.parametrize(
    "raw",
    ["+47 912 34 567", "004791234567", "91234567", "912 34 567", "91 23 45 67", "+4791234567", "0047 912 34 567"],
)
def test_norwegian_phone_spellings(raw):
    assert normalize_phone(raw) == "+4791234567"
    assert raw in phone_variants("+4791234567") or raw.replace(" ", "") in phone_variants("+4791234567")


# Each pair: two spellings that are different mailboxes and must stay so.
@pytest.mark.parametrize(
    "a, b",
    [
        ("große@example.no", "grosse@example.no"),  # ß is not ss to a mail server
        ("\u212aari@example.no", "kari@example.no"),  # the Kelvin sign is not K
        ("Øystein@example.no", "øystein@example.no"),  # non-ASCII case is not folded
    ],
)
def test_email_folding_never_merges_mailboxes(a, b):
    assert normalize_email(a) != normalize_email(b)


def test_email_domain_compared_in_its_idna_form():
    assert normalize_email("Kari@BØ.no") == normalize_email("kari@xn--b-5ga.no") == "kari@xn--b-5ga.no"
    assert looks_like_email(" KARI@bø.NO ") == "kari@xn--b-5ga.no"


# Numbers the numbering plan doesn't list are possible, so accepted (with a note for staff).
@pytest.mark.parametrize("raw", ["42 72 59 53", "49417978", "+47 427 25 953", "(+47) 42 72 59 53"])
def test_possible_norwegian_numbers_are_accepted(raw):
    e164 = normalize_phone(raw)
    assert len(e164) == 11 and e164.startswith("+47")
    assert phone_note(e164) is not None
    assert phone_note(normalize_phone("912 34 567")) is None


@pytest.mark.parametrize("cell, e164", [(91234567, "+4791234567"), (91234567.0, "+4791234567"), ("91234567.0", "+4791234567"), ("(+47) 91 72 52 02", "+4791725202")])
def test_phone_cells_as_spreadsheets_type_them(cell, e164):
    assert looks_like_phone(cell) == e164


@pytest.mark.parametrize(
    "cell, iso",
    [
        ("1985-03-04", "1985-03-04"), ("1985-03-04T10:00:00", "1985-03-04"), ("04.03.1985", "1985-03-04"),
        ("4.3.1985", "1985-03-04"), ("4.3.85", "1985-03-04"), ("04/03/1985", "1985-03-04"), ("19850304", "1985-03-04"),
        ("2.5.09", "2009-05-02"), ("31.02.1985", None), ("soon", None),
    ],
)
def test_dates_as_norwegian_systems_write_them(cell, iso):
    parsed = as_date(cell)
    assert (parsed.isoformat() if parsed else None) == iso


@pytest.mark.parametrize("raw", ["123", "9123456", "abcdefgh", "+47 1234 5678 999"])
def test_malformed_phone_is_refused_without_echo(raw):
    with pytest.raises(InputError) as err:
        normalize_phone(raw)
    assert raw not in str(err.value)
    assert looks_like_phone(raw) is None


@pytest.mark.parametrize(
    "asked, held, same",
    [
        ("Kari Nordmann", "Nordmann, Kari", True),  # register order
        ("Kari Ødegård", "Kari Odegard", True),  # ø and å without the letters
        ("Kari Nordmann", "KARI NORDMANN", True),
        ("Kari Nordmann", "Kari", True),  # SMS club keeps first names
        ("Kari Anne Nordmann", "Kari Nordmann", True),  # middle name left out
        ("Kari Nordmann", "Ola Nordmann", False),  # a family sharing an e-mail
        ("Kari Nordmann", "Per Hansen", False),
        ("Kari Ødegård", "Kari Oedegaard", True),
        ("Åse Aasen", "Aase Åsen", True),
        ("Kari Nordmann", "Kari Nordmann-Berg", True),  # a double surname
        ("Kari Nordmann", "Nordmann Kari", True),  # surname first without a comma
    ],
)
def test_names_compatible(asked, held, same):
    assert names_compatible(asked, held) is same


def test_fold_name():
    assert fold_name("Ødegård, Kari-Anne") == "kari anne odegard"


@pytest.mark.parametrize("raw, iso", [("1985-03-04", "1985-03-04"), ("4.3.1985", "1985-03-04")])
def test_birthdate(raw, iso):
    assert parse_birthdate(raw).isoformat() == iso


@pytest.mark.parametrize("raw", ["1985-13-01", "31.02.1990", "2999-01-01", "yesterday"])
def test_bad_birthdate(raw):
    with pytest.raises(InputError):
        parse_birthdate(raw)


@pytest.mark.parametrize(
    "raw, iso",
    [
        ("03119812363", "1998-11-03"),  # a fødselsnummer, as BankID gives it
        ("031198 12363", "1998-11-03"),  # written in two groups
        (" 0311 9812 363 ", "1998-11-03"),
        ("43119812357", "1998-11-03"),  # a D-nummer: 40 added to the day
    ],
)
def test_a_national_id_gives_the_birth_date_it_encodes(raw, iso):
    assert parse_birthdate(raw).isoformat() == iso


@pytest.mark.parametrize("raw", ["21109834567", "031198 12364", "31029812345", "99999999999"])
def test_eleven_digits_that_are_no_national_id_are_refused_as_such(raw):
    with pytest.raises(InputError, match="er ikke et gyldig fødselsnummer") as refused:
        parse_birthdate(raw)
    assert raw.replace(" ", "")[:6] not in str(refused.value)  # the error never repeats the number


def test_sql_name_lookups_also_try_capitals_and_decomposed_letters():
    import unicodedata

    from dsar.names import lookup_forms

    fulls, surnames = lookup_forms("Oliver Ulvgård")
    # SQLite's lower() folds ASCII only: "ULVGÅRD" becomes "ulvgÅrd".
    assert "ulvgÅrd" in surnames and "oliver ulvgÅrd" in fulls
    assert unicodedata.normalize("NFD", "ulvgård") in surnames and "ulvgard" in surnames


def test_a_name_in_another_script_says_nothing():
    from dsar.names import Name, NameMatch, compare_names

    assert not Name.parse("Наталія Шевченко").informative
    assert compare_names("Nataliia Shevchenko", "Наталія Шевченко")[0] is NameMatch.UNKNOWN
    assert compare_names("Наталія Шевченко", "Nataliia Shevchenko")[0] is NameMatch.UNKNOWN


def test_sql_name_lookups_try_every_mix_of_capitals_beyond_ascii():
    from dsar.names import lookup_forms

    fulls, _ = lookup_forms("Nils Åsås")
    # "Åsås, Nils" after SQLite's lower(): the first Å a capital, the second not.
    assert {"Åsås, nils", "åsÅs, nils", "ÅsÅs, nils", "åsås, nils"} <= set(fulls)
    many, _ = lookup_forms("Ærøæøå Øåæøå")  # more letters than are mixed: capitals by word start
    assert {"Ærøæøå øåæøå", "ærøæøå Øåæøå", "Ærøæøå ØÅÆØÅ"} <= set(many) and len(many) < 300


def test_a_sub_address_is_the_mailbox_it_reaches():
    from dsar.identity import mailbox

    assert mailbox(normalize_email("Kari+Butikk@Example.no")) == "kari@example.no"
    assert mailbox("kari@example.no") == "kari@example.no"
    assert mailbox("+butikk@example.no") == "+butikk@example.no"  # no mailbox before the +
    assert mailbox("kari+a+b@example.no") == "kari@example.no"
    assert mailbox("große+x@example.no") != mailbox("grosse@example.no")


def test_an_instant_with_a_zone_is_read_as_the_day_it_means():
    from datetime import UTC, date, datetime

    from dsar.identity import as_date

    # Oslo's midnight written in UTC (an export from a system that keeps instants).
    assert as_date("1961-01-16T23:00:00.000Z") == date(1961, 1, 17)
    assert as_date("1961-01-16T23:00:00+00:00") == date(1961, 1, 17)
    assert as_date(datetime(1961, 1, 16, 23, tzinfo=UTC)) == date(1961, 1, 17)
    # Some zone's midnight, as databases and writers put it: the nearest midnight is the day.
    for written in ("1961-01-16 23:00:00+00", "1961-01-16T23:00:00Z[UTC]", "1961-01-16 23:00:00 UTC",
                    "1961-01-17T00:00:00+02:00", "1961-01-16T22:00:00Z"):
        assert as_date(written) == date(1961, 1, 17), written
    # Without a zone the time is the day's own.
    assert as_date("1961-01-16T23:00:00") == date(1961, 1, 16)
    assert as_date("1961-01-16 23:00") == date(1961, 1, 16)
