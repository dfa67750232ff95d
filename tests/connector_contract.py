"""The contract every connector kind meets, as a case any kind can add.

A ``ContractCase`` writes one tiny world into its kind of source — three customers and their
orders — and says how to break it. ``tests/test_connector_contract.py`` runs the same tests
over every case: find by e-mail, by phone, candidates by name (never confirmed by the name),
references followed, ``check()`` that never raises, and errors that name the system but never
a value. A new kind adds a case (a builder and a breaker) to ``CASES``.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CUSTOMERS = [
    # id, name, e-mail (as the source spells it), phone (as the source spells it)
    (1, "Kari Nordmann", " Kari.Nordmann@Example.no", "+47 912 34 567"),
    (2, "Ola Nordmann", "ola@example.no", "98765432"),
    (3, "Nordmann, Kari", "k.nordmann@gmail.com", None),  # a namesake, or her old account
    (4, "Per Hansen", "per@example.no", "41 22 33 44"),
]
ORDERS = [(10, 1, "499.00"), (11, 1, "129.50"), (20, 2, "99.00"), (30, 3, "10.00"), (40, 4, "5.00")]
EMAIL = "kari.nordmann@example.no"
PHONE = "+4791234567"
NAME = "Kari Nordmann"
# Everything an error message must never repeat.
VALUES = ("Kari", "Nordmann", "Example.no", "example.no", "912 34 567", "91234567", "Hansen")

REGISTER = {
    "purposes": ["Salg"], "legal_basis": ["Avtale"], "categories": ["Navn"], "recipients": [],
    "retention": "Til kontoen slettes", "sources": [], "transfers": [], "profiling": False,
    "automated_decisions": False,
}
FIELDS = {"id": "Kundenummer", "name": "Navn", "email": "E-post", "phone": "Telefon"}
ORDER_FIELDS = {"id": "Ordrenummer", "customer_id": "Kundenummer", "total": "Sum"}
IDENTITIES = [
    {"type": "email", "column": "email"},
    {"type": "phone", "column": "phone"},
    {"type": "name", "column": "name"},
]


@dataclass(frozen=True)
class ContractCase:
    kind: str
    build: Callable[[Path], dict[str, Any]]
    """Write the world under the workspace; return the system's configuration."""
    breaks: Callable[[Path], None]
    """Make the source unreadable (gone, corrupt, unreachable)."""
    key: Callable[[str, int], str] = lambda collection, row_id: str(row_id)
    """The record key the kind gives a row (``_line`` for CSV counts data lines)."""
    stop: Callable[[Path], None] = lambda root: None
    """Release what ``build`` started (a server)."""


def _system(kind: str, collections: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "kontrakt",
        "title": "Kontrakt",
        "connector": kind,
        "register": REGISTER,
        "collections": collections,
        "references": [{"from": "orders.customer_id", "to": "customers.id"}],
        **extra,
    }


# -- SQL (SQLite) -------------------------------------------------------------------------------


def _build_sql(root: Path) -> dict[str, Any]:
    path = root / "sources" / "kontrakt.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT, phone TEXT)")
        db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, total TEXT)")
        db.executemany("INSERT INTO customers VALUES (?, ?, ?, ?)", CUSTOMERS)
        db.executemany("INSERT INTO orders VALUES (?, ?, ?)", ORDERS)
    db.close()
    return _system(
        "sql",
        {
            "customers": {"title": "Kunder", "table": "customers", "key": "id", "identities": IDENTITIES, "fields": FIELDS},
            "orders": {"title": "Ordre", "table": "orders", "key": "id", "fields": ORDER_FIELDS},
        },
        connection={"url": "sqlite:///{workspace}/sources/kontrakt.db"},
    )


def _break_sql(root: Path) -> None:
    (root / "sources" / "kontrakt.db").write_bytes(b"this is not a database" * 100)


# -- CSV ----------------------------------------------------------------------------------------


def _build_csv(root: Path) -> dict[str, Any]:
    folder = root / "sources" / "kontrakt"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "customers.csv").open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["id", "name", "email", "phone"])
        writer.writerows([(i, n, e or "", p or "") for i, n, e, p in CUSTOMERS])
    with (folder / "orders.csv").open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["id", "customer_id", "total"])
        writer.writerows(ORDERS)
    common = {"delimiter": ";", "encoding": "cp1252"}
    return _system(
        "csv",
        {
            "customers": {"title": "Kunder", "path": "sources/kontrakt/customers.csv", "key": "id",
                          "identities": IDENTITIES, "fields": FIELDS, **common},
            "orders": {"title": "Ordre", "path": "sources/kontrakt/orders.csv", "key": "id",
                       "fields": ORDER_FIELDS, **common},
        },
    )


