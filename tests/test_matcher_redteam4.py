"""Fourth red-team round on the record matcher: the order of the passes in
``Resolver.resolution`` (a parent found doubtful only after ``_two_parents`` looked), rows
hanging on two held groups and staff accepting one of them, and regression cases.

The rule under test: a record of somebody else's is never ``confirmed``; a weak match is never
confirmed without staff; accepting a held group releases only what follows it. The five leaks
this round found are fixed (the passes that put records to staff run before the passes that
read who is released, and a final pass takes back what rested on a record put to staff; a
row hanging on two parents is held when any is in doubt; a next-of-kin row releases nothing
hanging on it); each case failed before its fix.
"""

from __future__ import annotations

from datetime import date

import pytest

from dsar.store import Person
from tests.test_connector_base import found_reason, system, verdicts
from tests.test_matcher_redteam import accept_all, decided

# -- an order joined on a shared value to a record the person's and to a namesake's -----------

# Customers carry a name, a birth date, e-mail and phone; orders are joined on the phone.
SHOP_JOINED_ON_PHONE = system(
    {
        "kunde": {"key": "id", "identities": [
            {"type": "name", "column": "navn"}, {"type": "birthdate", "column": "born"},
            {"type": "email", "column": "epost"}, {"type": "phone", "column": "tlf"}]},
        "ordre": {"key": "id"},
    },
    [("ordre.tlf", "kunde.tlf")],
)


def _namesakes_on_one_address(asked_born):
    # Father and son Ola Hansen on the family address; an undated row of the name on it too
    # (whose? _undated_namesakes holds it). The undated row and the father's share the landline
    # the order is joined on.
    tables = {
        "kunde": [
            {"id": 1, "navn": "Ola Hansen", "born": "1960-01-01", "epost": "hansen@example.no", "tlf": "22334455"},
            {"id": 3, "navn": "Ola Hansen", "born": "1998-05-05", "epost": "hansen@example.no", "tlf": None},
            {"id": 2, "navn": "Ola Hansen", "born": None, "epost": "hansen@example.no", "tlf": "22334455"},
        ],
        "ordre": [{"id": 10, "tlf": "22334455"}],  # joined to row 1 and to row 2
    }
    return tables, Person("Ola Hansen", emails=("hansen@example.no",), birthdate=asked_born)


@pytest.mark.parametrize("asked_born", [
    # Was a leak: _two_parents ran before _undated_namesakes held row 2.
    pytest.param(date(1960, 1, 1), id="birth date given"),
    pytest.param(None, id="no birth date (regression)"),
])
def test_an_order_joined_to_the_person_and_an_undated_namesake_row_is_not_confirmed(asked_born):
    tables, ola = _namesakes_on_one_address(asked_born)
    status, found, _ = verdicts(SHOP_JOINED_ON_PHONE, tables, ola)
    assert status[("kunde", "2")] != "confirmed"
    assert status[("ordre", "10")] != "confirmed"


# Joined on an address: the person's row by e-mail, a namesake's found by name alone.
SHOP_JOINED_ON_ADDRESS = system(
    {
        "kunde": {"key": "id", "identities": [
            {"type": "name", "column": "navn"}, {"type": "email", "column": "epost"}]},
        "ordre": {"key": "id"},
    },
    [("ordre.adresse", "kunde.adresse")],
)


def test_an_order_joined_to_the_person_and_a_namesake_found_by_name_is_not_confirmed():
    tables = {
        "kunde": [
            {"id": 1, "navn": "Ola Hansen", "epost": "ola@example.no", "adresse": "Storgata 1"},
            {"id": 2, "navn": "Ola Hansen", "epost": None, "adresse": "Storgata 1"},  # the son?
        ],
        "ordre": [{"id": 10, "adresse": "Storgata 1"}],
    }
    status, found, _ = verdicts(SHOP_JOINED_ON_ADDRESS, tables, Person("Ola Hansen", emails=("ola@example.no",)))
    assert status[("kunde", "2")] != "confirmed"
    assert status[("ordre", "10")] != "confirmed"


# -- an order hanging on two held groups; staff accept one ------------------------------------

SHOP_ON_EMAIL = system(
    {
        "kunde": {"key": "id", "identities": [
            {"type": "email", "column": "epost"}, {"type": "name", "column": "navn"}]},
        "ordre": {"key": "id"},
    },
    [("ordre.epost", "kunde.epost")],
)


def test_accepting_the_persons_held_row_does_not_release_an_order_joined_to_a_held_sister_too():
    # Kari's own row under her maiden name (surname_differs), her sister Karin's (first_name_close).
    tables = {
        "kunde": [{"id": 1, "navn": "Kari Olsen", "epost": "hansen@example.no"},
                  {"id": 2, "navn": "Karin Hansen", "epost": "hansen@example.no"}],
        "ordre": [{"id": 10, "epost": "hansen@example.no"}],
    }
    kari = Person("Kari Hansen", emails=("hansen@example.no",))
    status, found, _ = verdicts(SHOP_ON_EMAIL, tables, kari)
    released, refs = decided(SHOP_ON_EMAIL, tables, kari,
                             lambda ref, reason: "accepted" if ref == "kunde/1" else "rejected")
    assert ("ordre", "10") not in released


