"""A small, exact world for flow tests: one controller, a SQL shop and a CSV newsletter.

Kari Nordmann has a customer account, two orders with lines, and a newsletter subscription.
Ola Nordmann shares her family e-mail in the shop (another first name: excluded as somebody
else's), and so does an account under "Kari Nordby" (her name before marriage? the surname
differs: held for staff to decide).
Per Hansen is a stranger; so is Kari Nordvik, whose name is near Kari's but not hers. The real sample world (``sample_data``) is bigger and fuzzier;
this one makes every expected count obvious.
"""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa

KARI = {"name": "Kari Nordmann", "email": "kari.nordmann@example.no", "phone": "+4791234567"}
FAMILY_EMAIL = "nordmann.familie@example.no"

CONFIG = """
[controller]
id = "testbutikk"
name = "Testbutikken AS"
org_nr = "986 724 397"
address = ["Lars Hertervigs gate 3B", "4005 Stavanger"]
email = "post@testbutikken.no"
phone = "51 52 10 20"
responsible = { nb = "Daglig leder", en = "Managing director" }
promised_days = 30
languages = ["nb", "en"]

[systems.nettbutikk]
title = { nb = "Nettbutikk", en = "Web shop" }
connector = "sql"
retries = 1
retry_delay_seconds = [0]
connection = { url = "sqlite:///{workspace}/sources/shop.db" }

[systems.nettbutikk.register]
purposes = [{ nb = "Gjennomføre kjøp og levering", en = "Carry out purchases and delivery" }]
legal_basis = [{ nb = "Avtale (art. 6 nr. 1 b)", en = "Contract (Art. 6(1)(b))" }]
categories = [{ nb = "Navn og kontaktinformasjon", en = "Name and contact details" }, { nb = "Kjøpshistorikk", en = "Purchase history" }]
recipients = [{ name = { nb = "Posten Norge AS", en = "Posten Norge AS" }, receives = { nb = "Navn og adresse for levering", en = "Name and address for delivery" } }]
retention = { nb = "Så lenge kundekontoen er åpen", en = "While the customer account is open" }
sources = []
transfers = []
profiling = false
automated_decisions = false

[systems.nettbutikk.collections.customers]
title = { nb = "Kunder", en = "Customers" }
table = "customers"
key = "customer_id"
identities = [{ type = "email", column = "email" }, { type = "phone", column = "phone" }, { type = "name", columns = ["first_name", "last_name"] }]
fields = { customer_id = { nb = "Kundenummer", en = "Customer number" }, first_name = { nb = "Fornavn", en = "First name" }, last_name = { nb = "Etternavn", en = "Last name" }, email = { nb = "E-post", en = "E-mail" }, phone = { nb = "Telefon", en = "Phone" } }
secret = { password_hash = { nb = "Passord (lagret som hash)", en = "Password (stored hashed)" } }

[systems.nettbutikk.collections.orders]
title = { nb = "Ordre", en = "Orders" }
table = "orders"
key = "order_id"
fields = { order_id = { nb = "Ordrenummer", en = "Order number" }, customer_id = { nb = "Kundenummer", en = "Customer number" }, total = { nb = "Sum (kr)", en = "Total (NOK)" } }

[systems.nettbutikk.collections.order_lines]
title = { nb = "Ordrelinjer", en = "Order lines" }
table = "order_lines"
key = "line_id"
fields = { line_id = { nb = "Linje", en = "Line" }, order_id = { nb = "Ordrenummer", en = "Order number" }, product = { nb = "Vare", en = "Product" } }

[[systems.nettbutikk.references]]
from = "orders.customer_id"
to = "customers.customer_id"

[[systems.nettbutikk.references]]
from = "order_lines.order_id"
to = "orders.order_id"

[systems.nyhetsbrev]
title = { nb = "Nyhetsbrev", en = "Newsletter" }
connector = "csv"

[systems.nyhetsbrev.register]
purposes = [{ nb = "Sende nyhetsbrev", en = "Send newsletters" }]
legal_basis = [{ nb = "Samtykke (art. 6 nr. 1 a)", en = "Consent (Art. 6(1)(a))" }]
categories = [{ nb = "E-postadresse", en = "E-mail address" }]
recipients = []
retention = { nb = "Til samtykket trekkes", en = "Until consent is withdrawn" }
sources = []
transfers = []
profiling = false
automated_decisions = false

[systems.nyhetsbrev.collections.subscribers]
title = { nb = "Abonnenter", en = "Subscribers" }
path = "{workspace}/sources/newsletter.csv"
delimiter = ";"
key = "_line"
identities = [{ type = "email", column = "epost" }]
fields = { epost = { nb = "E-post", en = "E-mail" }, samtykke = { nb = "Samtykke gitt", en = "Consent given" } }
"""


