"""The open question: where records beside the person's hold e-mails or phones the request
didn't give, staff are told how many (never which) so they ask the person for every e-mail
and phone they use; what the person names finds the rest.

A club's register: the child's member row, and one contact row per identifier pointing to it
(the parent who asks, by e-mail; the same parent's mobile the request left out; the other
parent's mobile)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa

from connectors import connector_for
from dsar.config.models import System
from dsar.search import final_findings
from dsar.store import Person
from dsar.workspace import Workspace
from tests.connector_contract import REGISTER

KARI_EMAIL, KARI_MOBILE, OLA_MOBILE = "kari@example.no", "41234567", "98765432"


def _club(tmp_path: Path) -> System:
    url = f"sqlite:///{tmp_path / 'klubb.db'}"
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    medlem = sa.Table("medlem", meta, sa.Column("medlem_id", sa.Integer, primary_key=True),
                      sa.Column("fornavn", sa.Text), sa.Column("etternavn", sa.Text), sa.Column("fodt", sa.Date))
    kontakt = sa.Table("kontakt", meta, sa.Column("kontakt_id", sa.Integer, primary_key=True),
                       sa.Column("medlem_id", sa.Integer), sa.Column("verdi", sa.Text), sa.Column("rolle", sa.Text))
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(medlem.insert(), [{"medlem_id": 1, "fornavn": "Emma", "etternavn": "Hansen",
                                        "fodt": date(2014, 5, 1)}])
        conn.execute(kontakt.insert(), [
            {"kontakt_id": 1, "medlem_id": 1, "verdi": KARI_EMAIL, "rolle": "Foresatt"},
            {"kontakt_id": 2, "medlem_id": 1, "verdi": KARI_MOBILE, "rolle": "Foresatt"},
            {"kontakt_id": 3, "medlem_id": 1, "verdi": OLA_MOBILE, "rolle": "Foresatt"},
        ])
    engine.dispose()
    return System.model_validate({
        "id": "klubb", "title": "Medlemsregister", "connector": "sql", "connection": {"url": url},
        "register": REGISTER,
        "collections": {
            "medlem": {"title": "Medlemmer", "table": "medlem", "key": "medlem_id", "identities": [
                {"type": "name", "columns": ["fornavn", "etternavn"]}, {"type": "birthdate", "column": "fodt"}]},
            "kontakt": {"title": "Kontakter", "table": "kontakt", "key": "kontakt_id", "identities": [
                {"type": "email", "column": "verdi"}, {"type": "phone", "column": "verdi"}]},
        },
        "references": [{"from": "kontakt.medlem_id", "to": "medlem.medlem_id"}],
    })


def _search(system: System, tmp_path: Path, person: Person) -> tuple[dict[tuple[str, str], str], int, list]:
    counts: list[int] = []
    offered: list[tuple[str, str]] = []
    with connector_for(system, Workspace(root=tmp_path)) as connector:
        found = final_findings(connector, system, person, suggestions=offered, unattributed=counts)
    return {(f.collection, f.key): f.status for f in found}, sum(counts), offered


def test_identifiers_beside_the_persons_rows_are_counted_never_offered(tmp_path):
    system = _club(tmp_path)
    status, unattributed, offered = _search(system, tmp_path, Person("Kari Hansen", emails=(KARI_EMAIL,)))
    assert status[("kontakt", "1")] == "confirmed"
    assert status[("kontakt", "2")] != "confirmed" and status[("kontakt", "3")] != "confirmed"
    assert unattributed == 2  # her mobile and Ola's: which is hers, only she can say
    assert offered == []  # never shown to her as "yours?"


def test_what_the_person_names_when_asked_finds_their_row_and_no_more(tmp_path):
    system = _club(tmp_path)
    kari = Person("Kari Hansen", emails=(KARI_EMAIL,), phones=("+47" + KARI_MOBILE,))
    status, unattributed, _ = _search(system, tmp_path, kari)
    assert status[("kontakt", "2")] == "confirmed"
    assert status[("kontakt", "3")] != "confirmed" and status[("medlem", "1")] != "confirmed"
    assert unattributed == 1  # Ola's mobile is still there, and still not hers


def test_nothing_beside_the_person_asks_nothing(tmp_path):
    system = _club(tmp_path)
    status, unattributed, _ = _search(system, tmp_path, Person("Per Berg", emails=("per@example.no",)))
    assert status == {} and unattributed == 0