# -- a row on the person's record under another's name (names_another), accepted ---------------

SHOP_WITH_CONTACTS = system(
    {
        "kunde": {"key": "id", "identities": [
            {"type": "email", "column": "epost"}, {"type": "name", "column": "navn"}]},
        "kontakt": {"key": "id", "identities": [
            {"type": "name", "column": "navn"}, {"type": "phone", "column": "tlf"}]},
        "sms": {"key": "id", "identities": [{"type": "phone", "column": "tlf"}]},
    },
    [("kontakt.kunde_id", "kunde.id"), ("sms.tlf", "kontakt.tlf")],
)


def test_accepting_a_next_of_kin_row_does_not_release_the_next_of_kins_own_sms():
    tables = {
        "kunde": [{"id": 1, "navn": "Kari Hansen", "epost": "kari@example.no"}],
        "kontakt": [{"id": 5, "kunde_id": 1, "navn": "Ola Hansen", "tlf": "90033344"}],  # her next of kin
        "sms": [{"id": 50, "tlf": "90033344", "tekst": "Ola: din time hos legen er i morgen"}],
    }
    kari = Person("Kari Hansen", emails=("kari@example.no",))
    status, found, _ = verdicts(SHOP_WITH_CONTACTS, tables, kari)
    released, refs = decided(SHOP_WITH_CONTACTS, tables, kari, accept_all)
    assert ("sms", "50") not in released


# -- a phone vouched for by a row held only later (first pass of resolution vs _undated_namesakes)

CRM_AND_BOOKINGS = system(
    {
        "person": {"key": "id", "identities": [
            {"type": "name", "column": "name"}, {"type": "birthdate", "column": "born"},
            {"type": "email", "column": "email"}, {"type": "phone", "column": "mobile"}]},
        "booking": {"key": "id", "identities": [
            {"type": "name", "column": "guest"}, {"type": "phone", "column": "mobile"}]},
    },
    [],
)


def test_a_booking_found_by_name_is_not_confirmed_on_the_phone_of_an_undated_namesake_row():
    tables = {
        "person": [
            {"id": 1, "name": "Ola Hansen", "born": "1960-01-01", "email": "hansen@example.no", "mobile": None},
            {"id": 3, "name": "Ola Hansen", "born": "1998-05-05", "email": "hansen@example.no", "mobile": None},
            # Undated, on the family address: father's or son's? Its mobile is the son's.
            {"id": 2, "name": "Ola Hansen", "born": None, "email": "hansen@example.no", "mobile": "41000001"},
        ],
        "booking": [{"id": 40, "guest": "Ola Hansen", "mobile": "41000001"}],  # the son's booking
    }
    ola = Person("Ola Hansen", emails=("hansen@example.no",), birthdate=date(1960, 1, 1))
    status, found, _ = verdicts(CRM_AND_BOOKINGS, tables, ola)
    assert status[("person", "2")] != "confirmed"
    assert status[("booking", "40")] != "confirmed"


# -- what passed: kept as regression tests ----------------------------------------------------


def test_without_a_decision_nothing_hanging_on_two_held_rows_or_a_next_of_kin_row_is_confirmed():
    sisters = {
        "kunde": [{"id": 1, "navn": "Kari Olsen", "epost": "hansen@example.no"},
                  {"id": 2, "navn": "Karin Hansen", "epost": "hansen@example.no"}],
        "ordre": [{"id": 10, "epost": "hansen@example.no"}],
    }
    kari = Person("Kari Hansen", emails=("hansen@example.no",))
    status, found, _ = verdicts(SHOP_ON_EMAIL, sisters, kari)
    assert (status[("kunde", "1")], found_reason(found, "kunde", "1")) == ("held", "surname_differs")
    assert (status[("kunde", "2")], found_reason(found, "kunde", "2")) == ("held", "first_name_close")
    assert status[("ordre", "10")] == "held"
    # Staff reject both rows: the order follows neither.
    released, _ = decided(SHOP_ON_EMAIL, sisters, kari, lambda ref, reason: "rejected")
    assert released == set()

    kin = {
        "kunde": [{"id": 1, "navn": "Kari Hansen", "epost": "kari@example.no"}],
        "kontakt": [{"id": 5, "kunde_id": 1, "navn": "Ola Hansen", "tlf": "90033344"}],
        "sms": [{"id": 50, "tlf": "90033344"}],
    }
    status, found, _ = verdicts(SHOP_WITH_CONTACTS, kin, Person("Kari Hansen", emails=("kari@example.no",)))
    assert status[("kunde", "1")] == "confirmed"
    assert (status[("kontakt", "5")], found_reason(found, "kontakt", "5")) == ("held", "names_another")
    assert status[("sms", "50")] == "excluded"  # the next of kin's own: no decision on Kari's row releases it
