"""Second red-team round on the record matcher: fødselsnummer columns, namesakes on one family
address, keys that aren't unique, double and hyphenated first names, references joined on a
shared value, guardians' requests and the household of the other parent, staff rejecting a
group, and what is offered for a second search.

The rule under test: a record of somebody else's is never ``confirmed``; a weak match (a name
alone, a family's e-mail or phone) is never confirmed without staff; accepting a held group
releases only what follows it. The seven leaks this round found (a fødselsnummer column with
no birth date asked, two birth dates behind one e-mail, a namesake son promoted by the
household's landline, a key shared by two rows, part of a given name, an order joined to two
customers on a shared value, a guardian and the other parent's flat) are fixed; each case
failed before its fix.
"""

from __future__ import annotations

from datetime import date

import pytest

from dsar.search import final_findings
from dsar.store import Person
from tests.test_connector_base import (
    CLINIC,
    CLUB,
    CLUB_TABLES,
    CRM,
    SHOP_ORDERS,
    DictConnector,
    found_reason,
    system,
    verdicts,
)
from tests.test_matcher_redteam import accept_all, decided

# Valid fødselsnumre (checksums right): the father's, born 17.03.1983, and his son's, 12.06.2015.
FATHER_FNR = "17038310046"
SON_FNR = "12061550036"

MEMBERS_BY_FNR = system(
    {
        "member": {"key": "id", "identities": [
            {"type": "name", "column": "name"}, {"type": "national_id", "column": "fnr"},
            {"type": "email", "column": "email"},
        ]},
        "fee": {"key": "id"},
    },
    [("fee.member_id", "member.id")],
)
MEMBERS_BY_BIRTHDATE = system(
    {
        "member": {"key": "id", "identities": [
            {"type": "name", "column": "name"}, {"type": "birthdate", "column": "fnr"},
            {"type": "email", "column": "email"},
        ]},
        "fee": {"key": "id"},
    },
    [("fee.member_id", "member.id")],
)
OLA_AND_OLA_JR = {
    "member": [
        {"id": 1, "name": "Ola Hansen", "fnr": FATHER_FNR, "email": "ola.hansen@example.no"},
        {"id": 2, "name": "Ola Hansen", "fnr": SON_FNR, "email": "ola.hansen@example.no"},  # Jr., 10
    ],
    "fee": [{"id": 10, "member_id": 1}, {"id": 11, "member_id": 2}],
}


# -- a fødselsnummer column against a birth date column -------------------------------------------


def test_a_sons_fodselsnummer_in_a_birth_date_column_holds_his_row_for_the_father():
    # The reference behaviour the national_id case below should match: a minor's record.
    ola = Person("Ola Hansen", emails=("ola.hansen@example.no",))
    status, found, _ = verdicts(MEMBERS_BY_BIRTHDATE, OLA_AND_OLA_JR, ola)
    assert (status[("member", "2")], found_reason(found, "member", "2")) == ("held", "child_record")
    assert status[("fee", "11")] == "held"


def test_a_sons_fodselsnummer_in_a_national_id_column_never_confirms_his_row_for_the_father():
    ola = Person("Ola Hansen", emails=("ola.hansen@example.no",))
    status, _, _ = verdicts(MEMBERS_BY_FNR, OLA_AND_OLA_JR, ola)
    assert status[("member", "1")] == "confirmed"
    assert status[("member", "2")] != "confirmed"  # the son's row
    assert status[("fee", "11")] != "confirmed"  # the son's fees


def test_a_fodselsnummer_column_tells_father_and_son_apart_when_the_birth_date_is_given():
    ola = Person("Ola Hansen", emails=("ola.hansen@example.no",), birthdate=date(1983, 3, 17))
    status, found, _ = verdicts(MEMBERS_BY_FNR, OLA_AND_OLA_JR, ola)
    assert status[("member", "1")] == status[("fee", "10")] == "confirmed"
    assert (status[("member", "2")], found_reason(found, "member", "2")) == ("excluded", "national_id_differs")
    released, _ = decided(MEMBERS_BY_FNR, OLA_AND_OLA_JR, ola, accept_all)
    assert released == {("member", "1"), ("fee", "10")}


