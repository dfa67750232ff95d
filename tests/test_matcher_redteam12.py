"""Twelfth red-team round: the matcher code changed in 261c961..HEAD and c19756a..c8c2a1d —
``namesake_household`` for an undated row of the person's name when the register holds the
person's own row by name and birth date (``Resolver._strong_named``) or two rows of the name
reached through references; a record with several parent collections no longer following
one of them (``Resolver._link``, ``several``); ``birthdate_differs_named`` no longer used for
a minor's row when an adult asks with a birth date.

Each case asserts the SAFE behaviour; ``xfail(strict=True)`` marks what the product gets wrong
(reason "LEAK: …" or "LOSS: …"). Controls (the same data without the trick) pass.

Leaks found (all fixed since; each case now asserts the fix):

- ``_household_namesakes`` exempts a namesake row that "hangs on an agreeing record in another
  collection" when that record merely agrees by NAME: it need not be released, nor found by the
  person's identifiers. The father's own order (found by the name search, with HIS e-mail) or
  his gift with "Wei Liu" as giver points up to his row, so his row is not held and is
  released through the son's row — with the father's order/gift. Worse in the flat: the
  15-year-old daughter's key card with "Iryna Lysenko" on it makes her row (and card)
  CONFIRMED while her mother's own row is held.
- Same function, the other exemption: the father's row holds the household landline that the
  son's (released) row holds too — "an e-mail or phone of the person's" — so it is released
  with his gifts, though the son's row points to it as the household's main member. (Also,
  pre-existing: the family e-mail the son gives on both rows finds the father's row directly.)
- ``_link``'s ``several`` counts parent COLLECTIONS: a visit with two references into the same
  table (``patient_id`` and ``booked_by`` → patient) is "one parent kind", still follows, and
  merges into the parent's own patient row when that row is reached only up from the visit:
  the child's appointment (under the CONFINED child row with her mobile) is CONFIRMED. Without
  her birth date, the same merge makes her own row ``excluded`` (LOSS), and with a name
  search accepting her own row (``name_only``) releases the child's visit with it.
- ``several`` true but only ONE parent actually reached (the second reference empty: a room
  not set, a self-reference ``follow_up_of`` empty, or a reference that is never followed up
  at all, a department code): the visit no longer follows its patient, and ``_two_parents`` /
  ``Resolution._qualifies`` only look at records with two parents, so it is released through
  the SMS line while its patient row is HELD (``first_name_close``: the adult son Ole's
  psychiatry visit on his father's phone; ``child_record``: the child's visit for a father of
  the child's name asking without a birth date) — both were held before (the visit followed
  the patient).
- Another adult's visit (patient excluded) that also names a room: no longer follows the
  excluded patient; ``_two_parents`` holds it as ``parents_differ`` (no parent is the
  person's), and staff accepting releases the husband's appointment and the room. Without
  the room it is ``owner_excluded``.

Fixed by: a record with several parent references (two into one table counted twice) follows
none, and is released only when every parent that says who it is about is (``GroupVerdict.owners``),
excluded when all of those are somebody else's (``owner_excluded``); ``_household_namesakes``
exempts a row only for a record elsewhere that says it is the person's (released, and found by
their e-mail or phone or agreeing by birth date — not one found by name and taken as theirs for
an address it holds), not for an identifier the household's rows in the same register share,
and holds an undated row found by an e-mail or phone the person's dated row holds too.

Still lost (strict xfail below): the parent's own patient row reached only up from the child's
appointment, without her birth date, is excluded with it (``reached_from_excluded``).

Loss noted (by design, not marked): the person's own patient row with a year typed that makes
it a minor's (2016 for 1986), her mobile and name: ``child_with_own_contact`` now, so her
visits are excluded (``owner_confined``) and no decision releases them.

Safe: the mother's undated row reached DOWN from the daughter's; three generations of one
name; the strong row found by the name search alone; a father's row with an unreadable
national id; the person's own undated duplicate found by a second e-mail they gave
(confirmed, no loss); the child row with the parent's mobile under a never-followed-up
department code (``owner_confined``); same-table parents with the parent's row found by her
mobile or with her birth date by name (visit excluded); a guardian's request for a child
named as companion on a sibling's visit (held, never confirmed), and the sibling's visit with
an empty room reference (excluded).
"""

