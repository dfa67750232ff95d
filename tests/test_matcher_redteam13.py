"""Thirteenth red-team round: the matcher code changed in d2a1381 — a record that follows
(neutral, not searchable, reached up) with several parent references waits for every parent
that says who it is about (``Resolver._owners``, ``GroupVerdict.owners``, ``owner_excluded``,
``_two_parents`` skipping it), and ``Resolver._household_namesakes`` exempting a row of the
person's name only for a holder/source that is released and found by the person's e-mail or
phone or by name and birth date (``_owns``, ``holders``, ``dated``).

Each case asserts the SAFE behaviour; ``xfail(strict=True)`` marks what the product gets wrong
(reason "LEAK: …" or "LOSS: …"). Controls (the same data without the trick) pass.

Leaks found (fixed since, except the last two, still marked):

- ``_owners`` keeps a parent only when the collection of its group's ROOT is assessable. The
  husband's visit points to his journal (a table without identities) and to Kristin as the
  one who booked it; the SMS went to her. The journal, reached up from the visit, follows its
  one parent and is merged with the husband's patient row — but the journal node is older, so
  it is the root and its collection says nothing: the owners are Kristin's row alone, and the
  husband's urology visit is CONFIRMED. (With ``visit.patient_id`` pointing straight at him,
  it is excluded.)
- ``_household_namesakes``, the identifier exemption: a holder "in another collection" is
  enough. The son's own order (found by his e-mail, his name) holds the household landline the
  father's row holds: the father's row, pointed to by the son's as the household's main
  member, is promoted (``held & known``) and then not held — his row and gift CONFIRMED. The
  round-12 leak (the landline on the son's row) moved to another register.
- Same function, the ``dated`` exemption: the son gives the household landline in his request
  (the intake form asks for every phone), and his dated row doesn't hold it: the father's row,
  found by that phone and his name, is skipped (``matched_on`` phone, not in ``dated``) and
  CONFIRMED with his gift.
- Same function: ``dated`` and ``own`` come only from rows agreeing by name AND birth date
  (``_strong_named``). When the son's own row has a birth date typed one day off (held,
  ``birthdate_differs_named``) or unreadably (10.20.1996), the father's undated row on the
  family e-mail both rows hold — the round-12 case — is CONFIRMED with his gift, while the
  son's own row waits for staff.
- ``_owners`` applies only to a record that ``follows`` (first reached UP). The same husband's
  visit (``patient_id`` him, ``booked_by`` Kristin) reached DOWN first from Kristin's row (the
  patient table declared before the SMS table) is a plain record with two parents: held as
  ``parents_differ``, and staff accepting every item release it; declared with the SMS table
  first it is ``excluded`` and no decision releases it. Order-dependent.
- (Pre-existing, not this commit's code, found on the way) a visit whose patient reference is
  not the patient table's key (``patient_nr -> patient.nr``: never followed up) and that is
  reached DOWN from Kristin's row by ``booked_by`` is CONFIRMED: ``owner_unchecked`` is set
  only for a record reached UP. Declared with the SMS table first, it is held
  ``owner_unchecked``.

Fixed by: an owner counts when its group says who it is about, whatever record names the
group (``_owners``: its state, not only its root's collection), and any owner clearly somebody
else's excludes the record; ``_household_namesakes`` takes every row of the name with a birth
date (the person's own, a typing error of it, a namesake's: ``_dated_named``), holds an undated
row tied by a reference within the register to the person's own dated row however it was found,
and lets no identifier a dated row of the name holds too — nor an address held elsewhere when
such a row exists — exempt it.

Kept: the husband's visit reached DOWN first from Kristin's row is held as ``parents_differ``
(the rule of round 8: a record on two parents that differ is a person's decision, shown as
such), so accepting every item releases it. The visit whose patient reference is no key,
reached down first, was confirmed until stop 18: a record reached down is now held
``owner_unchecked`` when it points by another reference, not by the owner's key, to an owner
(a field with a value), as one reached up is.

Observations (not marked): the visit booked by Kristin whose other patient row is blank
(says nothing) is held ``reached_from_held`` when reached up first (its owners wait on each
other; no review item releases it — a possible LOSS) and confirmed with the blank row when
reached down from her row first; two undated rows of the name on the family e-mail, one pointing to
the other as the household's main member, are both confirmed (nothing holds a birth date).

Safe: the same husband's visit with ``patient_id`` straight at him (excluded; never released);
an owner whose row says nothing (blank name), reached only up from the visit, is never
released through the visit nor the visit through it (no circular release); staff rejecting
the person's own owner row keeps the visit in; a guardian's request for a child named as
companion on a sibling's visit, either reference and either table declared first (held,
never confirmed); the son's order without the landline, the son's row holding the landline he
gives, and his own row with the right birth date: the father's row is held.
"""