# -- two grown people of one name on one family address --------------------------------------------

SENIOR_AND_JUNIOR = [
    {"id": 1, "name": "Ola Hansen", "born": "1960-01-01", "email": "hansen@example.no", "phone": None},
    {"id": 2, "name": "Ola Hansen", "born": "1998-05-05", "email": "hansen@example.no", "phone": None},
]


def test_two_grown_namesakes_on_the_family_address_are_not_both_confirmed():
    ola = Person("Ola Hansen", emails=("hansen@example.no",))
    status, _, _ = verdicts(CRM, {"person": SENIOR_AND_JUNIOR}, ola)
    assert list(status.values()).count("confirmed") <= 1


def test_a_namesake_son_found_by_name_is_not_confirmed_for_sharing_the_household_landline():
    rows = [
        {"id": 1, "name": "Ola Hansen", "born": "1960-01-01", "email": "ola@example.no", "phone": "22 33 44 55"},
        {"id": 2, "name": "Ola Hansen", "born": "1998-05-05", "email": "olajr@example.no", "phone": "22334455"},
    ]
    status, _, _ = verdicts(CRM, {"person": rows}, Person("Ola Hansen", emails=("ola@example.no",)))
    assert status[("person", "1")] == "confirmed"
    assert status[("person", "2")] != "confirmed"


# -- a key that is not unique ---------------------------------------------------------------------

SUBSCRIPTIONS = system(
    {"abonnement": {"key": "kundenr", "identities": [
        {"type": "email", "column": "epost"}, {"type": "birthdate", "column": "born"}]}},
    [],
)


@pytest.mark.parametrize("key", [7, None], ids=["a shared customer number", "no key"])
def test_two_rows_with_one_key_are_judged_each_on_its_own(key):
    tables = {"abonnement": [
        {"kundenr": key, "epost": "rosseland@example.no", "born": "04.03.1985", "who": "Kari"},
        {"kundenr": key, "epost": "rosseland@example.no", "born": "17.11.1983", "who": "Ola"},
    ]}
    kari = Person("Kari Rosseland", emails=("rosseland@example.no",), birthdate=date(1985, 3, 4))
    found = final_findings(DictConnector(SUBSCRIPTIONS, tables), SUBSCRIPTIONS, kari)
    assert {f.fields["who"]: f.status for f in found}["Ola"] != "confirmed"


# -- double and hyphenated first names on the family address --------------------------------------


@pytest.mark.parametrize(
    "asked, relative",
    [("Per Hansen", "Per-Erik Hansen"), ("Per-Erik Hansen", "Per Hansen"),
     ("Anne Hansen", "Kari Anne Hansen"), ("Martin Hansen", "Ole Martin Hansen")],
)
def test_a_relatives_order_under_a_longer_or_shorter_first_name_is_not_confirmed(asked, relative):
    tables = {"ordre": [
        {"id": 1, "navn": asked, "epost": "hansen@example.no"},
        {"id": 2, "navn": relative, "epost": "hansen@example.no"},
    ]}
    status, _, _ = verdicts(SHOP_ORDERS, tables, Person(asked, emails=("hansen@example.no",)))
    assert status[("ordre", "1")] == "confirmed"
    assert status[("ordre", "2")] != "confirmed"


# -- a reference joined on a value two people share -----------------------------------------------