from __future__ import annotations

import copy
from datetime import date

import pytest

from dsar.store import Person
from tests.test_connector_base import CLINIC, CRM_HOUSEHOLDS, PERSON_ROW, found_reason, system, verdicts
from tests.test_matcher_redteam import CHILD_PATIENT, KRISTIN, accept_all, decided

PATIENT = {"key": "id", "identities": [
    {"type": "name", "column": "name"}, {"type": "birthdate", "column": "born"}, {"type": "phone", "column": "mobile"}]}
SMS = {"key": "id", "identities": [{"type": "phone", "column": "to"}]}
VISIT = ("visit", "93")  # the child's appointment: "astma, kontroll"
SON = Person("Wei Liu", emails=("weiliu@online.example",), birthdate=date(1996, 10, 20))


def _confirmed(status):
    return {k for k, s in status.items() if s == "confirmed"}


def _wei(**father) -> list[dict]:
    rows = [
        {"id": 65, "name": "Wei Liu", "born": None, "email": "wei.liu@helse-bergen.example",
         "phone": "+47 943 84 016", "main_id": None},
        {"id": 68, "name": "Wei Liu", "born": "20.10.1996", "email": "weiliu@online.example", "phone": None,
         "main_id": 65},
    ]
    rows[0].update(father)
    return rows


# -- 1. namesake_household: other shapes (controls) -------------------------------------------


def test_a_mothers_undated_row_reached_down_from_the_daughters_is_held():
    daughter = Person("Anna Berg", emails=("anna@x.example",), birthdate=date(1995, 1, 1))
    rows = [{"id": 1, "name": "Anna Berg", "born": "01.01.1995", "email": "anna@x.example", "phone": None,
             "main_id": None},
            {"id": 2, "name": "Anna Berg", "born": None, "email": None, "phone": None, "main_id": 1}]
    status, found, _ = verdicts(CRM_HOUSEHOLDS, {"person": rows, "gift": [{"id": 7, "person_id": 2}]}, daughter)
    assert status[("person", "1")] == "confirmed"
    assert (status[("person", "2")], found_reason(found, "person", "2")) == ("held", "namesake_household")
    assert status[("gift", "7")] == "held"


def test_three_generations_of_one_name_both_undated_rows_are_held():
    rows = [{"id": 64, "name": "Wei Liu", "born": None, "email": None, "phone": None, "main_id": None},
            {"id": 65, "name": "Wei Liu", "born": None, "email": None, "phone": None, "main_id": 64},
            {"id": 68, "name": "Wei Liu", "born": "20.10.1996", "email": "weiliu@online.example", "phone": None,
             "main_id": 65}]
    tables = {"person": rows, "gift": [{"id": 1, "person_id": 64}, {"id": 2, "person_id": 65}]}
    status, _, _ = verdicts(CRM_HOUSEHOLDS, tables, SON)
    assert _confirmed(status) == {("person", "68")}


def test_the_sons_row_found_by_name_and_birth_date_alone_still_holds_the_fathers():
    rows = _wei(email=None, phone=None)
    rows[1]["email"] = None
    tables = {"person": rows, "gift": [{"id": 48, "person_id": 65}]}
    status, found, _ = verdicts(CRM_HOUSEHOLDS, tables, Person("Wei Liu", emails=("nope@x.example",),
                                                               birthdate=date(1996, 10, 20)))
    assert status[("person", "68")] == "confirmed"
    assert (status[("person", "65")], found_reason(found, "person", "65")) == ("held", "namesake_household")
    assert status[("gift", "48")] == "held"