from __future__ import annotations

import copy
from datetime import date

import pytest

from dsar.store import Person
from tests.test_connector_base import CRM_HOUSEHOLDS, PERSON_ROW, found_reason, system, verdicts
from tests.test_matcher_redteam import KRISTIN, accept_all, decided

PATIENT = {"key": "id", "identities": [
    {"type": "name", "column": "name"}, {"type": "birthdate", "column": "born"}, {"type": "phone", "column": "mobile"}]}
SMS = {"key": "id", "identities": [{"type": "phone", "column": "to"}]}
HUSBANDS_VISIT = ("visit", "10")


def _confirmed(status):
    return {k for k, s in status.items() if s == "confirmed"}


def _collections(sms_first: bool, **middle) -> dict:
    cols = {"patient": PATIENT, **middle, "visit": {"key": "id"}, "sms": SMS}
    return dict(reversed(list(cols.items()))) if sms_first else cols


def _patients() -> list[dict]:
    return [{"id": 5, "name": "Kristin Mævik", "born": "01.03.1986", "mobile": "98794491"},
            {"id": 1, "name": "Ola Mævik", "born": "01.01.1980", "mobile": None}]


# -- 1. owners: a parent merged under a root that says nothing ----------------------------------


def _journal(sms_first: bool):
    return system(
        _collections(sms_first, journal={"key": "id"}),
        [("journal.patient_id", "patient.id"), ("visit.journal_id", "journal.id"),
         ("visit.booked_by", "patient.id"), ("sms.visit_id", "visit.id")],
    )


JOURNAL_TABLES = {
    "patient": _patients(),
    "journal": [{"id": 7, "patient_id": 1}],  # the husband's journal
    "visit": [{"id": 10, "journal_id": 7, "booked_by": 5, "note": "urologi"}],
    "sms": [{"id": 20, "visit_id": 10, "to": "4798794491"}],  # the reminder went to her
}


def _direct(sms_first: bool):
    return system(
        _collections(sms_first),
        [("visit.patient_id", "patient.id"), ("visit.booked_by", "patient.id"), ("sms.visit_id", "visit.id")],
    )


DIRECT_TABLES = {
    "patient": _patients(),
    "visit": [{"id": 10, "patient_id": 1, "booked_by": 5, "note": "urologi"}],
    "sms": [{"id": 20, "visit_id": 10, "to": "4798794491"}],
}


def test_control_the_husbands_visit_pointing_straight_at_him_is_excluded():
    status, _, _ = verdicts(_direct(True), DIRECT_TABLES, KRISTIN)
    assert status[("patient", "5")] == status[("sms", "20")] == "confirmed"
    assert status[HUSBANDS_VISIT] == "excluded"
    assert HUSBANDS_VISIT not in decided(_direct(True), DIRECT_TABLES, KRISTIN, accept_all)[0]


def test_the_husbands_visit_in_his_journal_booked_by_her_is_never_confirmed():
    status, _, _ = verdicts(_journal(True), JOURNAL_TABLES, KRISTIN)
    assert status[("patient", "1")] == "excluded"
    assert status[HUSBANDS_VISIT] != "confirmed"


def test_the_husbands_visit_in_his_journal_is_never_released():
    assert HUSBANDS_VISIT not in decided(_journal(True), JOURNAL_TABLES, KRISTIN, accept_all)[0]


# -- 1. owners: a record reached DOWN first does not follow -------------------------------------


@pytest.mark.xfail(strict=True, reason=(
    "LEAK (order-dependent): with the patient table declared first the visit is reached DOWN from her "
    "row by booked_by, never 'follows', so Resolver._owners is () and _two_parents holds it as "
    "parents_differ; accepting every item releases the husband's visit. Declared SMS-first the same "
    "visit is excluded (owners: his row excluded)"))
