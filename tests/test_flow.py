"""The flow end to end on a small exact world, through Prefect's engine.

What is checked: a verified request is answered; an unverified one is refused and nothing is
searched; a weak match waits for a person; an unreachable system makes the answer partial
and a re-run resumes only what failed; transient faults are retried; Prefect's database ends
up without the person's name, e-mail or phone.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dsar.delivery import take_password
from dsar.errors import InputError, RequestNotVerified
from dsar.store import open_store
from dsar.workspace import Workspace
from tests import flow_world


@pytest.fixture
def world(tmp_path, monkeypatch, prefect_harness):
    from flows.runtime import forget_runtimes

    flow_world.build(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    workspace = Workspace(tmp_path)
    yield workspace
    forget_runtimes()


register = flow_world.register


def open_package(path: str, password: str, dest: Path) -> dict:
    subprocess.run(["7z", "x", "-y", f"-p{password}", f"-o{dest}", path], check=True, capture_output=True)
    return json.loads((dest / "manifest.json").read_text(encoding="utf-8"))


def records(dest: Path, system: str, collection: str) -> list[dict]:
    return json.loads((dest / "data" / system / f"{collection}.json").read_text(encoding="utf-8"))["records"]


def test_verified_request_is_answered(world, tmp_path):
    from flows.fulfil import fulfil_request

    request_id = register(world)
    result = fulfil_request(request_id)
    assert result["status"] == "complete" and result["complete"]
    assert result["records"] == 7  # 1 customer, 2 orders, 3 lines, 1 subscriber
    password = take_password(world.data_key, Path(result["package"]))
    assert password and take_password(world.data_key, Path(result["package"])) is None  # once
    manifest = open_package(result["package"], password, tmp_path / "out")
    assert manifest["complete"] is True
    assert {s["id"]: s["status"] for s in manifest["systems"]} == {"nettbutikk": "complete", "nyhetsbrev": "complete"}
    assert [r["_source"]["key"] for r in records(tmp_path / "out", "nettbutikk", "order_lines")] == ["100", "101", "110"]
    customer = records(tmp_path / "out", "nettbutikk", "customers")[0]
    assert "password_hash" not in customer  # a secret: its existence is stated, never its value
    assert open_store(world).get(request_id).status == "complete"

    again = fulfil_request(request_id)  # a complete request is left as it is
    assert again["status"] == "complete" and again.get("already_complete")


def test_unverified_request_is_refused_and_nothing_searched(world):
    from flows.fulfil import fulfil_request

    request_id = register(world, verified=False)
    with pytest.raises(RequestNotVerified, match="ikke verifisert"):
        fulfil_request(request_id)
    store = open_store(world)
    assert store.system_runs(request_id) == {}
    assert store.get(request_id).status == "awaiting_verification"
    assert not (world.staging_dir / request_id).exists()


EXCLUDED_OLA = 3
"""Ola's account on the family e-mail and its two orders."""


