"""Whose record is whose: what a record says, and the evidence along the path to it."""

from __future__ import annotations

from datetime import date

import pytest

from dsar.config.models import System
from dsar.matching import Resolver, Subject, assess
from dsar.records import Link, RawRecord

SHOP = System.model_validate(
    {
        "id": "shop",
        "title": "Butikk",
        "connector": "sql",
        "connection": {"url": "sqlite:///unused.db"},
        "register": {
            "purposes": ["Salg"], "legal_basis": ["Avtale"], "categories": ["Navn"], "recipients": [],
            "retention": "Til kontoen slettes", "sources": [], "transfers": [], "profiling": False,
            "automated_decisions": False,
        },
        "collections": {
            "customers": {
                "title": "Kunder",
                "table": "customers",
                "key": "id",
                "identities": [
                    {"type": "email", "column": "email"},
                    {"type": "name", "columns": ["first_name", "last_name"]},
                    {"type": "birthdate", "column": "born"},
                    {"type": "national_id", "column": "fnr"},
                ],
            },
            "orders": {"title": "Ordre", "table": "orders", "key": "id"},
        },
        "references": [{"from": "orders.customer_id", "to": "customers.id"}],
    }
)
CUSTOMERS = SHOP.collections["customers"]
KARI = Subject(name="Kari Nordmann", birthdate=date(1985, 3, 4))


# Each row: what a customer row holds, and whether it agrees with Kari, contradicts her, or
# says nothing either way.
@pytest.mark.parametrize(
    "fields, state, conflicts",
    [
        ({"first_name": "Kari", "last_name": "Nordmann", "born": "1985-03-04"}, "agree", []),
        ({"first_name": "KARI", "last_name": "NORDMANN", "born": None}, "agree", []),
        ({"first_name": "Kari", "last_name": "Nordmann", "born": "04.03.1985 00:00"}, "agree", []),
        ({"first_name": "Kari", "last_name": "Nordmann", "born": "4.3.85"}, "agree", []),
        ({"first_name": "", "last_name": "", "born": None}, "neutral", []),  # nothing to compare
        ({"first_name": "Kari", "last_name": "", "born": None}, "neutral", []),  # part of the name
        # Same family e-mail, another first name: not Kari's without a person deciding.
        ({"first_name": "Ola", "last_name": "Nordmann", "born": None}, "conflict", ["name_differs"]),
        ({"first_name": "Kari", "last_name": "Nordmann", "born": date(1990, 1, 1)}, "conflict", ["birthdate_differs"]),
        ({"first_name": "Kari", "last_name": "Nordmann", "born": "01.01.1990"}, "conflict", ["birthdate_differs"]),
        # A fødselsnummer carries the birth date: 04.03.85 agrees, 01.01.90 doesn't.
        ({"first_name": "Kari", "last_name": "Nordmann", "fnr": "04038512345"}, "agree", []),
        # Birth dates as forms and registers write them: ddmmyy, a fødselsnummer in the column.
        ({"first_name": "Kari", "last_name": "Nordmann", "born": "040385"}, "agree", []),
        ({"first_name": "Kari", "last_name": "Nordmann", "born": "FNR:040385"}, "agree", []),
        ({"first_name": "Kari", "last_name": "Nordmann", "born": "FNR:010190"}, "conflict", ["birthdate_differs"]),
        # The same first name under another surname: somebody else, or Kari before marrying.
        ({"first_name": "Kari", "last_name": "Hansen", "born": None}, "conflict", ["surname_differs"]),
        # A name in another script can't be compared with the Latin one: neither agrees nor differs.
        ({"first_name": "Кари", "last_name": "Нордманн", "born": None}, "neutral", []),
    ],
)
def test_what_a_record_says(fields, state, conflicts):
    if fields.get("fnr"):
        fields["fnr"] = fnr("040385")
    if str(fields.get("born") or "").startswith("FNR:"):
        fields["born"] = fnr(fields["born"][4:])
    result = assess(KARI, CUSTOMERS, fields)
    assert (result.state, result.conflicts) == (state, conflicts)


@pytest.mark.parametrize("name", ["", " ", "Nordmann", "K. N.", "?", "李"])
def test_a_name_that_says_nothing_never_agrees(name):
    result = assess(Subject(name=name), CUSTOMERS, {"first_name": "Kari", "last_name": "Nordmann"})
    assert result.state == "weak" and not result.agrees


def fnr(ddmmyy: str) -> str:
    """A valid fødselsnummer for the date (the first individual number that checks out)."""
    from stdnum.no import fodselsnummer

    for n in range(100, 500):
        base = f"{ddmmyy}{n:03d}"
        first = fodselsnummer.calc_check_digit1(base)
        second = fodselsnummer.calc_check_digit2(base + first)
        if fodselsnummer.is_valid(base + first + second):
            return base + first + second
    raise AssertionError("no valid number")


def _raw(collection, key, fields, matched_on=(), via=None, group=None, shared=False):
    return RawRecord(collection, key, fields, matched_on=matched_on, via=via, group=group, shared=shared)


def test_children_follow_their_parents_verdict():
    resolver = Resolver(SHOP, KARI)
    kari = resolver.place(_raw("customers", "1", {"first_name": "Kari", "last_name": "Nordmann"}, ("email",)))
    ola = resolver.place(_raw("customers", "2", {"first_name": "Ola", "last_name": "Nordmann"}, ("email",)))
    down = "orders.customer_id -> customers.id"
    mine = resolver.place(_raw("orders", "10", {}, via=Link("customers", "1", down, "down"), group=kari.group))
    his = resolver.place(_raw("orders", "20", {}, via=Link("customers", "2", down, "down"), group=ola.group))
    assert [(f.key, f.status, f.group) for f in (kari, ola, mine, his)] == [
        ("1", "confirmed", "customers/1"),
        ("2", "held", "customers/2"),
        ("10", "confirmed", "customers/1"),
        ("20", "held", "customers/2"),
    ]
    resolution = resolver.resolution()
    assert resolution.released() == {"customers/1"}
    assert resolution.released({"customers/2": "accepted"}) == {"customers/1", "customers/2"}
    assert resolution.verdicts["customers/2"].evidence()["conflicts"] == ["name_differs"]


def test_a_record_found_by_name_alone_waits_for_a_person():
    resolver = Resolver(SHOP, KARI)
    found = resolver.place(_raw("customers", "5", {"first_name": "Kari", "last_name": "Nordmann"}, ("name",)))
    assert found.status == "held"
    verdict = resolver.resolution().verdicts["customers/5"]
    assert verdict.needs_decision and verdict.reason == "name_only"