@pytest.mark.parametrize("shape", ["patient_id", "journal"])
def test_the_husbands_visit_is_never_released_whichever_table_is_declared_first(shape):
    sys_, tables = (_direct(False), DIRECT_TABLES) if shape == "patient_id" else (_journal(False), JOURNAL_TABLES)
    status, _, _ = verdicts(sys_, tables, KRISTIN)
    assert status[HUSBANDS_VISIT] != "confirmed"
    assert HUSBANDS_VISIT not in decided(sys_, tables, KRISTIN, accept_all)[0]


def _by_number(sms_first: bool):
    return system(
        _collections(sms_first),
        [("visit.patient_nr", "patient.nr"), ("visit.booked_by", "patient.id"), ("sms.visit_id", "visit.id")],
    )


def _numbered() -> dict:
    tables = copy.deepcopy(DIRECT_TABLES)
    for row in tables["patient"]:
        row["nr"] = f"P{row['id']}"
    tables["visit"][0].pop("patient_id")
    tables["visit"][0]["patient_nr"] = "P1"
    return tables


def test_control_a_visit_whose_patient_is_a_number_reached_up_first_is_held_unchecked():
    status, found, _ = verdicts(_by_number(True), _numbered(), KRISTIN)
    assert (status[HUSBANDS_VISIT], found_reason(found, "visit", "10")) == ("held", "owner_unchecked")


def test_a_visit_whose_patient_is_a_number_reached_down_first_is_never_confirmed():
    # Fixed at stop 18: a record reached down that also points to an owner by a field that is
    # not the owner's key is held ``owner_unchecked``, as when reached up.
    status, found, _ = verdicts(_by_number(False), _numbered(), KRISTIN)
    assert (status[HUSBANDS_VISIT], found_reason(found, "visit", "10")) == ("held", "owner_unchecked")


# -- 1. owners: safe shapes ---------------------------------------------------------------------


def test_an_owner_that_says_nothing_reached_only_from_the_visit_never_releases_it():
    # The other patient row is blank (no name, no birth date): it says nothing, and it is
    # reached only up from the visit — no circular release of either through the other.
    # (Declared patient-first, the visit is reached down from her row and both are confirmed:
    # an observation, nothing there says they are somebody else's.)
    tables = copy.deepcopy(DIRECT_TABLES)
    tables["patient"][1].update(name=None, born=None)
    status, _, _ = verdicts(_direct(True), tables, KRISTIN)
    assert status[("patient", "5")] == "confirmed"
    assert status[HUSBANDS_VISIT] != "confirmed" and status[("patient", "1")] != "confirmed"


def test_staff_rejecting_her_own_owner_row_keeps_the_visit_in():
    # Her row found by name only (no birth date given): held; the companion's row too. Staff
    # reject her row and accept the rest: the visit waits for both, so it stays.
    tables = {"patient": [{"id": 5, "name": "Kristin Mævik", "born": "01.03.1986", "mobile": None},
                          {"id": 6, "name": "Kristin Mævik", "born": None, "mobile": None}],
              "visit": [{"id": 10, "patient_id": 6, "booked_by": 5}],
              "sms": [{"id": 20, "visit_id": 10, "to": "4798794491"}]}
    kristin = Person("Kristin Mævik", phones=("+4798794491",))
    status, _, _ = verdicts(_direct(True), tables, kristin)
    assert status[HUSBANDS_VISIT] != "confirmed"
    released, _ = decided(_direct(True), tables, kristin,
                          lambda ref, reason: "rejected" if ref == "patient/5" else "accepted")
    assert HUSBANDS_VISIT not in released


NOAH = Person("Noah Mævik", phones=("+4798794491",), birthdate=date(2018, 6, 4))


@pytest.mark.parametrize("sms_first", [True, False])
@pytest.mark.parametrize("companion_first", [True, False])
@pytest.mark.parametrize("patient, companion", [(20, 19), (19, 20)], ids=["sibling's visit", "his visit"])
def test_a_guardians_request_with_two_patient_references_is_never_confirmed(
    sms_first, companion_first, patient, companion
):
    refs = [("visit.patient_id", "patient.id"), ("visit.companion_id", "patient.id"), ("sms.visit_id", "visit.id")]
    if companion_first:
        refs[0], refs[1] = refs[1], refs[0]
    tables = {"patient": [{"id": 19, "name": "Noah Mævik", "born": "04.06.2018", "mobile": None},
                          {"id": 20, "name": "Emma Mævik", "born": "01.02.2015", "mobile": None}],
              "visit": [{"id": 93, "patient_id": patient, "companion_id": companion}],
              "sms": [{"id": 94, "visit_id": 93, "to": "4798794491"}]}
    status, _, _ = verdicts(system(_collections(sms_first), refs), tables, NOAH,
                            relation="guardian", requested_by="Kristin Mævik")
    assert status[("patient", "19")] == "confirmed" and status[("patient", "20")] == "excluded"
    assert status[("visit", "93")] == "held"


