"""Many requests in one flow run (``flows.batch``, ``dsar run ID…``, ``dsar run --ready``).

What is checked: a batch answers each request as ``fulfil_request`` would (same packages,
same states); one request that breaks is named and the others are answered; a request
another run holds is left alone; ``--ready`` takes only verified requests not yet run; the
CLI refuses a bad id before anything runs; Prefect's database holds no personal data.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dsar.cli import app
from dsar.delivery import take_password
from dsar.store import open_store
from dsar.workspace import Workspace
from tests import flow_world
from tests.test_flow import LEAKY, open_package, records, register

runner = CliRunner()


@pytest.fixture
def world(tmp_path, monkeypatch, prefect_harness):
    from flows.runtime import forget_runtimes

    flow_world.build(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    yield Workspace(tmp_path)
    forget_runtimes()


def test_a_batch_answers_each_request_and_names_the_one_that_fails(world, tmp_path, monkeypatch):
    import dsar.answer
    from flows.batch import fulfil_batch

    first, broken, third = (register(world) for _ in range(3))
    real = dsar.answer.answer_request

    def answer_request(workspace, store, request, controller, **kwargs):
        if request.id == broken:
            raise KeyError(LEAKY)  # a bug whose message quotes a value
        return real(workspace, store, request, controller, **kwargs)

    monkeypatch.setattr(dsar.answer, "answer_request", answer_request)
    result = fulfil_batch([first, broken, third, first])  # a repeated id runs once
    by_id = {r["request_id"]: r for r in result["requests"]}
    assert [r["request_id"] for r in result["requests"]] == [first, broken, third]
    assert result["failed"] == [broken]
    assert by_id[broken]["status"] == "incomplete"  # not left "running" as if work went on
    assert "KeyError" in by_id[broken]["error"] and LEAKY not in by_id[broken]["error"]
    assert "logs/" in by_id[broken]["error"]
    store = open_store(world)
    for request_id in (first, third):
        outcome = by_id[request_id]
        assert outcome["status"] == "complete" and outcome["records"] == 7 and "error" not in outcome
        assert store.get(request_id).status == "complete"
        password = take_password(world.data_key, Path(outcome["package"]))
        open_package(outcome["package"], password, tmp_path / request_id)
        orders = records(tmp_path / request_id, "nettbutikk", "orders")
        assert [r["_source"]["key"] for r in orders] == ["10", "11"]
    assert result["counts"] == {"complete": 2, "incomplete": 1}
    # Each request was searched once, under its own lease, which is given back.
    for request_id in (first, broken, third):
        assert store.system_runs(request_id)["nettbutikk"].attempts == 1
        assert store.run_holder(request_id) is None

    # The broken one, run again once fixed, is answered from what was staged.
    monkeypatch.setattr(dsar.answer, "answer_request", real)
    again = fulfil_batch([broken, first])
    assert again["failed"] == [] and [r["status"] for r in again["requests"]] == ["complete", "complete"]
    assert again["requests"][1].get("already_complete")
    assert store.system_runs(broken)["nettbutikk"].attempts == 1


def test_a_failing_system_makes_only_its_request_incomplete(world):
    from flows.batch import fulfil_batch

    request_ids = [register(world) for _ in range(2)]
    shop = world.sources_dir / "shop.db"
    shop.rename(shop.with_suffix(".away"))
    result = fulfil_batch(request_ids)
    assert result["failed"] == []  # answered, partially: nothing failed outright
    for outcome in result["requests"]:
        assert outcome["status"] == "incomplete" and outcome["failed_systems"] == ["nettbutikk"]
        assert outcome["package"].endswith("-delvis.zip")


def test_a_held_lease_is_respected(world):
    from flows.batch import fulfil_batch

    free, held = register(world), register(world)
    store = open_store(world)
    store.acquire_run(held, "another-machine:4242")  # a live run elsewhere
    result = fulfil_batch([held, free])
    by_id = {r["request_id"]: r for r in result["requests"]}
    assert result["failed"] == [held]
    assert "kjøres nå" in by_id[held]["error"] and "another-machine:4242" in by_id[held]["error"]
    assert by_id[held]["status"] == "registered"
    assert store.system_runs(held) == {} and not (world.staging_dir / held).exists()
    assert store.run_holder(held) == "another-machine:4242"  # still theirs
    assert by_id[free]["status"] == "complete"

    store.release_run(held, "another-machine:4242")
    assert fulfil_batch([held])["requests"][0]["status"] == "complete"


def test_an_unverified_request_in_a_batch_is_refused_and_nothing_searched(world):
    from flows.batch import fulfil_batch

    unverified, verified = register(world, verified=False), register(world)
    result = fulfil_batch([unverified, verified])
    assert result["failed"] == [unverified]
    assert "ikke verifisert" in result["requests"][0]["error"]
    store = open_store(world)
    assert store.system_runs(unverified) == {} and store.get(unverified).status == "awaiting_verification"
    assert store.get(verified).status == "complete"


def test_run_ready_takes_only_verified_requests_not_yet_run(world):
    from flows.fulfil import fulfil_request

    answered = register(world)
    fulfil_request(answered)
    delivered = register(world)
    fulfil_request(delivered)
    store = open_store(world)
    from datetime import date

    store.deliver(delivered, "email", date.today(), "test")
    unverified = register(world, verified=False)
    ready = [register(world), register(world)]

    result = runner.invoke(app, ["run", "--ready", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert sorted(r["id"] for r in rows) == sorted(ready)
    assert all(r["status"] == "complete" and r["password"] for r in rows)
    assert store.get(unverified).status == "awaiting_verification"
    assert store.get(answered).status == "complete" and store.get(delivered).status == "delivered"
    assert store.system_runs(answered)["nettbutikk"].attempts == 1  # not searched again

    nothing = runner.invoke(app, ["run", "--ready"])
    assert nothing.exit_code == 0 and "ingen" in nothing.output


def test_run_several_ids_from_the_command_line(world):
    first, second = register(world), register(world)
    unverified = register(world, verified=False)

    refused = runner.invoke(app, ["run", first, unverified, "--json"])
    assert refused.exit_code == 2 and json.loads(refused.stdout)["kind"] == "RequestNotVerified"
    unknown = runner.invoke(app, ["run", first, "INN-2026-XXXXXX"])
    assert unknown.exit_code == 2 and "INN-2026-XXXXXX" in unknown.stderr
    both = runner.invoke(app, ["run", first, "--ready"])
    assert both.exit_code == 2 and "ikke begge" in both.stderr
    store = open_store(world)
    assert store.get(first).status == "registered" and store.system_runs(first) == {}  # nothing ran

    result = runner.invoke(app, ["run", first, second])
    assert result.exit_code == 0, result.output
    assert first in result.stdout and second in result.stdout and "complete" in result.stdout
    assert "Passordene vises bare nå" in result.stderr
    assert {store.get(first).status, store.get(second).status} == {"complete"}


def test_prefect_holds_no_personal_data_after_a_batch(world, prefect_harness):
    from flows.batch import fulfil_batch

    fulfil_batch([register(world, emails=(flow_world.KARI["email"], flow_world.FAMILY_EMAIL)), register(world)])
    needles = ["Kari", "Nordmann", "kari.nordmann", "nordmann.familie", "91234567", "Fotobok", "argon2", LEAKY]
    for path in (p for p in prefect_harness.parent.glob("*") if p.is_file()):
        blob = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in blob, f"{needle!r} found in {path.name}"


def test_a_batch_opens_each_source_once(world):
    from connectors import connector_for
    from connectors.sql_engines import shared_engines

    shop = world.config.controller("testbutikk").systems["nettbutikk"]
    with connector_for(shop, world) as alone:
        own = alone.engine
    with shared_engines():
        with connector_for(shop, world) as one, connector_for(shop, world) as two:
            assert one.engine is two.engine and one.engine is not own
        with connector_for(shop, world) as later:
            assert later.engine is one.engine  # still open after the searches closed
    with connector_for(shop, world) as after:
        assert after.engine is not one.engine  # the batch's engine was disposed with it


def test_transient_faults_are_retried_as_in_a_single_run(world, monkeypatch):
    from flows.batch import fulfil_batch

    # A server that refuses connections: transient, so it is tried again (retries = 1).
    flow_world.refuse_connections(world, monkeypatch)
    request_id = register(Workspace(world.root))
    [outcome] = fulfil_batch([request_id])["requests"]
    assert outcome["status"] == "incomplete" and outcome["failed_systems"] == ["nettbutikk"]
    run = open_store(world).system_runs(request_id)["nettbutikk"]
    assert run.status == "failed" and run.attempts == 2
    assert open_store(world).system_runs(request_id)["nyhetsbrev"].status == "complete"


@pytest.mark.parametrize("max_parallel", [None, 1])
def test_a_systems_max_parallel_bounds_its_searches_across_a_batch(world, monkeypatch, max_parallel):
    """A batch answers 4 requests at a time; ``max_parallel = 1`` on the web shop makes its
    searches take turns (a Prefect global concurrency limit), without it they overlap."""
    import threading
    import time

    import dsar.search
    from flows.batch import fulfil_batch
    from flows.limits import forget_limits, limit_name
    from flows.runtime import forget_runtimes

    if max_parallel is not None:
        path = world.root / "config" / "controllers" / "testbutikk.toml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("retries = 1\n", f"retries = 1\nmax_parallel = {max_parallel}\n", 1), encoding="utf-8")
        forget_runtimes()
    forget_limits()
    ids = [register(Workspace(world.root)) for _ in range(4)]
    real = dsar.search.search_system
    active, most, guard = [0], [0], threading.Lock()

    def search_system(workspace, store, request, system, **kwargs):
        if system.id != "nettbutikk":
            return real(workspace, store, request, system, **kwargs)
        with guard:
            active[0] += 1
            most[0] = max(most[0], active[0])
        try:
            time.sleep(0.4)  # long enough for the other three to arrive while this one searches
            return real(workspace, store, request, system, **kwargs)
        finally:
            with guard:
                active[0] -= 1

    monkeypatch.setattr(dsar.search, "search_system", search_system)
    result = fulfil_batch(ids)
    assert result["counts"] == {"complete": 4}
    if max_parallel is None:
        assert most[0] > 1
    else:
        assert most[0] == 1
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            limit = client.read_global_concurrency_limit_by_name(limit_name("testbutikk", "nettbutikk"))
        assert limit.limit == 1 and limit.active_slots == 0  # every slot given back
