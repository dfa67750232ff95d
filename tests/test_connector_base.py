"""The search every connector inherits: lookups, then references, each record once.

An in-memory connector implements ``select`` over dicts, so only the base class is tested.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from connectors.base import REFERENCE_CHUNK, Condition, Connector
from dsar.config.models import System
from dsar.errors import ConnectorError
from dsar.identity import looks_like_email
from dsar.records import Lookup
from dsar.search import findings
from dsar.store import Person

SYSTEM = System.model_validate(
    {
        "id": "billett",
        "title": "Billettsystem",
        "connector": "sql",
        "connection": {"url": "sqlite:///unused.db"},
        "register": {
            "purposes": ["Billettsalg"],
            "legal_basis": ["Avtale"],
            "categories": ["Navn"],
            "recipients": [],
            "retention": "Til kontoen slettes",
            "sources": [],
            "transfers": [],
            "profiling": False,
            "automated_decisions": False,
        },
        "collections": {
            "accounts": {
                "title": "Kontoer",
                "table": "accounts",
                "key": "id",
                "identities": [
                    {"type": "email", "column": "email"},
                    {"type": "name", "column": "name"},
                ],
            },
            "tickets": {"title": "Billetter", "table": "tickets", "key": "id"},
            "shows": {"title": "Forestillinger", "table": "shows", "key": "show_id"},
        },
        # Tickets hang off accounts; a show is reached from the tickets that name it.
        "references": [
            {"from": "tickets.account_id", "to": "accounts.id"},
            {"from": "shows.show_id", "to": "tickets.show_id"},
        ],
    }
)

FAMILY = "familien@example.no"
TABLES = {
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


class DictConnector(Connector):

    def __init__(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        super().__init__(SYSTEM, workspace=None)  # type: ignore[arg-type]
        self.tables = tables
        self.selects: list[tuple[str, int]] = []

    def check(self) -> tuple[bool, str | None]:
        return True, None

    def select(self, collection, conditions: Sequence[Condition]) -> Iterator[dict[str, Any]]:
        self.selects.append((collection.id, sum(len(c.values) for c in conditions)))
        for row in self.tables[collection.table]:
            for c in conditions:
                value = row.get(c.field)
                if c.kind == "email" and looks_like_email(value) in c.values:
                    yield dict(row)
                    break
                if c.kind == "exact" and value in c.values:
                    yield dict(row)
                    break


def search(tables=TABLES, name="Kari Nordmann", connector_class=None):
    connector = (connector_class or DictConnector)(tables)
    return list(findings(connector, SYSTEM, Person(name=name, emails=(FAMILY,)))), connector


def test_each_record_once_parents_before_children():
    findings, _ = search()
    keys = [(f.collection, f.key) for f in findings]
    assert len(keys) == len(set(keys))
    assert keys[:2] == [("accounts", "1"), ("accounts", "2")]
    assert ("accounts", "3") not in keys and ("tickets", "13") not in keys and ("shows", "7") not in keys


def test_a_row_shared_with_a_held_record_is_kept_as_the_persons():
    findings, _ = search()
    status = {(f.collection, f.key): f.status for f in findings}
    assert status[("accounts", "1")] == "held"  # Ola: same family e-mail, another name
    assert status[("tickets", "10")] == "held" and status[("tickets", "12")] == "held"
    assert status[("tickets", "11")] == "confirmed"
    assert status[("shows", "5")] == "confirmed"  # Kari saw it too, though Ola's ticket comes first
    assert status[("shows", "6")] == "held"


def test_references_are_followed_in_bounded_chunks():
    many = {
        "accounts": [{"id": 2, "name": "Kari Nordmann", "email": FAMILY}],
        "tickets": [{"id": i, "account_id": 2, "show_id": i} for i in range(1, 1201)],
        "shows": [{"show_id": i, "title": f"Show {i}"} for i in range(1, 1201)],
    }
    findings, connector = search(many)
    assert sum(1 for f in findings if f.collection == "shows") == 1200
    show_selects = [n for c, n in connector.selects if c == "shows"]
    assert show_selects == [REFERENCE_CHUNK, REFERENCE_CHUNK, 200]


def _fold(value) -> str:
    """How a permissive collation compares: blanks, case and accents ignored."""
    import unicodedata

    text = unicodedata.normalize("NFKD", str(value).strip().casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


class LooseConnector(DictConnector):
    """A database whose comparisons are looser than the product's normalising."""

    def select(self, collection, conditions):
        for row in self.tables[collection.table]:
            for c in conditions:
                if any(_fold(row.get(c.field)) == _fold(v) for v in c.values):
                    yield dict(row)
                    break


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
    connector = LooseConnector(tables)
    found = list(connector.find(Lookup(emails=("åse@example.no",))))
    assert [(r.collection, r.key) for r in found] == [("accounts", "1")]


def test_a_child_whose_held_parent_cant_be_pinned_down_stops_the_search():
    tables = {
        "accounts": [{"id": "K-Å", "name": "Ola Nordmann", "email": FAMILY}],
        "tickets": [{"id": 10, "account_id": "k-a", "show_id": None}],  # the collation's match
        "shows": [],
    }
    with pytest.raises(ConnectorError, match="matches no 'accounts' record exactly"):
        search(tables, connector_class=LooseConnector)


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
    found, _ = search(tables, connector_class=LooseConnector)
    tickets = {f.key: (f.status, f.review_key) for f in found if f.collection == "tickets"}
    assert tickets == {"10": ("held", "accounts/2"), "11": ("held", "accounts/K-2 ")}