def test_a_fathers_row_with_an_unreadable_national_id_is_held():
    nid = system(
        {"person": {"key": "id", "identities": [*PERSON_ROW["identities"], {"type": "national_id", "column": "fnr"}]},
         "gift": {"key": "id"}},
        [("person.main_id", "person.id"), ("gift.person_id", "person.id")],
    )
    rows = _wei(fnr="12345")
    rows[1]["fnr"] = None
    status, _, _ = verdicts(nid, {"person": rows, "gift": [{"id": 48, "person_id": 65}]}, SON)
    assert _confirmed(status) == {("person", "68")}


def test_the_persons_own_undated_duplicate_found_by_a_second_e_mail_is_released():
    # Loss check: not held as a namesake, for it holds an e-mail the person gave.
    rows = _wei(email="wei.work@x.example", phone=None)
    rows[1]["main_id"] = None
    wei = Person("Wei Liu", emails=("weiliu@online.example", "wei.work@x.example"), birthdate=date(1996, 10, 20))
    status, _, _ = verdicts(CRM_HOUSEHOLDS, {"person": rows, "gift": [{"id": 1, "person_id": 65}]}, wei)
    assert _confirmed(status) == {("person", "65"), ("person", "68"), ("gift", "1")}


# -- 1. namesake_household: the exemptions ------------------------------------------------------

GIFT_NAMED = system(
    {"person": PERSON_ROW, "gift": {"key": "id", "identities": [{"type": "name", "column": "giver"}]}},
    [("person.main_id", "person.id"), ("gift.person_id", "person.id")],
)
ORDERS = system(
    {"person": PERSON_ROW, "order": {"key": "id", "identities": [
        {"type": "name", "column": "name"}, {"type": "email", "column": "email"}]}},
    [("person.main_id", "person.id"), ("order.person_id", "person.id")],
)


def test_control_without_the_fathers_own_order_his_row_is_held():
    status, found, _ = verdicts(ORDERS, {"person": _wei(), "order": []}, SON)
    assert (status[("person", "65")], found_reason(found, "person", "65")) == ("held", "namesake_household")


@pytest.mark.parametrize("shape", ["order with his e-mail", "gift naming him"])
def test_the_fathers_own_named_record_elsewhere_never_releases_his_row(shape):
    if shape == "order with his e-mail":
        sys_, tables = ORDERS, {"person": _wei(), "order": [
            {"id": 1, "person_id": 65, "name": "Wei Liu", "email": "wei.liu@helse-bergen.example"}]}
        others = {("person", "65"), ("order", "1")}
    else:
        sys_, tables = GIFT_NAMED, {"person": _wei(), "gift": [
            {"id": 48, "person_id": 65, "giver": "Wei Liu"}, {"id": 49, "person_id": 68, "giver": None}]}
        others = {("person", "65"), ("gift", "48")}
    status, _, _ = verdicts(sys_, tables, SON)
    assert status[("person", "68")] == "confirmed"
    assert not _confirmed(status) & others


FLATS_CARDS = system(
    {
        "unit": {"key": "id", "identities": [{"type": "email", "column": "email"}]},
        "resident": {"key": "id", "identities": [{"type": "name", "column": "name"}, {"type": "phone", "column": "mobile"}]},
        "booking": {"key": "id", "identities": [{"type": "phone", "column": "contact"}]},
        "card": {"key": "id", "identities": [{"type": "name", "column": "holder"}]},
    },
    [("resident.unit_id", "unit.id"), ("booking.unit_id", "unit.id"), ("card.resident_id", "resident.id")],
)


def _iryna(card: bool) -> dict:
    return {
        "unit": [{"id": 133, "email": None}],
        "resident": [{"id": 220, "unit_id": 133, "name": "Iryna Lysenko", "mobile": None},
                     {"id": 221, "unit_id": 133, "name": "Lysenko, Iryna", "mobile": None}],  # the daughter, 15
        "booking": [{"id": 438, "unit_id": 133, "contact": "461 43 642"}],
        "card": [{"id": 9, "resident_id": 221, "holder": "Iryna Lysenko"}] if card else [],
    }


