"""Tenth red-team round: the code of the last few hours — spreadsheet dates and annotated cells
(``dsar.identity.as_date``/``cell_identifiers``, ``assess``'s ``birthdate_unreadable``,
``other_identifier``), the open question (``Search.unattributed``), a record on several parents
(``Resolution._qualifies`` with ``GroupVerdict.parents``, ``Resolver._two_parents``), records
below a CONFINED group, renumbered review items (``RequestStore._renumber_changed``/``decide``)
and the sheet connectors' unique-key check (``Link.ambiguous``).

Each case asserts the SAFE behaviour; a case the product gets wrong is
``xfail(strict=True, reason="LEAK: …")``. Controls (the same data without the trick) pass.

Leaks found (all fixed since; each case now asserts the fix):

- An annotated cell ``cell_identifiers`` can't split is "no identifier" again, so a household's
  booking under another resident's number is confirmed (``other_identifier``): two numbers with
  only a space or a dash between them (``_PHONE_IN_TEXT`` takes both as one 16-digit number), an
  address with a label glued on (``E-post:ola@…``, ``mailto:ola@…``) or a full stop after it.
- A cell holding another resident's number *and* the person's (``98765432 / 91234567``: Ola's
  booking with Kari as second contact) is the person's: ``other_identifier`` returns "not
  other" as soon as one value is the person's, so the booking is confirmed.
- A birth year typed as a number (``2010`` in a General cell) is read as an Excel serial:
  1905-07-02, an adult; a request without a birth date then releases the son's row of the
  father's name on the family address (``_date_from_number``; ``child_record`` never fires).
  A birth date that can't be read at all (``ca. 2010``) is still "no birth date" in a request
  without one (``assess`` raises ``birthdate_unreadable`` only when the request has a date).
- ``Resolution._qualifies`` asks only whether a parent is excluded *on its own evidence*: an
  order from Kari's account to Ola's (accounts say nothing; Ola's customer row above his account
  is excluded) hangs on a neutral parent, so it is released, and so is Ola's account row
  (his IBAN, his address at a shelter) — where the same order pointing at the customers
  directly is held (``parents_differ``).
- Without Ola's row found at all, his account is still released: reached up from Kari's order it
  says nothing, and its own reference up to its customer is never followed, so nothing shows it
  is another's (``Connector`` plan / ``Resolution._qualifies`` on a neutral record reached up).

Fixed by: ``cell_identifiers`` reading cells with ``textscan`` and joining digit groups into whole
numbers; a cell holding the person's number and another's held (``identifier_shared``); a year
alone no date, serials only from 1910; ``birthdate_unreadable`` also without a birth date asked;
``owner_excluded`` (a record whose only parents are excluded is theirs, whatever else reaches
it); ``owner_unchecked`` (a record reached up whose owner the search can't look up is held).

Held: 8-digit strings are never read two ways (yyyymmdd's month would have to be 18–21); a
five-digit number that is both a serial and a ddmmyy is unreadable and held; a namesake on the
family address with a date read two ways, a bare birth year or two dates in the cell is kept out
when the request gives a birth date; what the person names after the open question (the family
landline) releases neither the other parent's row on it nor the child's row, and the other
parent's mobile is never a suggestion (the store holds only the count); a decision on a number renumbered twice is
refused and names the newest; an accepted item whose group changed is voided; a decision on
another request's item number (old or new) is refused; an order on three customers, two of them
excluded, stays out when staff accept one; a cycle (a customer naming another's order) reaches
no other customer's order; going up by an account number a sheet repeats keeps the other row out.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dsar.errors import InputError
from dsar.identity import as_date, cell_identifiers
from dsar.store import Person
from dsar.workspace import Workspace
from tests.test_matcher_redteam5 import _csv_system, _write, run
from tests.test_matcher_redteam7 import HOUSEHOLD, _book, _status, _xlsx_system
from tests.test_matcher_redteam8 import CUSTOMER, World

KARI = Person("Kari Hansen", emails=("kari@example.no",), phones=("+4791234567",))


# -- 1. annotated identifier cells under a household -------------------------------------------



@pytest.mark.parametrize(("phone", "email"), [
    pytest.param("98765432 / 41234567", None, id="two numbers with a slash (control)"),
    pytest.param("98765432 (Ola)", None, id="a name after the number (control)"),
    pytest.param(None, "E-post: ola@example.no", id="a label and a space (control)"),
    pytest.param("98765432 41234567", None, id="two numbers with a space"),
    pytest.param("98765432 - 41234567", None, id="two numbers with a dash"),
    pytest.param(None, "E-post:ola@example.no", id="a label glued on"),
    pytest.param(None, "mailto:ola@example.no", id="a mailto link"),
    pytest.param(None, "ola@example.no.", id="a full stop after the address"),
    pytest.param("98765432 / 91234567", None, id="Ola's number and Kari's as second contact"),
    pytest.param(None, "ola@example.no; kari@example.no", id="Ola's address and Kari's"),
])
def test_a_households_booking_under_another_residents_number_is_not_confirmed(tmp_path, phone, email):
    # The flat's row holds Kari's e-mail; each booking holds the number of who made it.
    _book(tmp_path, {
        "enhet": [["Enhet", "E-post"], ["H0101", "kari@example.no"]],
        "booking": [["Enhet", "Mobil", "E-post", "Hva"], ["H0101", 91234567, None, "vaskeri"],
                    ["H0101", phone, email, "familievernkontoret, samtale"]],
    })
    system = _xlsx_system(HOUSEHOLD, [("booking.Enhet", "enhet.Enhet")])
    status = _status(system, tmp_path, KARI)
    assert status[("booking", "2")] == "confirmed"
    assert status.get(("booking", "3")) != "confirmed"


def test_cell_identifiers_finds_each_value_of_a_doubly_filled_cell():
    # The unit under the leaks above: every value a reader sees must be found.
    assert cell_identifiers("phone", "98765432 / 41234567") == {"+4798765432", "+4741234567"}
    assert cell_identifiers("email", "Ola <ola@example.no>") == {"ola@example.no"}


# -- 1. birth dates as spreadsheets hold them ---------------------------------------------------

FATHER = Person("Ola Hansen", emails=("hansen@example.no",))  # no birth date given
SIGNUP = {"deltaker": {"key": "_row", "identities": [
    {"type": "name", "column": "Navn"}, {"type": "birthdate", "column": "Født"}, {"type": "email", "column": "E-post"}]}}


@pytest.mark.parametrize("born", [
    pytest.param(date(2010, 7, 2), id="a date cell (control)"),
    pytest.param("02.07.2010", id="dd.mm.yyyy text (control)"),
    pytest.param(2010, id="birth year typed as a number (read as serial 1905)"),
    pytest.param("ca. 2010", id="unreadable text"),
])
def test_a_sons_row_of_the_fathers_name_is_not_released_to_a_father_who_gave_no_birth_date(tmp_path, born):
    # Ola Hansen asks without a birth date. His son Ola Hansen (born 2010) is signed up on the
    # family address. README: "without it, a record of somebody under 18 is held".
    _book(tmp_path, {"deltaker": [["Navn", "Født", "E-post", "Kurs"],
                                  ["Ola Hansen", born, "hansen@example.no", "Sosialtrening, ADHD"]]})
    assert _status(_xlsx_system(SIGNUP), tmp_path, FATHER).get(("deltaker", "2")) != "confirmed"


DAUGHTER = Person("Kari Hansen", emails=("hansen@example.no",), birthdate=date(1990, 5, 5))


@pytest.mark.parametrize("born", [
    pytest.param(40361, id="serial 2010 or ddmmyy 04.03.61: two readings"),
    pytest.param(1960, id="a birth year (serial 1905: differs)"),
    pytest.param("05051990 eller 04031960", id="two dates"),
    pytest.param(" 4 .  mai 1990", id="odd spacing"),
])
def test_a_namesakes_row_with_a_date_read_two_ways_or_not_at_all_is_not_confirmed(tmp_path, born):
    _book(tmp_path, {"deltaker": [["Navn", "Født", "E-post", "Kurs"], ["Kari Hansen", born, "hansen@example.no", "x"]]})
    assert _status(_xlsx_system(SIGNUP), tmp_path, DAUGHTER).get(("deltaker", "2")) != "confirmed"


def test_eight_digit_strings_are_never_read_two_ways():
    # yyyymmdd and ddmmyyyy can't both be dates: the yyyymmdd month would be 18–21.
    for year in (1850, 1900, 1960, 1999, 2000, 2024):
        for text in (f"{year}0101", f"0101{year}", f"3112{year}", f"{year}1231"):
            assert as_date(text) in (None, as_date(f"{text[:4]}-{text[4:6]}-{text[6:]}"), date(year, 1, 1),
                                     date(year, 12, 31))


# -- 3. a record on several parents: a neutral parent between it and the other person -----------

ACCOUNTS = {
    "kunde": {"key": "rad", "identities": [{"type": "name", "column": "navn"}, {"type": "email", "column": "epost"}]},
    "konto": {"key": "kontonr"},
    "ordre": {"key": "ordrenr"},
}


def _accounts(tmp_path: Path, direct: bool, person: Person) -> set[tuple[str, str]]:
    if direct:  # the order points at the customers themselves (round 8's shape)
        system = _csv_system(ACCOUNTS, [("ordre.fra", "kunde.kundenr"), ("ordre.til", "kunde.kundenr")])
        order = "ordrenr;fra;til;vare\n500;1;2;gave: graviditetstest\n"
    else:  # the order points at accounts, each account at its customer
        system = _csv_system(ACCOUNTS, [("konto.kundenr", "kunde.kundenr"), ("ordre.fra", "konto.kontonr"),
                                        ("ordre.til", "konto.kontonr")])
        order = "ordrenr;fra;til;vare\n500;K1;K2;gave: graviditetstest\n"
    _write(tmp_path, {
        "kunde": "rad;kundenr;navn;epost\n1;1;Kari Hansen;kari@example.no\n2;2;Ola Hansen;familie@example.no\n",
        "konto": "kontonr;kundenr;iban;adresse\n"
                 "K1;1;NO9386011117947;Storgata 1\nK2;2;NO9386011117955;Krisesenteret\n",
        "ordre": order,
    })
    _, released, _ = run(system, Workspace(root=tmp_path), person)
    return released


ON_FAMILY = Person("Kari Hansen", emails=("kari@example.no", "familie@example.no"))  # Ola's row found: excluded


def test_an_order_to_another_customer_is_held_when_it_points_at_the_customers(tmp_path):
    released = _accounts(tmp_path, True, ON_FAMILY)
    assert ("kunde", "1") in released and ("kunde", "2") not in released
    assert ("ordre", "500") not in released  # parents_differ: one parent is Ola's


def test_an_order_to_another_customers_account_is_held_and_the_account_is_not_released(tmp_path):
    released = _accounts(tmp_path, False, ON_FAMILY)
    assert ("kunde", "1") in released and ("konto", "K1") in released and ("kunde", "2") not in released
    assert ("konto", "K2") not in released  # Ola's IBAN and his address at the shelter
    assert ("ordre", "500") not in released  # as when the order points at the customers


def test_another_customers_account_reached_up_from_the_persons_order_is_not_released(tmp_path):
    released = _accounts(tmp_path, False, Person("Kari Hansen", emails=("kari@example.no",)))
    assert ("kunde", "1") in released and ("konto", "K1") in released
    assert ("konto", "K2") not in released


# -- 3. three parents, and a cycle --------------------------------------------------------------

THREE = (
    {"customers": CUSTOMER, "orders": {"key": "id"}},
    [("orders.buyer_id", "customers.id"), ("orders.recipient_id", "customers.id"), ("orders.payer_id", "customers.id")],
    {
        "customers": [
            {"id": 1, "name": "Kari Nordmann", "email": "kari@example.no"},
            {"id": 2, "name": "Ola Nordmann", "email": "familie@example.no"},
            {"id": 3, "name": "Mona Nordmann", "email": "familie@example.no"},
        ],
        "orders": [{"id": 20, "buyer_id": 1, "recipient_id": 3, "payer_id": 2, "item": "Graviditetstest"}],
    },
)


def test_an_order_on_three_customers_two_excluded_is_held_even_when_staff_accept_one(tmp_path):
    world = World(tmp_path, *THREE)
    rid = world.request(Person("Kari Nordmann", emails=("kari@example.no", "familie@example.no")))
    world.search(rid)
    assert ("orders", "20") not in world.released(rid)
    world.store.decide(rid, world.reconsider(rid, "customers/2"), "accepted", "tester")
    world.search(rid)
    assert ("orders", "20") not in world.released(rid)  # Mona's (customers/3) still excluded


CYCLE = (
    {"customers": CUSTOMER, "orders": {"key": "id"}},
    [("orders.customer_id", "customers.id"), ("customers.last_order", "orders.id")],
    {
        "customers": [
            {"id": 1, "name": "Kari Nordmann", "email": "kari@example.no", "last_order": 10},
            {"id": 2, "name": "Ola Nordmann", "email": "ola@example.no", "last_order": 10},
        ],
        "orders": [{"id": 10, "customer_id": 1, "item": "Bok"}, {"id": 11, "customer_id": 2, "item": "Test"}],
    },
)


def test_a_cycle_between_customers_and_orders_reaches_no_other_customers_order(tmp_path):
    # Ola's row names Kari's order as his last (a data-entry slip): up from Kari's order to his
    # row, down from his row to his own orders.
    world = World(tmp_path, *CYCLE)
    rid = world.request(Person("Kari Nordmann", emails=("kari@example.no",)))
    world.search(rid)
    released = world.released(rid)
    assert ("customers", "1") in released
    assert ("customers", "2") not in released and ("orders", "11") not in released


# -- 5. a repeated key reached going UP ---------------------------------------------------------


@pytest.mark.parametrize("olas_account", [
    pytest.param(200, id="distinct numbers (control)"),
    pytest.param(100, id="the account number repeated"),
    pytest.param("100", id="number stored as text"),
])
def test_an_order_pointing_up_to_a_repeated_account_number_does_not_release_the_other_account(tmp_path, olas_account):
    _book(tmp_path, {
        "kunde": [["Kundenr", "Navn", "E-post"], [1, "Kari Hansen", "kari@example.no"]],
        "ordre": [["Ordrenr", "Kundenr", "Konto", "Vare"], [900, 1, 100, "sykkel"]],
        "konto": [["Konto", "IBAN", "Adresse"], [100, "NO9386011117947", "Storgata 1"],
                  [olas_account, "NO9386011117955", "Krisesenteret, Ola"]],
    })
    system = _xlsx_system({"kunde": {"key": "Kundenr", "identities": [
        {"type": "name", "column": "Navn"}, {"type": "email", "column": "E-post"}]},
        "ordre": {"key": "Ordrenr"}, "konto": {"key": "_row"}},
        [("ordre.Kundenr", "kunde.Kundenr"), ("ordre.Konto", "konto.Konto")])
    status = _status(system, tmp_path, Person("Kari Hansen", emails=("kari@example.no",)))
    assert status[("ordre", "900")] == "confirmed"
    assert status.get(("konto", "3")) != "confirmed"


# -- 2. the open question -----------------------------------------------------------------------

FAMILY_CLUB = (
    {
        "member": {"key": "id", "identities": [{"type": "name", "column": "name"}, {"type": "birthdate", "column": "born"}]},
        "contact": {"key": "id", "identities": [{"type": "email", "column": "value"}, {"type": "phone", "column": "value"}]},
        "parent": {"key": "id", "identities": [{"type": "name", "column": "name"}, {"type": "phone", "column": "phone"}]},
    },
    [("contact.member_id", "member.id")],
    {
        "member": [{"id": 1, "name": "Emma Hansen", "born": "2014-05-01"}],
        "contact": [
            {"id": 1, "member_id": 1, "value": "kari@example.no"},
            {"id": 2, "member_id": 1, "value": "22334455"},  # the family landline
            {"id": 3, "member_id": 1, "value": "98765432"},  # Ola's mobile
        ],
        "parent": [{"id": 7, "name": "Ola Hansen", "phone": "22334455", "note": "samværsavtale"}],
    },
)


def test_the_family_landline_kari_names_when_asked_releases_neither_olas_row_nor_the_childs(tmp_path):
    world = World(tmp_path, *FAMILY_CLUB)
    rid = world.request(Person("Kari Hansen", emails=("kari@example.no",)))
    world.search(rid)
    assert world.store.system_runs(rid)["butikk"].unattributed == 2
    assert world.store.suggestions(rid) == []  # never shown as "yours?"
    # Asked openly, Kari names the family landline: it is hers too.
    world.store.add_identifiers(rid, phones=("+4722334455",), actor="tester")
    world.search(rid)
    released = world.released(rid)
    assert ("contact", "1") in released
    assert ("parent", "7") not in released and ("member", "1") not in released
    assert ("contact", "3") not in released
    assert all("98765432" not in value for _, value in world.store.suggestions(rid))


# -- 4. renumbered review items -----------------------------------------------------------------

NORDBY = (
    {"customers": CUSTOMER, "orders": {"key": "id"}},
    [("orders.customer_id", "customers.id")],
    {
        "customers": [{"id": 1, "name": "Kari Nordmann", "email": "kari@example.no"},
                      {"id": 5, "name": "Kari Nordby", "email": "familie@example.no"}],
        "orders": [{"id": 50, "customer_id": 5, "item": "Brudekjole"}],
    },
)


def _orders(item: str) -> dict[str, list[dict[str, Any]]]:
    return {"customers": NORDBY[2]["customers"], "orders": [{"id": 50, "customer_id": 5, "item": item}]}


def test_a_decision_on_a_number_renumbered_twice_is_refused_and_names_the_newest(tmp_path):
    world = World(tmp_path, *NORDBY)
    rid = world.request(Person("Kari Nordmann", emails=("kari@example.no", "familie@example.no")))
    world.search(rid)
    first = world.item(rid, "customers/5")
    world.write(_orders("Alarm"))
    world.search(rid)
    second = world.item(rid, "customers/5")
    world.write(_orders("Besøksforbud"))
    world.search(rid)
    third = world.item(rid, "customers/5")
    assert len({first, second, third}) == 3
    for old in (first, second):
        with pytest.raises(InputError, match=f"erstattet av {third}"):
            world.store.decide(rid, old, "accepted", "tester")
    assert ("orders", "50") not in world.released(rid)


def test_an_accepted_item_whose_group_changed_is_voided_not_carried_to_the_new_number(tmp_path):
    world = World(tmp_path, *NORDBY)
    rid = world.request(Person("Kari Nordmann", emails=("kari@example.no", "familie@example.no")))
    world.search(rid)
    world.store.decide(rid, world.item(rid, "customers/5"), "accepted", "tester")
    assert ("orders", "50") in world.released(rid)
    world.write(_orders("Alarm, besøksforbud"))
    world.search(rid)
    assert all(i.decision is None for i in world.store.review_items(rid))
    assert ("orders", "50") not in world.released(rid)


def test_another_requests_renumbered_item_cannot_be_decided_here(tmp_path):
    world = World(tmp_path, *NORDBY)
    asker = Person("Kari Nordmann", emails=("kari@example.no", "familie@example.no"))
    mine, other = world.request(asker), world.request(asker)
    world.search(mine)
    world.search(other)
    theirs = world.item(other, "customers/5")
    world.write(_orders("Alarm"))
    world.search(other)
    with pytest.raises(InputError):
        world.store.decide(mine, theirs, "accepted", "tester")
    with pytest.raises(InputError):
        world.store.decide(mine, world.item(other, "customers/5"), "accepted", "tester")
    assert ("orders", "50") not in world.released(mine)