def test_weak_match_waits_for_a_person(world, tmp_path):
    from flows.fulfil import fulfil_request

    request_id = register(world, emails=(flow_world.KARI["email"], flow_world.FAMILY_EMAIL))
    first = fulfil_request(request_id)
    assert first["status"] == "needs_review" and not first["complete"]
    assert first["package"].endswith("-delvis.zip")
    # Ola's account on the family e-mail (another first name) is excluded: never released and
    # not a question for staff. The "Kari Nordby" account (the surname differs) waits.
    assert first["awaiting_review"] == 1
    store = open_store(world)
    (nordby,) = store.review_items(request_id)
    assert (nordby.system_id, nordby.record_ref, nordby.reason) == ("nettbutikk", "customers/5", "surname_differs")
    # Staff see Ola's records counted apart, with why: not "til vurdering" beside Nordby's.
    shop = store.system_runs(request_id)["nettbutikk"]
    assert shop.held == 1 and shop.excluded == {"name_differs": 1, "reached_from_excluded": 2}
    (summary,) = [s for s in store.summaries() if s.id == request_id]
    assert (summary.held, summary.excluded) == (1, EXCLUDED_OLA)
    password = take_password(world.data_key, Path(first["package"]))
    open_package(first["package"], password, tmp_path / "first")
    assert [r["_source"]["key"] for r in records(tmp_path / "first", "nettbutikk", "orders")] == ["10", "11"]
    assert "2" not in [r["_source"]["key"] for r in records(tmp_path / "first", "nettbutikk", "customers")]

    # Staff can't tell yet: the request still waits, nothing changes.
    second = fulfil_request(request_id)
    assert second["status"] == "needs_review" and second["records"] == first["records"]
    assert second["awaiting_review"] == 1
    # Staff find it is Kari's old account (accepted): it joins the package.
    store.decide(request_id, nordby.id, "accepted", "tester")
    Path(first["package"]).unlink()  # an old package removed: its number is still never reused
    third = fulfil_request(request_id)
    assert third["status"] == "complete" and third["records"] == first["records"] + 1
    assert third["awaiting_review"] == 0
    open_package(third["package"], take_password(world.data_key, Path(third["package"])), tmp_path / "third")
    assert [r["_source"]["key"] for r in records(tmp_path / "third", "nettbutikk", "orders")] == ["10", "11"]
    assert sorted(r["_source"]["key"] for r in records(tmp_path / "third", "nettbutikk", "customers")) == ["1", "5"]
    assert int(third["package"].rsplit("-", 1)[1].removesuffix(".zip")) == 3  # none replaced
    assert store.system_runs(request_id)["nettbutikk"].attempts == 1  # not searched again


def test_an_excluded_record_can_be_put_to_a_decision_and_released_only_if_accepted(world, tmp_path):
    from dsar.exclusions import excluded_groups, reconsider
    from flows.fulfil import fulfil_request

    request_id = register(world, emails=(flow_world.KARI["email"], flow_world.FAMILY_EMAIL))
    first = fulfil_request(request_id)
    store = open_store(world)
    (ola,) = excluded_groups(world, store, request_id)
    assert (ola.system_id, ola.ref, ola.reason, ola.reconsidered) == ("nettbutikk", "customers/2", "name_differs", False)
    assert ola.records == 3  # his account and the two orders under it
    with pytest.raises(InputError, match="ingen utelatt gruppe"):
        reconsider(world, store, request_id, "nettbutikk", "customers/1", "tester")  # Kari's own: not excluded
    item = reconsider(world, store, request_id, "nettbutikk", "customers/2", "tester")
    assert reconsider(world, store, request_id, "nettbutikk", "customers/2", "tester") == item  # once
    assert excluded_groups(world, store, request_id)[0].reconsidered
    # Put to staff, it waits for them like a held group: the answer is not complete meanwhile.
    (second,) = [fulfil_request(request_id)]
    assert second["status"] == "needs_review" and second["awaiting_review"] == first["awaiting_review"] + 1
    store.decide(request_id, item, "accepted", "tester")
    nordby = next(i for i in store.review_items(request_id) if i.record_ref == "customers/5")
    store.decide(request_id, nordby.id, "rejected", "tester")
    third = fulfil_request(request_id)
    assert third["status"] == "complete"
    open_package(third["package"], take_password(world.data_key, Path(third["package"])), tmp_path / "third")
    assert sorted(r["_source"]["key"] for r in records(tmp_path / "third", "nettbutikk", "customers")) == ["1", "2"]
    assert [e.action for e in store.audit_log(request_id)].count("exclusion_reconsidered") == 1