IRYNA = Person("Iryna Lysenko", phones=("+4746143642",))


def test_control_mother_and_daughter_of_one_name_without_a_key_card_are_both_held():
    status, _, _ = verdicts(FLATS_CARDS, _iryna(False), IRYNA)
    assert status[("resident", "220")] == status[("resident", "221")] == "held"


def test_a_key_card_naming_the_daughter_never_releases_her_row():
    status, _, _ = verdicts(FLATS_CARDS, _iryna(True), IRYNA)
    assert not _confirmed(status) & {("resident", "221"), ("card", "9")}


def test_the_fathers_row_on_the_household_landline_is_not_released():
    rows = _wei(phone="56 56 20 83")
    rows[1]["phone"] = "56562083"
    tables = {"person": rows, "gift": [{"id": 48, "person_id": 65}, {"id": 49, "person_id": 68}]}
    status, _, _ = verdicts(CRM_HOUSEHOLDS, tables, SON)
    assert status[("person", "68")] == "confirmed"
    assert not _confirmed(status) & {("person", "65"), ("gift", "48")}


def test_the_fathers_row_on_the_family_e_mail_the_son_gives_is_not_confirmed():
    rows = _wei(email="liu@family.example")
    rows[1]["email"] = "liu@family.example"
    tables = {"person": rows, "gift": [{"id": 48, "person_id": 65}, {"id": 49, "person_id": 68}]}
    wei = Person("Wei Liu", emails=("liu@family.example",), birthdate=date(1996, 10, 20))
    status, _, _ = verdicts(CRM_HOUSEHOLDS, tables, wei)
    assert status[("person", "68")] == "confirmed"
    assert not _confirmed(status) & {("person", "65"), ("gift", "48")}


# -- 2. several parents: two references into the same table -------------------------------------


def _same_table(booked_first: bool, by_name: bool):
    refs = [("visit.booked_by", "patient.id"), ("visit.patient_id", "patient.id"), ("sms.visit_id", "visit.id")]
    if not booked_first:
        refs[0], refs[1] = refs[1], refs[0]
    return system({"patient": {**PATIENT, "find_by_name": by_name}, "visit": {"key": "id"}, "sms": SMS}, refs)


def _booked_by_her(mobile: str | None = None) -> dict:
    tables = copy.deepcopy(CHILD_PATIENT)
    tables["patient"].append({"id": 5, "name": "Kristin Mævik", "born": "01.03.1986", "mobile": mobile})
    tables["visit"][0]["booked_by"] = 5
    return tables


@pytest.mark.parametrize("mobile", ["98794491", None], ids=["her row on her mobile", "found by name and birth date"])
def test_control_same_table_parents_with_her_row_found_first_the_visit_is_excluded(mobile):
    status, found, _ = verdicts(_same_table(True, True), _booked_by_her(mobile), KRISTIN)
    assert (status[VISIT], found_reason(found, "visit", "93")) == ("excluded", "owner_confined")
    assert VISIT not in decided(_same_table(True, True), _booked_by_her(mobile), KRISTIN, accept_all)[0]


@pytest.mark.parametrize("booked_first", [True, False], ids=["booked_by declared first", "patient_id first"])
def test_a_childs_visit_booked_by_the_parents_own_patient_row_is_never_confirmed(booked_first):
    status, _, _ = verdicts(_same_table(booked_first, False), _booked_by_her(), KRISTIN)
    assert status[("patient", "5")] == "confirmed"
    assert status[VISIT] != "confirmed"


@pytest.mark.xfail(strict=True, reason=(
    "LOSS: the same merge without her birth date: the visit+her row group hangs on the CONFINED child row, so "
    "her own patient row (her name, never in doubt otherwise) is excluded as reached_from_excluded"))
def test_the_parents_own_row_reached_only_up_from_the_visit_is_not_excluded():
    kristin = Person("Kristin Mævik", phones=("+4798794491",))
    status, _, _ = verdicts(_same_table(True, False), _booked_by_her(), kristin)
    assert status[("patient", "5")] != "excluded"


