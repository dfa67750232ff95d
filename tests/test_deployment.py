"""A request answered through the deployment, as in production: a Prefect server on
PostgreSQL, the ``dsar`` process work pool, ``prefect deploy --all`` from ``prefect.yaml``,
a worker, ``prefect deployment run``.

Everything runs as real processes with the commands README gives, in a throwaway home
and a throwaway PostgreSQL database (its own: Prefect's ``alembic_version`` must not meet
the request store's). The server's and worker's process groups are stopped at the end, and
no process carrying this test's Prefect home in its environment may be left behind.
About a minute: the server migrates a new database, and the worker starts a fresh Python
for the flow run.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from dsar.delivery import take_password
from dsar.store import open_store
from dsar.workspace import Workspace
from tests import flow_world
from tests.conftest import PG_ADMIN_URL, _server_unavailable
from tests.test_flow import open_package, register

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

REPO = Path(__file__).resolve().parent.parent
PREFECT = str(Path(sys.executable).with_name("prefect"))


@pytest.fixture(scope="module")
def prefect_database() -> Iterator[str]:
    """A new PostgreSQL database for Prefect's server; its psycopg URL. Dropped after."""
    name = f"dsar_prefect_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        _server_unavailable("PostgreSQL", exc)
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@dataclass
class Processes:
    """The processes this test starts, and the environment they share."""

    env: dict[str, str]
    api_url: str
    home: Path
    started: list[subprocess.Popen[bytes]]

    def run(self, *args: str, **extra: str) -> str:
        """A Prefect CLI command to completion; its output (stdout and stderr)."""
        result = subprocess.run([PREFECT, *args], env={**self.env, **extra}, cwd=REPO,
                                capture_output=True, text=True, timeout=180, check=False)
        assert result.returncode == 0, f"prefect {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout + result.stderr

    def start(self, log: str, *args: str, **extra: str) -> subprocess.Popen[bytes]:
        """A long-running Prefect process in its own process group, output to ``home/log``."""
        with (self.home / log).open("wb") as out:
            process = subprocess.Popen([PREFECT, *args], env={**self.env, **extra}, cwd=REPO,
                                       stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.home / name).read_text(errors="replace")[-3000:]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ours(home: Path) -> list[int]:
    """Every live process whose environment has this test's PREFECT_HOME (and so was started
    by it: the server, its children, the worker, the flow run's process)."""
    marker = f"PREFECT_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started by this test: its own process group, by id."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def prefect_on_postgres(prefect_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Processes]:
    """``prefect server start`` on its PostgreSQL database; stopped with everything it started."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": prefect_database.replace("+psycopg", "+asyncpg"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "INFO",
    })
    processes = Processes(env=env, api_url=env["PREFECT_API_URL"], home=home, started=[])
    server = processes.start("server.log", "server", "start")
    try:
        deadline = time.monotonic() + 180  # migrating a new database: ~20 s here
        while True:
            assert server.poll() is None, f"prefect server exited:\n{processes.log('server.log')}"
            try:
                if httpx.get(f"{processes.api_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"prefect server did not start:\n{processes.log('server.log')}"
            time.sleep(0.5)
        yield processes
    finally:
        for process in reversed(processes.started):
            _stop(process)
        left = _ours(home)
        for pid in left:  # fail, but leave nothing running
            os.kill(pid, signal.SIGKILL)
        assert not left, f"processes left behind: {left}"


def _wait_for_flow_run(api_url: str, flow_run_id: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = httpx.get(f"{api_url}/flow_runs/{flow_run_id}", timeout=10).json()
        if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        time.sleep(1)
    raise AssertionError(f"flow run {flow_run_id} did not finish within {timeout} s")


def test_request_answered_through_the_deployment_by_a_worker(
    prefect_on_postgres: Processes, prefect_database: str, tmp_path: Path
) -> None:
    pf = prefect_on_postgres
    root = tmp_path / "workspace"
    root.mkdir()
    flow_world.build(root)
    workspace = Workspace(root)
    request_id = register(workspace)

    pf.run("work-pool", "create", "dsar", "--type", "process")
    deployed = pf.run("--no-prompt", "deploy", "--all")
    assert "fulfil-request/fulfil-request" in deployed and "successfully created" in deployed

    # A worker as README starts one: the workspace and the data key from its environment.
    worker = pf.start("worker.log", "worker", "start", "--pool", "dsar",
                      DSAR_WORKSPACE=str(root), PREFECT_WORKER_QUERY_SECONDS="1")
    submitted = pf.run("deployment", "run", "fulfil-request/fulfil-request", "-p", f"request_id={request_id}")
    flow_run_id = re.search(r"UUID: ([0-9a-f-]{36})", submitted).group(1)
    run = _wait_for_flow_run(pf.api_url, flow_run_id)
    assert worker.poll() is None, pf.log("worker.log")
    assert run["state"]["type"] == "COMPLETED", pf.log("worker.log")
    assert run["parameters"] == {"request_id": request_id}

    store = open_store(workspace)
    try:
        assert store.get(request_id).status == "complete"
        package = Path(store.latest_package(request_id).path)
    finally:
        store.close()
    password = take_password(workspace.data_key, package)
    manifest = open_package(str(package), password, tmp_path / "out")
    assert manifest["complete"] is True
    assert (tmp_path / "out" / "svarbrev.pdf").read_bytes().startswith(b"%PDF")

    # Prefect's PostgreSQL database, every table: the request id, never the person.
    engine = sa.create_engine(prefect_database)
    try:
        with engine.connect() as conn:
            tables = conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).scalars().all()
            dump = "\n".join(
                json.dumps([list(map(str, row)) for row in conn.exec_driver_sql(f'SELECT * FROM "{table}"')])
                for table in tables
            )
    finally:
        engine.dispose()
    assert request_id in dump
    for needle in ("Kari", "Nordmann", "kari.nordmann", "91234567", "912 34 567"):
        assert needle not in dump, needle