def test_unreachable_system_makes_the_answer_partial_and_a_rerun_resumes(world, tmp_path):
    from flows.fulfil import fulfil_request

    db = world.sources_dir / "shop.db"
    hidden = db.with_suffix(".away")
    shutil.move(db, hidden)
    request_id = register(world)
    first = fulfil_request(request_id)
    assert first["status"] == "incomplete" and first["failed_systems"] == ["nettbutikk"]
    assert first["package"].endswith("-delvis.zip")
    assert not db.exists()  # a read-only lookup never creates an empty database
    manifest = open_package(first["package"], take_password(world.data_key, Path(first["package"])), tmp_path / "p")
    assert manifest["complete"] is False
    failed = {s["id"]: s for s in manifest["systems"]}["nettbutikk"]
    assert failed["status"] == "failed" and "error" not in failed  # the reason stays with staff
    [summary] = open_store(world).summaries()
    assert summary.status == "incomplete" and summary.failed_systems == ("nettbutikk",)

    shutil.move(hidden, db)
    second = fulfil_request(request_id)
    assert second["status"] == "complete" and second["records"] == 7
    runs = open_store(world).system_runs(request_id)
    assert runs["nyhetsbrev"].attempts == 1  # succeeded the first time: not redone
    assert runs["nettbutikk"].status == "complete"


def test_each_run_reads_the_configuration_afresh(world):
    """A long-lived worker must see an edited controller file on its next run."""
    from flows.fulfil import fulfil_request

    assert fulfil_request(register(world))["status"] == "complete"
    config = world.config_dir / "controllers" / "testbutikk.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("sources/shop.db", "sources/moved.db"), encoding="utf-8"
    )
    second = fulfil_request(register(Workspace(world.root)))
    assert second["status"] == "incomplete" and second["failed_systems"] == ["nettbutikk"]


def test_transient_faults_are_retried(world, monkeypatch):
    from flows.fulfil import fulfil_request

    # A server that refuses connections: transient, so Prefect retries (retries = 1).
    flow_world.refuse_connections(world, monkeypatch)
    request_id = register(Workspace(world.root))
    result = fulfil_request(request_id)
    assert result["status"] == "incomplete"
    run = open_store(world).system_runs(request_id)["nettbutikk"]
    assert run.status == "failed" and run.attempts == 2


LEAKY = "leaky.value@example.no"


def test_an_unexpected_error_reaches_prefect_without_its_text(world, monkeypatch):
    import dsar.answer
    from dsar.crypto import read_encrypted
    from flows.fulfil import StepFailed, fulfil_request

    def broken(*args, **kwargs):
        raise KeyError(LEAKY)  # a bug whose message quotes a value

    monkeypatch.setattr(dsar.answer, "answer_request", broken)
    request_id = register(world)
    with pytest.raises(StepFailed) as err:
        fulfil_request(request_id)
    assert LEAKY not in str(err.value) and err.value.__cause__ is None and err.value.__context__ is None
    assert "KeyError" in str(err.value) and "logs/" in str(err.value)
    [log] = (world.root / "logs").glob(f"{request_id}-answer-*.txt.enc")
    assert LEAKY.encode() not in log.read_bytes()
    assert LEAKY in b"".join(read_encrypted(log, world.data_key)).decode()


def test_prefect_holds_no_personal_data(world, prefect_harness):
    """Scans the session's whole Prefect database: this request's run, with a weak match,
    and whatever ran before it (failures, retries, refusals) in this session."""
    from flows.fulfil import fulfil_request

    request_id = register(world, emails=(flow_world.KARI["email"], flow_world.FAMILY_EMAIL))
    fulfil_request(request_id)
    needles = [
        "Kari", "Nordmann", "kari.nordmann", "nordmann.familie", "91234567", "912 34 567",
        "Fotobok", "argon2", LEAKY,
    ]
    files = [p for p in prefect_harness.parent.glob("*") if p.is_file()]
    assert files, "the harness database was not found"
    for path in files:
        blob = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in blob, f"{needle!r} found in {path.name}"
            assert needle.encode("utf-16-le") not in blob
