"""A small web shop, the same on SQLite, PostgreSQL and MariaDB, for the connector tests.

customers → orders → order_lines (composite key ``order_id, line_no``). The person asking is
Kari Nordmann, ``kari.nordmann@example.no``, ``+4791234567``. The shop holds her the way
real shops do: her e-mail with capitals and a trailing blank, her phone spelled
``+47 912 34 567``, ``004791234567`` and ``91234567``, a second account, her husband Ola under
the same family e-mail, a stranger with her name, near-miss addresses that must not match,
and a customer whose address has an apostrophe. ``FILLER`` other customers (each with an
order and a line) make the tables big enough for the planners to prefer indexes.

The same person in a CSV export (``CSV_*``, ``csv_config``, ``write_csv``, the ``workspace``
fixture holding it and ``csv_connector``) serves the CSV connector and its index. A test module
gets the fixture by importing ``csv_workspace`` (pytest finds it under the name ``workspace``).

Indexes are those docs/architecture.md ("SQL lookups") agrees on: ``lower(trim(email))`` on
SQLite and PostgreSQL, a plain one on MariaDB (its ``_ci`` collation does the folding).
"""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors import connector_for
from connectors.csv_file import CsvConnector
from connectors.sql_expressions import phone_digits
from dsar.config.models import System
from dsar.records import Lookup, RawRecord
from dsar.workspace import Workspace

PERSON_EMAIL = "kari.nordmann@example.no"
PERSON_PHONE = "+4791234567"
OBRIEN_EMAIL = "o'brien@example.no"
FILLER = 20_000

# (customer_id, first_name, last_name, email, phone) and what the row is for.
CUSTOMERS: list[tuple[int, str, str, str | None, str | None]] = [
    (1, "Kari", "Nordmann", "Kari.Nordmann@Example.no ", "+47 912 34 567"),  # case, blank
    (2, "Ola", "Nordmann", "kari.nordmann@example.no", None),  # family shares the e-mail
    (3, "Kari", "Nordmann", "kari.nordmann@gmail.com", "98765432"),  # stranger, same name
    (4, "Kari", "Nordmann", "KARI.NORDMANN@EXAMPLE.NO", "004791234567"),  # second account
    (5, "Kari", "Nordmann", "kari@jobb.no", "91234567"),  # found by phone only
    (6, "Siobhan", "O'Brien", OBRIEN_EMAIL, "+47 456 78 901"),  # apostrophe
    (7, "Kari", "Nordmann-Berg", "xkari.nordmann@example.no", "+47 912 34 568"),  # near miss
    (8, "Kari", "Nordmann", "kari.nordmann@example.org", "9123456"),  # near miss
]
# order_id -> customer_id; lines per order.
ORDERS = {101: 1, 102: 1, 201: 2, 301: 3, 401: 4, 501: 5, 601: 6, 701: 7, 801: 8}
LINES = {101: 2, 102: 1, 201: 1, 301: 1, 401: 1, 501: 2, 601: 1, 701: 1, 801: 1}