def build(workspace: Path) -> Path:
    """Write the configuration and the two systems; returns the shop database path."""
    (workspace / "config" / "controllers").mkdir(parents=True, exist_ok=True)
    (workspace / "config" / "controllers" / "testbutikk.toml").write_text(CONFIG, encoding="utf-8")
    sources = workspace / "sources"
    sources.mkdir(exist_ok=True)
    db = sources / "shop.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, "
            "email TEXT, phone TEXT, password_hash TEXT)"
        )
        conn.exec_driver_sql("CREATE INDEX ix_customers_email ON customers (lower(trim(email)))")
        conn.exec_driver_sql("CREATE INDEX ix_customers_phone ON customers (phone)")
        conn.exec_driver_sql("CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER, total NUMERIC)")
        conn.exec_driver_sql("CREATE INDEX ix_orders_customer ON orders (customer_id)")
        conn.exec_driver_sql("CREATE TABLE order_lines (line_id INTEGER PRIMARY KEY, order_id INTEGER, product TEXT)")
        conn.exec_driver_sql("CREATE INDEX ix_lines_order ON order_lines (order_id)")
        conn.exec_driver_sql(
            "INSERT INTO customers VALUES "
            "(1, 'Kari', 'Nordmann', 'Kari.Nordmann@Example.no ', '+47 912 34 567', '$argon2id$secret'),"
            "(2, 'Ola', 'Nordmann', ?, '98765432', '$argon2id$other'),"
            "(3, 'Per', 'Hansen', 'per.hansen@example.no', '41234567', '$argon2id$third'),"
            "(4, 'Kari', 'Nordvik', ?, NULL, NULL),"
            "(5, 'Kari', 'Nordby', ?, NULL, NULL)",
            (FAMILY_EMAIL, "kari.n@example.no", FAMILY_EMAIL),
        )
        conn.exec_driver_sql("INSERT INTO orders VALUES (10, 1, 499.00), (11, 1, 129.50), (20, 2, 99.00), (30, 3, 10.00)")
        conn.exec_driver_sql(
            "INSERT INTO order_lines VALUES (100, 10, 'Fotobok'), (101, 10, 'Ramme'), (110, 11, 'Fremkalling'), "
            "(200, 20, 'Album'), (300, 30, 'Film')"
        )
    engine.dispose()
    with open(sources / "newsletter.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["epost", "samtykke"])
        writer.writerow(["KARI.NORDMANN@example.no", "2024-01-05"])
        writer.writerow(["per.hansen@example.no", "2023-06-01"])
    return db


def register(workspace, *, emails=(KARI["email"],), verified=True) -> str:
    """Kari's request to the test shop, verified unless told otherwise; its id."""
    from datetime import date

    from dsar.store import Person, open_store

    config = workspace.config.controller("testbutikk")
    return open_store(workspace).register(
        controller=config.controller,
        person=Person.from_given(KARI["name"], emails=emails, phones=[KARI["phone"]]),
        received_on=date.today(),
        channel="email",
        actor="test",
        verification_method="email-code" if verified else None,
    ).id


def refuse_connections(world, monkeypatch) -> None:
    """Point the shop at a database server that refuses connections (a transient fault)."""
    config = world.config_dir / "controllers" / "testbutikk.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace('url = "sqlite:///{workspace}/sources/shop.db"', 'url_env = "TEST_SHOP_URL"'), encoding="utf-8"
    )
    monkeypatch.setenv("TEST_SHOP_URL", "postgresql+psycopg://nobody@127.0.0.1:1/shop")
