"""The search every connector inherits and the verdicts it feeds: lookups, references both
ways, each record once, and every record judged on the evidence along its path.

An in-memory connector implements ``select`` over dicts, so only the base class and the
matching are tested here; the real connectors run the same search in their own tests.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import pytest

from connectors.base import REFERENCE_CHUNK, Condition, Connector, SearchPlan
from dsar.config.models import System
from dsar.errors import ConnectorError
from dsar.identity import looks_like_email, looks_like_phone
from dsar.names import Name, NameMatch, compare_names
from dsar.records import Lookup
from dsar.search import final_findings
from dsar.store import Person

REGISTER = {
    "purposes": ["Formål"], "legal_basis": ["Avtale"], "categories": ["Navn"], "recipients": [],
    "retention": "Til kontoen slettes", "sources": [], "transfers": [], "profiling": False,
    "automated_decisions": False,
}


def system(collections: dict[str, dict[str, Any]], references: list[tuple[str, str]]) -> System:
    return System.model_validate(
        {
            "id": "testsystem",
            "title": "Testsystem",
            "connector": "sql",
            "connection": {"url": "sqlite:///unused.db"},
            "register": REGISTER,
            "collections": {cid: {"title": cid, "table": cid, **c} for cid, c in collections.items()},
            "references": [{"from": a, "to": b} for a, b in references],
        }
    )


class DictConnector(Connector):
    """Tables as lists of dicts; ``select`` compares the way our normalising does."""

    def __init__(self, sys: System, tables: dict[str, list[dict[str, Any]]]) -> None:
        super().__init__(sys, workspace=None)  # type: ignore[arg-type]
        self.tables = tables
        self.selects: list[tuple[str, int]] = []

    def check(self) -> tuple[bool, str | None]:
        return True, None

    def select(self, collection, conditions: Sequence[Condition]) -> Iterator[dict[str, Any]]:
        self.selects.append((collection.id, sum(len(c.values) for c in conditions)))
        for row in self.tables[collection.table]:
            if any(self.hit(c, row.get(c.field)) for c in conditions):
                yield dict(row)

    def hit(self, c: Condition, value: Any) -> bool:
        if c.kind == "email":
            return looks_like_email(value) in c.values
        if c.kind == "phone":
            return looks_like_phone(value) in c.values
        if c.kind == "name":
            return compare_names(c.values[0], value)[0] is NameMatch.AGREE
        if c.kind == "surname":
            return bool(set(Name.parse(value).tokens) & set(Name.parse(c.values[0]).surname_parts))
        return value in c.values


def verdicts(sys, tables, person, connector_class=DictConnector, relation="self", requested_by=None):
    connector = connector_class(sys, tables)
    found = final_findings(connector, sys, person, relation, requested_by=requested_by)
    keys = [(f.collection, f.key) for f in found]
    assert len(keys) == len(set(keys)), "a record was yielded twice"
    return {(f.collection, f.key): f.status for f in found}, found, connector


# -- a ticket system: accounts → tickets → the show each names ---------------------------------

FAMILY = "familien@example.no"
TICKETS = system(
    {
        "accounts": {"key": "id", "identities": [{"type": "email", "column": "email"}, {"type": "name", "column": "name"}]},
        "tickets": {"key": "id"},
        "shows": {"key": "show_id"},
    },
    # Declared the documented way: the ticket's show_id holds the show's key.
    [("tickets.account_id", "accounts.id"), ("tickets.show_id", "shows.show_id")],
)
TICKET_TABLES = {
    "accounts": [
        {"id": 1, "name": "Ola Nordmann", "email": FAMILY},  # first in the table, and held
        {"id": 2, "name": "Kari Nordmann", "email": " Familien@Example.no"},
        {"id": 3, "name": "Per Hansen", "email": "per@example.no"},
    ],
    "tickets": [
        {"id": 10, "account_id": 1, "show_id": 5},  # Ola saw show 5 …
        {"id": 11, "account_id": 2, "show_id": 5},  # … and so did Kari
        {"id": 12, "account_id": 1, "show_id": 6},  # only Ola saw show 6
        {"id": 13, "account_id": 3, "show_id": 7},
    ],
    "shows": [{"show_id": 5, "title": "Peer Gynt"}, {"show_id": 6, "title": "Hamlet"}, {"show_id": 7, "title": "Nora"}],
}
KARI = Person(name="Kari Nordmann", emails=(FAMILY,))


def test_a_shared_row_is_the_persons_when_any_released_path_reaches_it():
    status, found, _ = verdicts(TICKETS, TICKET_TABLES, KARI)
    assert status[("accounts", "1")] == "excluded"  # Ola: same family e-mail, another first name
    assert status[("tickets", "10")] == "excluded" and status[("tickets", "12")] == "excluded"
    assert status[("accounts", "2")] == "confirmed" and status[("tickets", "11")] == "confirmed"
    assert status[("shows", "5")] == "confirmed"  # Kari saw it too, though Ola's ticket comes first
    assert status[("shows", "6")] == "excluded"
    assert ("accounts", "3") not in status and ("tickets", "13") not in status and ("shows", "7") not in status


def test_a_show_reached_up_from_a_ticket_never_leads_down_to_other_peoples_tickets():
    _, _, connector = verdicts(TICKETS, TICKET_TABLES, KARI)
    # Tickets are fetched down from accounts only; the shows are context.
    assert all(n <= 2 for c, n in connector.selects if c == "tickets")
    status, _, _ = verdicts(TICKETS, TICKET_TABLES, Person(name="Per Hansen", emails=("per@example.no",)))
    assert set(status) == {("accounts", "3"), ("tickets", "13"), ("shows", "7")}


def test_a_reference_declared_backwards_is_searched_the_same():
    backwards = system(
        {
            "accounts": {"key": "id", "identities": [{"type": "email", "column": "email"}, {"type": "name", "column": "name"}]},
            "tickets": {"key": "id"},
            "shows": {"key": "show_id"},
        },
        [("accounts.id", "tickets.account_id"), ("shows.show_id", "tickets.show_id")],
    )
    forward, _, _ = verdicts(TICKETS, TICKET_TABLES, KARI)
    reverse, _, _ = verdicts(backwards, TICKET_TABLES, KARI)
    assert forward == reverse


def test_references_are_followed_in_bounded_chunks():
    many = {
        "accounts": [{"id": 2, "name": "Kari Nordmann", "email": FAMILY}],
        "tickets": [{"id": i, "account_id": 2, "show_id": i} for i in range(1, 1201)],
        "shows": [{"show_id": i, "title": f"Show {i}"} for i in range(1, 1201)],
    }
    status, _, connector = verdicts(TICKETS, many, KARI)
    assert sum(1 for (c, _k) in status if c == "shows") == 1200
    assert all(s == "confirmed" for s in status.values())
    show_selects = [n for c, n in connector.selects if c == "shows"]
    assert show_selects == [REFERENCE_CHUNK, REFERENCE_CHUNK, 200]


# -- a sports club: identifiers live in a contact table, one per row ---------------------------

CLUB = system(
    {
        "members": {
            "key": "id",
            "identities": [
                {"type": "name", "columns": ["first_name", "last_name"]},
                {"type": "birthdate", "column": "born"},
            ],
        },
        "contacts": {"key": "id", "identities": [{"type": "email", "column": "value"}, {"type": "phone", "column": "value"}]},
        "fees": {"key": "id"},
    },
    [("contacts.member_id", "members.id"), ("fees.member_id", "members.id")],
)
CLUB_TABLES = {
    "members": [
        {"id": 1, "first_name": "Kari", "last_name": "Rosseland", "born": "04.03.1985"},
        {"id": 2, "first_name": "Ola", "last_name": "Rosseland", "born": "17.11.1983"},
        {"id": 3, "first_name": "Per", "last_name": "Hansen", "born": "01.01.1970"},
    ],
    "contacts": [
        {"id": 10, "member_id": 1, "value": "rosseland@example.no"},  # the family address, on both
        {"id": 11, "member_id": 2, "value": "rosseland@example.no"},
        {"id": 12, "member_id": 1, "value": "912 34 567"},
        {"id": 13, "member_id": 2, "value": "41 22 33 44"},
        {"id": 14, "member_id": 3, "value": "per@example.no"},
    ],
    "fees": [{"id": 100 + i, "member_id": m} for i, m in enumerate([1, 1, 2, 2, 2, 3])],
}


def test_a_family_address_in_a_contact_table_never_releases_the_other_members_records():
    kari = Person(name="Kari Rosseland", emails=("rosseland@example.no",), birthdate=date(1985, 3, 4))
    status, found, _ = verdicts(CLUB, CLUB_TABLES, kari)
    released = {k for k, s in status.items() if s == "confirmed"}
    assert released == {
        ("contacts", "10"), ("members", "1"), ("contacts", "12"), ("fees", "100"), ("fees", "101"),
    }
    # Ola's member row (another first name, another birth date), his phone and fees: found,
    # and excluded as clearly somebody else's — never released, not a question for staff.
    for other in [("members", "2"), ("contacts", "13"), ("fees", "102"), ("fees", "104")]:
        assert status[other] == "excluded", other
    # His contact row holds only the family address Kari's own contact row holds too: it may
    # be his alone, so a person decides.
    assert status[("contacts", "11")] == "held"
    assert found_reason(found, "contacts", "11") == "identifier_shared"
    assert not any(k[0] == "members" and k[1] == "3" for k in status)


def found_reason(found, collection, key):
    return next(f.reason for f in found if (f.collection, f.key) == (collection, key))


def test_a_weak_match_passes_no_verdict_down_a_reference():
    # With no name to tell them apart, nothing of either member leaves without a person deciding.
    for name in (" ", "Rosseland", "李"):
        status, _, _ = verdicts(CLUB, CLUB_TABLES, Person(name=name, emails=("rosseland@example.no",)))
        assert status and all(s == "held" for s in status.values()), name


def test_the_club_reached_by_phone_finds_the_member_and_all_that_is_theirs():
    status, _, _ = verdicts(CLUB, CLUB_TABLES, Person(name="Kari Rosseland", phones=("+4791234567",)))
    assert {k for k, s in status.items() if s == "confirmed"} == {
        ("contacts", "12"), ("members", "1"), ("contacts", "10"), ("fees", "100"), ("fees", "101"),
    }


def test_a_birth_date_written_the_norwegian_way_is_compared():
    # Same name on a shared address (father and son), told apart by birth date only.
    tables = {
        "members": [
            {"id": 1, "first_name": "Ola", "last_name": "Rosseland", "born": "17.11.1983"},
            {"id": 2, "first_name": "Ola", "last_name": "Rosseland", "born": "2.5.09"},
        ],
        "contacts": [
            {"id": 10, "member_id": 1, "value": "rosseland@example.no"},
            {"id": 11, "member_id": 2, "value": "rosseland@example.no"},
        ],
        "fees": [],
    }
    ola = Person(name="Ola Rosseland", emails=("rosseland@example.no",), birthdate=date(2009, 5, 2))
    status, _, _ = verdicts(CLUB, tables, ola)
    # The father's contact row holds the address the son's holds too: a person decides.
    assert status == {("contacts", "10"): "held", ("members", "1"): "excluded", ("contacts", "11"): "confirmed", ("members", "2"): "confirmed"}


def test_a_name_alone_finds_candidates_and_never_releases_them():
    volunteers = system(
        {"volunteers": {"key": "_line", "identities": [{"type": "name", "column": "name"}]}}, []
    )
    tables = {"volunteers": [{"_line": 1, "name": "Rosseland, Kari"}, {"_line": 2, "name": "Kari Hansen"}]}
    status, found, _ = verdicts(volunteers, tables, Person(name="Kari Rosseland", emails=("k@example.no",)))
    assert status == {("volunteers", "1"): "held"}
    assert found[0].reason == "name_only"


# The club with a child: who asks, with what, and what each record of the family becomes.
FAMILY_CLUB = {
    **CLUB_TABLES,
    "members": [
        *CLUB_TABLES["members"],
        {"id": 4, "first_name": "Emma", "last_name": "Rosseland", "born": "12.06.2015"},
        {"id": 5, "first_name": "Kari", "last_name": "Rosseland", "born": "01.02.2016"},  # Kari Jr.
    ],
    "contacts": [
        *CLUB_TABLES["contacts"],
        {"id": 15, "member_id": 4, "value": "rosseland@example.no"},  # the guardians' address
        {"id": 16, "member_id": 5, "value": "rosseland@example.no"},
    ],
    "fees": [*CLUB_TABLES["fees"], {"id": 110, "member_id": 4}],
}
KARI_ROSSELAND = dict(emails=("rosseland@example.no",), birthdate=date(1985, 3, 4))


@pytest.mark.parametrize(
    "case, asker, relation, expected",
    [
        (
            "family e-mail: the other member and the child, and their children, never released",
            Person("Kari Rosseland", **KARI_ROSSELAND), "self",
            {("members", "1"): "confirmed", ("fees", "100"): "confirmed", ("contacts", "12"): "confirmed",
             ("members", "2"): "excluded", ("fees", "102"): "excluded", ("contacts", "13"): "excluded",
             ("members", "4"): "excluded", ("fees", "110"): "excluded", ("members", "5"): "excluded",
             ("contacts", "11"): "held", ("contacts", "15"): "held"},
        ),
        (
            "family e-mail, no birth date given: the first name alone tells Ola and Emma apart",
            Person("Kari Rosseland", emails=("rosseland@example.no",)), "self",
            {("members", "1"): "confirmed", ("members", "2"): "excluded", ("members", "4"): "excluded",
             # Kari Jr., her daughter of the same name: a child's record, and no birth date to
             # tell them apart — a person decides.
             ("members", "5"): "held"},
        ),
        (
            "another surname under the same first name: a change of surname? staff decide",
            Person("Kari Hansen", emails=("rosseland@example.no",)), "self",
            {("members", "1"): "held", ("fees", "100"): "held", ("members", "2"): "excluded"},
        ),
        (
            "a surname alone on the family e-mail: nothing of anyone's released",
            Person("Rosseland", emails=("rosseland@example.no",)), "self",
            {("members", "1"): "held", ("members", "2"): "held", ("members", "4"): "held",
             ("contacts", "10"): "held", ("fees", "110"): "held"},
        ),
        (
            "a guardian asks for the child: the child's member row and fees; the parents' rows are not hers",
            Person("Emma Rosseland", emails=("rosseland@example.no",), birthdate=date(2015, 6, 12)), "guardian",
            {("members", "4"): "confirmed", ("contacts", "15"): "confirmed", ("fees", "110"): "confirmed",
             ("members", "1"): "excluded", ("members", "2"): "excluded", ("fees", "100"): "excluded",
             ("contacts", "10"): "excluded", ("contacts", "11"): "excluded"},
        ),
        (
            "name and birth date agreeing release a record found by name",
            Person("Per Hansen", emails=("ukjent@example.no",), birthdate=date(1970, 1, 1)), "self",
            {("members", "3"): "confirmed", ("contacts", "14"): "confirmed", ("fees", "105"): "confirmed"},
        ),
        (
            "a name alone finds a candidate for staff, never a release",
            Person("Per Hansen", emails=("ukjent@example.no",)), "self",
            {("members", "3"): "held", ("contacts", "14"): "held", ("fees", "105"): "held"},
        ),
        (
            "a name and another birth date: somebody else",
            Person("Per Hansen", emails=("ukjent@example.no",), birthdate=date(1980, 1, 1)), "self",
            {("members", "3"): "excluded", ("contacts", "14"): "excluded"},
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else "",
)
def test_whose_each_record_of_a_family_is(case, asker, relation, expected):
    status, _, _ = verdicts(CLUB, FAMILY_CLUB, asker, relation=relation)
    assert {k: status.get(k) for k in expected} == expected, case


# -- a culture school: the guardian's name and address on the pupil, invoices to the payer ----

SCHOOL = system(
    {
        "pupils": {
            "key": "id",
            "identities": [
                {"type": "name", "columns": ["first_name", "last_name"]},
                {"type": "birthdate", "column": "born"},
                {"type": "email", "column": "guardian_email"},
            ],
        },
        "invoices": {
            "key": "id",
            "identities": [{"type": "name", "column": "payer"}, {"type": "email", "column": "payer_email"}],
        },
    },
    [("invoices.pupil_id", "pupils.id")],
)
SCHOOL_TABLES = {
    "pupils": [
        {"id": 1, "first_name": "Roar", "last_name": "Sæther", "born": "16.05.2019", "guardian_email": "stein@example.no"},
        {"id": 2, "first_name": "Ida", "last_name": "Sæther", "born": "02.09.2016", "guardian_email": "stein@example.no"},
        {"id": 3, "first_name": "Mia", "last_name": "Sæther", "born": "11.01.2010", "guardian_email": "stein@example.no"},
    ],
    "invoices": [
        {"id": 50, "pupil_id": 1, "payer": "Stein Sæther", "payer_email": "stein@example.no"},
        {"id": 51, "pupil_id": 1, "payer": "Stein Sæther", "payer_email": "stein@example.no"},
        {"id": 52, "pupil_id": 2, "payer": "Stein Sæther", "payer_email": "stein@example.no"},  # the sister's
        {"id": 53, "pupil_id": 3, "payer": "Stein Sæther", "payer_email": "stein@example.no"},
    ],
}


def test_a_guardian_gets_the_childs_invoices_that_name_the_guardian_and_not_the_siblings():
    roar = Person("Roar Sæther", emails=("stein@example.no",), birthdate=date(2019, 5, 16))
    status, _, _ = verdicts(SCHOOL, SCHOOL_TABLES, roar, relation="guardian", requested_by="Stein Sæther")
    # The invoices name the payer who asks: they are Roar's as his pupil row is.
    assert status[("pupils", "1")] == "confirmed"
    assert status[("invoices", "50")] == status[("invoices", "51")] == "confirmed"
    # His sisters' rows and invoices, under the same address and the same payer: not his.
    for other in [("pupils", "2"), ("invoices", "52"), ("pupils", "3"), ("invoices", "53")]:
        assert status[other] == "excluded", other
    # Without knowing who asks, the payer's name is just another name: nothing of it leaves.
    status, _, _ = verdicts(SCHOOL, SCHOOL_TABLES, roar, relation="guardian")
    assert status[("invoices", "50")] != "confirmed"


SHOP = system(
    {
        "kunde": {"key": "id", "identities": [{"type": "email", "column": "epost"}, {"type": "name", "column": "navn"}]},
        "ordre": {"key": "id", "identities": [{"type": "email", "column": "epost"}, {"type": "name", "column": "fakturanavn"}]},
    },
    [("ordre.kunde_id", "kunde.id")],
)


def test_a_guardians_own_shop_account_is_not_the_childs_for_naming_the_guardian():
    tables = {
        "kunde": [{"id": 20, "navn": "Andreas Torvheim", "epost": "andreas@example.no"}],
        "ordre": [
            {"id": 49, "kunde_id": 20, "fakturanavn": "Andreas Torvheim", "epost": "andreas@example.no"},
            {"id": 60, "kunde_id": 20, "fakturanavn": "Sofia Torvheim", "epost": "andreas@example.no"},
        ],
    }
    sofia = Person("Sofia Torvheim", emails=("andreas@example.no",), birthdate=date(2013, 4, 2))
    status, found, _ = verdicts(SHOP, tables, sofia, relation="guardian", requested_by="Andreas Torvheim")
    # The father's account and his own order: his, not hers — the name they carry is his.
    assert status[("kunde", "20")] == status[("ordre", "49")] == "excluded"
    # An order in her name under his account: hers or a namesake's? No birth date on it: staff decide.
    assert status[("ordre", "60")] == "held"


def test_a_record_on_the_persons_own_row_under_another_name_is_held_not_excluded():
    # Mia asks herself, by her own address: her place's invoice is to her father, who pays.
    tables = {**SCHOOL_TABLES, "pupils": [{**SCHOOL_TABLES["pupils"][2], "guardian_email": "mia@example.no"}]}
    mia = Person("Mia Sæther", emails=("mia@example.no",), birthdate=date(2010, 1, 11))
    status, found, _ = verdicts(SCHOOL, tables, mia)
    assert status[("pupils", "3")] == "confirmed"
    assert status[("invoices", "53")] == "held" and found_reason(found, "invoices", "53") == "names_another"
    # Without her birth date her row waits for staff (a minor's record); the invoice on it too.
    status, found, _ = verdicts(SCHOOL, tables, Person("Mia Sæther", emails=("mia@example.no",)))
    assert status[("pupils", "3")] == "held" and found_reason(found, "pupils", "3") == "child_record"
    assert status[("invoices", "53")] == "held"
    # Found by the payer's address instead, another child's invoice is clearly not hers.
    status, _, _ = verdicts(SCHOOL, SCHOOL_TABLES, Person("Mia Sæther", emails=("stein@example.no",),
                                                          birthdate=date(2010, 1, 11)))
    assert status[("invoices", "52")] == "excluded"


def test_a_guardians_column_is_searched_but_never_offered_as_the_persons_own():
    pupils = {
        "key": "id",
        "identities": [
            {"type": "name", "columns": ["first_name", "last_name"]},
            {"type": "birthdate", "column": "born"},
            {"type": "email", "column": "own_email"},
            {"type": "email", "column": "guardian_email", "guardian": True},
        ],
    }
    school = system({"pupils": pupils}, [])
    tables = {"pupils": [{"id": 3, "first_name": "Mia", "last_name": "Sæther", "born": "11.01.2010",
                          "own_email": "mia@example.no", "guardian_email": "stein@example.no"}]}
    connector = DictConnector(school, tables)
    offered: list[tuple[str, str]] = []
    mia = Person("Mia Sæther", emails=("mia@example.no",), birthdate=date(2010, 1, 11))
    found = final_findings(connector, school, mia, suggestions=offered)
    assert [f.status for f in found] == ["confirmed"] and offered == []
    # The father's address finds her row in his request for her.
    found = final_findings(DictConnector(school, tables), school,
                           Person("Mia Sæther", emails=("stein@example.no",), birthdate=date(2010, 1, 11)),
                           "guardian", requested_by="Stein Sæther")
    assert [f.status for f in found] == ["confirmed"]


def test_a_name_in_another_script_holds_rather_than_differs():
    status, found, _ = verdicts(CLUB, CLUB_TABLES, Person("李", emails=("rosseland@example.no",)))
    assert status[("members", "1")] == "held" and found_reason(found, "members", "1") == "name_unverifiable"
    status, _, _ = verdicts(CLUB, CLUB_TABLES, Person("Наталія Росселанд", emails=("rosseland@example.no",)))
    assert status[("members", "1")] == "held" and status[("members", "2")] == "held"


def test_the_plan_says_how_each_collection_is_reached():
    how = SearchPlan.of(CLUB).reachable()
    assert "e-post/telefon" in how["contacts"]
    assert any("(opp)" in step for step in how["members"])
    assert any("(ned)" in step for step in how["fees"])


# -- what the source matches more loosely than we do --------------------------------------------


def _fold(value) -> str:
    """How a permissive collation compares: blanks, case and accents ignored."""
    import unicodedata

    text = unicodedata.normalize("NFKD", str(value).strip().casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


class LooseConnector(DictConnector):
    """A database whose comparisons are looser than the product's normalising."""

    def hit(self, c: Condition, value: Any) -> bool:
        return any(_fold(value) == _fold(v) for v in c.values)


