"""Sixteenth red-team round: the five changes of round 15's fixes.

Attacked:

- 88d3192 (with 6f2fa26 on top, landed during this round): ``RequestStore.system_finished``
  voids an ``accepted`` decision on an item whose group the new search no longer holds
  (``_void_acceptances_no_longer_held``), unless it came from ``reconsider``; such an item is no
  longer a question (``NOT_HELD``: out of the lists, a decision on it refused);
- c96babd (with 5f053a5 on top, landed during this round): ``dsar.names._middle_names_differ``:
  two middle names, none the other's (5f053a5: nor one typo off), make ``compare_names``
  ``GIVEN_PART`` (held) instead of ``AGREE``;
- 6cd3324: ``Resolver._birthdate_in_doubt``: a record found by name and the asked birth date
  alone is held when a record the person's own e-mail or phone finds, of their name, says
  another date (``birthdate_differs_named``);
- a2080c2: ``dsar.identity.as_date`` reads an ISO instant with a zone as the day in Oslo;
- e9cdd20: ``Resolver.place`` holds a record reached DOWN as ``owner_unchecked`` when another
  reference of it, whose parent field is not the parent's key, holds a value.

Each case asserts the SAFE behaviour; ``xfail(strict=True)`` marks what the product gets wrong
at 5f053a5: "LEAK: …" (another person's record confirmed or released) or "LOSS: …" (the
person's own record excluded; for e9cdd20, as the brief asks, "held needlessly" too). Controls
pass. "new" means the commit named turned a safe outcome into this one (this file run with
``--runxfail`` on an export of its parent); "older" means it was so before and the fix does not
reach it.

Fixed since (the marks are gone from these): 1 (``given_name_part`` rows count among the rows
of the name, ``_named``), 2 (a middle name one letter off is no longer the same: Lise/Line,
Ole/Ola), 4's national-id register (a national id on the person's own row showing another date
puts the typed date in doubt; her own row stays excluded: a valid number that differs is no
typing error), 5 (an acceptance is voided when the item is held again for another reason), 7's
rows (``given_name_part`` counts as named for ``birthdate_differs_named``), 8 (an instant is
some zone's midnight: the nearest midnight is the day), 9 (a record reached down is held
``owner_unchecked`` only for a number reference into the table it was reached from). Still
marked: 2's Maren/Karen, 3, 4's identifier-found rows and the other system, 6, 7's invoice.

Leaks found:

1. (new, c96babd) ``test_an_undated_row_on_the_family_e_mail_beside_the_twins_dated_row``:
   twins Per Olav and Per Arne Hansen, one birth date; an undated ``Per Hansen`` row on the
   family e-mail Per Arne's row holds too. Before c96babd it was held ``namesake_household``;
   now Per Arne's row is ``given_name_part``, so it never enters ``_dated_named``
   (``Resolver.place``: ``if "name" in assessment.agrees and (born is not None …)``), and the
   undated row, with its order, is CONFIRMED for Per Olav (with or without a birth date).
2. (new, 5f053a5) ``test_twins_whose_middle_names_are_one_letter_apart_are_told_apart``:
   ``meets`` forgives one typo in a middle name of three letters or more (``_one_off``): twin
   sisters Anne Lise / Anne Line, twins Per Ole / Per Ola AGREE and, sharing the birth date,
   are CONFIRMED (a first name one letter off is held: ``first_name_close``). Older, from five
   letters (``_same``): Anne Maren / Anne Karen.
3. (older, c96babd leaves them) twins told apart by nothing ``_middle_names_differ`` reads:
   Per Oddvar's row written ``Per O. Hansen`` (an initial "is no difference"), twins sharing a
   family middle name (``Per Olav Johan`` / ``Per Arne Johan``: one shared middle name is
   enough), and a request that gives no middle name (``Per Hansen``: "a middle name left out is
   no difference"): the twin's row, name AGREE and the same birth date, is strong, CONFIRMED.
4. (older, 6cd3324 leaves them) staff type the daughter's birth date into the mother's
   request. ``_birthdate_in_doubt`` holds only groups found by neither e-mail nor phone
   (``not {"email", "phone"} & node.matched_on``), so the daughter's row is CONFIRMED when it
   holds the mother's mobile (a sign-up a parent made; ``child_record`` before the date was
   typed), the household landline the request gives, or the family e-mail it gives. A register
   keeping a fødselsnummer (``national_id``) never says ``birthdate_differs_named``
   (``Resolver.place`` converts only ``birthdate_differs``): the mother's own row found by her
   e-mail and mobile is EXCLUDED (``national_id_differs``) and the daughter's row CONFIRMED. And
   the doubt never crosses systems (one ``Resolver`` per system): the daughter's patient row and
   journal in a clinic system are RELEASED end to end while the CRM holds the mother's row.
5. (88d3192 leaves it) ``test_an_acceptance_given_on_a_name_alone_never_releases_a_row_now_held_for_another_birth_date``:
   the father's request without a birth date; the son's row, found by name alone
   (``name_only``, nothing saying it is another's), is accepted. Staff answer the page's
   questions (the family e-mail, the father's birth date) and run once: the son's row is held
   again, now ``birthdate_differs_named``. Only groups no longer held are voided, and
   ``system_finished`` keeps a held item's decision: the son's row and his order are RELEASED
   on an acceptance given without that evidence. (One answer per run voids or holds it.)
6. (older, e9cdd20 leaves them) the husband's visit booked by Kristin, reached down by
   ``booked_by``, still CONFIRMED when its owner is named by number through a collection that
   says nothing itself (``visit.journal_nr -> journal.nr``, the journal pointing to his patient
   row): ``_unchecked_refs`` counts only references whose parent is ``assessable``; and when the
   number reference is declared the other way round (``patient.nr -> visit.patient_nr``, keys
   on neither side, so never turned): his patient row is then reached DOWN from the visit and
   EXCLUDED, yet the visit is confirmed.

Losses found:

7. (new, c96babd) the person's own row, found by their own e-mail, with a middle name spelled
   two letters off (``Christoffer`` for ``Kristoffer``, ``Alexander`` for ``Aleksander``) and a
   typing error in its birth date: ``given_name_part`` leaves ``"name"`` out of ``agrees``, so
   ``Resolver.place`` no longer turns ``birthdate_differs`` into ``birthdate_differs_named``:
   EXCLUDED with its orders (held before). And the invoice under that row to the person who pays
   (held ``names_another``) is EXCLUDED ``name_differs``: ``_own_record`` needs ``name`` in
   agrees. (One letter off, ``Ola``/``Olav``, agrees again since 5f053a5.)
8. (new for one, older for the rest, a2080c2) an instant ``_OFFSET`` doesn't read, or reads the
   wrong way: PostgreSQL's text form ``1961-01-16 23:00:00+00`` (two-digit offset),
   ``1961-01-16 23:00:00 UTC`` (BigQuery, Ruby), ``1961-01-16T23:00Z[UTC]`` (Java's
   ``ZonedDateTime``), a writer that applied today's summer time to 1975
   (``1975-07-16T22:00:00Z``: Windows' zone rules): the UTC day is taken, the person's own row
   EXCLUDED. New: local midnight written in a zone east of Oslo (``1961-01-17T00:00:00+02:00``)
   read 17.01 before a2080c2 and 16.01 now (``_oslo_date``): EXCLUDED.
9. (new, e9cdd20: held needlessly) the person's own record, reached down from their row by its
   key, that names a member of staff by number (an order's salesperson ``seller_nr ->
   employee.ansattnr``, a visit's doctor ``lege_hpr -> lege.hpr``), or carries the same
   patient's number beside the key: held ``owner_unchecked`` (confirmed before e9cdd20) — the
   other reference is checked for holding a value, never for whose it is.

Held safe: 88d3192 end to end — a re-run that fails keeps the old acceptance out of the answer
(the system is reported failed, nothing of its old staging leaves) and the next re-run voids
it; a partial re-run (one system of two) releases nothing of the system not searched again; a
group whose records changed and that the new search excludes (renumbered) leaves no decision
and no question, and its old number is refused; a rejection stands over an exclusion, can't be
changed on the old number, and stands when the group is held again; a voided acceptance is
asked again (not carried) when a later search holds the group again; the voided item's group
is offered in ``excluded`` (not marked reconsidered) and only ``reconsider`` + accept releases
it, in that system only. c96babd: ``Hansen, Per Arne``, ``HANSEN PER ARNE``, ``Hansen Per
Arne``, ``Arne Hansen, Per`` (the middle name in the surname field), the middle name in its own
column or in the surname column, ``Per-Arne``, two surnames — the twin's row is held; ``Aa``/``Å``,
one-letter spellings, hyphen, comma and surname-first forms of the person's own name agree.
6cd3324: the daughter's row reached up from a row found by the mother's e-mail, or in another
collection with a fødselsnummer, is held; a namesake's row on a family e-mail holds the
person's own strong rows (needlessly, never excluding them). a2080c2: ``Z``, ``+00:00``,
``+0000``, negative offsets, a date with only a zone, seven fractional digits, ``datetime`` and
pandas ``Timestamp`` with a zone, an Excel serial; a namesake's date written as UTC midnight is
still his; staff can't type an instant (``parse_birthdate``); ``as_date`` has no use but birth
dates (``matching._held_date``, ``parse_birthdate``). e9cdd20: her own visit reached down with
the number empty, blank, ``NULL`` or ``-`` is confirmed, and by her own number; the husband's
number padded, in other case or as an integer, and her key beside his number: held.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dsar.answer import build_answer
from dsar.errors import ConnectorError, InputError
from dsar.exclusions import excluded_groups, reconsider
from dsar.identity import as_date, parse_birthdate
from dsar.search import search_system
from dsar.store import Person, open_store
from dsar.workspace import Workspace
from tests.test_connector_base import CRM, PERSON_ROW, found_reason, system, verdicts
from tests.test_matcher_redteam import KRISTIN
from tests.test_matcher_redteam8 import CONTROLLER, REGISTER, _table
from tests.test_matcher_redteam13 import _collections, _patients


def _confirmed(status) -> set:
    return {k for k, s in status.items() if s == "confirmed"}


CRM_ORDERS = system({"person": PERSON_ROW, "ordre": {"key": "id"}}, [("ordre.person_id", "person.id")])


# -- a controller with several SQLite systems, searched the way the flow does ----------------------


class Worlds:
    """``tests.test_matcher_redteam8.World`` with several systems, each its own SQLite file;
    ``released`` counts only what a package would hold (a failed or unsearched system's
    staging never leaves: ``dsar.package.builder._scan_system``)."""

    def __init__(self, root: Path, systems: dict[str, tuple[dict, list, dict]]) -> None:
        self.root = root
        text = _table("controller", CONTROLLER)
        for sid, (collections, references, rows) in systems.items():
            text += _table(f"systems.{sid}", {
                "title": {"nb": sid, "en": sid}, "connector": "sql", "retries": 0,
                "connection": {"url": f"sqlite:///{{workspace}}/sources/{sid}.db"}, "register": REGISTER})
            for cid, collection in collections.items():
                text += _table(f"systems.{sid}.collections.{cid}",
                               {"title": {"nb": cid, "en": cid}, "table": cid, **collection})
            for source, target in references:
                text += _table(f"[systems.{sid}.references]", {"from": source, "to": target})
            self.write(sid, rows)
        (root / "config" / "controllers").mkdir(parents=True, exist_ok=True)
        (root / "config" / "controllers" / "rodtlag.toml").write_text(text, encoding="utf-8")
        self.ws = Workspace(root)
        self.store = open_store(self.ws)
        self.controller = self.ws.config.controller("rodtlag")

    def write(self, sid: str, rows: dict[str, list[dict[str, Any]]]) -> None:
        db = self.root / "sources" / f"{sid}.db"
        db.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(f"sqlite:///{db}")
        with engine.begin() as conn:
            for table, data in rows.items():
                columns = sorted({k for row in data for k in row})
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
                conn.exec_driver_sql(f"CREATE TABLE {table} ({', '.join(columns)})")
                for row in data:
                    conn.exec_driver_sql(
                        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                        tuple(row.get(c) for c in columns),
                    )
        engine.dispose()

    def request(self, person: Person) -> str:
        return self.store.register(
            controller=self.controller.controller, person=person, received_on=date.today(), channel="email",
            actor="tester", verification_method="email-code",
        ).id

    def search(self, rid: str, only: tuple[str, ...] | None = None) -> None:
        self.store.prepare_runs(rid, list(self.controller.systems))
        request = self.store.get(rid)
        for sid, sysm in self.controller.systems.items():
            if only is None or sid in only:
                search_system(self.ws, self.store, request, sysm)

    def statuses(self, rid: str) -> dict[str, str]:
        answer, _ = build_answer(self.ws, self.store, self.store.get(rid), self.controller)
        return {s.system.id: s.status for s in answer.systems}

    def released(self, rid: str) -> set[tuple[str, str, str]]:
        answer, released = build_answer(self.ws, self.store, self.store.get(rid), self.controller)
        status = {s.system.id: s.status for s in answer.systems}
        staging = self.ws.staging
        return {
            (sid, f.collection, f.key)
            for sid in self.controller.systems if status[sid] not in ("failed", "waiting")
            for collection in staging.collections(rid, sid)
            for f in staging.read(rid, sid, collection)
            if released(f)
        }

    def items(self, rid: str) -> list[tuple[str, str, str | None]]:
        return [(i.system_id, i.record_ref, i.decision) for i in self.store.review_items(rid)]

    def excluded(self, rid: str) -> set[tuple[str, str]]:
        return {(g.system_id, g.ref) for g in excluded_groups(self.ws, self.store, rid)}


# =================================================================================================
# 1. c96babd — two middle names, none the other's
# =================================================================================================

TWINS_BORN = date(1994, 6, 12)


def _twin(i: int, name: str, email: str, born: str | None = "12.06.1994", **k: Any) -> dict:
    return {"id": i, "name": name, "born": born, "email": email, "phone": None, **k}


def _twins(other: str, *, email: str = "perarne@example.no", **k: Any) -> dict:
    return {"person": [_twin(1, "Per Olav Hansen", "perolav@example.no"), _twin(2, other, email, **k)],
            "ordre": [{"id": 10, "person_id": 1, "vare": "sykkel"}, {"id": 20, "person_id": 2, "vare": "PrEP"}]}


TWINS_ROWS = {("person", "2"), ("ordre", "20")}
PER_OLAV = Person("Per Olav Hansen", emails=("perolav@example.no",), birthdate=TWINS_BORN)


@pytest.mark.parametrize("other", [
    "Per Arne Hansen", "Hansen, Per Arne", "HANSEN, PER ARNE", "HANSEN PER ARNE", "Hansen Per Arne",
    "Arne Hansen, Per", "Per-Arne Hansen", "Per Arne Olsen Hansen", "Per  Arne  Hansen",
], ids=["first name first", "comma", "capitals with comma", "surname first, no comma", "surname first",
        "middle name in the surname field", "hyphenated", "two surnames", "double spaces"])
def test_control_the_twins_row_however_written_is_never_confirmed(other):
    status, _, _ = verdicts(CRM_ORDERS, _twins(other), PER_OLAV)
    assert status[("person", "1")] == "confirmed"
    assert not _confirmed(status) & TWINS_ROWS, other


def test_control_the_middle_name_in_its_own_column_or_the_surname_column():
    split = system({"person": {"key": "id", "identities": [
        {"type": "name", "columns": ["fornavn", "mellomnavn", "etternavn"]}, {"type": "birthdate", "column": "born"},
        {"type": "email", "column": "email"}]}, "ordre": {"key": "id"}}, [("ordre.person_id", "person.id")])
    rows = {"person": [
        {"id": 1, "fornavn": "Per", "mellomnavn": "Olav", "etternavn": "Hansen", "born": "12.06.1994",
         "email": "perolav@example.no"},
        {"id": 2, "fornavn": "Per", "mellomnavn": None, "etternavn": "Arne Hansen", "born": "12.06.1994",
         "email": "perarne@example.no"},
        {"id": 3, "fornavn": "Per", "mellomnavn": "Arne", "etternavn": "Hansen", "born": "12.06.1994",
         "email": "perarne2@example.no"}],
        "ordre": [{"id": 20, "person_id": 2}, {"id": 30, "person_id": 3}]}
    status, _, _ = verdicts(split, rows, PER_OLAV)
    assert status[("person", "1")] == "confirmed"
    assert not _confirmed(status) & {("person", "2"), ("ordre", "20"), ("person", "3"), ("ordre", "30")}


@pytest.mark.parametrize("birthdate", [None, TWINS_BORN], ids=["no birth date", "birth date"])
def test_an_undated_row_on_the_family_e_mail_beside_the_twins_dated_row(birthdate):
    tables = {"person": [_twin(1, "Per Olav Hansen", "perolav@example.no"),
                         _twin(2, "Per Arne Hansen", "hansen@familie.example"),
                         _twin(3, "Per Hansen", "hansen@familie.example", born=None)],
              "ordre": [{"id": 30, "person_id": 3, "vare": "PrEP"}]}
    person = Person("Per Olav Hansen", emails=("perolav@example.no", "hansen@familie.example"), birthdate=birthdate)
    status, _, _ = verdicts(CRM_ORDERS, tables, person)
    assert status[("person", "1")] == "confirmed"
    assert status[("person", "2")] == "held"
    assert not _confirmed(status) & {("person", "3"), ("ordre", "30")}


def test_control_the_undated_row_on_the_family_e_mail_alone_is_the_persons():
    # Without the twin's row on that address nothing says a second Per Hansen uses it.
    tables = {"person": [_twin(1, "Per Olav Hansen", "perolav@example.no"),
                         _twin(3, "Per Hansen", "hansen@familie.example", born=None)],
              "ordre": [{"id": 30, "person_id": 3}]}
    person = Person("Per Olav Hansen", emails=("perolav@example.no", "hansen@familie.example"), birthdate=TWINS_BORN)
    status, _, _ = verdicts(CRM_ORDERS, tables, person)
    assert status[("person", "1")] == "confirmed"
    assert status[("person", "3")] != "excluded"


@pytest.mark.xfail(strict=True, reason=(
    "LEAK (older): Per Oddvar's row written 'Per O. Hansen': _middle_names_differ's `meets` takes an initial as the "
    "middle name it begins ('written as its initial is no difference'), so the name AGREES and with the twins' "
    "birth date the row is strong: CONFIRMED for Per Olav"))
def test_twin_per_oddvar_written_with_his_initial_is_never_confirmed_for_per_olav():
    status, _, _ = verdicts(CRM_ORDERS, _twins("Per O. Hansen", email="peroddvar@example.no"), PER_OLAV)
    assert not _confirmed(status) & TWINS_ROWS


@pytest.mark.xfail(strict=True, reason=(
    "LEAK (older): twins who share a family middle name (Per Olav Johan / Per Arne Johan Hansen): one middle name "
    "in common is enough for _middle_names_differ to say none differ; AGREE + the same birth date: CONFIRMED"))
def test_twins_sharing_a_family_middle_name_are_told_apart():
    person = Person("Per Olav Johan Hansen", emails=("perolav@example.no",), birthdate=TWINS_BORN)
    tables = _twins("Per Arne Johan Hansen")
    tables["person"][0]["name"] = "Per Olav Johan Hansen"
    status, _, _ = verdicts(CRM_ORDERS, tables, person)
    assert status[("person", "1")] == "confirmed"
    assert not _confirmed(status) & TWINS_ROWS


@pytest.mark.xfail(strict=True, reason=(
    "LEAK (older): the request gives no middle name ('Per Hansen', as most people write it): _middle_names_differ "
    "needs three words on both sides, and 'a middle name left out is no difference': Per Arne's row AGREES, has the "
    "twins' birth date, and is CONFIRMED"))
def test_twins_when_the_request_gives_no_middle_name():
    person = Person("Per Hansen", emails=("perolav@example.no",), birthdate=TWINS_BORN)
    status, _, _ = verdicts(CRM_ORDERS, _twins("Per Arne Hansen"), person)
    assert status[("person", "1")] == "confirmed"
    assert not _confirmed(status) & TWINS_ROWS


@pytest.mark.parametrize("asked, twin", [
    ("Anne Lise Hansen", "Anne Line Hansen"),  # fixed: one letter apart is no longer the same
    ("Per Ole Hansen", "Per Ola Hansen"),  # fixed
    pytest.param("Anne Maren Hansen", "Anne Karen Hansen", marks=pytest.mark.xfail(strict=True, reason=(
        "LEAK (older, c96babd): middle names of five letters one letter apart were the same already "
        "(_same forgives one typo from five letters): twins Anne Maren and Anne Karen AGREE, CONFIRMED"))),
    ("Anne Lise Hansen", "Anne-Line Hansen"),
], ids=["Lise/Line", "Ole/Ola", "Maren/Karen", "control: hyphenated"])
def test_twins_whose_middle_names_are_one_letter_apart_are_told_apart(asked, twin):
    person = Person(asked, emails=("perolav@example.no",), birthdate=TWINS_BORN)
    tables = _twins(twin)
    tables["person"][0]["name"] = asked
    status, _, _ = verdicts(CRM_ORDERS, tables, person)
    assert status[("person", "1")] == "confirmed"
    assert not _confirmed(status) & TWINS_ROWS


# -- the person's own row, spelled another way ---------------------------------------------------


@pytest.mark.parametrize("asked, held", [
    ("Kristoffer Aasen Berg", "Kristoffer Åsen Berg"),
    ("Hans Petter Berg", "Hans Peter Berg"),
    ("Anne Margrethe Berg", "Anne Margrete Berg"),
    ("Per Olav Hansen", "Per-Olav Hansen"),
    ("Per Olav Hansen", "Hansen, Per Olav"),
    ("Per Olav Hansen", "HANSEN PER OLAV"),
], ids=["aa for å", "one letter", "th for t", "hyphenated", "comma", "surname first, no comma"])
def test_control_the_persons_own_row_with_an_equivalent_spelling_is_confirmed(asked, held):
    tables = {"person": [{"id": 1, "name": held, "born": "12.06.1994", "email": "me@example.no", "phone": None}],
              "ordre": [{"id": 10, "person_id": 1}]}
    status, _, _ = verdicts(CRM_ORDERS, tables, Person(asked, emails=("me@example.no",), birthdate=TWINS_BORN))
    assert status == {("person", "1"): "confirmed", ("ordre", "10"): "confirmed"}


@pytest.mark.parametrize("asked, held", [
    ("Ole Kristoffer Berg", "Ole Christoffer Berg"), ("Jon Aleksander Berg", "Jon Alexander Berg"),
], ids=["Christoffer/Kristoffer", "Alexander/Aleksander"])
def test_observation_the_persons_own_row_with_another_spelling_of_the_middle_name_waits(asked, held):
    # Held given_name_part (confirmed before c96babd): a needless hold, never an exclusion.
    # (Ola/Olav, Mari/Marie, Erik/Eirik: one typo off, agreeing again since 5f053a5.)
    tables = {"person": [{"id": 1, "name": held, "born": "12.06.1994", "email": "me@example.no", "phone": None}],
              "ordre": [{"id": 10, "person_id": 1}]}
    status, found, _ = verdicts(CRM_ORDERS, tables, Person(asked, emails=("me@example.no",), birthdate=TWINS_BORN))
    assert (status[("person", "1")], found_reason(found, "person", "1")) == ("held", "given_name_part")


_MIDDLE_VARIANT_LOSS = pytest.mark.xfail(strict=True, reason=(
    "LOSS (new, c96babd): the person's own row, found by their own e-mail, middle name spelled another way and a "
    "typing error in its birth date: given_name_part keeps 'name' out of agrees, so Resolver.place's "
    "`\"birthdate_differs\" in assessment.conflicts and \"name\" in assessment.agrees` never makes it "
    "birthdate_differs_named: EXCLUDED with its orders (held before c96babd)"))


@pytest.mark.parametrize("asked, held", [
    ("Per Olav Hansen", "Per Ola Hansen"),  # one typo off: agrees again since 5f053a5
    ("Ole Kristoffer Berg", "Ole Christoffer Berg"),  # fixed: given_name_part counts as named
    ("Jon Aleksander Berg", "Jon Alexander Berg"),
], ids=["control: Ola/Olav", "Christoffer/Kristoffer", "Alexander/Aleksander"])
def test_the_persons_own_row_with_a_middle_name_variant_and_a_typo_in_the_date_is_never_excluded(asked, held):
    tables = {"person": [{"id": 1, "name": held, "born": "12.06.1995", "email": "me@example.no", "phone": None}],
              "ordre": [{"id": 10, "person_id": 1}]}
    status, _, _ = verdicts(CRM_ORDERS, tables, Person(asked, emails=("me@example.no",), birthdate=TWINS_BORN))
    assert status[("person", "1")] != "excluded" and status[("ordre", "10")] != "excluded"


def test_control_the_same_row_with_the_name_as_asked_and_a_typo_in_the_date_is_held():
    tables = {"person": [{"id": 1, "name": "Per Olav Hansen", "born": "12.06.1995", "email": "me@example.no",
                          "phone": None}], "ordre": [{"id": 10, "person_id": 1}]}
    status, found, _ = verdicts(CRM_ORDERS, tables, Person("Per Olav Hansen", emails=("me@example.no",),
                                                           birthdate=TWINS_BORN))
    assert (status[("person", "1")], found_reason(found, "person", "1")) == ("held", "birthdate_differs_named")


INVOICED = system(
    {"kunde": {"key": "id", "identities": [{"type": "email", "column": "epost"}, {"type": "name", "column": "navn"}]},
     "faktura": {"key": "id", "identities": [{"type": "name", "column": "fakturanavn"}]}},
    [("faktura.kunde_id", "kunde.id")],
)


@pytest.mark.parametrize("held", [
    "Ole Kristoffer Berg",
    pytest.param("Ole Christoffer Berg", marks=pytest.mark.xfail(strict=True, reason=(
        "LOSS (new, c96babd): under the person's own customer row with the middle name spelled another way "
        "(given_name_part), the invoice to his wife who pays is no longer names_another (held): "
        "Resolver._own_record needs 'name' in agrees, so it is EXCLUDED name_differs"))),
], ids=["control: as asked", "Christoffer"])
def test_the_invoice_to_the_payer_under_the_persons_own_row_is_held_not_excluded(held):
    tables = {"kunde": [{"id": 1, "navn": held, "epost": "ole@example.no"}],
              "faktura": [{"id": 5, "kunde_id": 1, "fakturanavn": "Kari Berg"}]}
    status, found, _ = verdicts(INVOICED, tables, Person("Ole Kristoffer Berg", emails=("ole@example.no",)))
    assert (status[("faktura", "5")], found_reason(found, "faktura", "5")) == ("held", "names_another")


# =================================================================================================
# 2. 6cd3324 — a birth date the person's own record contradicts
# =================================================================================================

ANNE_E = "anne.moholm@example.no"
ANNE_M = "+4795141442"
LANDLINE = "+4756562083"
DAUGHTER_BORN = date(2012, 9, 2)
DAUGHTERS = {("person", "2"), ("ordre", "20")}


def _mother_and_daughter(**daughter: Any) -> dict:
    return {"person": [
        {"id": 1, "name": "Anne Moholm", "born": "17.04.1980", "email": ANNE_E, "phone": "95141442"},
        {"id": 2, "name": "Anne Moholm", "born": "02.09.2012", "email": "moholm@familie.example", "phone": None,
         **daughter}],
        "ordre": [{"id": 20, "person_id": 2, "vare": "helsestasjon"}]}


def _anne(*, birthdate: date | None, emails: tuple[str, ...] = (), phones: tuple[str, ...] = ()) -> Person:
    return Person("Anne Moholm", emails=(ANNE_E, *emails), phones=(ANNE_M, *phones), birthdate=birthdate)


@pytest.mark.parametrize("daughter, emails, phones", [
    pytest.param({"phone": "95141442"}, (), (), id="her sign-up holds the mother's mobile", marks=pytest.mark.xfail(
        strict=True, reason=(
            "LEAK (older): the daughter's row holds the mother's own mobile (a sign-up a parent made): found by phone, "
            "so Resolver._birthdate_in_doubt (`not {\"email\", \"phone\"} & node.matched_on`) skips it; name and the "
            "typed date agree: CONFIRMED with her order (held child_record before the date was typed)"))),
    pytest.param({"phone": "56 56 20 83"}, (), (LANDLINE,), id="the household landline the request gives",
                 marks=pytest.mark.xfail(strict=True, reason=(
                     "LEAK (older): found by the household landline the request gives: skipped by "
                     "_birthdate_in_doubt (found by phone), CONFIRMED"))),
    pytest.param({}, ("moholm@familie.example",), (), id="the family e-mail the request gives",
                 marks=pytest.mark.xfail(strict=True, reason=(
                     "LEAK (older): found by the family e-mail the request gives: skipped by _birthdate_in_doubt "
                     "(found by e-mail), CONFIRMED"))),
])
def test_the_daughters_date_typed_into_the_mothers_request_releases_nothing_of_hers(daughter, emails, phones):
    status, found, _ = verdicts(CRM_ORDERS, _mother_and_daughter(**daughter),
                                _anne(birthdate=DAUGHTER_BORN, emails=emails, phones=phones))
    assert found_reason(found, "person", "1") == "birthdate_differs_named"  # the evidence is there
    assert not _confirmed(status) & DAUGHTERS


@pytest.mark.parametrize("daughter, emails, phones", [
    ({"phone": "95141442"}, (), ()), ({"phone": "56 56 20 83"}, (), (LANDLINE,)),
    ({}, ("moholm@familie.example",), ()),
], ids=["mother's mobile", "landline", "family e-mail"])
def test_control_without_the_typed_date_the_daughters_row_waits(daughter, emails, phones):
    status, _, _ = verdicts(CRM_ORDERS, _mother_and_daughter(**daughter),
                            _anne(birthdate=None, emails=emails, phones=phones))
    assert not _confirmed(status) & DAUGHTERS


MOTHER_FNR = "17048010083"
DAUGHTER_FNR = "02091250082"
PERSON_FNR = {"key": "id", "identities": [
    {"type": "name", "column": "name"}, {"type": "national_id", "column": "fnr"},
    {"type": "email", "column": "email"}, {"type": "phone", "column": "phone"}]}
CRM_FNR = system({"person": PERSON_FNR, "ordre": {"key": "id"}}, [("ordre.person_id", "person.id")])


def _fnr_tables() -> dict:
    return {"person": [
        {"id": 1, "name": "Anne Moholm", "fnr": MOTHER_FNR, "email": ANNE_E, "phone": "95141442"},
        {"id": 2, "name": "Anne Moholm", "fnr": DAUGHTER_FNR, "email": "moholm@familie.example", "phone": None}],
        "ordre": [{"id": 10, "person_id": 1, "vare": "briller"}, {"id": 20, "person_id": 2, "vare": "helsestasjon"}]}


def test_control_the_fnr_register_without_a_birth_date():
    status, _, _ = verdicts(CRM_FNR, _fnr_tables(), _anne(birthdate=None))
    assert status[("person", "1")] == "confirmed"
    assert not _confirmed(status) & DAUGHTERS


def test_the_daughters_date_typed_never_releases_her_rows_in_a_register_of_fodselsnummer():
    status, _, _ = verdicts(CRM_FNR, _fnr_tables(), _anne(birthdate=DAUGHTER_BORN))
    # Fixed: a national id the person's own row (e-mail, mobile, name) holds, showing another
    # date, puts the typed date in doubt (birthdate_in_doubt). Her own row stays excluded: a
    # valid national id that differs is no typing error (staff see it in 'dsar review excluded').
    assert not _confirmed(status) & DAUGHTERS
    assert status[("person", "1")] == "excluded"


def test_control_the_daughters_row_reached_up_or_in_another_collection_is_held():
    # Reached up from an order found by the mother's e-mail; in a patient table keeping a
    # fødselsnummer beside the CRM's birth date column: held birthdate_in_doubt.
    sysm = system({"person": PERSON_ROW, "ordre": {"key": "id", "identities": [{"type": "email", "column": "epost"}]},
                   "pasient": {"key": "id", "identities": [{"type": "name", "column": "name"},
                                                           {"type": "national_id", "column": "fnr"}]}},
                  [("ordre.person_id", "person.id")])
    tables = {"person": [
        {"id": 1, "name": "Anne Moholm", "born": "17.04.1980", "email": ANNE_E, "phone": "95141442"},
        {"id": 2, "name": "Anne Moholm", "born": "02.09.2012", "email": None, "phone": None}],
        "ordre": [{"id": 20, "person_id": 2, "epost": ANNE_E}],
        "pasient": [{"id": 7, "name": "Anne Moholm", "fnr": DAUGHTER_FNR}]}
    status, found, _ = verdicts(sysm, tables, _anne(birthdate=DAUGHTER_BORN))
    assert (status[("person", "2")], found_reason(found, "person", "2")) == ("held", "birthdate_in_doubt")
    assert (status[("pasient", "7")], found_reason(found, "pasient", "7")) == ("held", "birthdate_in_doubt")


def test_a_namesakes_row_on_the_family_e_mail_holds_none_of_the_persons_own_strong_rows():
    # The son asks with his right birth date; his father's row on the family e-mail says another
    # (birthdate_differs_named). The son's own row found by his own e-mail bears his date out:
    # his row found by name and date is his (round 17: it waited needlessly before).
    son = Person("Ola Hansen", emails=("ola@example.no", "hansen@familie.example"), birthdate=date(1990, 7, 7))
    tables = {"person": [
        {"id": 1, "name": "Ola Hansen", "born": "05.05.1960", "email": "hansen@familie.example", "phone": None},
        {"id": 2, "name": "Ola Hansen", "born": "07.07.1990", "email": None, "phone": None},
        {"id": 3, "name": "Ola Hansen", "born": "07.07.1990", "email": "ola@example.no", "phone": None}],
        "ordre": [{"id": 20, "person_id": 2}]}
    status, found, _ = verdicts(CRM_ORDERS, tables, son)
    assert status[("person", "3")] == status[("person", "2")] == status[("ordre", "20")] == "confirmed"
    assert status[("person", "1")] == "held"


CLINIC_PATIENT = {"key": "id", "identities": [{"type": "name", "column": "name"}, {"type": "birthdate", "column": "born"}]}


def _crm_and_clinic(tmp_path: Path) -> tuple[Worlds, str]:
    worlds = Worlds(tmp_path, {
        "crm": ({"person": PERSON_ROW}, [], {"person": [
            {"id": 1, "name": "Anne Moholm", "born": "17.04.1980", "email": ANNE_E, "phone": "95141442"}]}),
        "klinikk": ({"pasient": CLINIC_PATIENT, "journal": {"key": "id"}}, [("journal.pasient_id", "pasient.id")],
                    {"pasient": [{"id": 7, "name": "Anne Moholm", "born": "02.09.2012"}],
                     "journal": [{"id": 70, "pasient_id": 7, "notat": "helsestasjon"}]}),
    })
    rid = worlds.request(Person.from_given("Anne Moholm", emails=[ANNE_E], phones=["95141442"]))
    worlds.search(rid)
    assert worlds.released(rid) == {("crm", "person", "1")}
    assert worlds.items(rid) == [("klinikk", "pasient/7", None)]  # a child's record, held
    return worlds, rid


@pytest.mark.xfail(strict=True, reason=(
    "LEAK (older): one Resolver per system: the CRM holds the mother's row as birthdate_differs_named once the "
    "daughter's date is typed (add_birthdate), but the clinic's Resolver never sees it: the daughter's patient row "
    "(name + the typed date) and her journal are strong and RELEASED end to end"))
def test_the_daughters_date_typed_releases_nothing_of_hers_in_another_system(tmp_path):
    worlds, rid = _crm_and_clinic(tmp_path)
    worlds.store.add_birthdate(rid, "02.09.2012", actor="tester")
    worlds.search(rid)
    assert ("crm", "person/1", None) in worlds.items(rid)  # the CRM knows the date is in doubt
    assert not {s for s in worlds.released(rid) if s[0] == "klinikk"}


def test_control_the_mothers_own_date_releases_her_and_nothing_of_the_daughters(tmp_path):
    worlds, rid = _crm_and_clinic(tmp_path)
    worlds.store.add_birthdate(rid, "17.04.1980", actor="tester")
    worlds.search(rid)
    assert worlds.released(rid) == {("crm", "person", "1")}


# =================================================================================================
# 3. a2080c2 — an instant with a zone read as the day in Oslo
# =================================================================================================

BORN_17 = date(1961, 1, 17)


def _own_row_written(born: Any) -> dict:
    return {"person": [{"id": 1, "name": "Ola Hansen", "born": born, "email": "ola.gammel@example.no", "phone": None},
                       {"id": 2, "name": "Ola Hansen", "born": None, "email": "ola@example.no", "phone": None}]}


@pytest.mark.parametrize("born", [
    "1961-01-16T23:00:00.000Z", "1961-01-16T23:00:00+00:00", "1961-01-16T23:00:00.000+0000",
    "1961-01-16T23:00Z", "1961-01-16 23:00:00Z", "1961-01-16T18:00:00-05:00", "1961-01-17T00:00:00-05:00",
    "1961-01-17T00:00:00+01:00", "1961-01-17Z", "1961-01-17+01:00", "1961-01-16T23:00:00.0000000Z",
    datetime(1961, 1, 16, 23, tzinfo=UTC), datetime(1961, 1, 17, 0, tzinfo=timezone(timedelta(hours=1))),
    22298,
], ids=lambda v: str(v))
def test_control_oslo_midnight_written_as_an_instant_is_the_persons_date(born):
    assert as_date(born) == BORN_17
    status, _, _ = verdicts(CRM, _own_row_written(born), Person("Ola Hansen", emails=("ola@example.no",),
                                                                birthdate=BORN_17))
    assert status[("person", "1")] != "excluded"


def test_control_pandas_timestamps_with_a_zone_are_read_in_oslo():
    pd = pytest.importorskip("pandas")
    assert as_date(pd.Timestamp("1961-01-16T23:00:00Z")) == BORN_17
    assert as_date(pd.Timestamp("1961-01-16T23:00:00Z").tz_convert("America/New_York")) == BORN_17
    assert as_date(pd.Timestamp("1961-01-17")) == BORN_17


@pytest.mark.parametrize("born", ["1961-01-16T00:00:00.000Z", "1961-01-16", "1961-01-16T12:00:00+01:00"])
def test_control_a_namesake_born_the_day_before_is_still_another(born):
    # The leak direction: the namesake's 16.01 written as UTC midnight stays the 16th.
    tables = {"person": [{"id": 1, "name": "Ola Hansen", "born": "17.01.1961", "email": "ola@example.no", "phone": None},
                         {"id": 3, "name": "Ola Hansen", "born": born, "email": None, "phone": None}]}
    status, _, _ = verdicts(CRM, tables, Person("Ola Hansen", emails=("ola@example.no",), birthdate=BORN_17))
    assert status[("person", "1")] == "confirmed" and status[("person", "3")] == "excluded"


@pytest.mark.parametrize("born", [
    # Fixed: an instant is some zone's midnight; the nearest midnight is the day (as_date).
    pytest.param("1961-01-16 23:00:00+00", id="postgres text +00"),
    pytest.param("1961-01-16 23:00:00 UTC", id="UTC word"),
    pytest.param("1961-01-16T23:00Z[UTC]", id="java zoned"),
    pytest.param("1961-01-17T00:00:00+02:00", id="midnight east of Oslo"),
    pytest.param("1975-07-16T22:00:00.000Z", id="summer time applied to 1975"),
])
def test_the_persons_own_row_with_an_instant_for_a_birth_date_is_never_excluded(born):
    birthdate = date(1975, 7, 17) if born.startswith("1975") else BORN_17
    status, _, _ = verdicts(CRM, _own_row_written(born), Person("Ola Hansen", emails=("ola@example.no",),
                                                                birthdate=birthdate))
    assert status[("person", "1")] != "excluded"


def test_control_staff_never_type_an_instant():
    with pytest.raises(InputError):
        parse_birthdate("1961-01-16T23:00:00Z")
    assert parse_birthdate("1961-01-17") == BORN_17


# =================================================================================================
# 4. e9cdd20 — a record reached down that names another owner by a field that is no key
# =================================================================================================

HUSBANDS_VISIT = ("visit", "10")
HER_VISIT = ("visit", "11")


def _numbered_patients() -> list[dict]:
    patients = _patients()
    for row in patients:
        row["nr"] = f"P{row['id']}"
    return patients


def _by_number():
    return system(_collections(False), [("visit.patient_nr", "patient.nr"), ("visit.booked_by", "patient.id"),
                                        ("sms.visit_id", "visit.id")])


@pytest.mark.parametrize("value", ["", " ", None, "NULL", "-"], ids=repr)
def test_control_her_own_visit_with_no_patient_number_is_confirmed(value):
    tables = {"patient": _numbered_patients(), "visit": [{"id": 11, "patient_nr": value, "booked_by": 5}], "sms": []}
    status, _, _ = verdicts(_by_number(), tables, KRISTIN)
    assert status[HER_VISIT] == "confirmed"


@pytest.mark.parametrize("value", [" P1 ", "P1", "p1"], ids=repr)
def test_control_the_husbands_number_however_written_holds_the_visit(value):
    tables = {"patient": _numbered_patients(), "visit": [{"id": 10, "patient_nr": value, "booked_by": 5}], "sms": []}
    status, _, _ = verdicts(_by_number(), tables, KRISTIN)
    assert status[HUSBANDS_VISIT] != "confirmed"


def test_control_the_husbands_number_as_an_integer_holds_the_visit():
    patients = _patients()
    for row in patients:
        row["nr"] = 1000 + row["id"]
    tables = {"patient": patients, "visit": [{"id": 10, "patient_nr": 1001, "booked_by": 5}], "sms": []}
    status, found, _ = verdicts(_by_number(), tables, KRISTIN)
    assert (status[HUSBANDS_VISIT], found_reason(found, "visit", "10")) == ("held", "owner_unchecked")


def test_control_her_own_visit_reached_down_by_her_number_is_confirmed():
    tables = {"patient": _numbered_patients(), "visit": [{"id": 11, "patient_nr": "P5", "booked_by": None}],
              "sms": []}
    status, _, _ = verdicts(_by_number(), tables, KRISTIN)
    assert status[HER_VISIT] == "confirmed"


@pytest.mark.xfail(strict=True, reason=(
    "LOSS (new, e9cdd20: held needlessly): her own visit carries both her patient key (reached down by it) and her "
    "own patient number: Resolver.place's down rule checks only that the other reference holds a value "
    "(`not no_value(raw.fields.get(field))`), never that it names the row it was reached from: owner_unchecked"))
def test_her_own_visit_with_her_key_and_her_own_number_is_confirmed():
    sysm = system(_collections(False), [("visit.patient_id", "patient.id"), ("visit.patient_nr", "patient.nr"),
                                        ("sms.visit_id", "visit.id")])
    tables = {"patient": _numbered_patients(), "visit": [{"id": 11, "patient_id": 5, "patient_nr": "P5"}], "sms": []}
    status, _, _ = verdicts(sysm, tables, KRISTIN)
    assert status[HER_VISIT] == "confirmed"


def test_control_her_key_and_the_husbands_number_is_held():
    sysm = system(_collections(False), [("visit.patient_id", "patient.id"), ("visit.patient_nr", "patient.nr"),
                                        ("sms.visit_id", "visit.id")])
    tables = {"patient": _numbered_patients(), "visit": [{"id": 11, "patient_id": 5, "patient_nr": "P1"}], "sms": []}
    status, _, _ = verdicts(sysm, tables, KRISTIN)
    assert status[HER_VISIT] != "confirmed"


STAFF_NAMED = {"key": "id", "identities": [{"type": "name", "column": "name"}]}


@pytest.mark.parametrize("staff", ["salesperson", "doctor"])
def test_her_own_record_naming_a_member_of_staff_by_number_is_confirmed(staff):
    if staff == "salesperson":
        sysm = system({"customer": {"key": "id", "identities": [{"type": "email", "column": "email"},
                                                                {"type": "name", "column": "name"}]},
                       "employee": STAFF_NAMED, "ordre": {"key": "id"}},
                      [("ordre.customer_id", "customer.id"), ("ordre.seller_nr", "employee.ansattnr")])
        tables = {"customer": [{"id": 1, "name": "Kari Nordmann", "email": "kari@example.no"}],
                  "employee": [{"id": 9, "name": "Per Selger", "ansattnr": "A-17"}],
                  "ordre": [{"id": 10, "customer_id": 1, "seller_nr": "A-17", "vare": "sofa"}]}
        mine = ("ordre", "10")
    else:
        sysm = system({"pasient": {"key": "id", "identities": [{"type": "email", "column": "email"},
                                                               {"type": "name", "column": "name"}]},
                       "lege": STAFF_NAMED, "besok": {"key": "id"}},
                      [("besok.pasient_id", "pasient.id"), ("besok.lege_hpr", "lege.hpr")])
        tables = {"pasient": [{"id": 1, "name": "Kari Nordmann", "email": "kari@example.no"}],
                  "lege": [{"id": 4, "name": "Dr. Eva Lege", "hpr": 9144889}],
                  "besok": [{"id": 10, "pasient_id": 1, "lege_hpr": 9144889, "notat": "kontroll"}]}
        mine = ("besok", "10")
    status, _, _ = verdicts(sysm, tables, Person("Kari Nordmann", emails=("kari@example.no",)))
    assert status[mine] == "confirmed"


@pytest.mark.xfail(strict=True, reason=(
    "LEAK (older): the husband's visit names his journal by number (visit.journal_nr -> journal.nr; the journal "
    "points to his patient row by key): the journal says nothing itself (not assessable), so "
    "Resolver._unchecked_refs leaves the reference out; reached down from Kristin's row by booked_by, the visit "
    "is CONFIRMED"))
def test_the_husbands_visit_named_by_journal_number_is_never_confirmed():
    sysm = system(_collections(False, journal={"key": "id"}),
                  [("journal.patient_id", "patient.id"), ("visit.journal_nr", "journal.nr"),
                   ("visit.booked_by", "patient.id"), ("sms.visit_id", "visit.id")])
    tables = {"patient": _numbered_patients(), "journal": [{"id": 7, "nr": "J7", "patient_id": 1}],
              "visit": [{"id": 10, "journal_nr": "J7", "booked_by": 5, "note": "urologi"}], "sms": []}
    status, _, _ = verdicts(sysm, tables, KRISTIN)
    assert status[HUSBANDS_VISIT] != "confirmed"


@pytest.mark.xfail(strict=True, reason=(
    "LEAK (older): the number reference declared the other way round (patient.nr -> visit.patient_nr: keys on "
    "neither side, so oriented_references never turns it): the visit is the parent, _unchecked_refs has nothing "
    "for it; the husband's patient row is reached DOWN from the visit and EXCLUDED, yet the visit is CONFIRMED"))
def test_the_husbands_visit_with_the_number_reference_declared_backwards_is_never_confirmed():
    sysm = system(_collections(False), [("patient.nr", "visit.patient_nr"), ("visit.booked_by", "patient.id"),
                                        ("sms.visit_id", "visit.id")])
    tables = {"patient": _numbered_patients(),
              "visit": [{"id": 10, "patient_nr": "P1", "booked_by": 5, "note": "urologi"}], "sms": []}
    status, _, _ = verdicts(sysm, tables, KRISTIN)
    assert status[("patient", "1")] == "excluded"  # his row is found, and known to be his
    assert status[HUSBANDS_VISIT] != "confirmed"


# =================================================================================================
# 5. 88d3192 — an acceptance the new search no longer holds, end to end
# =================================================================================================

SON = {"person": [{"id": 2, "name": "Ola Hansen", "born": "07.07.1990", "email": "ola.jr@example.no", "phone": None}],
       "ordre": [{"id": 20, "person_id": 2, "vare": "HIV-test"}]}
SHOP = ({"person": PERSON_ROW, "ordre": {"key": "id"}}, [("ordre.person_id", "person.id")])


def _sons_world(tmp_path: Path, systems: tuple[str, ...] = ("butikk",), decision: str = "accepted",
                rows: dict | None = None) -> tuple[Worlds, str]:
    """The father asks by name and his own e-mail; his son's row of the same name is found by
    name alone (``name_only``), and staff decide on it before the birth date is known."""
    worlds = Worlds(tmp_path, {sid: (*SHOP, copy.deepcopy(rows or SON)) for sid in systems})
    rid = worlds.request(Person.from_given("Ola Hansen", emails=["ola@example.no"]))
    worlds.search(rid)
    assert worlds.items(rid) == [(sid, "person/2", None) for sid in systems]
    for item in worlds.store.review_items(rid):
        worlds.store.decide(rid, item.id, decision, "tester")
    return worlds, rid


def _sons(*systems: str) -> set[tuple[str, str, str]]:
    return {(sid, c, k) for sid in systems for c, k in (("person", "2"), ("ordre", "20"))}


def test_control_a_failed_re_run_releases_nothing_on_the_old_acceptance(tmp_path):
    worlds, rid = _sons_world(tmp_path)
    assert worlds.released(rid) == _sons("butikk")
    worlds.store.add_birthdate(rid, "05.05.1960", actor="tester")
    engine = sa.create_engine(f"sqlite:///{tmp_path}/sources/butikk.db")
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE person RENAME TO person_old")
    engine.dispose()
    with pytest.raises(ConnectorError):
        worlds.search(rid)
    # The old staging and the old acceptance are still there; nothing of them leaves.
    assert worlds.items(rid) == [("butikk", "person/2", "accepted")]
    assert worlds.statuses(rid) == {"butikk": "failed"}
    assert worlds.released(rid) == set()
    engine = sa.create_engine(f"sqlite:///{tmp_path}/sources/butikk.db")
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE person_old RENAME TO person")
    engine.dispose()
    worlds.search(rid)
    assert worlds.items(rid) == [] and ("butikk", "person/2") in worlds.excluded(rid)
    assert worlds.released(rid) == set()


def test_control_a_partial_re_run_releases_nothing_of_the_system_not_searched_again(tmp_path):
    worlds, rid = _sons_world(tmp_path, ("butikk", "klubb"))
    assert worlds.released(rid) == _sons("butikk", "klubb")
    worlds.store.add_birthdate(rid, "05.05.1960", actor="tester")
    worlds.search(rid, only=("butikk",))
    assert worlds.items(rid) == [("klubb", "person/2", "accepted")]  # not searched again yet
    assert worlds.statuses(rid)["klubb"] == "failed"  # pending: reported, nothing of it released
    assert worlds.released(rid) == set()
    worlds.search(rid, only=("klubb",))
    assert worlds.items(rid) == [] and worlds.released(rid) == set()


def test_control_a_group_changed_and_excluded_leaves_no_decision_behind(tmp_path):
    worlds, rid = _sons_world(tmp_path)
    [old] = worlds.store.review_items(rid)
    # The son's row is edited at the source (his mobile added) as the birth date arrives.
    rows = copy.deepcopy(SON)
    rows["person"][0]["phone"] = "41234567"
    worlds.write("butikk", rows)
    worlds.store.add_birthdate(rid, "05.05.1960", actor="tester")
    worlds.search(rid)
    assert worlds.items(rid) == [] and worlds.released(rid) == set()
    with pytest.raises(InputError):
        worlds.store.decide(rid, old.id, "accepted", "tester")
    assert worlds.released(rid) == set()


def test_control_a_rejection_stands_over_the_exclusion_and_when_held_again(tmp_path):
    worlds, rid = _sons_world(tmp_path, decision="rejected")
    [item] = worlds.store.review_items(rid)
    worlds.store.add_birthdate(rid, "05.05.1960", actor="tester")
    worlds.search(rid)
    assert worlds.items(rid) == [("butikk", "person/2", "rejected")]  # shown, standing
    assert worlds.released(rid) == set()
    # Round 17: accepting it now takes the rejection back, and the group follows the search:
    # excluded, nothing released (only 'reconsider' puts an excluded group to staff).
    worlds.store.decide(rid, item.id, "accepted", "tester")
    assert worlds.items(rid) == [] and worlds.released(rid) == set()
    with pytest.raises(InputError, match="venter ikke lenger"):
        worlds.store.decide(rid, item.id, "accepted", "tester")
    # The son's row now holds the family e-mail staff add: held again, a question again.
    rows = copy.deepcopy(SON)
    rows["person"][0]["email"] = "hansen@familie.example"
    worlds.write("butikk", rows)
    worlds.store.add_identifiers(rid, emails=["hansen@familie.example"], actor="tester")
    worlds.search(rid)
    assert worlds.released(rid) == set()


def test_control_a_voided_acceptance_is_asked_again_when_the_group_is_held_again(tmp_path):
    worlds, rid = _sons_world(tmp_path)
    worlds.store.add_birthdate(rid, "05.05.1960", actor="tester")
    worlds.search(rid)
    assert worlds.items(rid) == [] and worlds.released(rid) == set()
    # The birth date typo is found at the source: the son's row now holds an unreadable date.
    rows = copy.deepcopy(SON)
    rows["person"][0]["born"] = "1990-20-09"
    worlds.write("butikk", rows)
    worlds.store.prepare_runs(rid, ["butikk"])
    worlds.store.add_identifiers(rid, emails=["ola.privat@example.no"], actor="tester")
    worlds.search(rid)
    items = worlds.items(rid)
    assert items and all(decision is None for _, _, decision in items)  # a question again, not carried
    assert worlds.released(rid) == set()


def test_control_only_reconsider_and_a_new_acceptance_release_the_voided_group(tmp_path):
    worlds, rid = _sons_world(tmp_path, ("butikk", "klubb"))
    worlds.store.add_birthdate(rid, "05.05.1960", actor="tester")
    worlds.search(rid)
    assert worlds.excluded(rid) == {("butikk", "person/2"), ("klubb", "person/2")}
    # Offered on the request page (the dashboard lists excluded groups not yet reconsidered).
    assert not any(g.reconsidered for g in excluded_groups(worlds.ws, worlds.store, rid))
    item = reconsider(worlds.ws, worlds.store, rid, "butikk", "person/2", "tester")
    assert worlds.released(rid) == set()  # put to staff, not yet decided
    worlds.store.decide(rid, item, "accepted", "tester")
    assert worlds.released(rid) == _sons("butikk")  # that system only



def test_an_acceptance_given_on_a_name_alone_never_releases_a_row_now_held_for_another_birth_date(tmp_path):
    rows = copy.deepcopy(SON)
    rows["person"][0]["email"] = "hansen@familie.example"  # the family address, his own row
    worlds, rid = _sons_world(tmp_path, rows=rows)
    assert worlds.released(rid) == _sons("butikk")  # accepted: nothing said it was another's
    worlds.store.add_identifiers(rid, emails=["hansen@familie.example"], actor="tester")
    worlds.store.add_birthdate(rid, "05.05.1960", actor="tester")
    worlds.search(rid)
    [item] = worlds.store.review_items(rid)
    assert item.reason == "birthdate_differs_named"  # the search says: another birth date
    assert not worlds.released(rid) & _sons("butikk")


def test_control_the_same_answers_one_run_at_a_time_void_or_hold_the_acceptance(tmp_path):
    # The birth date first: the son's row is excluded (voided); the e-mail then holds it as
    # birthdate_differs_named with no decision. Nothing of his is released either way.
    rows = copy.deepcopy(SON)
    rows["person"][0]["email"] = "hansen@familie.example"
    worlds, rid = _sons_world(tmp_path, rows=rows)
    worlds.store.add_birthdate(rid, "05.05.1960", actor="tester")
    worlds.search(rid)
    assert worlds.released(rid) == set()
    worlds.store.add_identifiers(rid, emails=["hansen@familie.example"], actor="tester")
    worlds.search(rid)
    assert worlds.items(rid) == [("butikk", "person/2", None)]
    assert worlds.released(rid) == set()
