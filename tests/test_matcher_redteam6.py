"""Sixth red-team round on the record matcher: the HTTP API connector's follow-on endpoints
(``by.<field>`` filling a field the vendor left out), placeholder reference values in a CSV
export ("NULL"), and Unicode spellings of e-mails and phones in the SQLite connector
(zero-width spaces, NBSP, lookalike letters, fullwidth digits) against ``row_matches``.

Each case asserts the SAFE behaviour. The two leaks this round found are fixed: an API
record is given the asked-for parent's key only when the endpoint's path names it and the
record lacks the field (never over an explicit null, never for a query filter a vendor may
ignore), and ``NULL``/``\\N`` reference values are no reference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from connectors import connector_for
from dsar.config.models import System
from dsar.search import final_findings
from dsar.store import Person
from dsar.workspace import Workspace
from tests.connector_contract import API_TOKEN, API_TOKEN_ENV, EMAIL, NAME, REGISTER, api_system
from tests.test_matcher_redteam5 import SHOP, _csv_system, _write, run

# -- API: a follow-on endpoint that ignores its filter; guest orders say customer_id: null -----

KARI = {"id": 1, "name": NAME, "email": EMAIL, "phone": "+47 912 34 567"}
OLA = {"id": 2, "name": "Ola Nordmann", "email": "ola@example.no", "phone": "98765432"}
ALL_ORDERS = [
    {"id": 10, "customer_id": 1, "total": "499.00"},
    {"id": 20, "customer_id": 2, "total": "99.00"},
    {"id": 30, "customer_id": None, "total": "249.00", "note": "gjestekjøp, Per Hansen"},
]


def _vendor(orders: list[dict[str, Any]]):
    """A vendor whose ``GET /orders?customer_id=…`` ignores the filter it doesn't support and
    answers every order (a common API behaviour): our test must sort them."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/users"):
            email = request.url.params.get("email")
            users = [u for u in (KARI, OLA) if email and u["email"] == email]
            return httpx.Response(200, json={"data": users, "next": None})
        if path.endswith("/orders"):
            return httpx.Response(200, json={"data": orders, "next": None})
        return httpx.Response(404, json={})

    return httpx.MockTransport(handler)


def _api_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, orders: list[dict[str, Any]]):
    monkeypatch.setenv(API_TOKEN_ENV, API_TOKEN)
    raw = api_system("http://vendor.invalid")
    raw["collections"]["orders"]["by"] = {
        "customer_id": {"path": "/orders", "params": {"customer_id": "{customer_id}"}, "items": "data",
                        "paging": "next"}}
    system = System.model_validate(raw)
    api = connector_for(system, Workspace(root=tmp_path))
    api._client = httpx.Client(transport=_vendor(orders))  # type: ignore[attr-defined]
    with api:
        found = final_findings(api, system, Person(NAME, emails=(EMAIL,)))
    return {(f.collection, f.key): f.status for f in found}


def test_orders_of_another_customer_an_unfiltering_vendor_returns_are_not_confirmed(tmp_path, monkeypatch):
    status = _api_findings(tmp_path, monkeypatch, ALL_ORDERS[:2])
    assert status[("customers", "1")] == "confirmed"
    assert status[("orders", "10")] == "confirmed"
    assert status.get(("orders", "20")) != "confirmed"


def test_a_guest_order_with_customer_id_null_is_not_confirmed_for_the_customer(tmp_path, monkeypatch):
    status = _api_findings(tmp_path, monkeypatch, ALL_ORDERS)
    assert status[("orders", "10")] == "confirmed"
    assert status.get(("orders", "30")) != "confirmed"


def test_a_guest_order_without_a_customer_id_field_is_not_confirmed_when_the_filter_is_a_parameter(
        tmp_path, monkeypatch):
    guest = {"id": 31, "total": "59.00"}
    status = _api_findings(tmp_path, monkeypatch, [ALL_ORDERS[0], guest])
    assert status.get(("orders", "31")) != "confirmed"


# -- CSV: a reference exported as the text NULL ----------------------------------------------------