def test_accepting_the_parents_own_row_never_releases_the_childs_visit_booked_by_it():
    kristin = Person("Kristin Mævik", phones=("+4798794491",))
    released, refs = decided(_same_table(True, True), _booked_by_her(), kristin, accept_all)
    assert ("patient", "5") in released
    assert VISIT not in released


# -- 2. several parent collections, only one parent reached --------------------------------------

SELF_REF = system(
    {"patient": PATIENT, "visit": {"key": "id"}, "sms": SMS},
    [("visit.patient_id", "patient.id"), ("visit.follow_up_of", "visit.id"), ("sms.visit_id", "visit.id")],
)
ROOM = system(
    {"patient": PATIENT, "visit": {"key": "id"}, "room": {"key": "id"}, "sms": SMS},
    [("visit.patient_id", "patient.id"), ("visit.room_id", "room.id"), ("sms.visit_id", "visit.id")],
)
DEPT = system(  # dept_code is not the department's key: followed down only, never up
    {"patient": PATIENT, "visit": {"key": "id"}, "dept": {"key": "id"}, "sms": SMS},
    [("visit.patient_id", "patient.id"), ("visit.dept_code", "dept.code"), ("sms.visit_id", "visit.id")],
)
SHAPES = {
    "self-reference empty": (SELF_REF, {"follow_up_of": None}),
    "room empty": (ROOM, {"room_id": None}),
    "department code, never followed up": (DEPT, {"dept_code": "BARN"}),
}
OLA = Person("Ola Hansen", phones=("+4791234567",))


def _ole(extra: dict) -> dict:
    return {"patient": [{"id": 1, "name": "Ole Hansen", "born": "01.01.1995", "mobile": None}],
            "visit": [{"id": 10, "patient_id": 1, "note": "psykiatri", **extra}],
            "sms": [{"id": 20, "visit_id": 10, "to": "91234567"}], "room": [], "dept": [{"id": 1, "code": "BARN"}]}


def test_control_the_sons_visit_on_the_fathers_phone_waits_with_the_sons_row():
    status, found, _ = verdicts(CLINIC, _ole({}), OLA)
    assert (status[("patient", "1")], found_reason(found, "patient", "1")) == ("held", "first_name_close")
    assert status[("visit", "10")] == "held"


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_visit_under_a_held_patient_row_is_never_confirmed(shape):
    sys_, extra = SHAPES[shape]
    status, _, _ = verdicts(sys_, _ole(extra), OLA)
    assert status[("patient", "1")] == "held"
    assert status[("visit", "10")] != "confirmed"


def test_control_a_father_of_the_childs_name_without_a_birth_date_the_visit_waits():
    noah = Person("Noah Mævik", phones=("+4798794491",))
    status, found, _ = verdicts(CLINIC, CHILD_PATIENT, noah)
    assert (status[("patient", "19")], found_reason(found, "patient", "19")) == ("held", "child_record")
    assert status[VISIT] == "held"


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_childs_visit_under_a_child_record_row_is_never_confirmed(shape):
    sys_, extra = SHAPES[shape]
    tables = copy.deepcopy(CHILD_PATIENT)
    tables["visit"][0].update(extra)
    tables["room"], tables["dept"] = [], [{"id": 1, "code": "BARN"}]
    status, _, _ = verdicts(sys_, tables, Person("Noah Mævik", phones=("+4798794491",)))
    assert status[VISIT] != "confirmed"


def test_the_parents_mobile_on_the_childs_row_under_a_department_code_excludes_the_visit():
    tables = copy.deepcopy(CHILD_PATIENT)
    tables["visit"][0]["dept_code"] = "BARN"
    tables["dept"] = [{"id": 1, "code": "BARN"}]
    status, found, _ = verdicts(DEPT, tables, KRISTIN)
    assert (status[VISIT], found_reason(found, "visit", "93")) == ("excluded", "owner_confined")
    assert VISIT not in decided(DEPT, tables, KRISTIN, accept_all)[0]