def define(metadata: sa.MetaData, schema: str | None = None) -> dict[str, sa.Table]:
    customers = sa.Table(
        "shop_customers",
        metadata,
        sa.Column("customer_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(32)),
        sa.Column("password_hash", sa.String(100)),
        sa.Column("created_at", sa.DateTime),
        schema=schema,
    )
    sa.Index(
        "ix_shop_customers_email_lower", sa.func.lower(sa.func.trim(customers.c.email))
    ).ddl_if(dialect=("sqlite", "postgresql"))
    sa.Index("ix_shop_customers_email", customers.c.email).ddl_if(dialect=("mysql", "mariadb"))
    # Candidates by name look the surname up (a name kept in parts).
    sa.Index(
        "ix_shop_customers_last_name_lower", sa.func.lower(sa.func.trim(customers.c.last_name))
    ).ddl_if(dialect=("sqlite", "postgresql"))
    sa.Index("ix_shop_customers_last_name", customers.c.last_name).ddl_if(dialect=("mysql", "mariadb"))
    # Phones are compared by their digits (connectors.sql_expressions); MariaDB can't index an
    # expression, so build() gives it a generated column (digits_column in the configuration).
    for dialect in ("sqlite", "postgresql"):
        sa.Index(
            f"ix_shop_customers_phone_digits_{dialect}", phone_digits(customers.c.phone, dialect), _table=customers
        ).ddl_if(dialect=dialect)
    orders = sa.Table(
        "shop_orders",
        metadata,
        sa.Column("order_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("customer_id", sa.Integer, index=True, nullable=False),
        sa.Column("ordered_on", sa.Date),
        sa.Column("total", sa.Numeric(10, 2)),
        schema=schema,
    )
    lines = sa.Table(
        "shop_order_lines",
        metadata,
        sa.Column("order_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("line_no", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("product", sa.String(200)),
        sa.Column("quantity", sa.Integer),
        schema=schema,
    )
    return {"customers": customers, "orders": orders, "order_lines": lines}


def build(url: str, schema: str | None = None) -> None:
    """Create the shop in the database at ``url`` (tables must not exist) and ANALYZE it."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    tables = define(metadata, schema)
    with engine.begin() as conn:
        if schema:
            conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
        metadata.create_all(conn)
        if conn.dialect.name in ("mysql", "mariadb"):
            conn.exec_driver_sql(
                f"ALTER TABLE {tables['customers'].fullname} ADD COLUMN phone_digits VARCHAR(32) "
                "AS (REGEXP_REPLACE(phone, '[^0-9]', '')) PERSISTENT, ADD INDEX ix_shop_customers_phone_digits (phone_digits)"
            )
        conn.execute(tables["customers"].insert(), _customers())
        conn.execute(tables["orders"].insert(), _orders())
        conn.execute(tables["order_lines"].insert(), _lines())
    _analyze(engine, [t.fullname for t in tables.values()])
    engine.dispose()


def drop(url: str, schema: str | None = None) -> None:
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    define(metadata, schema)
    with engine.begin() as conn:
        metadata.drop_all(conn)
        if schema:
            conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
    engine.dispose()


def _customers() -> list[dict[str, Any]]:
    created = dt.datetime(2023, 5, 17, 12, 0)
    rows = [
        dict(zip(("customer_id", "first_name", "last_name", "email", "phone"), c, strict=True))
        | {"password_hash": "$argon2id$v=19$stub", "created_at": created}
        for c in CUSTOMERS
    ]
    spellings = ("+47 {a} {b} {c}", "0047{n}", "{n}")
    for i in range(FILLER):
        n = f"9{i:07d}"  # 90000000-90019999: never the person's number
        phone = spellings[i % 3].format(n=n, a=n[:3], b=n[3:5], c=n[5:])
        rows.append(
            {
                "customer_id": 10_000 + i,
                "first_name": "Filler",
                "last_name": f"Person {i}",
                "email": f"filler{i}@example.com",
                "phone": phone,
                "password_hash": None,
                "created_at": created,
            }
        )
    return rows


def _orders() -> list[dict[str, Any]]:
    day = dt.date(2024, 3, 1)
    rows = [
        {"order_id": o, "customer_id": c, "ordered_on": day, "total": decimal.Decimal("249.50")}
        for o, c in ORDERS.items()
    ]
    rows += [
        {"order_id": 100_000 + i, "customer_id": 10_000 + i, "ordered_on": day, "total": 1}
        for i in range(FILLER)
    ]
    return rows


def _lines() -> list[dict[str, Any]]:
    rows = [
        {"order_id": o, "line_no": n, "product": "Fotobok A4", "quantity": 1}
        for o, count in LINES.items()
        for n in range(1, count + 1)
    ]
    rows += [
        {"order_id": 100_000 + i, "line_no": 1, "product": "Fremkalling", "quantity": 2}
        for i in range(FILLER)
    ]
    return rows


def _analyze(engine: sa.Engine, tables: list[str]) -> None:
    """Gather statistics so the planners judge the indexes on real numbers."""
    name = engine.dialect.name
    with engine.begin() as conn:
        if name == "sqlite":
            conn.exec_driver_sql("ANALYZE")
        elif name == "postgresql":
            for table in tables:
                conn.exec_driver_sql(f"ANALYZE {table}")
        else:
            conn.exec_driver_sql(f"ANALYZE TABLE {', '.join(tables)}").fetchall()


# -- the configuration --------------------------------------------------------------------

REGISTER = {
    "purposes": ["Oppfylle kjøpsavtalen"],
    "legal_basis": ["Avtale"],
    "categories": ["Kontaktopplysninger", "Kjøpshistorikk"],
    "recipients": [],
    "retention": "Så lenge kundekontoen er åpen",
    "sources": [],
    "transfers": [],
    "profiling": False,
    "automated_decisions": False,
}


def shop_config(connection: dict[str, Any], schema: str | None = None) -> dict[str, Any]:
    """The shop as a controller file would declare it (a dict to adjust before validating)."""
    where = {"schema": schema} if schema else {}
    return {
        "id": "nettbutikk",
        "title": "Nettbutikk",
        "connector": "sql",
        "connection": connection,
        "register": REGISTER,
        "collections": {
            "customers": {
                "title": "Kunder",
                "table": "shop_customers",
                **where,
                "key": "customer_id",
                "identities": [
                    {"type": "email", "column": "email"},
                    {"type": "phone", "column": "phone", "digits_column": "phone_digits"},
                    {"type": "name", "columns": ["first_name", "last_name"]},
                ],
                "fields": {
                    c: c.replace("_", " ")
                    for c in (
                        "customer_id", "first_name", "last_name", "email", "phone", "created_at",
                    )
                },
                "secret": {"password_hash": "Passord (lagret som hash)"},
            },
            "orders": {
                "title": "Ordre",
                "table": "shop_orders",
                **where,
                "key": "order_id",
                "fields": {c: c for c in ("order_id", "customer_id", "ordered_on", "total")},
            },
            "order_lines": {
                "title": "Ordrelinjer",
                "table": "shop_order_lines",
                **where,
                "key": ["order_id", "line_no"],
                "fields": {c: c for c in ("order_id", "line_no", "product", "quantity")},
            },
        },
        "references": [
            {"from": "orders.customer_id", "to": "customers.customer_id"},
            {"from": "order_lines.order_id", "to": "orders.order_id"},
        ],
    }


def shop_system(connection: dict[str, Any], schema: str | None = None) -> System:
    return System.model_validate(shop_config(connection, schema))


# -- what a search must find ------------------------------------------------------------------

PERSON = Lookup(emails=(PERSON_EMAIL,), phones=(PERSON_PHONE,))
OBRIEN = Lookup(emails=(OBRIEN_EMAIL,))

Found = tuple[str, str, tuple[str, ...], tuple[str, str] | None]
"""(collection, key, matched_on, via) of one record."""


def via_of(record: RawRecord) -> tuple[str, str] | None:
    """The record a reference reached this one from, as (collection, key)."""
    return (record.via.collection, record.via.key) if record.via else None


def found(records: list[RawRecord]) -> set[Found]:
    """What identifies each record a search returned, and how it was reached."""
    return {(r.collection, r.key, r.matched_on, via_of(r)) for r in records}


def expected_for(customers: dict[int, tuple[str, ...]]) -> set[Found]:
    """Records a search finds when it matches ``customers`` (id -> matched_on)."""
    found: set[Found] = {("customers", str(c), on, None) for c, on in customers.items()}
    for order, customer in ORDERS.items():
        if customer in customers:
            found.add(("orders", str(order), (), ("customers", str(customer))))
            for n in range(1, LINES[order] + 1):
                found.add(("order_lines", f"{order}/{n}", (), ("orders", str(order))))
    return found


EXPECTED_PERSON = expected_for(
    {1: ("email", "phone"), 2: ("email",), 4: ("email", "phone"), 5: ("phone",)}
)
EXPECTED_OBRIEN = expected_for({6: ("email",)})
EXPECTED_PHONE_ONLY = expected_for({1: ("phone",), 4: ("phone",), 5: ("phone",)})


# -- the CSV export ---------------------------------------------------------------------------
# The accounting system's export as Norwegian Excel writes it: Windows-1252, semicolons.
# customers.csv → orders.csv by ``kundenr``; newsletter.csv has no key of its own (``_line``).
# The same person asks; her e-mail and phone are spelled the ways the shop spells them.

CSV_CUSTOMERS = """\
kundenr;navn;epost;telefon;poststed;merknad
1;Nordmann, Kari;Kari.Nordmann@Example.no ;+47 912 34 567;Ødegård;
2;Kari Ødegård;kari.odegard@example.no;004791234567;Bærum;
3;Ola Nordmann;kari.nordmann@example.no;;Oslo;"deler e-post
med kona"
4;Kari Nordmann;kari.nordmann@gmail.com;98765432;Tromsø;
5;Per Ås;per@example.no;91234567;Ås;
6;Siobhan O'Brien;o'brien@example.no;;Cork;
7;Kari Nordmann-Berg;xkari.nordmann@example.no;+47 912 34 568;Moss;
"""
CSV_ORDERS = """\
ordrenr;kundenr;dato;sum
101;1;2024-03-01;249,50
102;1;2024-03-02;99,00
201;2;2024-04-01;10,00
301;3;2024-05-01;20,00
401;4;2024-06-01;30,00
501;5;2024-07-01;40,00
701;7;2024-08-01;50,00
"""
CSV_NEWSLETTER = """\
epost;påmeldt
kari.nordmann@example.no;2021-01-01

annen@example.no;2021-02-01
KARI.NORDMANN@EXAMPLE.NO;2022-01-01
"""
# Found for PERSON: (collection, key, matched_on, via).
CSV_EXPECTED = {
    ("customers", "1", ("email", "phone"), None),
    ("customers", "2", ("phone",), None),
    ("customers", "3", ("email",), None),
    ("customers", "5", ("phone",), None),
    ("orders", "101", (), ("customers", "1")),
    ("orders", "102", (), ("customers", "1")),
    ("orders", "201", (), ("customers", "2")),
    ("orders", "301", (), ("customers", "3")),
    ("orders", "501", (), ("customers", "5")),
    ("newsletter", "1", ("email",), None),  # _line: the first line after the header is 1
    ("newsletter", "4", ("email",), None),  # the blank line 2 still counts
}
def write_csv(root: Path, name: str, text: str, encoding: str = "cp1252") -> Path:
    path = root / "sources" / "regnskap" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def csv_config(**collections: dict[str, Any]) -> dict[str, Any]:
    base = {
        "customers": {
            "title": "Kunder",
            "path": "sources/regnskap/customers.csv",
            "delimiter": ";",
            "encoding": "cp1252",
            "key": "kundenr",
            "identities": [
                {"type": "email", "column": "epost"},
                {"type": "phone", "column": "telefon"},
                {"type": "name", "column": "navn"},
            ],
            "fields": {
                c: c for c in ("kundenr", "navn", "epost", "telefon", "poststed", "merknad")
            },
        },
        "orders": {
            "title": "Ordre",
            "path": "{workspace}/sources/regnskap/orders.csv",
            "delimiter": ";",
            "encoding": "cp1252",
            "key": "ordrenr",
            "fields": {c: c for c in ("ordrenr", "kundenr", "dato", "sum")},
        },
        "newsletter": {
            "title": "Nyhetsbrev",
            "path": "sources/regnskap/newsletter.csv",
            "delimiter": ";",
            "encoding": "cp1252",
            "key": "_line",
            "identities": [{"type": "email", "column": "epost"}],
            "fields": {"epost": "e-post", "påmeldt": "påmeldt dato"},
        },
    }
    for cid, changes in collections.items():
        base[cid] = {**base[cid], **changes}
    return {
        "id": "regnskap",
        "title": "Regnskap",
        "connector": "csv",
        "register": REGISTER,
        "collections": base,
        "references": [{"from": "orders.kundenr", "to": "customers.kundenr"}],
    }
CSV_FILES = {"customers.csv": CSV_CUSTOMERS, "orders.csv": CSV_ORDERS, "newsletter.csv": CSV_NEWSLETTER}


@pytest.fixture(name="workspace")
def csv_workspace(tmp_path: Path) -> Workspace:
    """A workspace whose ``sources/regnskap`` holds the export (``CSV_FILES``)."""
    for name, text in CSV_FILES.items():
        write_csv(tmp_path, name, text)
    return Workspace(root=tmp_path)


def csv_connector(workspace: Workspace, **changes: dict[str, Any]) -> CsvConnector:
    """The export's connector; ``changes`` adjust collections of ``csv_config``."""
    made = connector_for(System.model_validate(csv_config(**changes)), workspace)
    assert isinstance(made, CsvConnector)
    return made