# -- 2. namesake_household: the exemptions ------------------------------------------------------

SON = Person("Wei Liu", emails=("weiliu@online.example",), birthdate=date(1996, 10, 20))
FATHERS = {("person", "65"), ("gift", "48")}
ORDERS = system(
    {"person": PERSON_ROW, "gift": {"key": "id"}, "order": {"key": "id", "identities": [
        {"type": "name", "column": "name"}, {"type": "email", "column": "email"}, {"type": "phone", "column": "phone"}]}},
    [("person.main_id", "person.id"), ("gift.person_id", "person.id")],
)


def _wei(order_phone: str | None = None, son_phone: str | None = None) -> dict:
    rows = [
        {"id": 65, "name": "Wei Liu", "born": None, "email": "wei.liu@helse-bergen.example",
         "phone": "56 56 20 83", "main_id": None},
        {"id": 68, "name": "Wei Liu", "born": "20.10.1996", "email": "weiliu@online.example", "phone": son_phone,
         "main_id": 65},
    ]
    orders = [{"id": 1, "name": "Wei Liu", "email": "weiliu@online.example", "phone": order_phone}]
    return {"person": rows, "gift": [{"id": 48, "person_id": 65}, {"id": 49, "person_id": 68}], "order": orders}


def test_control_the_sons_order_without_the_landline_leaves_the_fathers_row_held():
    status, found, _ = verdicts(ORDERS, _wei(), SON)
    assert _confirmed(status) >= {("person", "68"), ("order", "1")}
    assert (status[("person", "65")], found_reason(found, "person", "65")) == ("held", "namesake_household")


def test_the_sons_order_on_the_household_landline_never_releases_the_fathers_row():
    status, _, _ = verdicts(ORDERS, _wei(order_phone="56562083"), SON)
    assert status[("person", "68")] == "confirmed"
    assert not _confirmed(status) & FATHERS


SON_WITH_LANDLINE = Person("Wei Liu", emails=("weiliu@online.example",), phones=("+4756562083",),
                           birthdate=date(1996, 10, 20))


def test_control_the_landline_he_gives_on_his_own_row_too_holds_the_fathers_row():
    status, found, _ = verdicts(ORDERS, _wei(son_phone="56562083"), SON_WITH_LANDLINE)
    assert status[("person", "68")] == "confirmed"
    assert (status[("person", "65")], found_reason(found, "person", "65")) == ("held", "namesake_household")


def test_the_landline_he_gives_never_releases_the_fathers_row_his_row_points_to():
    status, _, _ = verdicts(ORDERS, _wei(), SON_WITH_LANDLINE)
    assert status[("person", "68")] == "confirmed"
    assert not _confirmed(status) & FATHERS


FAMILY_WEI = Person("Wei Liu", emails=("liu@family.example",), birthdate=date(1996, 10, 20))


def _family(son_born: str | None) -> dict:
    rows = [{"id": 65, "name": "Wei Liu", "born": None, "email": "liu@family.example", "phone": None, "main_id": None},
            {"id": 68, "name": "Wei Liu", "born": son_born, "email": "liu@family.example", "phone": None,
             "main_id": 65}]
    return {"person": rows, "gift": [{"id": 48, "person_id": 65}, {"id": 49, "person_id": 68}]}


def test_control_the_sons_row_with_his_birth_date_holds_the_fathers_on_the_family_e_mail():
    status, found, _ = verdicts(CRM_HOUSEHOLDS, _family("20.10.1996"), FAMILY_WEI)
    assert status[("person", "68")] == "confirmed"
    assert (status[("person", "65")], found_reason(found, "person", "65")) == ("held", "namesake_household")


@pytest.mark.parametrize("son_born", ["21.10.1996", "10.20.1996"], ids=["one day off", "unreadable"])
def test_a_typo_in_the_sons_birth_date_never_releases_the_fathers_row(son_born):
    status, found, _ = verdicts(CRM_HOUSEHOLDS, _family(son_born), FAMILY_WEI)
    assert status[("person", "68")] == "held"
    assert not _confirmed(status) & FATHERS
