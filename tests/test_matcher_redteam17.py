"""Seventeenth red-team round: the fixes of 1e088cc.

Attacked:

- ``dsar.matching._named``: a ``given_name_part`` row (``Per`` / ``Per-Erik``, ``Anne`` / ``Kari
  Anne``, ``Per Olav`` / ``Per Arne``) counts as a row of the person's name, for
  ``_dated_named`` (the namesake rules) and for turning ``birthdate_differs`` into
  ``birthdate_differs_named`` (held, not excluded);
- ``Resolver._birthdate_in_doubt`` also fires on a row found by the person's e-mail or phone,
  whose name agrees, with ``national_id_differs``;
- ``RequestStore.system_finished`` voids an acceptance when the item is held again for another
  reason; ``_void_acceptances_no_longer_held`` (6f2fa26, below it) marks items no longer held
  ``NOT_HELD``;
- ``dsar.identity.as_date`` / ``_instant_day``: an instant with a zone is the nearest midnight
  (hour > 12: the next day);
- ``Resolver.place``: a record reached DOWN is ``owner_unchecked`` only when its non-key
  reference points into the collection it was reached down from.

Each case asserts the SAFE behaviour; ``xfail(strict=True)`` marks what the product gets wrong
at 1e088cc: "LEAK: …" (another person's record confirmed or released) or "LOSS: …" (the
person's own record excluded or withheld; "held needlessly" where the brief asked for it).
Controls pass. "new" means 1e088cc turned a safe outcome into this one (checked by running the
same data on an export of 1e088cc^); "older" means it was so before and 1e088cc does not reach it.

Fixed since (marks gone): 1 and 5 (an instant is a European zone's midnight only when it is
midnight where written or a whole hour 20:00-00:00 UTC; any other zoned time is a time of day,
the day in Oslo), 2 (a record reached down is held ``owner_unchecked`` for a number into any
table of people the search finds by e-mail, phone or birth date, not only the one it was reached
from), 4's form-of-the-name case (``given_name_part`` counts in the national-id trigger), 6
(lowercase ``t`` and ``z``), 7 and 8 (no doubt when a record the person's own e-mail or phone
finds bears the date out; a minor's row puts no date in doubt), 9 (accepting a rejected item the
search no longer holds takes the rejection back: the group follows the search). Still marked:
3, 4's row below the contact row, an evening time in India read as the day in Oslo.

Leaks found:

1. (new, ``_instant_day``) ``test_a_namesake_born_the_afternoon_before_is_never_the_persons``:
   a register that keeps the birth *instant* (a maternity or patient system's ``timestamptz``:
   ``1990-05-04T20:00:00+02:00``, PostgreSQL's ``1990-05-04 18:00:00+00``, an aware
   ``datetime``). ``as_date`` reads any zoned instant after 12:00 as the next day
   (``identity._instant_day``: ``day + 1 if hour > 12``), so a namesake born on the afternoon of
   04.05 is born 05.05: name and birth date agree, strong, CONFIRMED with his order for the
   person born 05.05. Before, ``_oslo_date`` read the day in Oslo (04.05): excluded.
2. (new, ``Resolver.place`` ``parent == raw.via.collection``)
   ``test_a_visit_reached_down_from_a_next_of_kin_row_names_its_patient_by_number``: the husband's
   visit names Kristin as next of kin (``visit.parorende_id -> parorende.id``) and its patient by
   number (``visit.patient_nr -> patient.nr``). Reached down from her next-of-kin row (found by
   her mobile), its unchecked reference points into ``patient``, not ``parorende``: no
   ``owner_unchecked``, CONFIRMED (held before). The same for a booking a customer made for a
   member (``booking.member_nr -> member.medlemsnr``, reached from ``customer``) and a visit
   naming its patient in a legacy patient table (``patient_old.nr``). The rule tells a doctor's
   table from a person's by nothing but the table's name.
3. (older; 1e088cc's ``_named`` stops short of it) ``test_a_dated_row_without_the_middle_name_beside_the_twins_row``:
   twins Per Olav and Per Arne Hansen (one birth date; Per Arne's row on the family e-mail, held
   ``given_name_part``), and a row ``Per Hansen`` with their birth date: with the birth date
   asked it is strong (the namesake rules never look at strong rows: ``_household_namesakes``
   iterates ``_named``, ``not STRONG``); without one, ``_namesake_in_doubt`` drops Per Arne's
   row from ``others`` ("one date twice: one person": ``other != born``). CONFIRMED with its
   order for Per Olav either way.
4. (older; 1e088cc's national-id trigger stops short of them) staff type the daughter's birth
   date into the mother's request, register of fødselsnummer:
   ``test_the_daughters_date_typed_with_the_mothers_row_of_a_form_of_her_name``: the mother's own
   row (e-mail, mobile) says ``Kari Anne Moholm`` (she asks as ``Anne Moholm``): the new
   trigger needs ``"name" in node.agrees`` (not ``_named``), so the daughter's row is CONFIRMED
   (the birth-date register holds it: ``birthdate_differs_named`` counts ``_named``);
   ``test_the_daughters_date_typed_with_the_mothers_number_on_a_row_below_her_contact_row``: the
   mother's fødselsnummer is on her patient row reached down from her contact row (found by her
   e-mail): the trigger needs the row itself found by e-mail or phone; the daughter's patient
   row and journal are CONFIRMED.

Losses found:

5. (new, ``_instant_day``) ``test_the_persons_own_row_with_an_afternoon_birth_time_is_never_excluded``:
   the person's own row keeps a birth time after 12:00 with a zone (``1990-05-05T18:30:00+02:00``,
   an aware ``datetime`` 16:30 UTC): read as 06.05, ``birthdate_differs``, EXCLUDED with its
   order (found by name and birth date; found by e-mail it is held ``birthdate_differs_named``).
6. (older) ``test_a_lowercase_zone_letter_is_read_as_an_instant``: ``1961-01-16T23:00:00.000z``
   (RFC 3339 allows ``z`` and ``t``): ``_INSTANT`` matches only ``Z``, the UTC day is taken, the
   person's own row (17.01) EXCLUDED.
7. (new, held needlessly, ``_named`` into ``birthdate_differs_named``)
   ``test_a_relatives_row_of_a_form_of_the_name_holds_the_persons_own_rows``: Anne Hansen (2000)
   asks with her own e-mail, the household landline and her birth date; her mother's row ``Kari
   Anne Hansen`` (1970) on the landline is now ``birthdate_differs_named`` (was excluded), which
   fires ``_birthdate_in_doubt``: Anne's own second row found by name and birth date is held
   ``birthdate_in_doubt`` — though her own row found by her own e-mail (no other row holds it)
   says the typed date is hers. The same for brothers Per Olav (1994) and Per Arne (1990) on the
   family e-mail.
8. (new, held needlessly, the national-id trigger)
   ``test_a_namesakes_national_id_on_the_family_e_mail_holds_the_persons_own_rows``: the daughter
   asks with her right birth date, her own e-mail and the family e-mail, where her mother's row
   of the same name keeps the mother's fødselsnummer: her own row found by name and fødselsnummer
   is held. And ``test_a_minor_sons_national_id_on_the_fathers_e_mail_holds_the_fathers_rows``: the
   son's row of the father's name (a sign-up the father made, his e-mail on it) holds the
   father's own rows — the birth-date path spares a minor's row (``_is_minor(born) and
   self._adult_asking``, then ``child_with_own_contact``), the national-id trigger has no such
   exception.
9. (older, 6f2fa26) ``test_a_rejection_on_a_group_the_search_now_confirms_can_be_changed``: staff
   reject a row held ``name_only`` (the father's own old row); the person then gives the old
   e-mail the row holds and the search CONFIRMS it, but the rejection stands, the item is gone
   from the questions (``NOT_HELD``) and ``dsar review decide`` refuses it ("… they are in the
   answer, or excluded …", which is not so): the request is ``complete`` and his own row and
   order are withheld for good; no command reopens it (``reconsider`` takes excluded groups only).

Held safe: 1e088cc's own rows — a relative's ``given_name_part`` row with another birth date
found by the family e-mail or landline (Per-Erik, Kari Anne, Per Arne) is held, never
confirmed, its orders held with it, and ``dsar review list`` shows "en slektning?" beside the
headline ``birthdate_differs_named`` ("(feilregistrert?)"): staff are told (noted in the
report: the headline speaks of a typing error of the person's own name); an undated ``Per
Hansen`` on the family e-mail beside a brother's ``given_name_part`` row with another date is
held. The store: a reason flip-flop (``name_only`` → ``namesake_household`` → ``name_only``, the
group's records unchanged) voids the acceptance and never brings it back; a reconsidered
acceptance is voided when the group is held again; ``review list`` hides a voided item and
``review decide`` refuses it; a renumbered item carries no decision. ``as_date``: 12:00 with a
zone stays the day, a zone-less time is the day's own (own row and namesake), ``+0530``
midnight, a comma fraction, ``Z[Europe/Oslo]``. ``owner_unchecked``: the husband's visit reached
from Kristin's next-of-kin row by key references is held ``parents_differ``; her own visit
naming a next of kin by number is confirmed.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dsar.errors import InputError
from dsar.exclusions import excluded_groups, reconsider
from dsar.identity import as_date
from dsar.store import Person
from tests.test_connector_base import PERSON_ROW, found_reason, system, verdicts
from tests.test_matcher_redteam import KRISTIN
from tests.test_matcher_redteam16 import SHOP, Worlds

CRM_ORDERS = system({"person": PERSON_ROW, "ordre": {"key": "id"}}, [("ordre.person_id", "person.id")])
FAMILY = "hansen@familie.example"


def _confirmed(status: dict) -> set:
    return {k for k, s in status.items() if s == "confirmed"}


def _rows(*people: tuple, orders: tuple[tuple[int, int], ...] = ()) -> dict:
    """``person`` rows as (id, name, born, email, phone) and ``ordre`` rows as (id, person)."""
    return {"person": [dict(zip(("id", "name", "born", "email", "phone"), p, strict=True)) for p in people],
            "ordre": [{"id": o, "person_id": p, "vare": "PrEP"} for o, p in orders]}


# =================================================================================================
# 1. _instant_day — an instant with a zone is the nearest midnight
# =================================================================================================

OLA_BORN = date(1990, 5, 5)
OLA = Person("Ola Hansen", emails=("ola@example.no",), birthdate=OLA_BORN)

_AFTERNOON_LEAK = ()  # fixed: a zoned time that is no European midnight is the day in Oslo


@pytest.mark.parametrize("born", [
    pytest.param("1990-05-04T20:00:00+02:00", marks=_AFTERNOON_LEAK, id="iso, Oslo summer time"),
    pytest.param("1990-05-04 18:00:00+00", marks=_AFTERNOON_LEAK, id="postgres text"),
    pytest.param("1990-05-04T13:05:00.000Z", marks=_AFTERNOON_LEAK, id="utc, 15:05 in Oslo"),
    pytest.param(datetime(1990, 5, 4, 18, 0, tzinfo=UTC), marks=_AFTERNOON_LEAK, id="aware datetime"),
    pytest.param("1990-05-04T12:00:00+02:00", id="control: noon"),
    pytest.param("1990-05-04T20:00:00", id="control: no zone"),
    pytest.param(datetime(1990, 5, 4, 20, 0), id="control: naive datetime"),
])
def test_a_namesake_born_the_afternoon_before_is_never_the_persons(born):
    assert as_date(born) == date(1990, 5, 4)
    tables = _rows((1, "Ola Hansen", "05.05.1990", "ola@example.no", None), (3, "Ola Hansen", born, None, None),
                   orders=((30, 3),))
    status, _, _ = verdicts(CRM_ORDERS, tables, OLA)
    assert status[("person", "1")] == "confirmed"
    assert not _confirmed(status) & {("person", "3"), ("ordre", "30")}


_AFTERNOON_LOSS = ()  # fixed


@pytest.mark.parametrize("born", [
    pytest.param("1990-05-05T18:30:00+02:00", marks=_AFTERNOON_LOSS, id="iso"),
    pytest.param("1990-05-05 16:30:00+00", marks=_AFTERNOON_LOSS, id="postgres text"),
    pytest.param(datetime(1990, 5, 5, 16, 30, tzinfo=UTC), marks=_AFTERNOON_LOSS, id="aware datetime"),
    pytest.param("1990-05-05T12:00:00+01:00", id="control: noon"),
    pytest.param("1990-05-05T18:30:00", id="control: no zone"),
    pytest.param("1990-05-04T22:00:00Z", id="control: Oslo midnight in UTC"),
])
def test_the_persons_own_row_with_an_afternoon_birth_time_is_never_excluded(born):
    assert as_date(born) == OLA_BORN
    tables = _rows((1, "Ola Hansen", born, None, None), (2, "Ola Hansen", None, "ola@example.no", None),
                   orders=((10, 1),))
    status, _, _ = verdicts(CRM_ORDERS, tables, OLA)
    assert status[("person", "1")] != "excluded" and status[("ordre", "10")] != "excluded"


def test_the_persons_own_row_found_by_e_mail_with_an_afternoon_birth_time_is_hers():
    # Fixed with the afternoon rows above: the birth time is a time of day in Oslo.
    tables = _rows((1, "Ola Hansen", "1990-05-05T18:30:00+02:00", "ola@example.no", None), orders=((10, 1),))
    status, _, _ = verdicts(CRM_ORDERS, tables, OLA)
    assert status[("person", "1")] == status[("ordre", "10")] == "confirmed"


BORN_17 = date(1961, 1, 17)


@pytest.mark.parametrize("born", [
    pytest.param("1961-01-16T23:00:00.000z", id="lowercase z"),  # fixed
    pytest.param("1961-01-16t23:00:00Z", id="lowercase t"),  # fixed
    pytest.param("1961-01-16T18:30:00+0530", id="evening in India", marks=pytest.mark.xfail(strict=True, reason=(
        "LOSS (kept): a zoned time that is no European midnight (a whole hour 20-00 UTC) nor midnight where it "
        "was written is taken as a time of day, the day in Oslo: 16.01 (nearest-midnight rounding, which read "
        "this 17.01, read a namesake's afternoon birth time as the next day)"))),
    pytest.param("1961-01-17T00:00:00+0530", id="control: +0530 local midnight"),
    pytest.param("1961-01-16T23:00:00,000Z", id="control: comma fraction"),
    pytest.param("1961-01-16T23:00:00Z[Europe/Oslo]", id="control: java zone id"),
    pytest.param("1961-01-17T12:00:00Z", id="control: noon UTC"),
])
def test_a_lowercase_zone_letter_is_read_as_an_instant(born):
    tables = {"person": [{"id": 1, "name": "Ola Hansen", "born": born, "email": None, "phone": None},
                         {"id": 2, "name": "Ola Hansen", "born": None, "email": "ola@example.no", "phone": None}]}
    status, _, _ = verdicts(CRM_ORDERS, {**tables, "ordre": []}, Person("Ola Hansen", emails=("ola@example.no",),
                                                                        birthdate=BORN_17))
    assert status[("person", "1")] != "excluded"


# =================================================================================================
# 2. Resolver.place — owner_unchecked down only into the collection it was reached from
# =================================================================================================

PATIENT = {"key": "id", "identities": [{"type": "name", "column": "name"}, {"type": "birthdate", "column": "born"},
                                       {"type": "phone", "column": "mobile"}]}
KIN = {"key": "id", "identities": [{"type": "name", "column": "name"}, {"type": "phone", "column": "mobile"}]}
HUSBAND = {"id": 1, "nr": "P1", "name": "Ola Mævik", "born": "01.01.1980", "mobile": None}
KRISTIN_KIN = {"id": 3, "nr": "N3", "name": "Kristin Mævik", "mobile": "98794491"}


def test_a_visit_reached_down_from_a_next_of_kin_row_names_its_patient_by_number():
    sysm = system({"patient": PATIENT, "parorende": KIN, "visit": {"key": "id"}},
                  [("visit.parorende_id", "parorende.id"), ("visit.patient_nr", "patient.nr")])
    tables = {"patient": [HUSBAND], "parorende": [KRISTIN_KIN],
              "visit": [{"id": 10, "parorende_id": 3, "patient_nr": "P1", "note": "urologi"}]}
    status, _, _ = verdicts(sysm, tables, KRISTIN)
    assert status[("parorende", "3")] == "confirmed"
    assert status[("visit", "10")] != "confirmed"


def test_control_the_same_visit_by_key_references_is_held():
    sysm = system({"patient": PATIENT, "parorende": KIN, "visit": {"key": "id"}},
                  [("visit.parorende_id", "parorende.id"), ("visit.patient_id", "patient.id")])
    tables = {"patient": [HUSBAND], "parorende": [KRISTIN_KIN],
              "visit": [{"id": 10, "parorende_id": 3, "patient_id": 1, "note": "urologi"}]}
    status, found, _ = verdicts(sysm, tables, KRISTIN)
    assert (status[("visit", "10")], found_reason(found, "visit", "10")) == ("held", "parents_differ")


def test_observation_her_own_visit_naming_her_next_of_kin_by_number_waits_for_staff():
    # Since the fix above: a number into a table of people the search finds by phone may name
    # whose the visit is; held owner_unchecked (a needless hold here, never a release).
    sysm = system({"patient": PATIENT, "parorende": KIN, "visit": {"key": "id"}},
                  [("visit.patient_id", "patient.id"), ("visit.parorende_nr", "parorende.nr")])
    tables = {"patient": [{"id": 5, "name": "Kristin Mævik", "born": "01.03.1986", "mobile": "98794491"}],
              "parorende": [{"id": 4, "nr": "N4", "name": "Ola Mævik", "mobile": None}],
              "visit": [{"id": 11, "patient_id": 5, "parorende_nr": "N4", "note": "kontroll"}]}
    status, found, _ = verdicts(sysm, tables, KRISTIN)
    assert (status[("visit", "11")], found_reason(found, "visit", "11")) == ("held", "owner_unchecked")


CUSTOMER = {"key": "id", "identities": [{"type": "email", "column": "email"}, {"type": "name", "column": "name"}]}


def test_a_booking_a_customer_made_for_another_member_is_never_confirmed():
    sysm = system({"customer": CUSTOMER, "member": CUSTOMER, "booking": {"key": "id"}},
                  [("booking.booked_by", "customer.id"), ("booking.member_nr", "member.medlemsnr")])
    tables = {"customer": [{"id": 1, "name": "Kari Nordmann", "email": "kari@example.no"}],
              "member": [{"id": 7, "name": "Ola Nordmann", "email": "ola@example.no", "medlemsnr": "M-7"},
                         {"id": 8, "name": "Kari Nordmann", "email": "kari@example.no", "medlemsnr": "M-8"}],
              "booking": [{"id": 10, "booked_by": 1, "member_nr": "M-7", "note": "PT: ryggskade"},
                          {"id": 11, "booked_by": 1, "member_nr": "M-8", "note": "spinning"}]}
    status, _, _ = verdicts(sysm, tables, Person("Kari Nordmann", emails=("kari@example.no",)))
    assert status[("member", "8")] == "confirmed"
    assert status[("booking", "10")] != "confirmed"


def test_a_visit_naming_its_patient_in_a_legacy_patient_table_is_never_confirmed():
    sysm = system({"patient": PATIENT, "patient_old": PATIENT, "visit": {"key": "id"}},
                  [("visit.booked_by", "patient.id"), ("visit.old_patient_nr", "patient_old.nr")])
    tables = {"patient": [{"id": 5, "name": "Kristin Mævik", "born": "01.03.1986", "mobile": "98794491"}],
              "patient_old": [{**HUSBAND, "nr": "G-1"}],
              "visit": [{"id": 10, "booked_by": 5, "old_patient_nr": "G-1", "note": "urologi"}]}
    status, _, _ = verdicts(sysm, tables, KRISTIN)
    assert status[("patient", "5")] == "confirmed"
    assert status[("visit", "10")] != "confirmed"


# =================================================================================================
# 3. _named — a given_name_part row counts as a row of the person's name
# =================================================================================================


@pytest.mark.parametrize("asked, asked_born, theirs, their_born", [
    ("Per Hansen", date(1960, 5, 5), "Per-Erik Hansen", "07.07.1990"),  # the father asks; his son
    ("Per-Erik Hansen", date(1990, 7, 7), "Per Hansen", "05.05.1960"),  # the son asks; his father
    ("Per Olav Hansen", date(1994, 6, 12), "Per Arne Hansen", "12.06.1990"),  # brothers
    ("Anne Hansen", date(2000, 9, 2), "Kari Anne Hansen", "17.04.1970"),  # the daughter; her mother
], ids=["Per/Per-Erik", "Per-Erik/Per", "Per Olav/Per Arne", "Anne/Kari Anne"])
def test_control_a_relatives_row_of_a_form_of_the_name_on_the_family_e_mail_is_never_confirmed(
    asked, asked_born, theirs, their_born,
):
    tables = _rows((1, asked, asked_born.strftime("%d.%m.%Y"), "me@example.no", None),
                   (2, theirs, their_born, FAMILY, None), orders=((20, 2),))
    status, found, _ = verdicts(CRM_ORDERS, tables, Person(asked, emails=("me@example.no", FAMILY),
                                                           birthdate=asked_born))
    assert status[("person", "1")] == "confirmed"
    # Held now (birthdate_differs_named; excluded before 1e088cc): never released unasked.
    assert status[("person", "2")] != "confirmed" and status[("ordre", "20")] != "confirmed"
    assert found_reason(found, "person", "2") in ("birthdate_differs", "birthdate_differs_named")


@pytest.mark.parametrize("theirs, their_born, mine, my_born, emails, phones, family", [
    ("Kari Anne Hansen", "17.04.1970", "Anne Hansen", date(2000, 9, 2), ("anne@example.no",), ("+4756562083",),
     {"phone": "56562083"}),
    ("Per Arne Hansen", "12.06.1990", "Per Olav Hansen", date(1994, 6, 12), ("perolav@example.no", FAMILY), (),
     {"email": FAMILY}),
], ids=["Anne/Kari Anne on the landline", "Per Olav/Per Arne on the family e-mail"])
def test_a_relatives_row_of_a_form_of_the_name_holds_the_persons_own_rows(
    theirs, their_born, mine, my_born, emails, phones, family,
):
    tables = {"person": [
        {"id": 1, "name": theirs, "born": their_born, "email": None, "phone": None, **family},
        {"id": 2, "name": mine, "born": my_born.strftime("%d.%m.%Y"), "email": emails[0], "phone": None},
        {"id": 3, "name": mine, "born": my_born.strftime("%d.%m.%Y"), "email": None, "phone": None}],
        "ordre": [{"id": 30, "person_id": 3, "vare": "sykkel"}]}
    status, _, _ = verdicts(CRM_ORDERS, tables, Person(mine, emails=emails, phones=phones, birthdate=my_born))
    assert status[("person", "1")] != "confirmed"
    assert status[("person", "2")] == "confirmed"
    assert status[("person", "3")] == "confirmed" and status[("ordre", "30")] == "confirmed"


def test_control_a_relative_of_another_first_name_holds_nothing_of_the_persons():
    tables = {"person": [
        {"id": 1, "name": "Kari Hansen", "born": "17.04.1970", "email": None, "phone": "56562083"},
        {"id": 2, "name": "Anne Hansen", "born": "02.09.2000", "email": "anne@example.no", "phone": None},
        {"id": 3, "name": "Anne Hansen", "born": "02.09.2000", "email": None, "phone": None}],
        "ordre": [{"id": 30, "person_id": 3}]}
    person = Person("Anne Hansen", emails=("anne@example.no",), phones=("+4756562083",), birthdate=date(2000, 9, 2))
    status, _, _ = verdicts(CRM_ORDERS, tables, person)
    assert status[("person", "1")] == "excluded"
    assert _confirmed(status) >= {("person", "2"), ("person", "3"), ("ordre", "30")}


def test_control_an_undated_row_on_the_family_e_mail_beside_a_brothers_row_is_held():
    tables = _rows((1, "Per Olav Hansen", "12.06.1994", "perolav@example.no", None),
                   (2, "Per Arne Hansen", "12.06.1990", FAMILY, None),
                   (3, "Per Hansen", None, FAMILY, None), orders=((30, 3),))
    person = Person("Per Olav Hansen", emails=("perolav@example.no", FAMILY), birthdate=date(1994, 6, 12))
    status, _, _ = verdicts(CRM_ORDERS, tables, person)
    assert status[("person", "1")] == "confirmed"
    assert not _confirmed(status) & {("person", "2"), ("person", "3"), ("ordre", "30")}


TWINS = Person("Per Olav Hansen", emails=("perolav@example.no", FAMILY), birthdate=date(1994, 6, 12))


@pytest.mark.parametrize("birthdate, email", [
    (date(1994, 6, 12), None), (date(1994, 6, 12), FAMILY), (None, FAMILY),
], ids=["birth date asked, found by name and date", "birth date asked, on the family e-mail",
        "no birth date, on the family e-mail"])
@pytest.mark.xfail(strict=True, reason=(
    "LEAK (older; 1e088cc's _named stops short of it): beside twin Per Arne's row (the twins' birth date, the family "
    "e-mail, held given_name_part) a 'Per Hansen' row with the twins' birth date may be either twin's. With a birth "
    "date asked it is strong, and no namesake rule looks at strong rows (_household_namesakes iterates _named: "
    "`not STRONG`); without one, _namesake_in_doubt drops Per Arne's row from `others` ('one date twice: one "
    "person': `other != born`). CONFIRMED with its order"))
def test_a_dated_row_without_the_middle_name_beside_the_twins_row(birthdate, email):
    tables = _rows((1, "Per Olav Hansen", "12.06.1994", "perolav@example.no", None),
                   (2, "Per Arne Hansen", "12.06.1994", FAMILY, None),
                   (3, "Per Hansen", "12.06.1994", email, None), orders=((30, 3),))
    person = Person("Per Olav Hansen", emails=("perolav@example.no", FAMILY), birthdate=birthdate)
    status, _, _ = verdicts(CRM_ORDERS, tables, person)
    assert status[("person", "1")] == "confirmed" and status[("person", "2")] == "held"
    assert not _confirmed(status) & {("person", "3"), ("ordre", "30")}


def test_control_without_the_twins_row_the_dated_row_is_his():
    tables = _rows((1, "Per Olav Hansen", "12.06.1994", "perolav@example.no", None),
                   (3, "Per Hansen", "12.06.1994", None, None), orders=((30, 3),))
    status, _, _ = verdicts(CRM_ORDERS, tables, TWINS)
    assert _confirmed(status) == {("person", "1"), ("person", "3"), ("ordre", "30")}


# =================================================================================================
# 4. _birthdate_in_doubt — a national id on the person's own row
# =================================================================================================

PERSON_FNR = {"key": "id", "identities": [
    {"type": "name", "column": "name"}, {"type": "national_id", "column": "fnr"},
    {"type": "email", "column": "email"}, {"type": "phone", "column": "phone"}]}
CRM_FNR = system({"person": PERSON_FNR, "ordre": {"key": "id"}}, [("ordre.person_id", "person.id")])
MOTHER_FNR = "17048010083"  # 17.04.1980
DAUGHTER_FNR = "02091250082"  # 02.09.2012
ANNE_E = "anne.moholm@example.no"


def test_a_namesakes_national_id_on_the_family_e_mail_holds_the_persons_own_rows():
    tables = {"person": [
        {"id": 1, "name": "Anne Moholm", "fnr": MOTHER_FNR, "email": "moholm@familie.example", "phone": None},
        {"id": 2, "name": "Anne Moholm", "fnr": DAUGHTER_FNR, "email": "anne.jr@example.no", "phone": None},
        {"id": 3, "name": "Anne Moholm", "fnr": DAUGHTER_FNR, "email": None, "phone": None}],
        "ordre": [{"id": 10, "person_id": 1}, {"id": 30, "person_id": 3}]}
    daughter = Person("Anne Moholm", emails=("anne.jr@example.no", "moholm@familie.example"),
                      birthdate=date(2012, 9, 2))
    status, _, _ = verdicts(CRM_FNR, tables, daughter)
    assert status[("person", "1")] == "excluded" and status[("ordre", "10")] == "excluded"
    assert _confirmed(status) >= {("person", "2"), ("person", "3"), ("ordre", "30")}


@pytest.mark.parametrize("register", [
    pytest.param("fnr", id="fødselsnummer"),  # fixed: a minor's row puts no date in doubt
    pytest.param("born", id="control: birth date (child_with_own_contact, no doubt)"),
])
def test_a_minor_sons_national_id_on_the_fathers_e_mail_holds_the_fathers_rows(register):
    if register == "fnr":
        sysm, son, father = CRM_FNR, {"fnr": DAUGHTER_FNR}, {"fnr": MOTHER_FNR}
    else:
        sysm, son, father = CRM_ORDERS, {"born": "02.09.2012"}, {"born": "17.04.1980"}
    tables = {"person": [
        {"id": 1, "name": "Ola Hansen", "email": "ola@example.no", "phone": None, **son},
        {"id": 3, "name": "Ola Hansen", "email": None, "phone": None, **father}],
        "ordre": [{"id": 10, "person_id": 1}, {"id": 30, "person_id": 3}]}
    status, _, _ = verdicts(sysm, tables, Person("Ola Hansen", emails=("ola@example.no",), birthdate=date(1980, 4, 17)))
    assert not _confirmed(status) & {("person", "1"), ("ordre", "10")}
    assert _confirmed(status) >= {("person", "3"), ("ordre", "30")}


@pytest.mark.parametrize("register", [
    pytest.param("fnr", id="fødselsnummer"),  # fixed: a form of the name counts
    pytest.param("born", id="control: birth date register"),
])
def test_the_daughters_date_typed_with_the_mothers_row_of_a_form_of_her_name(register):
    if register == "fnr":
        sysm, mother, daughter = CRM_FNR, {"fnr": MOTHER_FNR}, {"fnr": DAUGHTER_FNR}
    else:
        sysm, mother, daughter = CRM_ORDERS, {"born": "17.04.1980"}, {"born": "02.09.2012"}
    tables = {"person": [
        {"id": 1, "name": "Kari Anne Moholm", "email": ANNE_E, "phone": "95141442", **mother},
        {"id": 2, "name": "Anne Moholm", "email": None, "phone": None, **daughter}],
        "ordre": [{"id": 20, "person_id": 2, "vare": "helsestasjon"}]}
    person = Person("Anne Moholm", emails=(ANNE_E,), phones=("+4795141442",), birthdate=date(2012, 9, 2))
    status, _, _ = verdicts(sysm, tables, person)
    assert not _confirmed(status) & {("person", "2"), ("ordre", "20")}


@pytest.mark.xfail(strict=True, reason=(
    "LEAK (older; the national-id trigger stops short of it): the mother's fødselsnummer is on her patient row, "
    "reached down from her contact row (found by her e-mail, her name); the new clause needs the row itself found "
    "by e-mail or phone (`{\"email\", \"phone\"} & node.matched_on`), so the daughter's patient row (her name, the "
    "typed date) and journal are CONFIRMED"))
def test_the_daughters_date_typed_with_the_mothers_number_on_a_row_below_her_contact_row():
    sysm = system({"kontakt": {"key": "id", "identities": [{"type": "name", "column": "name"},
                                                           {"type": "email", "column": "email"}]},
                   "pasient": {"key": "id", "identities": [{"type": "name", "column": "name"},
                                                           {"type": "national_id", "column": "fnr"}]},
                   "journal": {"key": "id"}},
                  [("pasient.kontakt_id", "kontakt.id"), ("journal.pasient_id", "pasient.id")])
    tables = {"kontakt": [{"id": 1, "name": "Anne Moholm", "email": ANNE_E}],
              "pasient": [{"id": 5, "kontakt_id": 1, "name": "Anne Moholm", "fnr": MOTHER_FNR},
                          {"id": 6, "kontakt_id": None, "name": "Anne Moholm", "fnr": DAUGHTER_FNR}],
              "journal": [{"id": 60, "pasient_id": 6, "notat": "helsestasjon"}]}
    status, _, _ = verdicts(sysm, tables, Person("Anne Moholm", emails=(ANNE_E,), birthdate=date(2012, 9, 2)))
    assert status[("pasient", "5")] == "excluded"  # hers, with another date: the typed date is in doubt
    assert not _confirmed(status) & {("pasient", "6"), ("journal", "60")}


# =================================================================================================
# 5. The store — acceptances voided, items no longer held, end to end
# =================================================================================================

runner = CliRunner()


def _cli(tmp_path: Path, monkeypatch, *args: str):
    from dsar.cli import app

    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    return runner.invoke(app, list(args))


def _shop(tmp_path: Path, rows: dict) -> Worlds:
    return Worlds(tmp_path, {"butikk": (*SHOP, copy.deepcopy(rows))})


OLD_ROW = {"person": [{"id": 2, "name": "Ola Hansen", "born": "05.05.1960", "email": "ola.gammel@example.no",
                       "phone": None}],
           "ordre": [{"id": 20, "person_id": 2, "vare": "sykkel"}]}


def test_a_rejection_on_a_group_the_search_now_confirms_can_be_changed(tmp_path, monkeypatch):
    worlds = _shop(tmp_path, OLD_ROW)
    rid = worlds.request(Person.from_given("Ola Hansen", emails=["ola@example.no"]))
    worlds.search(rid)
    [item] = worlds.store.review_items(rid)
    assert item.reason == "name_only"
    worlds.store.decide(rid, item.id, "rejected", "tester")
    worlds.store.add_identifiers(rid, emails=["ola.gammel@example.no"], actor="tester")
    worlds.search(rid)
    assert worlds.statuses(rid) == {"butikk": "complete"}
    mine = {("butikk", "person", "2"), ("butikk", "ordre", "20")}
    if worlds.released(rid) >= mine:
        return  # the search's confirmation releases it
    # ... or staff can take the rejection back (fixed: accepting a rejected item the search no
    # longer holds withdraws the rejection; the group follows the search)
    result = _cli(tmp_path, monkeypatch, "review", "decide", rid, str(item.id), "accepted")
    assert result.exit_code == 0, result.stderr
    assert worlds.released(rid) >= mine


def _son(email: str | None = None) -> dict:
    return {"id": 2, "name": "Ola Hansen", "born": "07.07.1990", "email": email, "phone": None}


FATHER_ROW = {"id": 1, "name": "Ola Hansen", "born": "05.05.1960", "email": "ola@example.no", "phone": None}


def test_control_a_reason_that_flips_and_flips_back_never_brings_the_acceptance_back(tmp_path, monkeypatch):
    # The son's row (found by name alone) is the same throughout; the father's own row comes and
    # goes at the source, turning its reason name_only -> namesake_household -> name_only.
    worlds = _shop(tmp_path, {"person": [_son()], "ordre": [{"id": 20, "person_id": 2, "vare": "HIV-test"}]})
    rid = worlds.request(Person.from_given("Ola Hansen", emails=["ola@example.no"]))
    worlds.search(rid)
    [item] = worlds.store.review_items(rid)
    assert item.reason == "name_only"
    worlds.store.decide(rid, item.id, "accepted", "tester")
    sons = {("butikk", "person", "2"), ("butikk", "ordre", "20")}
    assert worlds.released(rid) == sons
    worlds.write("butikk", {"person": [FATHER_ROW, _son()], "ordre": [{"id": 20, "person_id": 2, "vare": "HIV-test"}]})
    worlds.search(rid)
    [again] = worlds.store.review_items(rid)
    assert (again.id, again.reason, again.decision) == (item.id, "namesake_household", None)  # voided
    assert not worlds.released(rid) & sons
    worlds.write("butikk", {"person": [_son()], "ordre": [{"id": 20, "person_id": 2, "vare": "HIV-test"}]})
    worlds.search(rid)
    [back] = worlds.store.review_items(rid)
    assert (back.reason, back.decision) == ("name_only", None)  # a question again, not the old answer
    assert not worlds.released(rid) & sons
    listed = _cli(tmp_path, monkeypatch, "review", "list", rid, "--json")
    assert [(i["item"], i["decision"]) for i in json.loads(listed.stdout)] == [(item.id, None)]


def test_control_a_reconsidered_acceptance_is_voided_when_the_group_is_held_again(tmp_path):
    # The father gives his birth date: the son's row, found by name, is excluded; staff put it to
    # a decision and accept it. Staff then add the family e-mail the son's row holds: it is held
    # as birthdate_differs_named — another reason, so the acceptance is voided.
    worlds = _shop(tmp_path, {"person": [_son(FAMILY)], "ordre": [{"id": 20, "person_id": 2, "vare": "HIV-test"}]})
    rid = worlds.request(Person.from_given("Ola Hansen", emails=["ola@example.no"], birthdate="05.05.1960"))
    worlds.search(rid)
    assert {(g.ref, g.reason) for g in excluded_groups(worlds.ws, worlds.store, rid)} == {
        ("person/2", "birthdate_differs")}
    item = reconsider(worlds.ws, worlds.store, rid, "butikk", "person/2", "tester")
    worlds.store.decide(rid, item, "accepted", "tester")
    assert worlds.released(rid)
    worlds.store.add_identifiers(rid, emails=[FAMILY], actor="tester")
    worlds.search(rid)
    assert worlds.items(rid) == [("butikk", "person/2", None)]
    assert worlds.released(rid) == set()


def test_control_a_voided_item_is_out_of_the_list_and_refused(tmp_path, monkeypatch):
    worlds = _shop(tmp_path, {"person": [_son()], "ordre": [{"id": 20, "person_id": 2, "vare": "HIV-test"}]})
    rid = worlds.request(Person.from_given("Ola Hansen", emails=["ola@example.no"]))
    worlds.search(rid)
    [item] = worlds.store.review_items(rid)
    worlds.store.decide(rid, item.id, "accepted", "tester")
    worlds.store.add_birthdate(rid, "05.05.1960", actor="tester")
    worlds.search(rid)  # the son's row is excluded now: the acceptance is voided
    assert worlds.released(rid) == set()
    listed = _cli(tmp_path, monkeypatch, "review", "list", rid, "--json")
    assert json.loads(listed.stdout) == []
    refused = _cli(tmp_path, monkeypatch, "review", "decide", rid, str(item.id), "accepted")
    assert refused.exit_code == 2 and "venter ikke lenger" in refused.stderr
    assert worlds.released(rid) == set()


def test_control_a_renumbered_item_carries_no_decision(tmp_path):
    worlds = _shop(tmp_path, {"person": [_son()], "ordre": [{"id": 20, "person_id": 2, "vare": "HIV-test"}]})
    rid = worlds.request(Person.from_given("Ola Hansen", emails=["ola@example.no"]))
    worlds.search(rid)
    [item] = worlds.store.review_items(rid)
    worlds.store.decide(rid, item.id, "accepted", "tester")
    # A second order of the son's arrives: the group changed, the question is a new one.
    worlds.write("butikk", {"person": [_son()], "ordre": [{"id": 20, "person_id": 2, "vare": "HIV-test"},
                                                          {"id": 21, "person_id": 2, "vare": "PrEP"}]})
    worlds.search(rid)
    [fresh] = worlds.store.review_items(rid)
    assert fresh.id != item.id and fresh.decision is None
    assert worlds.released(rid) == set()
    with pytest.raises(InputError, match="erstattet av"):
        worlds.store.decide(rid, item.id, "accepted", "tester")


def test_observation_the_sons_row_of_a_form_of_the_name_is_shown_as_maybe_a_relative(tmp_path, monkeypatch):
    # 1e088cc holds Per-Erik's row (excluded before): its headline is the typing-error reason,
    # but the list says "en slektning?" beside it; staff accepting it release his order.
    worlds = _shop(tmp_path, {"person": [
        {"id": 1, "name": "Per Hansen", "born": "05.05.1960", "email": "per@example.no", "phone": None},
        {"id": 2, "name": "Per-Erik Hansen", "born": "07.07.1990", "email": FAMILY, "phone": None}],
        "ordre": [{"id": 20, "person_id": 2, "vare": "HIV-test"}]})
    rid = worlds.request(Person.from_given("Per Hansen", emails=["per@example.no", FAMILY], birthdate="05.05.1960"))
    worlds.search(rid)
    [item] = worlds.store.review_items(rid)
    assert (item.record_ref, item.reason) == ("person/2", "birthdate_differs_named")
    assert {"given_name_part", "birthdate_differs_named"} <= set(item.evidence["conflicts"])
    listed = _cli(tmp_path, monkeypatch, "review", "list", rid)
    assert "feilregistrert?" in listed.stdout and "slektning?" in listed.stdout
    assert worlds.released(rid) == {("butikk", "person", "1")}
    worlds.store.decide(rid, item.id, "accepted", "tester")
    assert ("butikk", "ordre", "20") in worlds.released(rid)  # what staff decide, goes
