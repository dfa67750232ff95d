"""Systems staff search by hand: a staff task that keeps the answer from being complete until
staff attach what they found or confirm there is nothing."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from dsar.delivery import take_password
from dsar.errors import InputError
from dsar.manual import attach, confirm_nothing
from dsar.store import open_store
from dsar.workspace import Workspace
from tests import flow_world

PAPER = """
[systems.papirarkiv]
title = { nb = "Papirarkiv (kundesaker før 2015)", en = "Paper archive (customer cases before 2015)" }
connector = "manual"
instructions = { nb = "Søk i ringpermene i arkivrommet etter navnet og kundenummeret.", en = "Search the binders in the archive room for the name and customer number." }

[systems.papirarkiv.register]
purposes = [{ nb = "Dokumentasjon av kundesaker", en = "Documenting customer cases" }]
legal_basis = [{ nb = "Rettslig forpliktelse (art. 6 nr. 1 c)", en = "Legal obligation (Art. 6(1)(c))" }]
categories = [{ nb = "Kundekorrespondanse på papir", en = "Customer correspondence on paper" }]
recipients = []
retention = { nb = "Ti år", en = "Ten years" }
sources = []
transfers = []
profiling = false
automated_decisions = false
"""


@pytest.fixture
def world(tmp_path, monkeypatch, prefect_harness):
    from flows.runtime import forget_runtimes

    flow_world.build(tmp_path)
    config = tmp_path / "config" / "controllers" / "testbutikk.toml"
    config.write_text(config.read_text(encoding="utf-8") + PAPER, encoding="utf-8")
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    yield Workspace(tmp_path)
    forget_runtimes()


register = flow_world.register


def unpack(package: str, password: str, dest: Path) -> dict:
    subprocess.run(["7z", "x", "-y", f"-p{password}", f"-o{dest}", package], check=True, capture_output=True)
    return json.loads((dest / "manifest.json").read_text(encoding="utf-8"))


def test_a_system_searched_by_hand_is_a_staff_task_until_staff_attach(world, tmp_path):
    from flows.fulfil import fulfil_request

    request_id = register(world)
    first = fulfil_request(request_id)
    assert first["status"] == "incomplete" and not first["complete"]
    assert first["package"].endswith("-delvis.zip")
    store = open_store(world)
    assert store.system_runs(request_id)["papirarkiv"].status == "waiting"
    manifest = unpack(first["package"], take_password(world.data_key, Path(first["package"])), tmp_path / "first")
    paper = next(s for s in manifest["systems"] if s["id"] == "papirarkiv")
    assert (paper["status"], paper["searched_by"]) == ("waiting", "staff")
    letter = (tmp_path / "first" / "svarbrev.html").read_text(encoding="utf-8")
    assert "søkes gjennom for hånd" in letter

    scan = tmp_path / "skann-kundesak-2013.pdf"
    scan.write_bytes(b"%PDF-1.4 kundesak 2013 Kari Nordmann")
    attach(world, store, request_id, "papirarkiv", [scan], note="Funnet i perm 2013", actor="saksbehandler")
    second = fulfil_request(request_id)
    assert second["status"] == "complete" and second["complete"]
    out = tmp_path / "second"
    manifest = unpack(second["package"], take_password(world.data_key, Path(second["package"])), out)
    paper = next(s for s in manifest["systems"] if s["id"] == "papirarkiv")
    assert (paper["status"], paper["searched_by"], paper["attachments"]) == ("complete", "staff", 1)
    [document] = json.loads((out / "data" / "papirarkiv" / "dokumenter.json").read_text(encoding="utf-8"))["records"]
    assert document["merknad"] == "Funnet i perm 2013"
    [attached] = document["_files"]
    assert (out / attached["path"]).read_bytes() == scan.read_bytes()
    assert any(f["path"] == attached["path"] for f in manifest["files"])
    actions = [e.action for e in store.audit_log(request_id)]
    assert "system_waiting" in actions and "manual_attached" in actions


def test_staff_confirming_nothing_completes_the_answer(world):
    from flows.fulfil import fulfil_request

    request_id = register(world)
    assert fulfil_request(request_id)["status"] == "incomplete"
    store = open_store(world)
    confirm_nothing(world, store, request_id, "papirarkiv", note="Ingen perm for kunden", actor="saksbehandler")
    assert fulfil_request(request_id)["status"] == "complete"
    assert store.system_runs(request_id)["papirarkiv"].status == "nothing_found"


def test_staff_actions_only_for_systems_searched_by_hand(world, tmp_path):
    request_id = register(world)
    store = open_store(world)
    with pytest.raises(InputError, match="søkes av produktet"):
        confirm_nothing(world, store, request_id, "nettbutikk", note=None, actor="x")
    with pytest.raises(InputError, match="ikke noe system"):
        confirm_nothing(world, store, request_id, "kjeller", note=None, actor="x")
    with pytest.raises(InputError, match="filen finnes ikke"):
        attach(world, store, request_id, "papirarkiv", [tmp_path / "finnes-ikke.pdf"], note=None, actor="x")
