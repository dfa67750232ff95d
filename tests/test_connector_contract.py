"""Every connector kind meets the same contract on its own copy of one tiny world.

Each row of ``CASES`` (``tests/connector_contract.py``) is a kind: the tests below run on all
of them, so a new kind proves it fits the search by adding its case.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors import connector_for
from connectors.base import row_matches
from dsar.config.models import System
from dsar.errors import ConnectorError
from dsar.records import Lookup
from dsar.search import final_findings
from dsar.store import Person
from dsar.workspace import Workspace
from tests.connector_contract import CASES, EMAIL, NAME, PHONE, VALUES, ContractCase


@pytest.fixture(params=CASES, ids=[c.kind for c in CASES])
def case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ContractCase, System, Workspace]]:
    contract: ContractCase = request.param
    system = System.model_validate(contract.build(tmp_path))
    assert system.connector == contract.kind
    yield contract, system, Workspace(root=tmp_path)
    contract.stop(tmp_path)


def keys(records) -> set[tuple[str, str]]:
    return {(r.collection, r.key) for r in records}


def test_check_says_yes_on_a_good_source(case) -> None:
    _, system, workspace = case
    with connector_for(system, workspace) as connector:
        assert connector.check() == (True, None)


def test_find_by_email_gives_the_record_and_what_references_it(case) -> None:
    contract, system, workspace = case
    with connector_for(system, workspace) as connector:
        found = list(connector.find(Lookup(emails=(EMAIL,))))
    assert keys(found) == {
        ("customers", contract.key("customers", 1)),
        ("orders", contract.key("orders", 10)),
        ("orders", contract.key("orders", 11)),
    }
    [customer] = [r for r in found if r.collection == "customers"]
    assert customer.matched_on == ("email",)
    assert all(r.via is not None and r.via.collection == "customers" for r in found if r.collection == "orders")


def test_find_by_phone_in_the_spelling_the_source_has(case) -> None:
    contract, system, workspace = case
    with connector_for(system, workspace) as connector:
        found = list(connector.find(Lookup(phones=(PHONE,))))
    assert ("customers", contract.key("customers", 1)) in keys(found)


def test_a_name_finds_candidates_only(case) -> None:
    contract, system, workspace = case
    person = Person(name=NAME, emails=("someone.else@example.no",))
    with connector_for(system, workspace) as connector:
        findings = final_findings(connector, system, person)
    by_key = {(f.collection, f.key): f for f in findings}
    # Both "Kari Nordmann" rows are candidates; neither is released on the name.
    for row_id in (1, 3):
        finding = by_key[("customers", contract.key("customers", row_id))]
        assert finding.matched_on == ["name"] and finding.status == "held"
    assert all(f.status == "held" for f in findings)


def test_every_row_found_passes_the_shared_record_test(case) -> None:
    _, system, workspace = case
    lookup = Lookup(emails=(EMAIL,), phones=(PHONE,))
    with connector_for(system, workspace) as connector:
        for record in connector.find(lookup):
            if record.via is None:
                assert row_matches(system.collections[record.collection], record.fields, lookup)


def test_a_broken_source_is_named_never_quoted_and_check_never_raises(case) -> None:
    contract, system, workspace = case
    contract.breaks(workspace.root)
    with connector_for(system, workspace) as connector:
        ok, problem = connector.check()
        assert not ok and "kontrakt" in str(problem)
        with pytest.raises(ConnectorError) as err:
            list(connector.find(Lookup(emails=(EMAIL,), phones=(PHONE,))))
    text = f"{err.value} {problem}"
    assert err.value.system == "kontrakt"
    for value in VALUES:
        assert value not in text, f"an error repeats {value!r}"
