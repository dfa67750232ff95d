"""``dsar check`` asks staff to settle whose a record is where the search can only guess.

A reference followed down only (its parent field is not the parent's key: an order naming its
salesperson by employee number) into a table that says who people are leaves whose a record is
unchecked, and the record is held (``owner_unchecked``) wherever it is reached from. ``owner =
false`` (the parent is only somebody the record names) or ``owner = true`` (it is whose the
record is) settles it; the check names each reference that lacks it.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from connectors.base import unsettled_owners
from dsar.cli import app
from dsar.workspace import Workspace
from tests import flow_world
from tests.test_connector_base import system

runner = CliRunner()

CUSTOMER = {"key": "id", "identities": [{"type": "name", "column": "name"}, {"type": "phone", "column": "mobile"}]}
STAFF = {"key": "id", "identities": [{"type": "name", "column": "name"}, {"type": "email", "column": "epost"}]}


def test_an_order_naming_its_salesperson_by_number_is_unsettled():
    sysm = system({"kunde": CUSTOMER, "selger": STAFF, "ordre": {"key": "id"}},
                  [("ordre.kunde_id", "kunde.id"), ("ordre.selger_nr", "selger.ansattnr")])
    assert [ref.label for ref in unsettled_owners(sysm)] == ["ordre.selger_nr -> selger.ansattnr"]


@pytest.mark.parametrize("owner", [False, True])
def test_a_declared_owner_settles_it(owner):
    sysm = system({"kunde": CUSTOMER, "selger": STAFF, "ordre": {"key": "id"}}, [("ordre.kunde_id", "kunde.id")])
    sysm = sysm.model_copy(update={"references": [
        *sysm.references,
        type(sysm.references[0]).model_validate({"from": "ordre.selger_nr", "to": "selger.ansattnr", "owner": owner}),
    ]})
    assert unsettled_owners(sysm) == []


def test_a_collection_reached_only_down_that_reference_is_settled():
    """A newsletter's clicks, reached only from the subscriber found by e-mail: whose a click
    is, is the subscriber's it was reached from (the sample photo shop's newsletter)."""
    subscribers = {"key": "_line", "identities": [{"type": "email", "column": "epost"},
                                                  {"type": "name", "column": "navn"}]}
    sysm = system({"subscribers": subscribers, "clicks": {"key": "_line"}},
                  [("clicks.subscriber_id", "subscribers.subscriber_id")])
    assert unsettled_owners(sysm) == []


def test_references_by_key_and_tables_without_people_are_settled():
    shows = {"key": "id", "fields": {"code": "Kode"}}
    sysm = system({"kunde": CUSTOMER, "ordre": {"key": "id"}, "show": shows, "ticket": {"key": "id"}},
                  [("ordre.kunde_id", "kunde.id"),     # followed up by the customer's key
                   ("kunde.id", "ordre.kunde_id"),     # the same, declared the other way round
                   ("ticket.show_code", "show.code")])  # down only, but a show says nothing of anyone
    assert unsettled_owners(sysm) == []


@pytest.fixture()
def ws(tmp_path, monkeypatch):
    flow_world.build(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    return Workspace(tmp_path)


def _add_reference(ws: Workspace, extra: str = "") -> None:
    path = next((ws.config_dir / "controllers").glob("*.toml"))
    text = path.read_text(encoding="utf-8")
    marker = "[systems.nyhetsbrev]"
    reference = f'[[systems.nettbutikk.references]]\nfrom = "order_lines.product"\nto = "customers.email"\n{extra}\n'
    path.write_text(text.replace(marker, reference + marker, 1), encoding="utf-8")


def test_check_names_the_reference_and_what_to_write(ws):
    _add_reference(ws)
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert "order_lines.product -> customers.email" in result.stderr
    assert "owner = false" in result.stderr and "owner = true" in result.stderr
    row = next(r for r in json.loads(runner.invoke(app, ["check", "--json"]).stdout) if r["system"] == "nettbutikk")
    assert any("owner_unchecked" in w for w in row["warnings"])


def test_check_is_quiet_once_it_is_settled(ws):
    _add_reference(ws, "owner = false")
    row = next(r for r in json.loads(runner.invoke(app, ["check", "--json"]).stdout) if r["system"] == "nettbutikk")
    assert not any("owner" in w for w in row["warnings"])


CLINIC = {
    "pasient": {"key": "id", "identities": [{"type": "name", "column": "navn"}, {"type": "birthdate", "column": "fodt"},
                                            {"type": "phone", "column": "mobil"}]},
    "behandler": {"key": "id", "identities": [{"type": "name", "column": "navn"}, {"type": "email", "column": "epost"}]},
    "time": {"key": "id"},
}
CLINIC_TABLES = {
    "pasient": [{"id": 1, "navn": "Kristin Mævik", "fodt": "12.05.1981", "mobil": "98794491"},
                {"id": 2, "navn": "Kristin Mævik", "fodt": "03.02.1950", "mobil": "93112233"}],
    "behandler": [{"id": 1, "ansattnr": "B-7", "navn": "Lise Fysio", "epost": "lise@klinikk.no"}],
    "time": [{"id": 10, "pasient_id": 1, "behandler_nr": "B-7"}, {"id": 20, "pasient_id": 2, "behandler_nr": "B-7"}],
}


def test_a_namesakes_appointment_naming_its_therapist_by_number_is_excluded_with_her_row():
    """A clinic configured from README, the therapist reference left unset (``dsar check``
    names it): the person's own appointment is held for want of an owner check, but her
    namesake's — reached only from the namesake's row, another birth date — is excluded with
    that row, not put to staff as "reached from the person's record"."""
    from datetime import date

    from dsar.store import Person
    from tests.test_connector_base import found_reason, verdicts

    sysm = system(CLINIC, [("time.pasient_id", "pasient.id"), ("time.behandler_nr", "behandler.ansattnr")])
    assert [ref.label for ref in unsettled_owners(sysm)] == ["time.behandler_nr -> behandler.ansattnr"]
    kristin = Person("Kristin Mævik", phones=("+4798794491",), birthdate=date(1981, 5, 12))
    status, found, _ = verdicts(sysm, CLINIC_TABLES, kristin)
    assert status[("pasient", "1")] == "confirmed"
    assert (status[("time", "10")], found_reason(found, "time", "10")) == ("held", "owner_unchecked")
    assert status[("pasient", "2")] == "excluded"
    assert (status[("time", "20")], found_reason(found, "time", "20")) == ("excluded", "owner_excluded")