def test_only_what_our_normalising_matches_counts_as_found():
    # åse@… and ase@… are one address to an accent-insensitive collation, two people to us.
    tables = {
        "accounts": [
            {"id": 1, "name": "Åse Berg", "email": "åse@example.no"},
            {"id": 2, "name": "Ase Berg", "email": "ase@example.no"},
        ],
        "tickets": [],
        "shows": [],
    }
    connector = LooseConnector(TICKETS, tables)
    found = list(connector.find(Lookup(emails=("åse@example.no",))))
    assert [(r.collection, r.key) for r in found] == [("accounts", "1")]


def test_a_child_whose_parent_cant_be_pinned_down_stops_the_search():
    tables = {
        "accounts": [{"id": "K-Å", "name": "Kari Nordmann", "email": FAMILY}],
        "tickets": [{"id": 10, "account_id": "k-a", "show_id": None}],  # the collation's match
        "shows": [],
    }
    with pytest.raises(ConnectorError, match="samsvarer ikke eksakt med noen post i 'accounts'"):
        verdicts(TICKETS, tables, KARI, LooseConnector)


def test_a_parent_written_differently_is_still_found():
    # " 2" and 2, "K-2 " and "k-2": what MariaDB's _ci collations and PostgreSQL casts equate.
    tables = {
        "accounts": [
            {"id": 2, "name": "Ola Nordmann", "email": FAMILY},
            {"id": "K-2 ", "name": "Eva Nordmann", "email": FAMILY},
        ],
        "tickets": [
            {"id": 10, "account_id": " 2", "show_id": None},
            {"id": 11, "account_id": "k-2", "show_id": None},
        ],
        "shows": [],
    }
    _, found, _ = verdicts(TICKETS, tables, KARI, LooseConnector)
    tickets = {f.key: (f.status, f.group) for f in found if f.collection == "tickets"}
    assert tickets == {"10": ("excluded", "accounts/2"), "11": ("excluded", "accounts/K-2 ")}


