"""Identifiers as systems spell them, and as people type them."""

from __future__ import annotations

import pytest

from dsar.errors import InputError
from dsar.identity import (
    fold_name,
    looks_like_phone,
    names_compatible,
    normalize_email,
    normalize_phone,
    parse_birthdate,
    phone_variants,
)


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