def _husbands_visit(room_id) -> dict:
    return {"patient": [{"id": 1, "name": "Ola Mævik", "born": "01.01.1980", "mobile": None}],
            "visit": [{"id": 10, "patient_id": 1, "room_id": room_id, "note": "urologi"}],
            "sms": [{"id": 20, "visit_id": 10, "to": "4798794491"}], "room": [{"id": 3}]}


@pytest.mark.parametrize("sys_, room_id", [(CLINIC, 3), (ROOM, None)], ids=["one parent kind", "room empty"])
def test_control_another_adults_visit_on_her_phone_is_excluded(sys_, room_id):
    status, _, _ = verdicts(sys_, _husbands_visit(room_id), KRISTIN)
    assert status[("visit", "10")] == "excluded"
    assert ("visit", "10") not in decided(sys_, _husbands_visit(room_id), KRISTIN, accept_all)[0]


def test_another_adults_visit_naming_a_room_is_never_released():
    status, _, _ = verdicts(ROOM, _husbands_visit(3), KRISTIN)
    assert status[("patient", "1")] == "excluded"
    assert status[("visit", "10")] == "excluded"
    assert ("visit", "10") not in decided(ROOM, _husbands_visit(3), KRISTIN, accept_all)[0]


# -- 2. a guardian's request (several is off) ----------------------------------------------------

COMPANION = system(
    {"patient": PATIENT, "visit": {"key": "id"}, "sms": SMS},
    [("visit.companion_id", "patient.id"), ("visit.patient_id", "patient.id"), ("sms.visit_id", "visit.id")],
)
NOAH = Person("Noah Mævik", phones=("+4798794491",), birthdate=date(2018, 6, 4))


def _siblings(companion) -> dict:
    return {"patient": [{"id": 19, "name": "Noah Mævik", "born": "04.06.2018", "mobile": None},
                        {"id": 20, "name": "Emma Mævik", "born": "01.02.2015", "mobile": None}],
            "visit": [{"id": 93, "patient_id": 20, "companion_id": companion, "room_id": None, "note": "angst"}],
            "sms": [{"id": 94, "visit_id": 93, "to": "4798794491"}], "room": []}


def test_a_guardian_for_the_companion_on_a_siblings_visit_never_gets_it_confirmed():
    status, _, _ = verdicts(COMPANION, _siblings(19), NOAH, relation="guardian", requested_by="Kristin Mævik")
    assert status[("patient", "19")] == "confirmed"
    assert status[VISIT] == "held" and status[("patient", "20")] == "excluded"


def test_a_guardian_never_gets_a_siblings_visit_with_an_empty_room():
    status, _, _ = verdicts(ROOM, _siblings(None), NOAH, relation="guardian", requested_by="Kristin Mævik")
    assert status[VISIT] == status[("sms", "94")] == "excluded"
    assert VISIT not in decided(ROOM, _siblings(None), NOAH, accept_all, relation="guardian")[0]


# -- 3. birthdate_differs_named and a minor's row (observation) ----------------------------------


def test_her_own_row_with_a_year_typed_as_a_minors_is_the_row_alone():
    # Trade-off of change 3 (a LOSS if it is truly hers; safe if it is a daughter of her name):
    # her name, her mobile and 2016 for 1986 is child_with_own_contact, her visit owner_confined.
    tables = {"patient": [{"id": 5, "name": "Kristin Mævik", "born": "01.03.2016", "mobile": "98794491"}],
              "visit": [{"id": 50, "patient_id": 5}], "sms": [{"id": 51, "visit_id": 50, "to": "4798794491"}]}
    status, found, _ = verdicts(CLINIC, tables, KRISTIN)
    assert (status[("patient", "5")], found_reason(found, "patient", "5")) == ("held", "child_with_own_contact")
    assert decided(CLINIC, tables, KRISTIN, accept_all)[0] == {("patient", "5"), ("sms", "51")}