def test_an_order_joined_on_the_family_address_is_not_confirmed_for_the_other_member():
    shop = system(
        {
            "kunde": {"key": "id", "identities": [
                {"type": "email", "column": "epost"}, {"type": "name", "column": "navn"}]},
            "ordre": {"key": "id"},
        },
        [("ordre.epost", "kunde.epost")],
    )
    tables = {
        "kunde": [{"id": 1, "navn": "Kari Hansen", "epost": "hansen@example.no"},
                  {"id": 2, "navn": "Ola Hansen", "epost": "hansen@example.no"}],
        "ordre": [{"id": 10, "epost": "hansen@example.no"}],  # whose? nothing says
    }
    status, _, _ = verdicts(shop, tables, Person("Kari Hansen", emails=("hansen@example.no",)))
    assert status[("kunde", "1")] == "confirmed" and status[("kunde", "2")] == "excluded"
    assert status[("ordre", "10")] != "confirmed"


# -- a guardian asking, and the other parent's household -------------------------------------------

FLATS_BORN = system(
    {
        "unit": {"key": "id", "identities": [{"type": "email", "column": "email"}]},
        "resident": {"key": "id", "identities": [
            {"type": "name", "column": "name"}, {"type": "birthdate", "column": "born"},
            {"type": "phone", "column": "mobile"}]},
        "booking": {"key": "id", "identities": [{"type": "phone", "column": "contact"}]},
    },
    [("resident.unit_id", "unit.id"), ("booking.unit_id", "unit.id")],
)
# Emma, 16, lives part of the week in her father's flat (the unit under his address).
FATHERS_FLAT = {
    "unit": [{"id": 126, "email": "mortve92@hotmail.example"}],
    "resident": [
        {"id": 214, "unit_id": 126, "name": "Tveitdal, Morten", "born": "1970-01-01", "mobile": "99617625"},
        {"id": 215, "unit_id": 126, "name": "Tveitdal, Emma", "born": "2010-05-07", "mobile": None},
    ],
    "booking": [{"id": 369, "unit_id": 126, "contact": "99617625"}, {"id": 371, "unit_id": 126, "contact": None}],
}


def test_a_minor_asking_herself_gets_her_fathers_flat_held():
    emma = Person("Emma Tveitdal", emails=("emma@example.no",), birthdate=date(2010, 5, 7))
    status, found, _ = verdicts(FLATS_BORN, FATHERS_FLAT, emma)
    assert status[("resident", "215")] == "confirmed"
    assert (status[("unit", "126")], found_reason(found, "unit", "126")) == ("held", "household_of_minor")
    assert status[("booking", "371")] == "held" and status[("booking", "369")] == "excluded"


def test_the_mother_asking_for_her_daughter_gets_no_confirmed_record_of_the_fathers_flat():
    emma = Person("Emma Tveitdal", emails=("line.tveitdal@example.no",), birthdate=date(2010, 5, 7))
    offered: list[tuple[str, str]] = []
    found = final_findings(DictConnector(FLATS_BORN, FATHERS_FLAT), FLATS_BORN, emma, "guardian",
                           suggestions=offered, requested_by="Line Tveitdal")
    status = {(f.collection, f.key): f.status for f in found}
    assert status[("resident", "215")] == "confirmed"
    assert status[("unit", "126")] != "confirmed"  # the father's household, under his address
    assert status[("booking", "371")] != "confirmed"
    assert ("email", "mortve92@hotmail.example") not in offered


# -- what passed: kept as regression tests ---------------------------------------------------------


def test_a_sign_up_with_a_child_and_a_parent_name_column_releases_the_row_alone():
    # One row names the child and the parent who signed up (two name identities).
    signups = system(
        {
            "signup": {"key": "id", "identities": [
                {"type": "name", "column": "child"}, {"type": "name", "column": "parent"},
                {"type": "birthdate", "column": "born"}, {"type": "email", "column": "email"}]},
            "family": {"key": "id", "identities": [{"type": "email", "column": "email"}]},
        },
        [("signup.family_id", "family.id")],
    )
    tables = {
        "signup": [{"id": 1, "family_id": 7, "child": "Noah Hansen", "parent": "Per Hansen", "born": "2016-03-03",
                    "email": "per@example.no"}],
        "family": [{"id": 7, "email": "mor.hansen@example.no"}],
    }
    per = Person("Per Hansen", emails=("per@example.no",))
    status, found, _ = verdicts(signups, tables, per)
    assert (status[("signup", "1")], found_reason(found, "signup", "1")) == ("held", "child_with_own_contact")
    released, _ = decided(signups, tables, per, accept_all)
    assert released == {("signup", "1")}  # not the mother's family row
    status, _, _ = verdicts(signups, tables, Person("Per Hansen", emails=("per@example.no",),
                                                     birthdate=date(1980, 1, 1)))
    assert status[("signup", "1")] != "confirmed"


