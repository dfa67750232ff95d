"""Nothing lost, nothing leaked, never a false "complete": one run at a time, package numbers
never shared, completeness proved against staging, a full disk named, the data key checked and
rotated."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from dsar.crypto import DataKey
from dsar.errors import RequestBusy, WrongDataKey
from dsar.store import Person, RequestStore, open_store
from dsar.workspace import Workspace
from tests import flow_world

CLI = [sys.executable, "-m", "dsar.cli"]


register = flow_world.register


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    flow_world.build(tmp_path)
    return Workspace(tmp_path)


@pytest.fixture
def flow_ws(workspace, monkeypatch, prefect_harness):
    from flows.runtime import forget_runtimes

    monkeypatch.setenv("DSAR_WORKSPACE", str(workspace.root))
    yield workspace
    forget_runtimes()


def cli(workspace: Workspace, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args, "--workspace", str(workspace.root)],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=600, check=False,
    )


# -- one run at a time -----------------------------------------------------------------------------


def test_a_second_run_is_refused_with_one_line_while_the_first_holds_the_request(workspace):
    request_id = register(workspace)
    first = subprocess.Popen(["sleep", "60"])  # stands for a live run on this machine
    try:
        open_store(workspace).acquire_run(request_id, f"{socket.gethostname()}:{first.pid}")
        result = cli(workspace, "run", request_id)
        assert result.returncode == 2
        assert result.stderr.strip().count("\n") == 0 and "kjøres nå" in result.stderr
        assert "Traceback" not in result.stderr
        with pytest.raises(RequestBusy):
            open_store(workspace).acquire_run(request_id, f"{socket.gethostname()}:{os.getpid()}")
    finally:
        first.kill()
        first.wait()


def test_a_dead_runs_lease_and_leftovers_are_taken_over(workspace):
    from dsar.leases import run_lease

    request_id = register(workspace)
    dead = subprocess.Popen(["true"])
    dead.wait()
    store = open_store(workspace)
    store.acquire_run(request_id, f"{socket.gethostname()}:{dead.pid}")
    exports = workspace.exports_dir / request_id
    exports.mkdir(parents=True)
    (exports / f"{request_id}-1.zip.partial").write_bytes(b"half a zip")
    (exports / f"{request_id}-1.zip.password.sealed").write_text("sealed", encoding="ascii")
    (workspace.staging_dir / request_id / "nettbutikk.partial").mkdir(parents=True)
    with run_lease(workspace, store, request_id):
        assert store.run_holder(request_id) == f"{socket.gethostname()}:{os.getpid()}"
    assert not list(exports.iterdir()) and not (workspace.staging_dir / request_id / "nettbutikk.partial").exists()
    assert store.run_holder(request_id) is None
    actions = [e for e in store.audit_log(request_id) if e.action == "run_lease_taken"]
    assert actions[-1].detail.get("after", "").endswith(f":{dead.pid}")


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_package_numbers_are_never_shared_by_concurrent_builds(backend, tmp_path, request, data_key):
    from tests.test_store import CONTROLLER, KARI

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        import sqlalchemy as sa

        with sa.create_engine(url).begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    store = RequestStore(url, data_key)
    request_id = store.register(
        controller=CONTROLLER, person=KARI, received_on=date(2026, 11, 2), channel="email", actor="t",
        verification_method="email-code", today=date(2026, 11, 22),
    ).id
    paths: list[Path] = []
    barrier = threading.Barrier(12)

    def build() -> None:
        barrier.wait()
        for _ in range(2):
            paths.append(store.reserve_package(request_id, tmp_path, complete=True))

    threads = [threading.Thread(target=build) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({p.name for p in paths}) == 24
    store.close()


# -- completeness is proved ---------------------------------------------------------------------------


def _unpack(package: str, password: str, dest: Path) -> dict:
    subprocess.run(["7z", "x", "-y", f"-p{password}", f"-o{dest}", package], check=True, capture_output=True)
    return json.loads((dest / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("loss", ["a staged collection deleted", "staging gone with its volume"])
def test_a_package_never_claims_complete_over_staging_that_lost_data(flow_ws, tmp_path, loss):
    from dsar.cli.running import repackage_request
    from flows.fulfil import fulfil_request

    request_id = register(flow_ws)
    assert fulfil_request(request_id)["status"] == "complete"
    if loss == "a staged collection deleted":
        (flow_ws.staging_dir / request_id / "nettbutikk" / "orders.jsonl.enc").unlink()
        lost = ["nettbutikk"]
    else:
        shutil.rmtree(flow_ws.staging_dir / request_id)
        lost = ["nettbutikk", "nyhetsbrev"]
    store = open_store(flow_ws)
    assert store.get(request_id).status == "complete"
    # A new package of a complete request (a lost password): the loss must show in it.
    rebuilt = repackage_request(flow_ws, request_id)
    assert rebuilt["status"] == "incomplete" and rebuilt["package"].endswith("-delvis.zip")
    assert sorted(rebuilt["failed_systems"]) == lost
    manifest = _unpack(rebuilt["package"], rebuilt["password"], tmp_path / "rebuilt")
    assert manifest["complete"] is False
    assert {s["id"]: s["status"] for s in manifest["systems"] if s["id"] in lost} == dict.fromkeys(lost, "failed")
    for system_id in lost:
        assert "søkes på nytt ved neste kjøring" in (store.system_runs(request_id)[system_id].error or "")
    # A run searches what was lost again and completes.
    final = fulfil_request(request_id)
    assert final["status"] == "complete" and final["records"] == 7


# -- a full disk ---------------------------------------------------------------------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small filesystem needs root (CI runs as root)")
def test_a_full_disk_is_named_leaves_nothing_and_a_rerun_completes(flow_ws, tmp_path):
    from flows.fulfil import fulfil_request

    request_id = register(flow_ws)
    exports = flow_ws.exports_dir / request_id
    exports.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24k", "tmpfs", str(exports)], check=True)
    try:
        with pytest.raises(Exception, match="er full") as err:
            fulfil_request(request_id)
        assert str(exports) in str(err.value) and "Traceback" not in str(err.value)
        assert not any(p.name.endswith((".partial", ".sealed")) for p in exports.iterdir())
        store = open_store(flow_ws)
        assert store.get(request_id).status == "incomplete"  # not stuck at running
        assert store.latest_package(request_id) is None
    finally:
        subprocess.run(["umount", str(exports)], check=True)
    result = fulfil_request(request_id)
    assert result["status"] == "complete" and result["package"].endswith("-2.zip")  # 1 was never finished


# -- the data key ---------------------------------------------------------------------------------------


def test_a_wrong_data_key_is_refused_before_anything_is_written(workspace, monkeypatch):
    register(workspace)
    original = os.environ["DSAR_DATA_KEY"]
    other = DataKey.generate()
    monkeypatch.setenv("DSAR_DATA_KEY", other)
    fresh = Workspace(workspace.root)
    with pytest.raises(WrongDataKey, match="ikke nøkkelen kravregisteret ble forseglet med"):
        open_store(fresh)
    result = cli(fresh, "check", env={"DSAR_DATA_KEY": other})
    assert result.returncode == 1 and "ikke nøkkelen kravregisteret ble forseglet med" in result.stdout
    result = cli(fresh, "request", "new", "--controller", "testbutikk", "--name", "Ola Nordmann",
                 "--email", "ola@example.no", "--verified-by", "email-code", env={"DSAR_DATA_KEY": other})
    assert result.returncode == 2 and "ingenting ble skrevet" in result.stderr
    monkeypatch.setenv("DSAR_DATA_KEY", original)
    assert len(open_store(Workspace(workspace.root)).summaries()) == 1


def test_keys_rotate_reseals_the_store_and_staging_under_a_new_key(flow_ws, tmp_path, monkeypatch):
    from flows.fulfil import fulfil_request
    from flows.runtime import forget_runtimes

    # The key lives in the secret store for a rotation (the environment can't be rewritten).
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir(mode=0o700)
    key_file = secrets_dir / "DSAR_DATA_KEY"
    key_file.write_text(os.environ["DSAR_DATA_KEY"] + "\n", encoding="utf-8")
    key_file.chmod(0o600)
    monkeypatch.setenv("DSAR_SECRETS_DIR", str(secrets_dir))
    monkeypatch.delenv("DSAR_DATA_KEY")
    request_id = register(Workspace(flow_ws.root))
    done = fulfil_request(request_id)
    assert done["status"] == "complete"
    old_key = key_file.read_text(encoding="utf-8").strip()

    result = cli(flow_ws, "keys-rotate", "--json", env={"DSAR_SECRETS_DIR": str(secrets_dir), "DSAR_DATA_KEY": ""})
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["values"] >= 3 and summary["files"] >= 3 and summary["passwords"] == 1
    assert key_file.read_text(encoding="utf-8").strip() != old_key
    assert (secrets_dir / "DSAR_DATA_KEY.previous").read_text(encoding="utf-8").strip() == old_key

    forget_runtimes()
    rotated = Workspace(flow_ws.root)
    store = open_store(rotated)  # the new key opens the store
    assert store.get(request_id).person.name == flow_world.KARI["name"]
    assert [f.key for f in rotated.staging.read(request_id, "nettbutikk", "orders")] == ["10", "11"]
    from dsar.delivery import take_password

    assert take_password(rotated.data_key, Path(done["package"]))  # the sealed password still opens
    monkeypatch.setenv("DSAR_DATA_KEY", old_key)
    with pytest.raises(WrongDataKey):
        open_store(Workspace(flow_ws.root))


# -- retention ------------------------------------------------------------------------------------------


def test_answered_requests_data_is_purged_after_the_retention_periods(flow_ws):
    from datetime import timedelta

    from dsar.cli.running import repackage_request
    from dsar.errors import InputError
    from dsar.retention import purge_expired
    from flows.fulfil import fulfil_request

    config = flow_ws.config.controller("testbutikk")
    today = date.today()
    store = open_store(flow_ws)
    request_id = store.register(
        controller=config.controller,
        person=Person.from_given(flow_world.KARI["name"], emails=[flow_world.KARI["email"]]),
        received_on=today - timedelta(days=60),
        channel="email",
        actor="test",
        verification_method="email-code",
    ).id
    assert fulfil_request(request_id)["status"] == "complete"
    store.deliver(request_id, "digipost", today - timedelta(days=40), "tester")

    dry = purge_expired(flow_ws, store, dry_run=True)
    assert dry.staging == [request_id] and dry.exports == [] and (flow_ws.staging_dir / request_id).is_dir()
    first = purge_expired(flow_ws, store)  # 40 days after the answer: staging (30) goes, packages (90) stay
    assert first.staging == [request_id] and not (flow_ws.staging_dir / request_id).exists()
    assert (flow_ws.exports_dir / request_id).is_dir()
    later = purge_expired(flow_ws, store, today=today + timedelta(days=51))
    assert later.exports == [request_id] and not (flow_ws.exports_dir / request_id).exists()
    actions = [e.action for e in store.audit_log(request_id)]
    assert actions.count("staging_purged") == 1 and actions.count("exports_purged") == 1
    # The request itself stays, with its dates and audit.
    assert store.get(request_id).status == "delivered"
    with pytest.raises(InputError, match="slettet"):
        repackage_request(flow_ws, request_id)
