"""The vendor HTTP API connector beyond the contract: a fuzzy vendor search never releases a
stranger, 429 waits as told, 5xx and timeouts are retried, the token never shows, paging and
follow-on endpoints (Mailchimp-style member → interests, activity) give every record."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from connectors import connector_for
from dsar.config.models import System
from dsar.errors import ConnectorError
from dsar.records import Lookup
from dsar.search import final_findings
from dsar.store import Person
from dsar.workspace import Workspace
from sample_data.vendor_api import VendorApi
from tests.connector_contract import API_TOKEN, API_TOKEN_ENV, EMAIL, NAME, PHONE, REGISTER, api_data, api_system


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(API_TOKEN_ENV, API_TOKEN)
    return API_TOKEN


@pytest.fixture
def vendor(token: str) -> Any:
    data = api_data()
    # Near matches a loose vendor search returns for Kari's address and number: strangers.
    data["screentek"]["users"] += [
        {"id": 7, "name": "Karianne Nordmann", "email": "kari.nordmann@example.no.invalid", "phone": "+47 912 34 5670"},
        {"id": 8, "name": "Kari Nordmannsen", "email": "xkari.nordmann@example.nu", "phone": "004791234567 (jobb)"},
    ]
    data["screentek"]["orders"]["7"] = [{"id": 70, "customer_id": 7, "total": "1.00"}]
    with VendorApi(data, token) as server:
        yield server


def connector(server: VendorApi, tmp_path: Path, **connection: Any):
    system = System.model_validate(api_system(server.url, **connection))
    return connector_for(system, Workspace(root=tmp_path)), system


def keys(records) -> set[tuple[str, str]]:
    return {(r.collection, r.key) for r in records}


def test_a_near_match_the_vendor_returns_is_never_released(vendor, tmp_path) -> None:
    api, system = connector(vendor, tmp_path)
    with api:
        found = keys(api.find(Lookup(emails=(EMAIL,), phones=(PHONE,))))
        findings = final_findings(api, system, Person(name=NAME, emails=(EMAIL,), phones=(PHONE,)))
    assert found == {("customers", "1"), ("orders", "10"), ("orders", "11")}
    released = {(f.collection, f.key) for f in findings if f.status == "released"}
    assert ("customers", "7") not in released and ("customers", "8") not in released
    assert ("orders", "70") not in {(f.collection, f.key) for f in findings}


def test_429_waits_as_retry_after_says_then_succeeds(vendor, tmp_path) -> None:
    vendor.fault("429", times=1, retry_after=1)
    api, _ = connector(vendor, tmp_path, retries=2)
    started = time.monotonic()
    with api:
        found = keys(api.find(Lookup(emails=(EMAIL,))))
    assert time.monotonic() - started >= 1.0
    assert ("customers", "1") in found


def test_a_retry_after_longer_than_allowed_fails_at_once_as_transient(vendor, tmp_path) -> None:
    vendor.fault("429", retry_after=600)
    api, _ = connector(vendor, tmp_path, retries=3, max_wait_seconds=5)
    started = time.monotonic()
    with api, pytest.raises(ConnectorError) as err:
        list(api.find(Lookup(emails=(EMAIL,))))
    assert time.monotonic() - started < 2
    assert err.value.transient and "429" in str(err.value)


def test_5xx_and_timeouts_are_retried_with_backoff(vendor, tmp_path) -> None:
    vendor.fault("500", times=2)
    api, _ = connector(vendor, tmp_path, retries=3)
    with api:
        assert ("customers", "1") in keys(api.find(Lookup(emails=(EMAIL,))))
    vendor.fault("slow", times=1, delay=2)
    api, _ = connector(vendor, tmp_path, retries=2, timeout_seconds=0.5)
    with api:
        assert ("customers", "1") in keys(api.find(Lookup(emails=(EMAIL,))))


def test_the_token_and_the_person_never_show_in_errors_or_logs(vendor, tmp_path, caplog, monkeypatch) -> None:
    caplog.set_level(logging.DEBUG)
    vendor.fault("500")
    api, _ = connector(vendor, tmp_path, retries=1)
    with api, pytest.raises(ConnectorError) as failed:
        list(api.find(Lookup(emails=(EMAIL,), phones=(PHONE,))))
    vendor.heal()
    monkeypatch.setenv(API_TOKEN_ENV, "wrong-" + API_TOKEN)
    api, _ = connector(vendor, tmp_path)
    with api, pytest.raises(ConnectorError) as refused:
        list(api.find(Lookup(emails=(EMAIL,))))
    assert "401" in str(refused.value) and API_TOKEN_ENV in str(refused.value)
    monkeypatch.delenv(API_TOKEN_ENV)
    api, _ = connector(vendor, tmp_path)
    with api, pytest.raises(ConnectorError) as missing:
        list(api.find(Lookup(emails=(EMAIL,))))
    assert API_TOKEN_ENV in str(missing.value)
    for text in (str(failed.value), str(refused.value), str(missing.value), caplog.text):
        for secret in (API_TOKEN, "kari.nordmann", "Kari.Nordmann", "91234567", "4791234567"):
            assert secret not in text


def test_the_token_is_never_in_the_configuration(tmp_path) -> None:
    system = api_system("http://127.0.0.1:9")
    system["connection"]["token"] = API_TOKEN
    with pytest.raises(ValidationError):
        System.model_validate(system)


def test_a_server_that_is_down_fails_as_transient_and_check_says_so(tmp_path, token) -> None:
    api, _ = connector(VendorApi({}, token), tmp_path)  # never started: port 0 → nothing listens
    with api:
        ok, problem = api.check()
        with pytest.raises(ConnectorError) as err:
            list(api.find(Lookup(emails=(EMAIL,))))
    assert not ok and "kontrakt" in str(problem)
    assert err.value.transient


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda s: s["collections"]["customers"]["find"].pop("phone"), "find.phone"),
        (lambda s: s["collections"]["orders"].pop("by"), "by.customer_id"),
        (lambda s: s["collections"]["customers"]["find"]["email"].update(path="/lists/{list_id}/x"), "list_id"),
    ],
    ids=["identity without find", "reference without by", "unknown placeholder"],
)
def test_a_missing_endpoint_is_named_when_the_configuration_loads(change, problem) -> None:
    system = api_system("http://127.0.0.1:9")
    change(system)
    with pytest.raises(ValidationError) as err:
        System.model_validate(system)
    assert problem in str(err.value)


# -- Mailchimp-style: member → interests, activity; offset paging ------------------------------

MEMBER_ID = "b1946ac92492d2347c6235b4d2611184"


def mailchimp_data() -> dict[str, Any]:
    kari = {"id": MEMBER_ID, "email_address": "Kari.Nordmann@example.no", "status": "subscribed",
            "merge_fields": {"FNAME": "Kari", "LNAME": "Nordmann", "PHONE": "912 34 567"}}
    other = {"id": "c2", "email_address": "kari.nordmann@example.net", "status": "subscribed",
             "merge_fields": {"FNAME": "Kari", "LNAME": "Nordmann", "PHONE": ""}}
    activity = [{"action": "open", "timestamp": f"2026-0{i}-01T10:00:00Z", "campaign_id": f"c{i}"} for i in range(1, 8)]
    return {"mailchimp": {"lists": {"L1": {
        "members": [kari, other],
        "interests": {MEMBER_ID: [{"id": "i1", "name": "Konserter", "subscribed": True}]},
        "activity": {MEMBER_ID: activity, "c2": [{"action": "open", "timestamp": "2026-01-01", "campaign_id": "x"}]},
    }}}}


def mailchimp_system(base_url: str, items: str = "exact_matches.members") -> dict[str, Any]:
    member = {"path": "/lists/{list_id}/members/{value}", "empty_on_404": True}

    def follow(what: str) -> dict[str, Any]:
        return {"by": {"member_id": {"path": f"/lists/{{list_id}}/members/{{member_id}}/{what}",
                                     "items": what, "paging": "offset", "page_size": 3, "total": "total_items"}},
                "title": what, "key": ["member_id", "id" if what == "interests" else "timestamp"]}

    return {
        "id": "nyhetsbrev", "title": "Nyhetsbrev", "connector": "api", "register": REGISTER,
        "connection": {"base_url": f"{base_url}/mailchimp/3.0", "auth": "basic", "token_env": API_TOKEN_ENV,
                       "variables": {"list_id": "L1"}, "retries": 0},
        "collections": {
            "members": {
                "title": "Abonnent", "key": "id",
                "identities": [{"type": "email", "column": "email_address"},
                               {"type": "phone", "column": "merge_fields.PHONE"},
                               {"type": "name", "columns": ["merge_fields.FNAME", "merge_fields.LNAME"]}],
                "find": {kind: {"path": "/search-members", "params": {"query": "{value}"}, "items": items}
                         for kind in ("email", "phone", "name")},
                "by": {"id": member},
            },
            "interests": follow("interests"),
            "activity": follow("activity"),
        },
        "references": [{"from": "interests.member_id", "to": "members.id"},
                       {"from": "activity.member_id", "to": "members.id"}],
    }


def test_mailchimp_member_leads_to_interests_and_every_page_of_activity(token, tmp_path) -> None:
    with VendorApi(mailchimp_data(), token) as server:
        system = System.model_validate(mailchimp_system(server.url, items="full_search.members"))
        with connector_for(system, Workspace(root=tmp_path)) as api:
            found = list(api.find(Lookup(emails=(EMAIL,))))
            assert api.check() == (True, None)
    # The fuzzy search returns the .net namesake too; only Kari's member record is hers.
    by_collection: dict[str, list] = {}
    for record in found:
        by_collection.setdefault(record.collection, []).append(record)
    [member] = by_collection["members"]
    assert member.key == MEMBER_ID and member.fields["merge_fields.FNAME"] == "Kari"
    assert len(by_collection["interests"]) == 1
    assert len(by_collection["activity"]) == 7  # three pages of three
    assert all(r.fields["member_id"] == MEMBER_ID for r in by_collection["activity"])


def test_mailchimp_exact_matches_by_phone(token, tmp_path) -> None:
    with VendorApi(mailchimp_data(), token) as server:
        system = System.model_validate(mailchimp_system(server.url, items="full_search.members"))
        with connector_for(system, Workspace(root=tmp_path)) as api:
            found = keys(api.find(Lookup(phones=(PHONE,))))
    assert ("members", MEMBER_ID) in found and ("members", "c2") not in found


def test_a_command_runs_with_the_vendor_apis_served_and_its_workspace_pointed_at_them(tmp_path) -> None:
    import sys

    from sample_data.vendor_api import main

    config = tmp_path / "config" / "controllers" / "x.toml"
    config.parent.mkdir(parents=True)
    config.write_text('base_url = "http://127.0.0.1:1/screentek/api/v1"\ntoken_env = "DSAR_X_TOKEN"\n', encoding="utf-8")
    probe = "import os, sys; sys.exit(0 if os.environ.get('DSAR_X_TOKEN') else 3)"
    assert main(["--workspace", str(tmp_path), "--", sys.executable, "-c", probe]) == 0
    assert "127.0.0.1:1/" not in config.read_text(encoding="utf-8")
    assert "DSAR_X_TOKEN" not in __import__("os").environ


def test_a_next_link_to_another_host_is_not_followed_with_the_token(vendor, tmp_path, monkeypatch) -> None:
    original = vendor.answer

    def elsewhere(path: str, query: dict[str, str]):
        status, body = original(path, query)
        if path.endswith("/orders"):
            body = {**body, "next": "http://attacker.invalid/steal?page=2"}
        return status, body

    monkeypatch.setattr(vendor, "answer", elsewhere)
    api, _ = connector(vendor, tmp_path)
    with api, pytest.raises(ConnectorError) as err:
        list(api.find(Lookup(emails=(EMAIL,))))
    assert "en annen vert" in str(err.value) and "attacker" not in str(err.value)