def _break_csv(root: Path) -> None:
    # A row with more fields than the header: the export is broken.
    (root / "sources" / "kontrakt" / "customers.csv").write_bytes(
        b"id;name;email;phone\n1;Kari Nordmann;kari.nordmann@example.no;912 34 567;ekstra\n"
    )


# -- XLSX ---------------------------------------------------------------------------------------


def _build_xlsx(root: Path) -> dict[str, Any]:
    from openpyxl import Workbook

    path = root / "sources" / "kontrakt.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    customers = book.create_sheet("Kunder")
    customers.append(["id", "name", "email", "phone"])
    for row in CUSTOMERS:
        customers.append(list(row))
    orders = book.create_sheet("Ordre")
    orders.append(["id", "customer_id", "total"])
    for order in ORDERS:
        orders.append(list(order))
    book.save(path)
    where = {"path": "{workspace}/sources/kontrakt.xlsx"}
    return _system(
        "xlsx",
        {
            "customers": {"title": "Kunder", "sheet": "Kunder", "key": "id", "identities": IDENTITIES,
                          "fields": FIELDS, **where},
            "orders": {"title": "Ordre", "sheet": "Ordre", "key": "id", "fields": ORDER_FIELDS, **where},
        },
    )


def _break_xlsx(root: Path) -> None:
    (root / "sources" / "kontrakt.xlsx").unlink()


# -- vendor HTTP API (sample_data.vendor_api, Screentek-style) ------------------------------------

API_TOKEN_ENV = "DSAR_TEST_VENDOR_TOKEN"
API_TOKEN = "kontrakt-token-Sx9fQ2vL"
API_SERVERS: dict[Path, Any] = {}
"""The server each workspace's API case runs, so breakers and ``stop`` can reach it."""


def api_data() -> dict[str, Any]:
    users = [{"id": i, "name": n, "email": e, "phone": p} for i, n, e, p in CUSTOMERS]
    orders: dict[str, list[dict[str, Any]]] = {}
    for order_id, customer_id, total in ORDERS:
        orders.setdefault(str(customer_id), []).append({"id": order_id, "customer_id": customer_id, "total": total})
    return {"screentek": {"users": users, "orders": orders}}


def api_system(base_url: str, **connection: Any) -> dict[str, Any]:
    """The contract world's API system: customers looked up by e-mail, phone and name; their
    orders by customer, paged by next link."""

    def search(param: str) -> dict[str, Any]:
        return {"path": "/users", "params": {param: "{value}"}, "items": "data", "paging": "next"}

    return _system(
        "api",
        {
            "customers": {
                "title": "Kunder", "key": "id", "identities": IDENTITIES, "fields": FIELDS,
                "find": {"email": search("email"), "phone": search("phone"), "name": search("name")},
                "by": {"id": {"path": "/users/{value}", "items": "data", "empty_on_404": True}},
            },
            "orders": {
                "title": "Ordre", "key": "id", "fields": ORDER_FIELDS,
                "by": {"customer_id": {"path": "/users/{customer_id}/orders", "items": "data",
                                       "paging": "next", "page_size": 1}},
            },
        },
        connection={"base_url": f"{base_url}/screentek/api/v1", "auth": "bearer", "token_env": API_TOKEN_ENV,
                    "timeout_seconds": 1, "retries": 1, "backoff_seconds": 0.05, "max_wait_seconds": 5,
                    **connection},
    )


def _build_api(root: Path) -> dict[str, Any]:
    import os

    from sample_data.vendor_api import VendorApi

    _stop_api(root)
    (root / "sources").mkdir(parents=True, exist_ok=True)  # the vendor's data lives in the server
    os.environ[API_TOKEN_ENV] = API_TOKEN
    server = API_SERVERS[root] = VendorApi(api_data(), API_TOKEN).start()
    return api_system(server.url)


def _break_api(root: Path) -> None:
    API_SERVERS[root].fault("500")


def _stop_api(root: Path) -> None:
    server = API_SERVERS.pop(root, None)
    if server is not None:
        server.stop()


CASES = [
    ContractCase("sql", _build_sql, _break_sql),
    ContractCase("csv", _build_csv, _break_csv),
    ContractCase("xlsx", _build_xlsx, _break_xlsx),
    ContractCase("api", _build_api, _break_api, stop=_stop_api),
]