# A CRM with one row a person: a mother and her grown daughter of the same name, the
# household's landline on the daughter's row.
PERSON_ROW = {
    "key": "id",
    "identities": [
        {"type": "name", "column": "name"},
        {"type": "birthdate", "column": "born"},
        {"type": "email", "column": "email"},
        {"type": "phone", "column": "phone"},
    ],
}
"""A CRM's person row: a whole name, a birth date, an e-mail and a phone."""
CRM = system(
    {
        "person": PERSON_ROW
    },
    [],
)
LANDLINE = "+4756562083"


@pytest.mark.parametrize(
    "case, rows, expected",
    [
        (
            "the mother's row found by name only, the daughter's by the landline: neither released",
            [{"id": 346, "name": "Linda Lili", "born": "1973-11-04", "email": None, "phone": None},
             {"id": 347, "name": "Linda Lili", "born": "22.06.2000", "email": None, "phone": "56 56 20 83"}],
            {("person", "346"): "held", ("person", "347"): "held"},
        ),
        (
            "the mother's row found by her e-mail tells whose birth date is hers: the daughter's is held",
            [{"id": 346, "name": "Linda Lili", "born": "1973-11-04", "email": "linda.lili@online.example", "phone": None},
             {"id": 347, "name": "Linda Lili", "born": "22.06.2000", "email": None, "phone": "56 56 20 83"}],
            {("person", "346"): "confirmed", ("person", "347"): "held"},
        ),
        (
            "one Linda Lili on the landline: hers",
            [{"id": 347, "name": "Linda Lili", "born": "22.06.2000", "email": None, "phone": "56 56 20 83"}],
            {("person", "347"): "confirmed"},
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else "",
)
def test_two_people_of_one_name_behind_one_phone_are_told_apart_or_held(case, rows, expected):
    linda = Person("Linda Lili", emails=("linda.lili@online.example",), phones=(LANDLINE,))
    status, found, _ = verdicts(CRM, {"person": rows}, linda)
    assert {k: status.get(k) for k in expected} == expected, case
    if status.get(("person", "347")) == "held":
        assert found_reason(found, "person", "347") in ("namesake_birthdate", "name_only")


# A housing cooperative: the flat holds the household's e-mail, residents a name and a role;
# a father and his son of the same name live there (found in the unseen world at scale 0.5).
FLATS = system(
    {
        "unit": {"key": "id", "identities": [{"type": "email", "column": "email"}]},
        "resident": {
            "key": "id",
            "identities": [{"type": "name", "column": "name"}, {"type": "phone", "column": "mobile"}],
        },
    },
    [("resident.unit_id", "unit.id")],
)


@pytest.mark.parametrize("son_first", [False, True], ids=["father's row first", "son's row first"])
def test_a_father_and_son_of_one_name_in_one_flat_the_son_is_held(son_first):
    residents = [
        {"id": 134, "unit_id": 86, "name": "Lisæter, Øyvind", "mobile": 4741647527},
        {"id": 136, "unit_id": 86, "name": "Lisæter, Øyvind", "mobile": None},
        {"id": 137, "unit_id": 86, "name": "Lisæter, Ada", "mobile": None},
    ]
    tables = {
        "unit": [{"id": 86, "email": "olisaeter@gmail.example"}],
        "resident": residents[::-1] if son_first else residents,
    }
    father = Person("Øyvind Lisæter", emails=("olisaeter@gmail.example",), phones=("+4741647527",))
    status, found, _ = verdicts(FLATS, tables, father)
    assert status[("unit", "86")] == "confirmed" and status[("resident", "134")] == "confirmed"
    assert status[("resident", "136")] == "held"
    assert found_reason(found, "resident", "136") == "namesake_household"
    assert status[("resident", "137")] == "excluded"
    # Without the son's row, nothing changes for the father.
    tables["resident"] = [r for r in residents if r["id"] != 136]
    status, _, _ = verdicts(FLATS, tables, father)
    assert status[("resident", "134")] == "confirmed"


def test_a_mother_and_her_grown_daughter_of_one_name_in_one_membership():
    # A CRM: one row a person, household members pointing to the main member. The mother asks
    # without a birth date; the daughter's row (found by the name) holds her own mobile.
    crm = system(
        {"person": PERSON_ROW, "membership": {"key": "id"}},
        [("person.main_id", "person.id"), ("membership.person_id", "person.id")],
    )
    tables = {
        "person": [
            {"id": 231, "name": "Hilde Skogmo", "born": "26.05.1969", "email": "hildeskogmo@gmail.example",
             "phone": "+47 460 06 060", "main_id": None},
            {"id": 233, "name": "Hilde Skogmo", "born": "2008-06-23T00:00:00", "email": None,
             "phone": "+47 959 87 460", "main_id": 231},
        ],
        "membership": [{"id": 312, "person_id": 231}, {"id": 315, "person_id": 233}],
    }
    mother = Person("Hilde Skogmo", emails=("hildeskogmo@gmail.example",), phones=("+4746006060",))
    status, found, _ = verdicts(crm, tables, mother)
    assert status[("person", "231")] == status[("membership", "312")] == "confirmed"
    assert status[("person", "233")] == status[("membership", "315")] == "held"
    assert found_reason(found, "person", "233") == "namesake_household"
    # The same person twice (a duplicate row: her birth date, her mobile): hers.
    tables["person"][1].update(born="1969-05-26", phone="+47 460 06 060")
    status, _, _ = verdicts(crm, tables, mother)
    assert status[("person", "233")] == "confirmed"


FLATS_WITH_BOOKINGS = system(
    {
        "unit": {"key": "id", "identities": [{"type": "email", "column": "email"}]},
        "resident": {
            "key": "id",
            "identities": [{"type": "name", "column": "name"}, {"type": "phone", "column": "mobile"}],
        },
        "booking": {"key": "id", "identities": [{"type": "phone", "column": "contact"}]},
    },
    [("resident.unit_id", "unit.id"), ("booking.unit_id", "unit.id")],
)


def _flat(unit_email):
    return {
        "unit": [{"id": 126, "email": unit_email}],
        "resident": [
            {"id": 214, "unit_id": 126, "name": "Tveitdal, Morten", "mobile": "99617625"},
            {"id": 215, "unit_id": 126, "name": "Tveitdal, Emma", "mobile": 4749507603},
        ],
        "booking": [
            {"id": 369, "unit_id": 126, "contact": "99617625"},  # the father's
            {"id": 370, "unit_id": 126, "contact": "495 07 603"},  # Emma's
            {"id": 371, "unit_id": 126, "contact": None},
        ],
    }


@pytest.mark.parametrize(
    "case, unit_email, birthdate, unit, empty_booking",
    [
        ("the flat under her father's address, and she is 16: the parents'", "mortve92@hotmail.example",
         date(2010, 5, 7), ("held", "household_of_minor"), "held"),
        ("a flat with no address, and she is 16: the parents' share", None,
         date(2010, 5, 7), ("held", "household_of_minor"), "held"),
        ("a flat with no address, and she is grown up: her home", None,
         date(1990, 5, 7), ("confirmed", None), "confirmed"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else "",
)
def test_a_flat_reached_up_from_the_persons_own_row(case, unit_email, birthdate, unit, empty_booking):
    emma = Person("Emma Tveitdal", phones=("+4749507603",), birthdate=birthdate)
    status, found, _ = verdicts(FLATS_WITH_BOOKINGS, _flat(unit_email), emma)
    assert status[("resident", "215")] == "confirmed", case
    assert (status[("unit", "126")], found_reason(found, "unit", "126")) == unit, case
    assert status[("booking", "370")] == "confirmed", case  # her own number
    assert status[("booking", "369")] == "excluded", case  # her father's number: his
    assert status[("booking", "371")] == empty_booking, case
    assert status.get(("resident", "214")) in (None, "excluded"), case  # the father: never released


def test_another_birth_date_on_a_row_with_the_persons_own_e_mail_and_name_is_held_not_excluded():
    # The person's e-mail and whole name, another birth date: a typing error as likely as a
    # namesake, so staff decide. Found by the name alone with another birth date: somebody else.
    rows = [
        {"id": 1, "name": "Linda Lili", "born": "04.11.1937", "email": "linda.lili@online.example", "phone": None},
        {"id": 2, "name": "Linda Lili", "born": "22.06.2000", "email": None, "phone": None},
        {"id": 3, "name": "Per Lili", "born": "04.11.1937", "email": "linda.lili@online.example", "phone": None},
    ]
    linda = Person("Linda Lili", emails=("linda.lili@online.example",), birthdate=date(1973, 11, 4))
    status, found, _ = verdicts(CRM, {"person": rows}, linda)
    assert (status[("person", "1")], found_reason(found, "person", "1")) == ("held", "birthdate_differs_named")
    assert (status[("person", "2")], found_reason(found, "person", "2")) == ("excluded", "birthdate_differs")
    assert status[("person", "3")] == "excluded"  # another first name on the shared address


# -- what a record's path says, and names one letter apart --------------------------------------

CLINIC = system(
    {
        "patient": {
            "key": "id",
            "identities": [
                {"type": "name", "column": "name"}, {"type": "birthdate", "column": "born"},
                {"type": "phone", "column": "mobile"},
            ],
        },
        "visit": {"key": "id"},
        "sms": {"key": "id", "identities": [{"type": "phone", "column": "to"}]},
    },
    [("visit.patient_id", "patient.id"), ("sms.visit_id", "visit.id")],
)


def test_an_sms_to_the_mobile_of_a_patient_found_by_name_waits_with_the_patient():
    tables = {
        "patient": [{"id": 72, "name": "Yurii Melnyk", "born": None, "mobile": "+4792169822"}],
        "visit": [{"id": 330, "patient_id": 72}],
        "sms": [
            {"id": 373, "visit_id": 330, "to": "4792169822"},  # the patient's own mobile
            {"id": 374, "visit_id": 330, "to": "4799999999"},  # somebody else's
        ],
    }
    # He gave only his e-mail, which the clinic doesn't have: his row is found by name alone.
    status, found, _ = verdicts(CLINIC, tables, Person("Yurii Melnyk", emails=("ymelnyk@online.example",)))
    assert (status[("patient", "72")], found_reason(found, "patient", "72")) == ("held", "name_only")
    assert status[("visit", "330")] == "held"
    # The reminder to the mobile on his held row is his if the row is: it waits with it,
    # rather than being thrown away as somebody else's. The other number is somebody else's.
    assert (status[("sms", "373")], found_reason(found, "sms", "373")) == ("held", "reached_from_held")
    assert (status[("sms", "374")], found_reason(found, "sms", "374")) == ("excluded", "identifier_differs")


def test_a_booking_with_a_namesake_flatmates_number_waits_for_the_namesake_not_the_flat():
    # A mother and her grown daughter, both Rania Nassar, in one flat. The mother asks; the
    # booking carries the daughter's mobile, which only the daughter's (held) row holds.
    tables = {
        "unit": [{"id": 164, "email": "samer.nassar72@online.example"}],
        "resident": [
            {"id": 274, "unit_id": 164, "name": "Nassar, Rania", "mobile": "46304697"},
            {"id": 275, "unit_id": 164, "name": "Rania Nassar", "mobile": "98354147"},
        ],
        "booking": [{"id": 521, "unit_id": 164, "contact": "98354147"}],
    }
    status, found, _ = verdicts(FLATS_WITH_BOOKINGS, tables, Person("Rania Nassar", phones=("+4746304697",)))
    assert status[("resident", "274")] == status[("unit", "164")] == "confirmed"
    assert status[("resident", "275")] == "held"
    # Not released with the flat, which is the mother's: it is the daughter's if her row is.
    assert status[("booking", "521")] == "held"


@pytest.mark.parametrize(
    "asked, held, expected",
    [
        ("Stian Lundmyr Torvlien", "Stin Lundmyr Torvlien", NameMatch.CLOSE),  # a letter dropped
        ("Julie Haugeng", "Haugeng, Jlie", NameMatch.CLOSE),
        ("Noah Hofstad", "Nah Hofstad", NameMatch.CLOSE),
        ("Trine Grønholm Soldal", "Tine Soldal", NameMatch.CLOSE),  # or her sister Tine
        ("Ola Hansen", "Ole Hansen", NameMatch.CLOSE),  # or his son
        ("Kari Lund", "Kari Lind", NameMatch.SURNAME_DIFFERS),  # two families
        ("Camilla Sandvold", "Kasper Sandvold", NameMatch.DIFFER),
        ("Bo Berg", "Bu Berg", NameMatch.DIFFER),  # too short to call a typo
    ],
)
def test_a_first_name_one_letter_off_is_close_not_another(asked, held, expected):
    assert compare_names(asked, held)[0] is expected


SHOP_ORDERS = system(
    {"ordre": {"key": "id", "identities": [{"type": "email", "column": "epost"}, {"type": "name", "column": "navn"}]}},
    [],
)


def test_a_first_name_one_letter_off_on_the_persons_own_address_is_held_not_excluded():
    tables = {"ordre": [
        {"id": 125, "navn": "Stin Lundmyr Torvlien", "epost": "stian.torvlien75@hotmail.example"},
        {"id": 126, "navn": "Stian Lundmyr Torvlien", "epost": "stian.torvlien75@hotmail.example"},
        {"id": 127, "navn": "Per Torvlien", "epost": "stian.torvlien75@hotmail.example"},
    ]}
    stian = Person("Stian Lundmyr Torvlien", emails=("stian.torvlien75@hotmail.example",))
    status, found, _ = verdicts(SHOP_ORDERS, tables, stian)
    assert status[("ordre", "126")] == "confirmed"
    # A typo, or a brother Stig on the same address: staff see which and decide.
    assert (status[("ordre", "125")], found_reason(found, "ordre", "125")) == ("held", "first_name_close")
    assert (status[("ordre", "127")], found_reason(found, "ordre", "127")) == ("excluded", "name_differs")


SIGNUPS = system(
    {"signup": {"key": "id", "identities": [
        {"type": "name", "column": "name"}, {"type": "birthdate", "column": "born"},
        {"type": "email", "column": "email"},
    ]}},
    [],
)


def test_a_childs_sign_up_with_the_parents_own_address_is_held_for_the_parent():
    tables = {"signup": [
        {"id": 131, "name": "VESTLI NOAH", "born": "28.7.20", "email": "sofie1995@gmail.example"},
        {"id": 132, "name": "Vestli, Per", "born": "03.02.1961", "email": "sofie1995@gmail.example"},
    ]}
    sofie = Person("Sofie Vestli", emails=("sofie1995@gmail.example",), birthdate=date(1995, 8, 8))
    status, found, _ = verdicts(SIGNUPS, tables, sofie)
    # Her address on her child's sign-up: hers in part, the child's in part. Staff decide.
    assert (status[("signup", "131")], found_reason(found, "signup", "131")) == ("held", "child_with_own_contact")
    # An adult's row under another name and birth date on her address: somebody else's.
    assert status[("signup", "132")] == "excluded"
    # Asking for the child (as guardian) is another question, answered by the child's rules.
    status, _, _ = verdicts(SIGNUPS, tables, Person("Noah Vestli", emails=("sofie1995@gmail.example",),
                                                    birthdate=date(2020, 7, 28)), relation="guardian")
    assert status[("signup", "131")] == "confirmed"


def test_a_childs_patient_row_with_the_parents_mobile_is_held_and_the_childs_visits_excluded():
    tables = {
        "patient": [{"id": 19, "name": "Noah Mævik", "born": "04.06.2018", "mobile": "98794491"}],
        "visit": [{"id": 93, "patient_id": 19}],
        "sms": [{"id": 94, "visit_id": 93, "to": "4798794491"}],
    }
    kristin = Person("Kristin Mævik", phones=("+4798794491",), birthdate=date(1986, 3, 1))
    status, found, _ = verdicts(CLINIC, tables, kristin)
    # The row holds the parent's mobile (and a clinic writes the guardian's name on it): hers
    # too, for staff to release alone. The visits hang on the child's row: the child's, and no
    # decision on a parent's own request may carry them out. The SMS to her mobile is hers.
    assert (status[("patient", "19")], found_reason(found, "patient", "19")) == ("held", "child_with_own_contact")
    assert (status[("visit", "93")], found_reason(found, "visit", "93")) == ("excluded", "owner_confined")
    assert status[("sms", "94")] == "confirmed"


@pytest.mark.parametrize(
    "asked, held, expected",
    [
        ("Per Hansen", "Per-Erik Hansen", NameMatch.GIVEN_PART),
        ("Anne Hansen", "Kari Anne Hansen", NameMatch.GIVEN_PART),  # Kari Anne, or her daughter Anne
        ("Kari Hansen", "Hansen, Kari Anne", NameMatch.AGREE),  # her middle name kept
        ("Anne Marie Hansen", "Anne-Marie Hansen", NameMatch.AGREE),  # one name, two spellings
        ("Kari Berg Hansen", "Kari Hansen", NameMatch.AGREE),  # the mellomnavn dropped
        # Two people on one sign-up row: each is named in full.
        ("Kjersti Haugby", "Fredrik og Kjersti Haugby", NameMatch.AGREE),
        ("Stine Nilsen", "Tore Fløyberg og Stine Nilsen", NameMatch.AGREE),
        ("Per Hansen", "Per-Erik og Kari Hansen", NameMatch.GIVEN_PART),
        # Twins share surname and birth date: two middle names, none the other's, are two people.
        ("Per Olav Hansen", "Per Arne Hansen", NameMatch.GIVEN_PART),
        ("Per Olav Hansen", "Hansen, Per Arne", NameMatch.GIVEN_PART),
        ("Per Olav Hansen", "Per O. Hansen", NameMatch.AGREE),  # the middle name as its initial
        ("Per Olav Hansen", "Per Olav Kleivås Hansen", NameMatch.AGREE),  # one more kept
        ("Per Hansen", "Per Arne Hansen", NameMatch.AGREE),  # one left out
        ("Ingrid Anne Holmland", "Ingrid Annne Holmland", NameMatch.GIVEN_PART),  # a typo, or Anne Line?
        ("Fredrik Ståle Haugby", "Fredrik og Kjersti Haugby", NameMatch.AGREE),  # two people named
    ],
)
def test_a_first_name_that_is_only_part_of_the_held_given_name_is_not_agreement(asked, held, expected):
    assert compare_names(asked, held)[0] is expected


def test_a_birth_date_with_day_and_month_swapped_is_held_not_excluded_nor_released():
    # Kari's member row says 03.04.1985 for 04.03.1985: a typing error as likely as somebody
    # else. Staff decide; her fees wait with it. Another date (or another first name with the
    # swapped date) is still somebody else's.
    tables = copy.deepcopy(CLUB_TABLES)
    tables["members"][0]["born"] = "03.04.1985"
    kari = Person(name="Kari Rosseland", emails=("rosseland@example.no",), birthdate=date(1985, 3, 4))
    status, found, _ = verdicts(CLUB, tables, kari)
    assert (status[("members", "1")], found_reason(found, "members", "1")) == ("held", "birthdate_swapped")
    assert status[("fees", "100")] != "confirmed"
    assert status[("members", "2")] == "excluded"
    tables["members"][0].update(first_name="Eva")
    status, _, _ = verdicts(CLUB, tables, kari)
    assert status[("members", "1")] == "excluded"
    tables["members"][0].update(first_name="Kari", born="05.03.1985")
    status, found, _ = verdicts(CLUB, tables, kari)
    assert found_reason(found, "members", "1") == "birthdate_differs"


def test_a_row_naming_a_couple_with_the_partners_birth_date_is_held_for_either():
    # "Kari og Per Rosseland" on one row, with Kari's birth date: Per is named, and the date is
    # his wife's. Not clearly somebody else: held for Per. A row naming only Kari is hers.
    tables = copy.deepcopy(CLUB_TABLES)
    tables["members"][0].update(first_name="Kari og Per")
    per = Person(name="Per Rosseland", emails=("rosseland@example.no",), birthdate=date(1980, 1, 2))
    status, found, _ = verdicts(CLUB, tables, per)
    assert (status[("members", "1")], found_reason(found, "members", "1")) == ("held", "birthdate_of_another_named")
    tables["members"][0].update(first_name="Kari")
    status, _, _ = verdicts(CLUB, tables, per)
    assert status[("members", "1")] == "excluded"


def test_a_mother_and_daughter_of_one_name_reached_from_her_booking_are_both_held():
    # Iryna (46) asks by the mobile on the flat's trailer booking; the resident rows hold no
    # number, and her daughter of 15 has her name ("Lysenko, Iryna"). Found in the unseen world
    # once a thin request name was corrected: the daughter's row was released.
    tables = {
        "unit": [{"id": 133, "email": None}],
        "resident": [
            {"id": 220, "unit_id": 133, "name": "Iryna Lysenko", "mobile": None},
            {"id": 221, "unit_id": 133, "name": "Lysenko, Iryna", "mobile": None},
        ],
        "booking": [{"id": 438, "unit_id": 133, "contact": "461 43 642"}],
    }
    iryna = Person("Iryna Lysenko", phones=("+4746143642",))
    status, found, _ = verdicts(FLATS_WITH_BOOKINGS, tables, iryna)
    assert status[("booking", "438")] == status[("unit", "133")] == "confirmed"
    for key in ("220", "221"):
        assert (status[("resident", key)], found_reason(found, "resident", key)) == ("held", "namesake_household")
    # One row of her name: hers (what it holds says nothing against it).
    tables["resident"] = tables["resident"][:1]
    status, _, _ = verdicts(FLATS_WITH_BOOKINGS, tables, iryna)
    assert status[("resident", "220")] == "confirmed"


CRM_HOUSEHOLDS = system(
    {"person": PERSON_ROW, "gift": {"key": "id"}},
    [("person.main_id", "person.id"), ("gift.person_id", "person.id")],
)


def test_a_fathers_row_of_the_sons_name_reached_up_from_the_sons_is_held_with_his_gifts():
    # Wei Liu (30) asks with his e-mail and birth date; his row points to his father's as the
    # household's main member, Wei Liu too, with no birth date. Found in the unseen world once
    # a request name in another script was corrected: the father's row and gifts were released.
    rows = [
        {"id": 65, "name": "Wei Liu", "born": None, "email": "wei.liu@helse-bergen.example", "phone": "+47 943 84 016",
         "main_id": None},
        {"id": 68, "name": "Wei Liu", "born": "20.10.1996", "email": "weiliu@online.example", "phone": None,
         "main_id": 65},
    ]
    tables = {"person": rows, "gift": [{"id": 48, "person_id": 65}, {"id": 49, "person_id": 68}]}
    son = Person("Wei Liu", emails=("weiliu@online.example",), birthdate=date(1996, 10, 20))
    status, found, _ = verdicts(CRM_HOUSEHOLDS, tables, son)
    assert status[("person", "68")] == status[("gift", "49")] == "confirmed"
    assert (status[("person", "65")], found_reason(found, "person", "65")) == ("held", "namesake_household")
    assert status[("gift", "48")] != "confirmed"


def _owned_system(collections: dict[str, dict[str, Any]], references: list[dict[str, Any]]) -> System:
    return System.model_validate({
        "id": "testsystem", "title": "Testsystem", "connector": "sql", "connection": {"url": "sqlite:///unused.db"},
        "register": REGISTER,
        "collections": {cid: {"title": cid, "table": cid, **c} for cid, c in collections.items()},
        "references": references,
    })


KRISTIN = Person("Kristin Mævik", phones=("+4798794491",))
KRISTINS_ROW = {"id": 5, "name": "Kristin Mævik", "mobile": "98794491"}
WITH_MOBILE = {"key": "id", "identities": [{"type": "name", "column": "name"}, {"type": "phone", "column": "mobile"}]}


@pytest.mark.parametrize("owner, expected", [(None, "held"), (False, "confirmed")])
def test_a_reference_declared_owner_false_names_somebody_not_whose_the_record_is(owner, expected):
    # Her order names its salesperson by employee number; the staff table keeps a work e-mail,
    # so by default the search can't tell the number from a customer's: the order waits. The
    # config says the salesperson is not whose the order is: hers.
    staff = {"key": "id", "identities": [{"type": "name", "column": "name"}, {"type": "email", "column": "epost"}]}
    sysm = _owned_system({"kunde": WITH_MOBILE, "selger": staff, "ordre": {"key": "id"}},
                         [{"from": "ordre.kunde_id", "to": "kunde.id"},
                          {"from": "ordre.selger_nr", "to": "selger.ansattnr", "owner": owner}])
    tables = {"kunde": [KRISTINS_ROW], "selger": [{"id": 1, "ansattnr": "S-1", "name": "Per Selger", "epost": "per@firma.no"}],
              "ordre": [{"id": 20, "kunde_id": 5, "selger_nr": "S-1"}]}
    status, _, _ = verdicts(sysm, tables, KRISTIN)
    assert status[("ordre", "20")] == expected


@pytest.mark.parametrize("owner, expected", [(None, "confirmed"), (True, "held")])
def test_a_reference_declared_owner_true_is_checked_in_a_register_of_names_only(owner, expected):
    # The husband's visit, booked by her, names its patient by number in a register that
    # declares only a name: nothing says it is a table of people, unless the config does.
    sysm = _owned_system({"kontakt": WITH_MOBILE, "pasient": {"key": "id", "identities": [{"type": "name", "column": "name"}]},
                          "visit": {"key": "id"}},
                         [{"from": "visit.booked_by", "to": "kontakt.id"},
                          {"from": "visit.pasient_nr", "to": "pasient.nr", "owner": owner}])
    tables = {"kontakt": [KRISTINS_ROW], "pasient": [{"id": 1, "nr": "P1", "name": "Ola Mævik"}],
              "visit": [{"id": 10, "booked_by": 5, "pasient_nr": "P1"}]}
    status, found, _ = verdicts(sysm, tables, KRISTIN)
    assert status[("visit", "10")] == expected
    if expected == "held":
        assert found_reason(found, "visit", "10") == "owner_unchecked"