def test_rejecting_the_persons_held_row_releases_nothing_that_followed_it():
    # His row found by name alone; the visit and the SMS to the mobile on his row wait with it.
    tables = {
        "patient": [
            {"id": 72, "name": "Yurii Melnyk", "born": None, "mobile": "+4792169822"},
            {"id": 73, "name": "Olena Melnyk", "born": "1984-02-02", "mobile": "+4792169900"},
        ],
        "visit": [{"id": 330, "patient_id": 72}, {"id": 331, "patient_id": 73}],
        "sms": [{"id": 373, "visit_id": 330, "to": "4792169822"},
                {"id": 375, "visit_id": 331, "to": "4792169822"}],  # to him, about her visit
    }
    yurii = Person("Yurii Melnyk", emails=("ymelnyk@online.example",))
    released, refs = decided(CLINIC, tables, yurii, lambda ref, reason: "rejected")
    assert refs == {"patient/72": "name_only"} and released == set()
    released, _ = decided(CLINIC, tables, yurii, accept_all)
    assert ("visit", "331") not in released and ("patient", "73") not in released


def test_only_released_records_offer_identifiers_for_a_second_search():
    # Kari's own phone (on her released contact row) is offered; Ola's phone and the address
    # of a child's sign-up held for her are not.
    offered: list[tuple[str, str]] = []
    kari = Person("Kari Rosseland", emails=("rosseland@example.no",), birthdate=date(1985, 3, 4))
    final_findings(DictConnector(CLUB, CLUB_TABLES), CLUB, kari, suggestions=offered)
    assert offered == [("phone", "+4791234567")]
    signups = system({"signup": {"key": "id", "identities": [
        {"type": "name", "column": "name"}, {"type": "birthdate", "column": "born"},
        {"type": "email", "column": "email"}, {"type": "phone", "column": "phone"}]}}, [])
    tables = {"signup": [{"id": 1, "name": "Noah Vestli", "born": "28.7.20", "email": "sofie@example.no",
                          "phone": "41 22 33 44"}]}  # the father's mobile on the child's sign-up
    offered = []
    found = final_findings(DictConnector(signups, tables), signups,
                           Person("Sofie Vestli", emails=("sofie@example.no",)), suggestions=offered)
    assert [f.status for f in found] == ["held"] and offered == []


def test_a_cycle_of_main_members_releases_nothing_of_the_spouses():
    crm = system(
        {"person": {"key": "id", "identities": [{"type": "name", "column": "name"},
                                                 {"type": "email", "column": "email"}]},
         "fee": {"key": "id"}},
        [("person.main_id", "person.id"), ("fee.person_id", "person.id")],
    )
    tables = {
        "person": [{"id": 1, "name": "Kari Hansen", "email": "hansen@example.no", "main_id": 2},
                   {"id": 2, "name": "Ola Hansen", "email": None, "main_id": 1},
                   {"id": 3, "name": None, "email": None, "main_id": 2}],  # a nameless row under Ola
        "fee": [{"id": 10, "person_id": 1}, {"id": 11, "person_id": 2}, {"id": 12, "person_id": 3}],
    }
    released, _ = decided(crm, tables, Person("Kari Hansen", emails=("hansen@example.no",)), accept_all)
    assert released == {("person", "1"), ("fee", "10")}
