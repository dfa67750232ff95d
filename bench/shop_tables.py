"""A web shop's two tables in PostgreSQL, at any size, for the side-by-side benchmarks.

``customer`` (one row a person) and ``orders`` (three a person), bulk-loaded with ``COPY``;
indexes for both products' lookups: the plain ``email`` (Fides compares ``email = :value``),
``lower(trim(email))`` (this product's normalised comparison) and ``orders.customer_id``.
Made-up people only (``kunde0000042@eksempel.no``). A database is rebuilt only when its size
differs from the one asked for (``bench_meta``).

Also the product's controller file for these tables (``controller_toml``) and a person's
identifiers (``person``).
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import sqlalchemy as sa

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FIRST = ["Kari", "Ola", "Ingrid", "Per", "Nora", "Lars", "Sofie", "Jonas", "Emma", "Aksel"]
LAST = ["Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Berg", "Haugen", "Dahl", "Lie", "Moen"]


def url(database: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


def person(i: int) -> dict[str, str]:
    return {
        "name": f"{FIRST[i % 10]} {LAST[(i // 10) % 10]}",
        "email": f"kunde{i:07d}@eksempel.no",
    }


def ensure_tables(database: str, customers: int) -> dict[str, float]:
    """The database with ``customers`` customers and 3 × as many orders; {"built_s": seconds
    (0 when it was there already), "customers": n, "orders": n}."""
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).first()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
    admin.dispose()
    engine = sa.create_engine(url(database))
    try:
        with engine.connect() as conn:
            try:
                have = conn.exec_driver_sql("SELECT customers FROM bench_meta").scalar()
            except sa.exc.ProgrammingError:
                have = None
        if have == customers:
            return {"built_s": 0.0, "customers": customers, "orders": 3 * customers}
        started = time.perf_counter()
        _build(engine, customers)
        return {"built_s": time.perf_counter() - started, "customers": customers, "orders": 3 * customers}
    finally:
        engine.dispose()


def _build(engine: sa.Engine, customers: int) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("DROP TABLE IF EXISTS orders, customer, bench_meta")
        cur.execute(
            "CREATE TABLE customer (id integer PRIMARY KEY, first_name text, last_name text, "
            "email text NOT NULL, phone text, created_at date)"
        )
        cur.execute("CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer NOT NULL, ordered_on date, total numeric(10,2))")
        start = date(2020, 1, 1)
        with cur.copy("COPY customer (id, first_name, last_name, email, phone, created_at) FROM STDIN") as copy:
            for i in range(1, customers + 1):
                p = person(i)
                first, last = p["name"].split(" ", 1)
                copy.write_row((i, first, last, p["email"], f"9{i % 10_000_000:07d}", start + timedelta(days=i % 1500)))
        with cur.copy("COPY orders (id, customer_id, ordered_on, total) FROM STDIN") as copy:
            for i in range(1, customers + 1):
                for k in range(3):
                    copy.write_row((3 * i + k, i, start + timedelta(days=(i + 97 * k) % 1800), f"{(i * 7 + k * 13) % 5000}.50"))
        cur.execute("CREATE INDEX ix_customer_email ON customer (email)")
        cur.execute("CREATE INDEX ix_customer_email_norm ON customer (lower(trim(email)))")
        cur.execute("CREATE INDEX ix_orders_customer_id ON orders (customer_id)")
        cur.execute("CREATE TABLE bench_meta (customers integer)")
        cur.execute("INSERT INTO bench_meta VALUES (%s)", (customers,))
        raw.commit()
        cur.execute("ANALYZE customer")
        cur.execute("ANALYZE orders")
        raw.commit()
    finally:
        raw.close()


def controller_toml(database: str) -> str:
    """The product's controller for the shop: one SQL system, customers found by e-mail, their
    orders by reference."""
    return f'''
[controller]
id = "benchbutikk"
name = "Benkebutikken AS"
org_nr = "986 724 397"
address = ["Lars Hertervigs gate 3B", "4005 Stavanger"]
email = "post@benkebutikken.no"
phone = "51 52 10 20"
responsible = {{ nb = "Daglig leder", en = "Managing director" }}
promised_days = 30
languages = ["nb", "en"]

[systems.nettbutikk]
title = {{ nb = "Nettbutikk", en = "Web shop" }}
connector = "sql"
connection = {{ url = "{url(database)}" }}

[systems.nettbutikk.register]
purposes = [{{ nb = "Gjennomføre kjøp og levering", en = "Carry out purchases and delivery" }}]
legal_basis = [{{ nb = "Avtale (art. 6 nr. 1 b)", en = "Contract (Art. 6(1)(b))" }}]
categories = [{{ nb = "Navn og kontaktinformasjon", en = "Name and contact details" }}, {{ nb = "Kjøpshistorikk", en = "Purchase history" }}]
recipients = [{{ name = {{ nb = "Posten Norge AS", en = "Posten Norge AS" }}, receives = {{ nb = "Navn og adresse for levering", en = "Name and address for delivery" }} }}]
retention = {{ nb = "Så lenge kundekontoen er åpen", en = "While the customer account is open" }}
sources = []
transfers = []
profiling = false
automated_decisions = false

[systems.nettbutikk.collections.customer]
title = {{ nb = "Kunder", en = "Customers" }}
table = "customer"
key = "id"
identities = [{{ type = "email", column = "email" }}]
fields = {{ id = {{ nb = "Kundenummer", en = "Customer number" }}, first_name = {{ nb = "Fornavn", en = "First name" }}, last_name = {{ nb = "Etternavn", en = "Last name" }}, email = {{ nb = "E-post", en = "E-mail" }}, phone = {{ nb = "Telefon", en = "Phone" }}, created_at = {{ nb = "Opprettet", en = "Created" }} }}

[systems.nettbutikk.collections.orders]
title = {{ nb = "Ordre", en = "Orders" }}
table = "orders"
key = "id"
fields = {{ id = {{ nb = "Ordrenummer", en = "Order number" }}, customer_id = {{ nb = "Kundenummer", en = "Customer number" }}, ordered_on = {{ nb = "Bestilt", en = "Ordered" }}, total = {{ nb = "Sum (kr)", en = "Total (NOK)" }} }}

[[systems.nettbutikk.references]]
from = "orders.customer_id"
to = "customer.id"
'''
