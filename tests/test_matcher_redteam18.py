"""Eighteenth red-team round: the fixes of 439bcaf.

Attacked: ``dsar.identity._instant_day`` (a zoned time is a European midnight only when midnight
where written or a whole hour 20:00-00:00 UTC, else the day in Oslo); ``Resolver.place``'s
``owner_unchecked`` down (a non-key reference, with a value, into the collection reached from
or any ``_person_bearing`` one); ``Resolver._birthdate_in_doubt`` (no doubt when a record found
by the person's e-mail or phone, name agreeing, has STRONG agreement; minors never trigger);
``RequestStore.decide`` (accepting a NOT_HELD item that carries a rejection withdraws it).

Each case asserts the SAFE behaviour; ``xfail(strict=True)`` marks what the product gets wrong
at 439bcaf: "LEAK" (another person's record confirmed) or "LOSS" (the person's own excluded, or
held needlessly). "new": safe on an export of 439bcaf^ and not here (the same file run there);
"older": wrong there too.

Leaks:

1. (new) ``test_a_relatives_date_borne_out_by_a_row_on_a_shared_identifier_releases_nothing_of_his``:
   staff type the son's birth date into the father's request (one name). The father's own row
   (his e-mail, 1960) fires the doubt; the son's row on the household landline / family e-mail
   (name + typed date) is "a record the person's own e-mail or phone finds" with STRONG
   agreement, so ``_birthdate_in_doubt`` returns early (``if any("name" in node.agrees and
   STRONG & node.agrees for node in found): return``): the son's row found by name and date and
   his order are CONFIRMED (held ``birthdate_in_doubt`` at 439bcaf^). The early return should
   not count a row whose identifier also finds a row of the name with another date, or any
   row when the row that triggered the doubt was found by the same identifier.
2. (new) ``test_a_namesakes_evening_birth_instant_is_never_the_persons_date[06:30 Seoul|03:15
   Tokyo]``: a birth time written in its own zone east of Oslo (an adoptee's register), early
   on 05.05 there, is read as the day in Oslo, 04.05 (``moment.astimezone(ZoneInfo(
   "Europe/Oslo")).date()``): a namesake born 05.05 abroad is CONFIRMED for the person born
   04.05.
3. (older, kept by 439bcaf) the same test's whole-hour cases: a namesake born 22:00 or 23:00
   Oslo summer time written with Oslo's own ``+02:00``, 21:00Z, 21:00 Oslo winter (20:00Z), and
   22:00 Oslo in 1960's Norwegian DST written ``+01:00``: ``utc.hour >= 20`` makes each the next
   day. A time written with a non-zero offset that is not midnight there is no European
   midnight written in another zone; only bare UTC (``Z``/``+00``) writings are ambiguous.
4. (older) ``test_a_visit_naming_its_patient_in_a_register_of_names_only_is_never_confirmed``:
   the husband's visit booked by Kristin names its patient by number in a register declaring
   only a name (HPR-style number) or no identities at all: not ``_person_bearing`` / not
   ``assessable`` (so not in ``_unchecked_refs``): CONFIRMED. The rule tells patients from staff
   by the identities declared, which a patient register of names does not have.
5. (older) ``test_the_relatives_row_on_the_landline_itself_waits``: the son's own row on the
   landline (name + typed date) is CONFIRMED though the father's e-mail row says another date.

Losses:

6. (new) ``test_the_persons_own_birth_instant_written_abroad_is_never_excluded[06:30 Seoul|Sydney]``:
   the mirror of 2: the person's own row EXCLUDED with its order.
7. (new, held needlessly) ``test_the_persons_own_order_naming_its_salesperson_by_number_is_hers``:
   ``ordre.selger_nr -> selger.ansattnr`` with a work e-mail declared on ``selger``:
   ``_person_bearing`` true, the person's own order held ``owner_unchecked``.
8. (older, held needlessly) ``test_a_visit_naming_the_persons_own_number_beside_her_key_is_hers``:
   her visit names her by key and by her own patient number (exact or differently written):
   the unchecked value is never compared with the row it was reached from; held.

Held safe: controls of ``_instant_day`` (00:00 UTC exactly, midnight where written, Oslo midnight
in 1941 occupation CEST, 1947 without DST, 1960 Norwegian DST, 1975 with summer time applied,
non-whole-hour evening times, zone-less times); the husband's visit into a register with a birth
date is held, and a prescription under it naming Kristin by key is held with it; 439bcaf's own
Anne / Kari Anne case releases Anne's rows. The store: withdrawing a rejection of a group the
search now excludes releases nothing (still excluded, out of the list, a second acceptance
refused); held again later it is a fresh question (decision None); withdrawing one system's
rejection leaves the other system's rejection standing. ``dsar review decide`` and the dashboard
review POST both call ``RequestStore.decide`` with the same arguments (no route-specific path).
Not reproduced here: on a host whose tzdata links Europe/Oslo to Europe/Berlin (2022b+ without
backzone), "the day in Oslo" would use Berlin's 1945-1949 and 1959-1965 rules (this host's
tzdata has Oslo's own).
Fixed since (marks gone): the evening and east-of-Oslo birth instants (an instant is Oslo's
midnight in any zone, else the day where it was written, or for UTC a whole hour 22:00/23:00 the
next day, else the day in Oslo), and a relative's date borne out by a row on a shared identifier
(the bearing-out row must be found by an e-mail or mobile that no row with the other date holds;
a landline never bears a date out). Still marked: the names-only register, the salesperson with a
work e-mail (held needlessly), her own number beside her key, the relative's own row on the
landline.

"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dsar.errors import InputError
from dsar.exclusions import excluded_groups
from dsar.store import Person
from tests.test_connector_base import PERSON_ROW, found_reason, system, verdicts
from tests.test_matcher_redteam import KRISTIN
from tests.test_matcher_redteam16 import SHOP, Worlds

CRM_ORDERS = system({"person": PERSON_ROW, "ordre": {"key": "id"}}, [("ordre.person_id", "person.id")])


def _confirmed(status: dict) -> set:
    return {k for k, s in status.items() if s == "confirmed"}


def _rows(*people: tuple, orders: tuple[tuple[int, int], ...] = ()) -> dict:
    """``person`` rows as (id, name, born, email, phone) and ``ordre`` rows as (id, person)."""
    return {"person": [dict(zip(("id", "name", "born", "email", "phone"), p, strict=True)) for p in people],
            "ordre": [{"id": o, "person_id": p, "vare": "PrEP"} for o, p in orders]}


# =================================================================================================
# 1. _instant_day
# =================================================================================================

OLA_BORN = date(1990, 5, 5)
OLA = Person("Ola Hansen", emails=("ola@example.no",), birthdate=OLA_BORN)

_EVENING_LEAK = ()  # fixed (see the docstring)
_MORNING_EAST_LEAK = ()  # fixed (see the docstring)


@pytest.mark.parametrize("born, person_born", [
    pytest.param("1990-05-04T22:00:00+02:00", OLA_BORN, marks=_EVENING_LEAK, id="22:00 Oslo summer, written +02:00"),
    pytest.param("1990-05-04T23:00:00+02:00", OLA_BORN, marks=_EVENING_LEAK, id="23:00 Oslo summer, written +02:00"),
    pytest.param("1990-05-04T21:00:00Z", OLA_BORN, marks=_EVENING_LEAK, id="23:00 Oslo summer, written Z"),
    pytest.param("1990-01-04T20:00:00Z", date(1990, 1, 5), marks=_EVENING_LEAK, id="21:00 Oslo winter, written Z"),
    pytest.param("1960-07-01T21:00:00+01:00", date(1960, 7, 2), marks=_EVENING_LEAK,
                 id="1960 (Norwegian DST) 22:00 Oslo, written +01:00"),
    pytest.param("1960-07-01T20:00:00+01:00", date(1960, 7, 2), id="control: 1960 21:00 Oslo, 19:00 UTC"),
    pytest.param("1990-05-05T06:30:00+09:00", date(1990, 5, 4), marks=_MORNING_EAST_LEAK, id="06:30 Seoul"),
    pytest.param("1990-05-05T03:15:00+09:00", date(1990, 5, 4), marks=_MORNING_EAST_LEAK, id="03:15 Tokyo"),
    pytest.param("1990-05-04T21:30:00Z", OLA_BORN, id="control: 23:30 Oslo, not a whole hour"),
    pytest.param("1990-05-04T19:00:00+02:00", OLA_BORN, id="control: 17:00 UTC"),
    pytest.param("1990-05-04T23:00:00", OLA_BORN, id="control: no zone"),
])
def test_a_namesakes_evening_birth_instant_is_never_the_persons_date(born, person_born):
    person = Person("Ola Hansen", emails=("ola@example.no",), birthdate=person_born)
    tables = _rows((1, "Ola Hansen", person_born.strftime("%d.%m.%Y"), "ola@example.no", None),
                   (3, "Ola Hansen", born, None, None), orders=((30, 3),))
    status, _, _ = verdicts(CRM_ORDERS, tables, person)
    assert status[("person", "1")] == "confirmed"
    assert not _confirmed(status) & {("person", "3"), ("ordre", "30")}


_EAST_LOSS = ()  # fixed (see the docstring)


@pytest.mark.parametrize("born, person_born", [
    pytest.param("1990-05-05T06:30:00+09:00", OLA_BORN, marks=_EAST_LOSS, id="06:30 Seoul"),
    pytest.param("1990-05-05T06:30:00+10:00", OLA_BORN, marks=_EAST_LOSS, id="06:30 Sydney"),
    pytest.param(datetime(1990, 5, 4, 22, 30, tzinfo=UTC), OLA_BORN, id="control: aware, 00:30 in Oslo"),
    pytest.param("1990-05-05T02:00:00+02:00", OLA_BORN, id="control: 00:00 UTC exactly (02:00 Oslo)"),
    pytest.param("1990-05-05T00:00:00Z", OLA_BORN, id="control: 00:00 UTC midnight where written"),
    pytest.param("1975-07-04T22:00:00Z", date(1975, 7, 5), id="control: summer time applied to 1975"),
    pytest.param("1960-07-01T22:00:00Z", date(1960, 7, 2), id="control: Oslo midnight 1960 DST"),
    pytest.param("1947-06-01T23:00:00Z", date(1947, 6, 2), id="control: Oslo midnight 1947 (no DST)"),
    pytest.param("1941-03-01T22:00:00Z", date(1941, 3, 2), id="control: Oslo midnight 1941 (occupation CEST)"),
])
def test_the_persons_own_birth_instant_written_abroad_is_never_excluded(born, person_born):
    person = Person("Ola Hansen", emails=("ola@example.no",), birthdate=person_born)
    tables = _rows((1, "Ola Hansen", born, None, None), (2, "Ola Hansen", None, "ola@example.no", None),
                   orders=((10, 1),))
    status, _, _ = verdicts(CRM_ORDERS, tables, person)
    assert status[("person", "1")] != "excluded" and status[("ordre", "10")] != "excluded"


# =================================================================================================
# 2. Resolver.place — owner_unchecked down into the collection reached from or a _person_bearing one
# =================================================================================================

PATIENT = {"key": "id", "identities": [{"type": "name", "column": "name"}, {"type": "birthdate", "column": "born"},
                                       {"type": "phone", "column": "mobile"}]}
KRISTIN_ROW = {"id": 5, "nr": "P5", "name": "Kristin Mævik", "born": "01.03.1986", "mobile": "98794491"}


@pytest.mark.parametrize("register", [
    pytest.param({"key": "id", "identities": [{"type": "name", "column": "name"}]}, id="name and a number only"),
    pytest.param({"key": "id"}, id="no identities declared"),
])
@pytest.mark.xfail(strict=True, reason=(
    "LEAK (older): the husband's visit, booked by Kristin (visit.booked_by -> kontakt.id, reached down from her row "
    "found by her mobile), names its patient by number in a patient register that declares only a name (an "
    "HPR-style number beside it) or nothing: `_person_bearing` is false (or the table is not `assessable`, so not "
    "in `_unchecked_refs`), so matching.Resolver.place sees no owner_unchecked: CONFIRMED"))
def test_a_visit_naming_its_patient_in_a_register_of_names_only_is_never_confirmed(register):
    sysm = system({"kontakt": PATIENT, "pasient": register, "visit": {"key": "id"}},
                  [("visit.booked_by", "kontakt.id"), ("visit.pasient_nr", "pasient.nr")])
    tables = {"kontakt": [KRISTIN_ROW], "pasient": [{"id": 1, "nr": "P1", "name": "Ola Mævik"}],
              "visit": [{"id": 10, "booked_by": 5, "pasient_nr": "P1", "note": "urologi"}]}
    status, _, _ = verdicts(sysm, tables, KRISTIN)
    assert status[("kontakt", "5")] == "confirmed"
    assert status[("visit", "10")] != "confirmed"


def test_control_a_visit_naming_its_patient_in_a_register_with_a_birth_date_is_held():
    sysm = system({"kontakt": PATIENT, "pasient": PATIENT, "visit": {"key": "id"}},
                  [("visit.booked_by", "kontakt.id"), ("visit.pasient_nr", "pasient.nr")])
    tables = {"kontakt": [KRISTIN_ROW],
              "pasient": [{"id": 1, "nr": "P1", "name": "Ola Mævik", "born": "01.01.1980", "mobile": None}],
              "visit": [{"id": 10, "booked_by": 5, "pasient_nr": "P1", "note": "urologi"}]}
    status, found, _ = verdicts(sysm, tables, KRISTIN)
    assert (status[("visit", "10")], found_reason(found, "visit", "10")) == ("held", "owner_unchecked")


def test_control_a_prescription_under_the_husbands_visit_naming_her_by_key_is_held():
    kin = {"key": "id", "identities": [{"type": "name", "column": "name"}, {"type": "phone", "column": "mobile"}]}
    sysm = system({"patient": PATIENT, "parorende": kin, "visit": {"key": "id"}, "resept": {"key": "id"}},
                  [("visit.parorende_id", "parorende.id"), ("visit.patient_nr", "patient.nr"),
                   ("resept.visit_id", "visit.id"), ("resept.parorende_id", "parorende.id")])
    tables = {"patient": [{"id": 1, "nr": "P1", "name": "Ola Mævik", "born": "01.01.1980", "mobile": None}],
              "parorende": [{"id": 3, "nr": "N3", "name": "Kristin Mævik", "mobile": "98794491"}],
              "visit": [{"id": 10, "parorende_id": 3, "patient_nr": "P1"}],
              "resept": [{"id": 100, "visit_id": 10, "parorende_id": 3, "med": "sildenafil"}]}
    status, _, _ = verdicts(sysm, tables, KRISTIN)
    assert status[("parorende", "3")] == "confirmed"
    assert not _confirmed(status) & {("visit", "10"), ("resept", "100")}


CUSTOMER = {"key": "id", "identities": [{"type": "name", "column": "name"}, {"type": "phone", "column": "mobile"}]}


@pytest.mark.parametrize("staff", [
    pytest.param({"key": "id", "identities": [{"type": "name", "column": "name"}, {"type": "email", "column": "epost"}]},
                 marks=pytest.mark.xfail(strict=True, reason=(
                     "LOSS (new, 439bcaf; held needlessly): the person's own order names its salesperson by "
                     "employee number; the staff table declares a work e-mail, so `_person_bearing` is true and "
                     "Resolver.place holds the order owner_unchecked (confirmed before)")),
                 id="staff table with a work e-mail"),
    pytest.param({"key": "id", "identities": [{"type": "name", "column": "name"}]}, id="control: names only"),
])
def test_the_persons_own_order_naming_its_salesperson_by_number_is_hers(staff):
    sysm = system({"kunde": CUSTOMER, "selger": staff, "ordre": {"key": "id"}},
                  [("ordre.kunde_id", "kunde.id"), ("ordre.selger_nr", "selger.ansattnr")])
    tables = {"kunde": [{"id": 5, "name": "Kristin Mævik", "mobile": "98794491"}],
              "selger": [{"id": 1, "ansattnr": "S-1", "name": "Per Selger", "epost": "per@firma.no"}],
              "ordre": [{"id": 20, "kunde_id": 5, "selger_nr": "S-1", "vare": "sofa"}]}
    status, _, _ = verdicts(sysm, tables, KRISTIN)
    assert status[("kunde", "5")] == status[("ordre", "20")] == "confirmed"


@pytest.mark.parametrize("nr", ["P5", "p5", " P5 "])
@pytest.mark.xfail(strict=True, reason=(
    "LOSS (older, 1e088cc; held needlessly): her own visit names her by key and by her own patient number "
    "(exactly, or written differently): Resolver.place never compares the unchecked value with the row it was "
    "reached from (`not no_value(...)` and `parent == raw.via.collection`): held owner_unchecked"))
def test_a_visit_naming_the_persons_own_number_beside_her_key_is_hers(nr):
    sysm = system({"patient": PATIENT, "visit": {"key": "id"}},
                  [("visit.patient_id", "patient.id"), ("visit.patient_nr", "patient.nr")])
    tables = {"patient": [KRISTIN_ROW], "visit": [{"id": 11, "patient_id": 5, "patient_nr": nr, "note": "kontroll"}]}
    status, _, _ = verdicts(sysm, tables, KRISTIN)
    assert status[("visit", "11")] == "confirmed"


# =================================================================================================
# 3. Resolver._birthdate_in_doubt — no doubt when a record found by e-mail or phone bears the date out
# =================================================================================================

LAND = "56562083"
FAMILY = "hansen@familie.example"
SONS = {("person", "3"), ("ordre", "30")}


@pytest.mark.parametrize("son_contact, father_contact, person", [
    pytest.param({"phone": LAND}, {"email": "ola@example.no"},
                 Person("Ola Hansen", emails=("ola@example.no",), phones=("+47" + LAND,), birthdate=date(1990, 7, 7)),
                 id="son's row on the household landline"),
    pytest.param({"email": FAMILY}, {"email": FAMILY},
                 Person("Ola Hansen", emails=(FAMILY,), birthdate=date(1990, 7, 7)),
                 id="both rows on the family e-mail"),
])
def test_a_relatives_date_borne_out_by_a_row_on_a_shared_identifier_releases_nothing_of_his(
    son_contact, father_contact, person,
):
    tables = {"person": [
        {"id": 1, "name": "Ola Hansen", "born": "05.05.1960", "email": None, "phone": None, **father_contact},
        {"id": 2, "name": "Ola Hansen", "born": "07.07.1990", "email": None, "phone": None, **son_contact},
        {"id": 3, "name": "Ola Hansen", "born": "07.07.1990", "email": None, "phone": None}],
        "ordre": [{"id": 10, "person_id": 1}, {"id": 20, "person_id": 2}, {"id": 30, "person_id": 3}]}
    status, _, _ = verdicts(CRM_ORDERS, tables, person)
    assert not _confirmed(status) & SONS


@pytest.mark.xfail(strict=True, reason=(
    "LEAK (older): the same, the son's own row on the household landline (name and the typed date, found by the "
    "landline the father gave) is CONFIRMED with its order — the father's own row found by his e-mail says "
    "another date, and nothing tells the landline is shared; in doubt, it should wait"))
def test_the_relatives_row_on_the_landline_itself_waits():
    tables = {"person": [
        {"id": 1, "name": "Ola Hansen", "born": "05.05.1960", "email": "ola@example.no", "phone": None},
        {"id": 2, "name": "Ola Hansen", "born": "07.07.1990", "email": None, "phone": LAND}],
        "ordre": [{"id": 20, "person_id": 2}]}
    person = Person("Ola Hansen", emails=("ola@example.no",), phones=("+47" + LAND,), birthdate=date(1990, 7, 7))
    status, _, _ = verdicts(CRM_ORDERS, tables, person)
    assert not _confirmed(status) & {("person", "2"), ("ordre", "20")}


def test_control_the_persons_own_e_mail_row_bearing_the_date_out_releases_her_rows():
    # 439bcaf's own case: the mother's row of a form of her name on the landline; her own e-mail row bears
    # the date out, held by no other row.
    tables = {"person": [
        {"id": 1, "name": "Kari Anne Hansen", "born": "17.04.1970", "email": None, "phone": LAND},
        {"id": 2, "name": "Anne Hansen", "born": "02.09.2000", "email": "anne@example.no", "phone": None},
        {"id": 3, "name": "Anne Hansen", "born": "02.09.2000", "email": None, "phone": None}],
        "ordre": [{"id": 30, "person_id": 3}]}
    person = Person("Anne Hansen", emails=("anne@example.no",), phones=("+47" + LAND,), birthdate=date(2000, 9, 2))
    status, _, _ = verdicts(CRM_ORDERS, tables, person)
    assert status[("person", "1")] != "confirmed"
    assert _confirmed(status) >= {("person", "2"), ("person", "3"), ("ordre", "30")}


# =================================================================================================
# 4. RequestStore.decide — accepting a NOT_HELD item that carries a rejection withdraws it
# =================================================================================================

SON = {"person": [{"id": 2, "name": "Ola Hansen", "born": "07.07.1990", "email": None, "phone": None}],
       "ordre": [{"id": 20, "person_id": 2, "vare": "HIV-test"}]}
SONS_W = {("butikk", "person", "2"), ("butikk", "ordre", "20")}


def _rejected_then_excluded(tmp_path: Path, systems: tuple[str, ...] = ("butikk",)):
    worlds = Worlds(tmp_path, {sid: (*SHOP, copy.deepcopy(SON)) for sid in systems})
    rid = worlds.request(Person.from_given("Ola Hansen", emails=["ola@example.no"]))
    worlds.search(rid)
    items = worlds.store.review_items(rid)
    for item in items:
        worlds.store.decide(rid, item.id, "rejected", "tester")
    worlds.store.add_birthdate(rid, "05.05.1960", actor="tester")
    worlds.search(rid)  # the son's row is excluded now: the items are NOT_HELD, their rejections stand
    return worlds, rid, items


def test_control_withdrawing_a_rejection_of_an_excluded_group_releases_nothing(tmp_path):
    worlds, rid, [item] = _rejected_then_excluded(tmp_path)
    worlds.store.decide(rid, item.id, "accepted", "tester")
    assert worlds.released(rid) == set()
    assert {g.ref for g in excluded_groups(worlds.ws, worlds.store, rid)} == {"person/2"}
    assert worlds.store.review_items(rid) == []
    with pytest.raises(InputError, match="venter ikke lenger"):
        worlds.store.decide(rid, item.id, "accepted", "tester")  # a second acceptance is no release either
    assert worlds.released(rid) == set()


def test_control_a_withdrawn_rejection_is_a_question_again_when_the_group_is_held_again(tmp_path):
    worlds, rid, [item] = _rejected_then_excluded(tmp_path)
    worlds.store.decide(rid, item.id, "accepted", "tester")
    # The son's row gets the father's e-mail at the source: held (birthdate_differs_named), a question.
    worlds.write("butikk", {"person": [{**SON["person"][0], "email": "ola@example.no"}], "ordre": SON["ordre"]})
    worlds.search(rid)
    assert [(i.record_ref, i.decision) for i in worlds.store.review_items(rid)] == [("person/2", None)]
    assert worlds.released(rid) == set()


def test_control_withdrawing_one_systems_rejection_leaves_the_others(tmp_path):
    worlds, rid, items = _rejected_then_excluded(tmp_path, ("butikk", "klubb"))
    assert len(items) == 2
    # Only the item decided on changes; the son's rows stay excluded in both systems.
    worlds.store.decide(rid, items[0].id, "accepted", "tester")
    after = {i.id: i.decision for i in worlds.store.review_items(rid)}
    assert after == {items[1].id: "rejected"}
    assert worlds.released(rid) == set()
