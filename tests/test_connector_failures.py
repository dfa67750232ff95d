"""A system that fails makes the answer incomplete, named — never complete — and a re-run
after it is fixed completes it. One case per kind of failure of each connector kind, through
the flow (Prefect's engine) on the contract world (``tests/connector_contract.py``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dsar.delivery import take_password
from dsar.store import Person, open_store
from dsar.workspace import Workspace
from tests.connector_contract import CASES, EMAIL, NAME, PHONE

CONTROLLER = """
[controller]
id = "kontrakt-as"
name = "Kontrakt AS"
org_nr = "986 724 397"
address = ["Storgata 1", "0155 Oslo"]
email = "post@kontrakt.example.no"
responsible = "Daglig leder"
promised_days = 30
"""


def _toml(system: dict[str, Any]) -> str:
    """The system as a controller file's TOML (json-compatible values only)."""
    lines = [f"[systems.{system['id']}]"]
    for key in ("title", "connector"):
        lines.append(f"{key} = {json.dumps(system[key], ensure_ascii=False)}")
    lines.append("retries = 0")
    if "connection" in system:
        lines.append("connection = " + _inline(system["connection"]))
    lines.append(f"[systems.{system['id']}.register]")
    for key, value in system["register"].items():
        lines.append(f"{key} = {_value(value)}")
    for cid, collection in system["collections"].items():
        lines.append(f"[systems.{system['id']}.collections.{cid}]")
        for key, value in collection.items():
            lines.append(f"{json.dumps(key)} = {_value(value)}")
    for ref in system["references"]:
        lines.append(f"[[systems.{system['id']}.references]]")
        lines.append(f"from = {json.dumps(ref['from'])}")
        lines.append(f"to = {json.dumps(ref['to'])}")
    return "\n".join(lines) + "\n"


def _inline(table: dict[str, Any]) -> str:
    return "{ " + ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in table.items()) + " }"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return _inline(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _pg_down(root: Path) -> None:
    config = root / "config" / "controllers" / "kontrakt.toml"
    text = config.read_text(encoding="utf-8")
    start = text.index("connection = ")
    end = text.index("\n", start)
    # Nothing listens on port 9: the server is down.
    config.write_text(
        text[:start] + 'connection = { "url" = "postgresql+psycopg://postgres@127.0.0.1:9/none", '
        '"connect_timeout_seconds" = 2 }' + text[end:],
        encoding="utf-8",
    )


def _wrong_encoding(root: Path) -> None:
    path = root / "sources" / "kontrakt" / "customers.csv"
    path.write_bytes(path.read_bytes() + "5;Åse Ødegård;aase@example.no;\n".encode("cp1252"))
    config = root / "config" / "controllers" / "kontrakt.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('"cp1252"', '"utf-8"'), encoding="utf-8")


def _api(fault: str, **how: Any) -> Callable[[Path], None]:
    from tests.connector_contract import API_SERVERS

    def breaker(root: Path) -> None:
        API_SERVERS[root].fault(fault, **how)

    return breaker


def _api_down(root: Path) -> None:
    from tests.connector_contract import API_SERVERS

    API_SERVERS[root].stop()


# Each row: the kind, what goes wrong, and how to break it (the default: the case's own breaker).
FAILURES: list[tuple[str, str, Callable[[Path], None] | None]] = [
    ("sql", "database file corrupt", None),
    ("sql", "server down", _pg_down),
    ("csv", "export broken", None),
    ("csv", "wrong encoding", _wrong_encoding),
    ("xlsx", "workbook missing", None),
    ("api", "HTTP 500", None),
    ("api", "429 with Retry-After", _api("429", retry_after=1)),
    ("api", "timeout", _api("slow", delay=3)),
    ("api", "server down", _api_down),
]


def _world(root: Path, kind: str) -> None:
    case = next(c for c in CASES if c.kind == kind)
    system = case.build(root)
    (root / "config" / "controllers").mkdir(parents=True, exist_ok=True)
    (root / "config" / "controllers" / "kontrakt.toml").write_text(CONTROLLER + _toml(system), encoding="utf-8")


@pytest.fixture
def harness(prefect_harness, monkeypatch, tmp_path):
    from flows.runtime import forget_runtimes
    from tests.connector_contract import API_SERVERS

    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    yield tmp_path
    forget_runtimes()
    if tmp_path in API_SERVERS:
        API_SERVERS.pop(tmp_path).stop()


@pytest.mark.parametrize(("kind", "what", "breaker"), FAILURES, ids=[f"{k}-{w}" for k, w, _ in FAILURES])
def test_a_failing_system_makes_the_answer_incomplete_and_a_rerun_completes_it(harness, kind, what, breaker):
    from flows.fulfil import fulfil_request
    from flows.runtime import forget_runtimes

    root = harness
    _world(root, kind)
    workspace = Workspace(root)
    store = open_store(workspace)
    request_id = store.register(
        controller=workspace.config.controller("kontrakt-as").controller,
        person=Person.from_given(NAME, emails=[EMAIL], phones=[PHONE]),
        received_on=date.today(),
        channel="email",
        actor="test",
        verification_method="email-code",
    ).id
    (breaker or next(c for c in CASES if c.kind == kind).breaks)(root)
    forget_runtimes()  # each run reads the configuration afresh

    first = fulfil_request(request_id)
    assert first["status"] == "incomplete" and not first["complete"], what
    assert first["failed_systems"] == ["kontrakt"]
    assert first["package"].endswith("-delvis.zip")
    out = root / "first"
    password = take_password(workspace.data_key, Path(first["package"]))
    subprocess.run(["7z", "x", "-y", f"-p{password}", f"-o{out}", first["package"]], check=True, capture_output=True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["complete"] is False
    assert [(s["id"], s["status"], s["records"]) for s in manifest["systems"]] == [("kontrakt", "failed", 0)]
    assert not (out / "data").exists() or not any((out / "data").rglob("*.json"))
    run = store.system_runs(request_id)["kontrakt"]
    assert run.status == "failed" and "kontrakt" in (run.error or "")

    # Fixed: the source is whole again and the configuration as it was.
    shutil.rmtree(root / "sources")
    _world(root, kind)
    forget_runtimes()
    second = fulfil_request(request_id)
    # Searched now: Kari's account and her two orders, and a "Nordmann, Kari" row found by the
    # name alone, which waits for a person.
    assert second["status"] == "needs_review" and second["failed_systems"] == [], what
    assert second["records"] == 3 and second["awaiting_review"] == 1
    [candidate] = store.review_items(request_id)
    store.decide(request_id, candidate.id, "rejected", "tester")
    third = fulfil_request(request_id)
    assert third["status"] == "complete" and third["complete"], what
