"""``kill -9`` at every step of a run: nothing half-done stays visible, no Prefect server is left
behind, the status says the run was interrupted, and the next run produces the answer a run
without the crash would have (timestamps aside).

Each point (``dsar.faults.POINTS``) runs ``dsar run`` in a subprocess that kills itself there.
The runs share one Prefect server (the session's), except the one that proves the CLI's own
server dies with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dsar.faults import POINTS
from dsar.store import open_store
from dsar.workspace import Workspace
from tests import flow_world

# What differs between two runs by design, and is left out of the comparison.
TIMESTAMPED = ("index.html", "svarbrev.pdf", "svarbrev.html", "LES-MEG.txt", "manifest.json")


register = flow_world.register


def run_cli(workspace: Workspace, request_id: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dsar.cli", "run", request_id, "--json", "--workspace", str(workspace.root)],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=900, check=False,
    )


def comparable(workspace: Workspace, request_id: str, result: dict, password: str, dest: Path) -> dict:
    """A package as two runs must agree on: systems, counts, and every data file's bytes."""
    subprocess.run(["7z", "x", "-y", f"-p{password}", f"-o{dest}", result["package"]], check=True, capture_output=True)
    manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    data = {}
    for entry in manifest["files"]:
        path = entry["path"]
        if path.endswith(".csv") or path.startswith("attachments/"):
            data[path] = entry["sha256"]
        elif path.endswith(".json"):  # the head carries exported_at: compare the records
            records = json.loads((dest / path).read_text(encoding="utf-8"))["records"]
            data[path] = records
        else:
            assert path in TIMESTAMPED, path
    return {"complete": manifest["complete"], "systems": manifest["systems"], "data": data}


@pytest.fixture(scope="module")
def shared_api(prefect_harness):
    from prefect.settings import PREFECT_API_URL

    return {"PREFECT_API_URL": PREFECT_API_URL.value()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory, shared_api) -> dict:
    root = tmp_path_factory.mktemp("reference")
    flow_world.build(root)
    workspace = Workspace(root)
    request_id = register(workspace)
    done = run_cli(workspace, request_id, shared_api)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)[0] if done.stdout.lstrip().startswith("[") else json.loads(done.stdout)
    return comparable(workspace, request_id, result, result["password"], root / "out")


@pytest.mark.parametrize("point", POINTS)
def test_a_run_killed_at_any_step_leaves_nothing_and_the_next_run_matches(point, tmp_path, shared_api, reference):
    flow_world.build(tmp_path)
    workspace = Workspace(tmp_path)
    request_id = register(workspace)

    killed = run_cli(workspace, request_id, {**shared_api, "DSAR_KILL_AT": point})
    assert killed.returncode == -9, (point, killed.stderr[-2000:])
    store = open_store(workspace)
    [summary] = store.summaries()
    assert summary.status == "running" and summary.interrupted, point

    again = run_cli(workspace, request_id, shared_api)
    assert again.returncode == 0, (point, again.stderr[-2000:])
    result = json.loads(again.stdout)
    result = result[0] if isinstance(result, list) else result
    assert result["status"] == "complete", point
    assert comparable(workspace, request_id, result, result["password"], tmp_path / "out") == reference, point
    # Nothing half-done or unopenable is left: one package, no partial files, no passwords waiting.
    leftovers = [p.name for p in (tmp_path / "exports" / request_id).iterdir()]
    assert leftovers == [Path(result["package"]).name], (point, leftovers)
    assert not [p for p in (tmp_path / "staging").rglob("*.partial")], point
    assert not store.summaries()[0].interrupted


def _servers_for(home: Path) -> list[int]:
    """Processes whose environment names ``home`` as PREFECT_HOME (a Prefect server of ours)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"PREFECT_HOME={home}".encode() in environ and b"uvicorn" in (proc / "cmdline").read_bytes():
            found.append(int(proc.name))
    return found


def test_the_clis_own_prefect_server_dies_with_it(tmp_path):
    flow_world.build(tmp_path)
    workspace = Workspace(tmp_path)
    request_id = register(workspace)
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    killed = subprocess.run(
        [sys.executable, "-m", "dsar.cli", "run", request_id, "--json", "--workspace", str(tmp_path)],
        capture_output=True, text=True, env={**env, "DSAR_KILL_AT": "search-started"}, timeout=900, check=False,
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    deadline = time.monotonic() + 10
    while _servers_for(workspace.prefect_home) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _servers_for(workspace.prefect_home) == []
