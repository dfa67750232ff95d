"""The five controllers' configuration: valid, faithful to the seeds, and complete for the data.

Complete means every column the generator writes is explained (``fields``) or declared
``secret``, every coded value has its meaning, every e-mail and phone column is an identity,
and every lookup the SQL connector makes has an index.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors import connector_for
from dsar.config.loader import load_configuration, load_controller_file
from dsar.config.models import Collection, ControllerConfig
from dsar.workspace import Workspace
from sample_data.generate import CONFIG_SOURCE, World
from sample_data.vendor_api import sample_rows

Controllers = dict[str, ControllerConfig]

CONTROLLER_IDS = (
    "stavanger-sentrum", "stavanger-foto", "gjovik-kultursenter", "stavanger-mediebank", "janteloppet",
)


@pytest.fixture(scope="module")
def controllers(sample_world: World) -> Controllers:
    return load_configuration(sample_world.config_dir).controllers


def sqlite_path(world: World, config: ControllerConfig, system_id: str) -> Path:
    url = config.systems[system_id].connection.url or ""
    return Workspace(world.workspace).resolve_path(url.removeprefix("sqlite:///"))


def columns_of(
    world: World, config: ControllerConfig, system_id: str, collection: Collection
) -> list[str]:
    system = config.systems[system_id]
    if system.connector == "api":
        rows = sample_rows(world.workspace, config.id, system_id, collection.id)
        return list(dict.fromkeys(column for row in rows for column in row))
    if system.connector == "csv":
        path = Workspace(world.workspace).resolve_path(collection.path or "")
        with open(path, encoding=collection.encoding, newline="") as handle:
            return next(csv.reader(handle, delimiter=collection.delimiter))
    if system.connector == "xlsx":
        with connector_for(system, Workspace(world.workspace)) as sheet:
            return sheet._header(collection)  # type: ignore[attr-defined]
    with sqlite3.connect(sqlite_path(world, config, system_id)) as conn:
        return [row[1] for row in conn.execute(f'PRAGMA table_info("{collection.table}")')]


def values_of(
    world: World, config: ControllerConfig, system_id: str, collection: Collection, column: str
) -> set[str]:
    system = config.systems[system_id]
    if system.connector == "api":
        rows = sample_rows(world.workspace, config.id, system_id, collection.id)
        return {str(row[column]) for row in rows if row.get(column) is not None}
    if system.connector == "csv":
        path = Workspace(world.workspace).resolve_path(collection.path or "")
        with open(path, encoding=collection.encoding, newline="") as handle:
            reader = csv.DictReader(handle, delimiter=collection.delimiter)
            return {row[column] for row in reader if row[column]}
    if system.connector == "xlsx":
        with connector_for(system, Workspace(world.workspace)) as sheet:
            return {str(row[column]) for row in sheet._rows(collection) if row.get(column) is not None}  # type: ignore[attr-defined]
    with sqlite3.connect(sqlite_path(world, config, system_id)) as conn:
        query = f'SELECT DISTINCT "{column}" FROM "{collection.table}" WHERE "{column}" IS NOT NULL'  # noqa: S608
        return {str(row[0]) for row in conn.execute(query)}


def collections(controllers: Controllers) -> Iterator[tuple[ControllerConfig, str, Collection]]:
    """Tables and files (mail archives have tests of their own: tests/test_mail_*.py)."""
    for config in controllers.values():
        for system_id, system in config.systems.items():
            if system.connector == "mail":
                continue
            for collection in system.collections.values():
                yield config, system_id, collection


# -- valid and faithful ------------------------------------------------------------------------


@pytest.mark.parametrize("controller_id", CONTROLLER_IDS)
def test_controller_file_validates(controller_id: str) -> None:
    [config] = load_controller_file(CONFIG_SOURCE / f"{controller_id}.toml")
    assert config.id == controller_id
    controller = config.controller
    assert controller.promised_days == 30
    assert controller.languages == ["nb", "en"]
    assert controller.note is not None and controller.note.en
    # The note says what the sample world invented.
    assert "ppdiktet" in controller.note.nb and "nvented" in controller.note.en
    from connectors import REGISTRY

    for system in config.systems.values():
        assert system.connector in REGISTRY


def test_workspace_configuration_loads(controllers: Controllers) -> None:
    assert sorted(controllers) == sorted(CONTROLLER_IDS)


# (controller, attribute, value the seed states)
SEED_FACTS = [
    ("stavanger-sentrum", "org_nr", "992081392"),
    ("stavanger-sentrum", "email", "post@byen.no"),
    ("stavanger-sentrum", "phone", "51 89 51 51"),
    ("stavanger-foto", "org_nr", "986724397"),
    ("stavanger-foto", "email", "post@stavangerfoto.no"),
    ("stavanger-foto", "phone", "51 52 10 20"),
    ("gjovik-kultursenter", "email", "postmottak@gjovik.kommune.no"),
    ("gjovik-kultursenter", "phone", "61 18 95 00"),
    ("stavanger-mediebank", "email", "kommunikasjon@stavanger.kommune.no"),
    ("janteloppet", "email", "notices@janteloppet.com"),
]


@pytest.mark.parametrize(("controller_id", "attribute", "value"), SEED_FACTS)
def test_controller_facts_come_from_the_seeds(
    controllers: Controllers, controller_id: str, attribute: str, value: str
) -> None:
    stated = str(getattr(controllers[controller_id].controller, attribute))
    assert stated.replace(" ", "") == value.replace(" ", "")


def test_gjovik_names_its_data_protection_officer(controllers: Controllers) -> None:
    dpo = controllers["gjovik-kultursenter"].controller.dpo
    assert dpo is not None and dpo.email == "kristin.sohagen-nilsen@gjovik.kommune.no"


# (controller, system, a recipient the statement names)
NAMED_RECIPIENTS = [
    ("stavanger-foto", "nettbutikk", "Posten Norge AS"),
    ("stavanger-foto", "nettbutikk", "PostNord AS"),
    ("stavanger-foto", "nettbutikk", "Nets"),
    ("stavanger-foto", "nettbutikk", "Santander"),
    ("stavanger-mediebank", "samtykkeregister", "Screentek AS"),
    ("janteloppet", "kundearkiv", "Arrangementspartnere"),
]


@pytest.mark.parametrize(("controller_id", "system_id", "name"), NAMED_RECIPIENTS)
def test_recipients_are_named(
    controllers: Controllers, controller_id: str, system_id: str, name: str
) -> None:
    recipients = controllers[controller_id].systems[system_id].processing.recipients
    assert any(name in r.name.nb and r.name.en for r in recipients)


def test_profiling_is_stated_with_its_logic(controllers: Controllers) -> None:
    for controller_id, system_id in (("gjovik-kultursenter", "nettbruk"), ("janteloppet", "kundearkiv")):
        profiling = controllers[controller_id].systems[system_id].processing.profiling
        assert profiling and profiling.en and len(profiling.nb) > 200
    # The one transfer outside the EEA: Gjøvik's newsletter in Mailchimp, to the USA.
    transfers = {
        (c.id, s.id): s.processing.transfers for c in controllers.values() for s in c.systems.values()
        if s.processing.transfers
    }
    [(where, [transfer])] = transfers.items()
    assert where == ("gjovik-kultursenter", "nyhetsbrev")
    assert transfer.country.nb == "USA" and "standardkontraktsklausuler" in transfer.safeguard.nb


def test_sensitive_columns_are_declared(controllers: Controllers) -> None:
    foto = controllers["stavanger-foto"].systems["nettbutikk"].collections["customers"]
    gjovik = controllers["gjovik-kultursenter"].systems["billettsystem"].collections
    jante = controllers["janteloppet"].systems["kundearkiv"].collections["contacts"]
    assert "password_hash" in foto.secret and "password_hash" in gjovik["accounts"].secret
    assert gjovik["purchases"].masked == {"card_number": "pan"}
    assert "dietary_needs" in jante.special_category


def test_identities_include_name_and_birthdate(controllers: Controllers) -> None:
    accounts = controllers["gjovik-kultursenter"].systems["billettsystem"].collections["accounts"]
    types = {i.type for i in accounts.identities}
    assert types == {"email", "phone", "name", "birthdate"}
    for config, _, collection in collections(controllers):
        emails = {f for i in collection.identities if i.type in ("email", "phone") for f in i.fields}
        names = [i for i in collection.identities if i.type == "name"]
        if emails and collection.id not in ("member_companies", "web_profiles", "call_recordings"):
            assert names, f"{config.id}/{collection.id}: a name lets matching hold a shared address"


# -- complete for the data --------------------------------------------------------------------


def test_every_column_is_explained_or_secret(sample_world: World, controllers: Controllers) -> None:
    for config, system_id, collection in collections(controllers):
        columns = columns_of(sample_world, config, system_id, collection)
        where = f"{config.id}/{system_id}/{collection.id}"
        assert columns, f"{where} has no columns"
        unexplained = [c for c in columns if c not in collection.fields and c not in collection.secret]
        assert not unexplained, f"{where}: {unexplained} neither in fields nor secret"
        stale = set(collection.fields) - set(columns) - {"_line", "_row"}
        assert not stale, f"{where}: fields {stale} name no column"
        for column, text in collection.fields.items():
            assert text.nb and text.en, f"{where}.{column} needs bokmål and English"


def test_every_table_is_a_configured_collection(sample_world: World, controllers: Controllers) -> None:
    by_file: dict[Path, set[str]] = {}
    for config, system_id, collection in collections(controllers):
        if config.systems[system_id].connector == "sql":
            by_file.setdefault(sqlite_path(sample_world, config, system_id), set()).add(collection.table or "")
    for path, configured in by_file.items():
        with sqlite3.connect(path) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == configured, f"{path.name}: {tables ^ configured}"


def test_every_coded_value_is_explained(sample_world: World, controllers: Controllers) -> None:
    for config, system_id, collection in collections(controllers):
        for column, meanings in collection.codes.items():
            found = values_of(sample_world, config, system_id, collection, column)
            unknown = found - set(meanings)
            assert not unknown, f"{config.id}/{collection.id}.{column}: {unknown} unexplained"
            for code, text in meanings.items():
                assert text.nb and text.en, f"{config.id}/{collection.id}.{column}.{code}"


def test_every_email_and_phone_column_is_an_identity(sample_world: World, controllers: Controllers) -> None:
    for config, system_id, collection in collections(controllers):
        declared = {f: i.type for i in collection.identities for f in i.fields}
        for column in columns_of(sample_world, config, system_id, collection):
            lowered = column.lower()
            if "email" in lowered:
                assert declared.get(column) == "email", f"{config.id}/{collection.id}.{column}"
            if "phone" in lowered or lowered in ("mobilnummer", "caller_number"):
                assert declared.get(column) == "phone", f"{config.id}/{collection.id}.{column}"


def test_every_system_checks_and_audits_clean(sample_world: World, controllers: Controllers) -> None:
    """What the connectors themselves say of every sample system: tables, columns and files
    as configured (``check``), and (SQL) an index serving every lookup the "SQL lookups"
    table of docs/architecture.md describes, every column explained (``audit_schema``)."""
    from sample_data.vendor_api import serving

    workspace = Workspace(sample_world.workspace)
    with serving(sample_world.workspace):  # the vendor APIs, the configuration pointed at them
        for config in load_configuration(sample_world.config_dir).controllers.values():
            for system_id, system in config.systems.items():
                where = f"{config.id}/{system_id}"
                with connector_for(system, workspace) as connector:
                    assert connector.check() == (True, None), where
                    assert connector.audit_schema() == [], where


def _file_keys() -> Iterator[tuple[str, str, str, object]]:
    """(file, collection, key field, its description) for every collection keyed by its place in
    a file, in the sample and the unseen configurations."""
    import tomllib

    root = Path(__file__).parents[1] / "sample_data"
    for path in sorted([*(root / "config").glob("*.toml"), *(root / "unseen" / "config").glob("*.toml")]):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        for system in raw.get("systems", {}).values():
            for collection_id, collection in system.get("collections", {}).items():
                keys = [collection["key"]] if isinstance(collection.get("key"), str) else collection.get("key", [])
                for key in {"_line", "_row"} & set(keys):
                    yield path.name, collection_id, key, collection.get("fields", {}).get(key)


def test_a_files_line_or_row_key_is_described_as_numbered():
    """Staff open the file at the number a record is named by: a CSV's ``_line`` doesn't count the
    header row (the line below it is 1), an XLSX's ``_row`` is the row as the spreadsheet shows it."""
    described = list(_file_keys())
    assert {key for *_, key, _ in described} == {"_line", "_row"}
    wanted = {
        "_line": ("overskriftsraden ikke medregnet (linjen rett under overskriftsraden er 1)",
                  "not counting the header row (the line right below the header is 1)"),
        "_row": ("slik regnearket viser det", "as the spreadsheet shows it"),
    }
    for name, collection_id, key, text in described:
        nb, en = (text.get("nb"), text.get("en")) if isinstance(text, dict) else (text, None)
        assert nb and wanted[key][0] in nb, (name, collection_id)
        assert en is None or wanted[key][1] in en, (name, collection_id)