@pytest.mark.parametrize("placeholder", ["NULL", "\\N"])
def test_a_customer_number_exported_as_null_text_does_not_pull_in_guest_orders(tmp_path, placeholder):
    system = _csv_system(SHOP, [("ordre.kundenr", "kunde.kundenr")])
    _write(tmp_path, {
        "kunde": f"rad;kundenr;navn;epost\n1;{placeholder};Kari Hansen;kari@example.no\n2;7;Per Lunde;per@example.no\n",
        "ordre": f"ordrenr;kundenr;vare\n100;7;sykkel\n101;{placeholder};graviditetstest\n",
    })
    status, released, _ = run(system, Workspace(root=tmp_path), Person("Kari Hansen", emails=("kari@example.no",)))
    assert status[("kunde", "1")] == "confirmed"
    assert status.get(("ordre", "101")) != "confirmed"
    assert ("ordre", "101") not in released


# -- SQLite: Unicode spellings of another person's address or number -------------------------------

SQL_COLLECTIONS = {
    "kunde": {"key": "id", "identities": [
        {"type": "email", "column": "epost"}, {"type": "phone", "column": "tlf"},
        {"type": "name", "column": "navn"}]},
}


def _sqlite(tmp_path: Path, rows: list[dict[str, Any]]) -> System:
    url = f"sqlite:///{tmp_path / 'kilde.db'}"
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    table = sa.Table("kunde", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("navn", sa.Text),
                     sa.Column("epost", sa.Text), sa.Column("tlf", sa.Text))
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    engine.dispose()
    return System.model_validate({
        "id": "db", "title": "DB", "connector": "sql", "connection": {"url": url}, "register": REGISTER,
        "collections": {cid: {"title": cid, "table": cid, **c} for cid, c in SQL_COLLECTIONS.items()},
    })


def _sql_status(tmp_path: Path, rows: list[dict[str, Any]], person: Person) -> dict[str, str]:
    system = _sqlite(tmp_path, rows)
    with connector_for(system, Workspace(root=tmp_path)) as connector:
        return {f.key: f.status for f in final_findings(connector, system, person)}


@pytest.mark.parametrize("spelling", [
    pytest.param("kari\u200b@example.no", id="zero-width space"),
    pytest.param("k\u0430ri@example.no", id="cyrillic a"),
    pytest.param("\u212aari@example.no", id="kelvin sign"),
    pytest.param("kari\u00ad@example.no", id="soft hyphen"),
    pytest.param("kari@exarnple.no", id="rn for m"),
])
def test_a_namesakes_lookalike_address_is_not_confirmed_from_sqlite(tmp_path, spelling):
    rows = [{"id": 1, "navn": "Kari Hansen", "epost": "kari@example.no", "tlf": None},
            {"id": 2, "navn": "Kari Hansen", "epost": spelling, "tlf": None}]
    status = _sql_status(tmp_path, rows, Person("Kari Hansen", emails=("kari@example.no",)))
    assert status["1"] == "confirmed"
    assert status.get("2") != "confirmed"


@pytest.mark.parametrize("spelling", [
    pytest.param("\uff19\uff11\uff12\uff13\uff14\uff15\uff16\uff18", id="fullwidth, one digit off"),
    pytest.param("9123\u200b4568", id="zero-width space, one digit off"),
    pytest.param("912 34 5678", id="nine digits"),
    pytest.param("9123456 MOR", id="letters read as keypad digits"),
])
def test_a_namesakes_phone_spelled_oddly_is_not_confirmed_from_sqlite(tmp_path, spelling):
    rows = [{"id": 1, "navn": "Kari Hansen", "epost": "kari@example.no", "tlf": None},
            {"id": 2, "navn": "Kari Hansen", "epost": None, "tlf": spelling}]
    status = _sql_status(tmp_path, rows, Person("Kari Hansen", emails=("kari@example.no",), phones=("+4791234567",)))
    assert status["1"] == "confirmed"
    assert status.get("2") != "confirmed"
