"""The sample world generator: deterministic, realistic spellings, truthful ground truth.

Most tests read the session's small world (``sample_world`` in conftest: scale 0.1, about
300 people); the server test loads two SQL systems into the session's PostgreSQL and MariaDB
databases.
"""

from __future__ import annotations

import csv
import hashlib
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
import sqlalchemy as sa

from connectors.sql import SqlConnector
from dsar.config.loader import load_configuration
from dsar.config.models import Collection, ControllerConfig
from dsar.identity import normalize_email, normalize_phone, phone_variants
from dsar.matching import Subject, assess
from dsar.records import make_key
from dsar.workspace import Workspace
from sample_data.generate import World, build_world, choose_demo_subject

Controllers = dict[str, ControllerConfig]
People = dict[str, dict[str, str]]  # person_id -> people.csv row
Truth = list[dict[str, str]]  # ground_truth.csv rows


@pytest.fixture(scope="module")
def controllers(sample_world: World) -> Controllers:
    return load_configuration(sample_world.config_dir).controllers


@pytest.fixture(scope="module")
def people(sample_world: World) -> People:
    with sample_world.people_csv.open(encoding="utf-8", newline="") as handle:
        return {row["person_id"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def truth(sample_world: World) -> Truth:
    """Ground truth of tables and files; mail's is checked in tests/test_mail_*.py."""
    with sample_world.ground_truth_csv.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["collection"] != "messages"]


# -- reading the generated systems back ------------------------------------------------------


def rows_of(
    world: World, config: ControllerConfig, system_id: str, collection: Collection
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(key as make_key writes it, row) for every row of a generated collection."""
    system = config.systems[system_id]
    workspace = Workspace(world.workspace)
    if system.connector == "csv":
        path = workspace.resolve_path(collection.path or "")
        with open(path, encoding=collection.encoding, newline="") as handle:
            reader = csv.DictReader(handle, delimiter=collection.delimiter)
            for line, row in enumerate(reader, start=1):
                yield str(line), {"_line": line, **row}
        return
    if system.connector == "api":
        from sample_data.vendor_api import sample_rows

        for row in sample_rows(world.workspace, config.id, system_id, collection.id):
            yield make_key([row[k] for k in collection.key]), row
        return
    if system.connector == "xlsx":
        from connectors.spreadsheet import SpreadsheetConnector

        for row in SpreadsheetConnector(system, workspace)._rows(collection):  # type: ignore[arg-type]
            yield make_key([row[k] for k in collection.key]), row
        return
    path = workspace.resolve_path((system.connection.url or "").removeprefix("sqlite:///"))
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        for row in conn.execute(f'SELECT * FROM "{collection.table}"'):  # noqa: S608 - test
            values = dict(row)
            yield make_key([values[k] for k in collection.key]), values


def all_collections(controllers: Controllers) -> Iterator[tuple[ControllerConfig, str, Collection]]:
    """Tables and files (mail archives have tests of their own: tests/test_mail_*.py)."""
    for config in controllers.values():
        for system_id, system in config.systems.items():
            if system.connector == "mail":
                continue
            for collection in system.collections.values():
                yield config, system_id, collection


def identity_values(world: World, controllers: Controllers, kind: str) -> Iterator[str]:
    for config, system_id, collection in all_collections(controllers):
        fields = [f for i in collection.identities if i.type == kind for f in i.fields]
        if not fields:
            continue
        for _, row in rows_of(world, config, system_id, collection):
            for field in fields:
                if row.get(field) not in (None, ""):
                    yield str(row[field])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- determinism -------------------------------------------------------------------------------


def test_same_seed_gives_the_same_world(tmp_path: Path) -> None:
    first = build_world(tmp_path / "a", scale=0.05, seed=7)
    second = build_world(tmp_path / "b", scale=0.05, seed=7)
    other = build_world(tmp_path / "c", scale=0.05, seed=8)
    assert digest(first.ground_truth_csv) == digest(second.ground_truth_csv)
    assert digest(first.people_csv) == digest(second.people_csv)
    assert first.records == second.records
    for source in ("stavanger-sentrum/kundeklubb.csv", "gjovik-kultursenter/billett.db"):
        assert digest(first.sources_dir / source) == digest(second.sources_dir / source), source
    assert digest(first.ground_truth_csv) != digest(other.ground_truth_csv)


def test_rebuilding_a_workspace_replaces_its_sources(tmp_path: Path) -> None:
    first = build_world(tmp_path, scale=0.05)
    again = build_world(tmp_path, scale=0.05)
    assert first.records == again.records
    assert digest(first.ground_truth_csv) == digest(again.ground_truth_csv)


# -- what the workspace holds --------------------------------------------------------------------


def test_workspace_layout(sample_world: World, controllers: Controllers) -> None:
    assert sorted(controllers) == [
        "gjovik-kultursenter", "janteloppet", "stavanger-foto", "stavanger-mediebank",
        "stavanger-sentrum",
    ]
    settings = load_configuration(sample_world.config_dir).settings
    assert settings.store.url == "sqlite:///{workspace}/store.db"
    assert settings.keys.data_key == "DSAR_DATA_KEY"
    assert sample_world.people == round(3000 * sample_world.scale)
    configured = set()
    for config, system_id, collection in all_collections(controllers):
        system = config.systems[system_id]
        configured.add(f"{config.id}/{system_id}/{collection.id}")
        if system.connector == "api":  # the vendor's data, served by sample_data.vendor_api
            assert (sample_world.sources_dir / config.id / f"{system_id}.api.jsonl").is_file()
            continue
        where = system.connection.url if system.connector == "sql" else collection.path
        assert where is not None and "{workspace}/sources/" + config.id + "/" in where
    for config in controllers.values():
        for system_id, system in config.systems.items():
            if system.connector == "mail":
                assert "{workspace}/sources/" + config.id + "/" in (system.path or "")
                configured.add(f"{config.id}/{system_id}/messages")
    # The build reports rows for exactly the configured collections, and wrote some to each.
    assert set(sample_world.records) == configured
    assert all(rows > 0 for rows in sample_world.records.values()), sample_world.records


def test_every_collection_has_rows_and_owners(sample_world: World, controllers: Controllers, truth: Truth) -> None:
    owned: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for row in truth:
        owned[(row["controller"], row["system"], row["collection"])].add(row["key"])
    for config, system_id, collection in all_collections(controllers):
        keys = [key for key, _ in rows_of(sample_world, config, system_id, collection)]
        where = f"{config.id}/{system_id}/{collection.id}"
        assert keys, f"{where} is empty"
        assert len(keys) == len(set(keys)), f"{where} repeats a key"
        unowned = set(keys) - owned[(config.id, system_id, collection.id)]
        if collection.id != "shows":  # a show nobody bought a ticket for belongs to no one
            assert not unowned, f"{where}: rows {sorted(unowned)[:5]} belong to no one"


def test_ground_truth_points_at_real_rows(
    sample_world: World, controllers: Controllers, truth: Truth, people: People
) -> None:
    existing = {
        (config.id, system_id, collection.id): {k for k, _ in rows_of(sample_world, config, system_id, collection)}
        for config, system_id, collection in all_collections(controllers)
    }
    with sample_world.ground_truth_csv.open(encoding="utf-8", newline="") as handle:
        mail_rows = sum(1 for row in csv.DictReader(handle) if row["collection"] == "messages")
    assert len(truth) + mail_rows == sample_world.truth_rows
    assert len({tuple(r.values()) for r in truth}) == len(truth), "a ground-truth line repeats"
    for row in truth:
        assert row["person_id"] in people
        where = (row["controller"], row["system"], row["collection"])
        assert row["key"] in existing[where], f"{where} has no record {row['key']!r}"


def test_direct_records_name_their_owner(
    sample_world: World, controllers: Controllers, truth: Truth, people: People
) -> None:
    """A record with an e-mail or phone holds its owner's (in some spelling), never another's."""
    owners: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    for row in truth:
        owners[(row["controller"], row["system"], row["collection"], row["key"])].add(row["person_id"])
    checked = 0
    for config, system_id, collection in all_collections(controllers):
        for key, row in rows_of(sample_world, config, system_id, collection):
            mine = owners[(config.id, system_id, collection.id, key)]
            for identity in collection.searchable:
                value = row.get(identity.column or "")
                if value in (None, ""):
                    continue
                if identity.type == "email":
                    expected = {people[p]["email"] for p in mine}
                    held = normalize_email(value)
                else:
                    expected = {people[p]["phone"] for p in mine}
                    held = normalize_phone(value)
                if collection.id == "member_companies" and (
                    held.startswith("post@") or held.startswith("+4751")
                ):
                    continue  # a company's own post@ address or switchboard: no one's
                assert held in expected, f"{config.id}/{system_id}/{collection.id}/{key}"
                checked += 1
    assert checked > 1000


# -- realism -------------------------------------------------------------------------------------


def test_emails_are_valid_and_spelled_in_several_ways(
    sample_world: World, controllers: Controllers, people: People
) -> None:
    canonical = {p["email"] for p in people.values() if p["email"]}
    values = list(identity_values(sample_world, controllers, "email"))
    for value in values:
        normalize_email(value)  # raises when invalid
    assert any(v != v.rstrip() for v in values), "no e-mail with trailing spaces"
    assert any(v.strip() != v.strip().lower() for v in values), "no e-mail with capitals"
    assert not any(v != v.lstrip() for v in values), "leading spaces defeat MariaDB's PAD SPACE"
    assert all(e == normalize_email(e) for e in canonical), "people.csv holds canonical e-mails"


# What a stored number looks like, per spelling the generator uses.
PHONE_SPELLINGS = {
    "+4791234567": r"\+47\d{8}",
    "+47 912 34 567": r"\+47 \d{3} \d{2} \d{3}",
    "004791234567": r"0047\d{8}",
    "4791234567": r"47\d{8}",
    "91234567": r"\d{8}",
    "912 34 567": r"\d{3} \d{2} \d{3}",
    "91 23 45 67": r"\d{2} \d{2} \d{2} \d{2}",
}


def test_phones_are_norwegian_mobiles_in_many_spellings(
    sample_world: World, controllers: Controllers, people: People
) -> None:
    for person in people.values():
        number = phonenumbers.parse(person["phone"], None)
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
        assert normalize_phone(person["phone"]) == person["phone"]
    assert len({p["phone"] for p in people.values()}) == len(people), "phone numbers are unique"
    seen = set()
    mobiles = {p["phone"] for p in people.values()}
    for value in identity_values(sample_world, controllers, "phone"):
        e164 = normalize_phone(value)
        if e164 not in mobiles:
            continue  # a company switchboard (51 …)
        assert e164 in {normalize_phone(v) for v in phone_variants(e164)}
        seen.update(name for name, rx in PHONE_SPELLINGS.items() if re.fullmatch(rx, value))
    assert seen == set(PHONE_SPELLINGS), f"spellings never used: {set(PHONE_SPELLINGS) - seen}"


def test_names_are_spelled_in_several_ways(sample_world: World, controllers: Controllers, people: People) -> None:
    single, parts = [], []
    for config, system_id, collection in all_collections(controllers):
        for identity in collection.identities:
            if identity.type != "name":
                continue
            for _, row in rows_of(sample_world, config, system_id, collection):
                if identity.columns:
                    parts.append(tuple(row[c] or "" for c in identity.columns))
                elif row[identity.column or ""]:
                    single.append(row[identity.column or ""])
    assert any(re.fullmatch(r"[^,]+, [^,]+", n) for n in single), "no 'Nordmann, Kari'"
    assert any(n.isupper() for n in single), "no name in capitals"
    canonical_last = {p["last_name"] for p in people.values()}
    with_letters = {n for n in canonical_last if re.search("[æøåÆØÅ]", n)}
    folded = {n.translate(str.maketrans("ÆØÅæøå", "AOAaoa")) for n in with_letters}
    assert any(last in folded and last not in canonical_last for _, last in parts), "no Ødegård → Odegard"
    assert any(" " in first for first, _ in parts), "no double first name"


def test_relations_between_people(people: People, truth: Truth) -> None:
    by_id = people
    families = [p for p in people.values() if p["shares_email_with"] and not p["guardian_id"]]
    assert families, "no one shares an e-mail"
    for person in families:
        for other in person["shares_email_with"].split():
            assert by_id[other]["email"] == person["email"]
            assert by_id[other]["last_name"] == person["last_name"]
            assert by_id[other]["first_name"] != person["first_name"]
    children = [p for p in people.values() if p["guardian_id"]]
    assert children, "no children"
    for child in children:
        assert date.fromisoformat(child["birthdate"]) > date(2011, 11, 2), "a child is under 15"
        assert by_id[child["guardian_id"]]["email"] == child["email"]
    namesakes = [p for p in people.values() if p["namesake_of"]]
    assert namesakes
    for person in namesakes:
        model = by_id[person["namesake_of"]]
        assert model["last_name"] == person["last_name"]
        assert model["email"] != person["email"] and model["phone"] != person["phone"]
    phone_only = {p["person_id"] for p in people.values() if p["phone_only"]}
    assert phone_only and all(not people[p]["email"] for p in phone_only)
    systems = {(r["controller"], r["system"]) for r in truth if r["person_id"] in phone_only}
    assert systems == {("stavanger-sentrum", "kundeklubb")}


def test_kundeklubb_is_a_windows_1252_semicolon_export(sample_world: World) -> None:
    raw = (sample_world.workspace / "sources/stavanger-sentrum/kundeklubb.csv").read_bytes()
    header = raw.split(b"\r\n", 1)[0]
    assert header == b"Navn;Mobilnummer;Kodeord;Kortkode;Innmeldt;Utmeldt"
    assert raw.count(b"\r\n") == raw.count(b"\n"), "Windows line endings"
    text = raw.decode("cp1252")
    assert re.search("[æøåÆØÅ]", text), "no æøå to prove the encoding"
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.reader(text.splitlines(), delimiter=";"))
    assert all(len(r) == 6 for r in rows)
    assert {r[2] for r in rows[1:]} == {"STAVANGERBY"} and {r[3] for r in rows[1:]} == {"26001"}


def test_sensitive_columns_hold_what_they_claim(sample_world: World, controllers: Controllers) -> None:
    def column(controller_id: str, system_id: str, collection_id: str, name: str) -> list[Any]:
        config = controllers[controller_id]
        collection = config.systems[system_id].collections[collection_id]
        return [row[name] for _, row in rows_of(sample_world, config, system_id, collection) if row[name]]

    hashes = column("stavanger-foto", "nettbutikk", "customers", "password_hash")
    assert hashes and all(h.startswith("$2b$12$") for h in hashes)
    cards = column("gjovik-kultursenter", "billettsystem", "purchases", "card_number")
    assert cards and all(re.fullmatch(r"\d{6}\*{6}\d{4}", c) for c in cards), "stored masked"
    diets = set(column("janteloppet", "kundearkiv", "contacts", "dietary_needs"))
    assert {"Halal", "Glutenfri (cøliaki)"} & diets


# -- the demo's person -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "controller_id",
    ["stavanger-sentrum", "stavanger-foto", "gjovik-kultursenter", "stavanger-mediebank", "janteloppet"],
)
def test_demo_subject_is_found_and_never_held(
    sample_world: World, controllers: Controllers, truth: Truth, controller_id: str
) -> None:
    subject = choose_demo_subject(sample_world.workspace, controller_id)
    assert subject == choose_demo_subject(sample_world.workspace, controller_id), "deterministic"
    config = controllers[controller_id]
    mine = {(r["system"], r["collection"], r["key"]) for r in truth
            if r["person_id"] == subject["person_id"] and r["controller"] == controller_id}
    assert len({s for s, _, _ in mine}) >= min(2, len(config.systems))
    email, phone = normalize_email(subject["email"]), normalize_phone(subject["phone"])
    asked = Subject(subject["name"], date.fromisoformat(subject["birthdate"]))
    matched = 0
    for system_id, system in config.systems.items():
        if system.connector == "mail":
            continue  # tests/test_mail_connector.py searches the demo subject's mail
        for collection in system.collections.values():
            for key, row in rows_of(sample_world, config, system_id, collection):
                hits = _hits(collection, row, email, phone)
                if not hits:
                    continue
                assert (system_id, collection.id, key) in mine, "someone else's record found"
                assert assess(asked, collection, row).state in ("agree", "neutral"), f"{collection.id}/{key} held"
                matched += 1
    assert matched >= min(2, len(config.systems))


def _hits(collection: Collection, row: dict[str, Any], email: str, phone: str) -> list[str]:
    from dsar.identity import looks_like_email, looks_like_phone

    hits = []
    for identity in collection.searchable:
        value = row.get(identity.column or "")
        if identity.type == "email" and looks_like_email(value) == email:
            hits.append("email")
        if identity.type == "phone" and looks_like_phone(value) == phone:
            hits.append("phone")
    return hits


# -- refused before anything is written -----------------------------------------------------------

SERVER = "postgresql+psycopg://dsar:s3cret-pw@127.0.0.1:5432/shop"


# Each row: what sql_urls asks for, the system the error must name and what it must say.
@pytest.mark.parametrize(
    ("sql_urls", "named", "says"),
    [
        ({"stavanger-foto/nyhetsbrev": SERVER}, "stavanger-foto/nyhetsbrev", "a csv system"),
        ({"stavanger-foto/kassa": SERVER}, "stavanger-foto/kassa", "no such system"),
        ({"gjovik-kultursenter/billettsystem": "not a url"}, "gjovik-kultursenter/billettsystem", "not a database URL"),
        ({"gjovik-kultursenter/billettsystem": "nosuch+driver://u:s3cret-pw@h/db"}, "gjovik-kultursenter/billettsystem", "not a database URL"),
        # A good entry doesn't get its controller's file written before the bad one is seen.
        ({"gjovik-kultursenter/billettsystem": SERVER, "stavanger-sentrum/kundeklubb": SERVER}, "stavanger-sentrum/kundeklubb", "a csv system"),
    ],
    ids=["csv-system", "unknown-system", "not-a-url", "unknown-driver", "one-good-one-bad"],
)
def test_a_wrong_sql_url_is_refused_before_anything_is_written(
    tmp_path: Path, sql_urls: dict[str, str], named: str, says: str
) -> None:
    workspace = tmp_path / "ws"
    with pytest.raises(ValueError) as caught:
        build_world(workspace, scale=0.05, sql_urls=sql_urls)
    message = str(caught.value)
    assert repr(named) in message and says in message, message
    assert "s3cret-pw" not in message and "s3cret-pw" not in repr(caught.value.__cause__)
    if says == "a csv system":
        assert "only SQL systems" in message and "stavanger-foto/nettbutikk" in message
    assert not workspace.exists(), "a refused build wrote files"


def test_the_command_refuses_a_csv_system_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sample_data.__main__ import main

    workspace = tmp_path / "ws"
    argv = ["--workspace", str(workspace), "--scale", "0.05", "--sql-url", f"stavanger-foto/nyhetsbrev={SERVER}"]
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    error = capsys.readouterr().err
    assert "'stavanger-foto/nyhetsbrev' (a csv system)" in error and "s3cret-pw" not in error
    assert not workspace.exists()


# -- real servers ----------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.mariadb
def test_sql_systems_load_into_postgres_and_mariadb(
    tmp_path: Path, postgres_url: str, mariadb_url: str
) -> None:
    world = build_world(
        tmp_path,
        scale=0.05,
        sql_urls={
            "gjovik-kultursenter/billettsystem": postgres_url,
            "stavanger-foto/nettbutikk": mariadb_url,
        },
    )
    controllers = load_configuration(world.config_dir).controllers
    assert controllers["gjovik-kultursenter"].systems["billettsystem"].connection.url == postgres_url
    assert controllers["stavanger-foto"].systems["nettbutikk"].connection.url == mariadb_url
    # The other system of the same database file stays in SQLite.
    assert controllers["gjovik-kultursenter"].systems["nettbruk"].connection.url.startswith("sqlite:///")

    pg = sa.create_engine(postgres_url)
    with pg.connect() as conn:
        rows = conn.execute(sa.text("SELECT count(*) FROM accounts")).scalar_one()
        assert rows == world.records["gjovik-kultursenter/billettsystem/accounts"] > 0
        indexes = dict(conn.execute(sa.text(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE tablename IN ('accounts', 'purchases', 'tickets')"
        )).all())
    pg.dispose()
    assert "lower(TRIM(BOTH FROM email))" in indexes["ix_accounts_email_norm"]
    assert "lower(TRIM(BOTH FROM buyer_email))" in indexes["ix_purchases_buyer_email_norm"]
    assert "regexp_replace((phone)::text, '[^0-9]'::text, ''::text, 'g'::text)" in indexes["ix_accounts_phone_digits"]
    assert "(purchase_id)" in indexes["ix_tickets_purchase_id"]
    assert "(show_id)" in indexes["ix_tickets_show_id"]
    assert "(account_id)" in indexes["ix_purchases_account_id"]

    maria = sa.create_engine(mariadb_url)
    with maria.connect() as conn:
        inspector = sa.inspect(conn)
        customers = {tuple(i["column_names"]) for i in inspector.get_indexes("customers")}
        orders = {tuple(i["column_names"]) for i in inspector.get_indexes("orders")}
        shipments = {tuple(i["column_names"]) for i in inspector.get_indexes("shipments")}
        assert inspector.get_pk_constraint("order_lines")["constrained_columns"] == ["order_id", "line_no"]
        rows = conn.execute(sa.text("SELECT count(*) FROM order_lines")).scalar_one()
        # Case and trailing spaces are ignored by the _ci PAD SPACE collation.
        sloppy = conn.execute(sa.text(
            "SELECT count(*) FROM customers WHERE email <> LOWER(TRIM(email))"
        )).scalar_one()
        spelled = conn.execute(sa.text(
            "SELECT count(*) FROM customers WHERE BINARY email <> BINARY LOWER(TRIM(email))"
        )).scalar_one()
    maria.dispose()
    assert {("email",), ("phone_digits",)} <= customers
    assert ("customer_id",) in orders
    assert {("recipient_email",), ("recipient_phone_digits",), ("order_id",)} <= shipments
    assert rows == world.records["stavanger-foto/nettbutikk/order_lines"] > 0
    assert spelled > 0 and sloppy == 0

    # What the SQL connector needs of each server: every table and column, an index for
    # every lookup and (MariaDB) a case-insensitive PAD SPACE collation on e-mail columns.
    for controller_id, system_id in (("gjovik-kultursenter", "billettsystem"), ("stavanger-foto", "nettbutikk")):
        system = controllers[controller_id].systems[system_id]
        with SqlConnector(system, Workspace(world.workspace)) as connector:
            assert connector.check() == (True, None), system_id
            assert connector.audit_schema() == [], system_id


def test_one_person_can_be_given_gigabytes_of_files(tmp_path):
    """``--big-person-gb``: the photo lab's demo person's uploads grow to the size asked for
    (here 24 MB), stay JPEGs a viewer opens, and the filler does not compress."""
    import zlib

    from PIL import Image

    from sample_data.__main__ import main
    from sample_data.big_person import grow_person_files

    assert main(["--workspace", str(tmp_path), "--scale", "0.3"]) == 0
    person_id, files = grow_person_files(tmp_path, 24)
    assert person_id and files
    assert sum(f.stat().st_size for f in files) >= 24 * 1024 * 1024
    for path in files:
        with Image.open(path) as image:
            image.verify()
    tail = files[0].read_bytes()[-1_000_000:]
    assert len(zlib.compress(tail)) > 0.99 * len(tail)
