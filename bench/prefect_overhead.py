"""What Prefect itself costs per flow run, per task run and per deployment run (3.9.1).

    python -m bench.prefect_overhead [--runs 20] [--submits 20] [--cli 5] [--worker-runs 5] [--sqlite]

One ``prefect server start`` on a PostgreSQL database ``dsar_bench_prefect`` on
127.0.0.1:5432 (created and dropped by the script), as README deploys it; with ``--sqlite``
on SQLite in its own home, Prefect's default (which, on this busy 2-core machine, answered
``create_flow_run`` with 503 "database is locked" while flow runs wrote their events).
Analytics off; stopped at the end with everything the script started. The flows are the no-op flows
below, so every millisecond measured is Prefect's:

1. **Flow runs, in process** (a fresh Python pointed at the server by ``PREFECT_API_URL``,
   as the CLI runs ``fulfil_request``): ``--runs`` runs each of an empty flow, flows with
   1, 4 and 16 no-op tasks (``.submit`` then wait, as the flow submits its searches) and
   with 4 tasks called directly (as it calls check and answer), after 2 warm-up runs, the
   cases alternating in order. The wait for the flow run's heartbeat thread to stop
   (``Thread.join`` in ``prefect.flow_engine._send_heartbeats``) is timed on its own, and
   "wall − heartbeat" is each run's wall time less that wait. Per-task cost: (median
   wall − heartbeat of the k-task flow − that of the empty flow) / k. Flows that sleep 0.25 and 0.6 s in
   their body show how the heartbeat's 1-s sleep steps round a run's wall time up.
2. **Submitting to a deployment**: ``prefect deployment run NAME -p …`` (a new process each
   time, ``--cli`` times), ``run_deployment(…, timeout=0)`` in a warm process and a bare
   ``POST /deployments/{id}/create_flow_run`` (httpx), ``--submits`` times each.
3. **Through a worker**: ``prefect worker start --pool dsar-bench`` (process pool) with
   ``PREFECT_WORKER_QUERY_SECONDS=1``; ``--worker-runs`` runs of the empty flow one after
   another, each timed from submission to the state COMPLETED seen by the script, split by
   the run's own timestamps into pick-up and process start (created → start_time) and the
   run itself (start_time → end_time).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from prefect import flow, task

from bench._common import machine, machine_line, median, ms, percentile, say, write_results

REPO = Path(__file__).resolve().parent.parent
POOL = "dsar-bench"
PG_DATABASE = "dsar_bench_prefect"


# ------------------------------------------------------------------------------- flows


@task(persist_result=False)
def noop_task(i: int) -> int:
    return i


@flow(name="bench-empty", persist_result=False)
def empty_flow() -> None:
    return None


@flow(name="bench-submit", persist_result=False)
def submit_flow(k: int) -> None:
    futures = [noop_task.submit(i) for i in range(k)]
    for future in futures:
        future.wait()


@flow(name="bench-call", persist_result=False)
def call_flow(k: int) -> None:
    for i in range(k):
        noop_task(i)


@flow(name="bench-sleep", persist_result=False)
def sleep_flow(seconds: float) -> None:
    time.sleep(seconds)


# ------------------------------------------------------------------------------ child


def _time_heartbeat_joins() -> list[float]:
    """Time only the join of the flow run's heartbeat thread (see bench.flow)."""
    joins: list[float] = []
    join = threading.Thread.join

    def timed_join(thread: threading.Thread, timeout: float | None = None) -> None:
        args = getattr(thread, "_args", ())
        if not (args and getattr(args[0], "__name__", "") == "heartbeat_loop"):
            return join(thread, timeout)
        start = time.perf_counter()
        try:
            return join(thread, timeout)
        finally:
            joins.append(time.perf_counter() - start)

    threading.Thread.join = timed_join  # type: ignore[method-assign]
    return joins


def child_flows(runs: int) -> dict[str, Any]:
    joins = _time_heartbeat_joins()
    cases: list[tuple[str, Any, tuple[Any, ...]]] = [
        ("empty flow", empty_flow, ()),
        ("1 task, submitted", submit_flow, (1,)),
        ("4 tasks, submitted", submit_flow, (4,)),
        ("16 tasks, submitted", submit_flow, (16,)),
        ("4 tasks, called", call_flow, (4,)),
        ("body sleeps 0.25 s", sleep_flow, (0.25,)),
        ("body sleeps 0.6 s", sleep_flow, (0.6,)),
    ]
    for _, function, args in cases:  # warm-up: imports, first API calls
        function(*args)
        function(*args)
    result: dict[str, Any] = {name: {"wall": [], "heartbeat": []} for name, _, _ in cases}
    for round_no in range(runs):
        for name, function, args in (cases if round_no % 2 == 0 else list(reversed(cases))):
            joins.clear()
            t0 = time.perf_counter()
            function(*args)
            result[name]["wall"].append(time.perf_counter() - t0)
            result[name]["heartbeat"].append(sum(joins))
    t0 = time.perf_counter()
    for _ in range(runs):
        for i in range(16):
            noop_task.fn(i)
    result["plain calls"] = (time.perf_counter() - t0) / (runs * 16)
    return result


def child_submit(deployment: str, submits: int) -> dict[str, list[float]]:
    import httpx
    from prefect.deployments import run_deployment

    api = os.environ["PREFECT_API_URL"]
    deployment_id = httpx.get(f"{api}/deployments/name/{deployment}", timeout=10).json()["id"]
    run_deployment(deployment, timeout=0, as_subflow=False)  # warm-up
    times: dict[str, list[float]] = {"run_deployment": [], "http": []}
    with httpx.Client(timeout=10) as http:
        http.post(f"{api}/deployments/{deployment_id}/create_flow_run", json={}).raise_for_status()
        for _ in range(submits):
            t0 = time.perf_counter()
            run_deployment(deployment, timeout=0, as_subflow=False)
            times["run_deployment"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            http.post(f"{api}/deployments/{deployment_id}/create_flow_run", json={}).raise_for_status()
            times["http"].append(time.perf_counter() - t0)
    return times


# ----------------------------------------------------------------------------- parent


def _env(home: Path, api_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
                "PREFECT_LOGGING_LEVEL": "WARNING"})
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def _child(mode: str, env: dict[str, str], *args: str) -> Any:
    out = subprocess.run([sys.executable, "-m", "bench.prefect_overhead", "--child", mode, *args],
                         env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"child {mode} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pg_database(create: bool) -> str | None:
    import sqlalchemy as sa

    admin = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
            if create:
                conn.exec_driver_sql(f'CREATE DATABASE "{PG_DATABASE}"')
                return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_DATABASE}"
    finally:
        admin.dispose()
    return None


def _create_deployment(api: str) -> str:
    """The work pool and a deployment of the empty flow, through the REST API; its name."""
    import httpx

    with httpx.Client(timeout=30) as http:
        http.post(f"{api}/work_pools/", json={"name": POOL, "type": "process"}).raise_for_status()
        flow_id = http.post(f"{api}/flows/", json={"name": "bench-empty"}).json()["id"]
        http.post(f"{api}/deployments/", json={
            "name": "empty", "flow_id": flow_id, "work_pool_name": POOL, "pull_steps": [],
            "entrypoint": "bench/prefect_overhead.py:empty_flow",
            "job_variables": {"working_dir": str(REPO)},
        }).raise_for_status()
    return "bench-empty/empty"


def _cli_submits(env: dict[str, str], deployment: str, times: int) -> list[float]:
    prefect = str(Path(sys.executable).with_name("prefect"))
    result = []
    for _ in range(times):
        t0 = time.perf_counter()
        subprocess.run([prefect, "deployment", "run", deployment], env=env, cwd=REPO, check=True,
                       capture_output=True)
        result.append(time.perf_counter() - t0)
    return result


def _through_worker(env: dict[str, str], api: str, deployment: str, runs: int, home: Path) -> list[dict[str, float]]:
    from datetime import datetime

    import httpx

    from bench.flow import stop_server

    prefect = str(Path(sys.executable).with_name("prefect"))
    log = (home / "worker.log").open("wb")
    worker = subprocess.Popen([prefect, "worker", "start", "--pool", POOL],
                              env={**env, "PREFECT_WORKER_QUERY_SECONDS": "1"}, cwd=REPO,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    result = []
    try:
        with httpx.Client(timeout=10) as http:
            deployment_id = http.get(f"{api}/deployments/name/{deployment}").json()["id"]
            # Queued runs from the submission timings would be picked up first: cancel them.
            queued = http.post(f"{api}/flow_runs/filter", json={"limit": 200}).json()
            for run in queued:
                if run["state"]["type"] == "SCHEDULED":
                    http.post(f"{api}/flow_runs/{run['id']}/set_state",
                              json={"state": {"type": "CANCELLED"}, "force": True})
            for i in range(runs + 1):  # the first run waits for the worker to come up
                t0 = time.perf_counter()
                run = http.post(f"{api}/deployments/{deployment_id}/create_flow_run", json={}).json()
                while True:
                    state = http.get(f"{api}/flow_runs/{run['id']}").json()
                    if state["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED"):
                        break
                    if time.perf_counter() - t0 > 300:
                        raise SystemExit(f"worker run did not finish; see {home / 'worker.log'}")
                    time.sleep(0.05)
                seen = time.perf_counter() - t0
                if state["state"]["type"] != "COMPLETED":
                    raise SystemExit(f"worker run {state['state']['type']}; see {home / 'worker.log'}")
                if i == 0:
                    continue

                def at(key: str, s: dict = state) -> float:
                    return datetime.fromisoformat(s[key].replace("Z", "+00:00")).timestamp()

                result.append({"seen": seen, "pickup": at("start_time") - at("created"),
                               "run": at("end_time") - at("start_time")})
    finally:
        stop_server(worker)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.prefect_overhead", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--submits", type=int, default=20)
    parser.add_argument("--cli", type=int, default=5)
    parser.add_argument("--worker-runs", type=int, default=5)
    parser.add_argument("--sqlite", action="store_true", help="the server on SQLite instead of PostgreSQL")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "flows":
        print(json.dumps(child_flows(int(args.rest[0]))))
        return 0
    if args.child == "submit":
        print(json.dumps(child_submit(args.rest[0], int(args.rest[1]))))
        return 0

    import shutil

    from bench._common import bench_dir
    from bench.flow import start_server, stop_server

    base = bench_dir() / "prefect-overhead"
    shutil.rmtree(base, ignore_errors=True)
    server_home, client_home = base / "server-home", base / "client-home"
    server_home.mkdir(parents=True)
    client_home.mkdir(parents=True)
    info = machine(None if args.sqlite else "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    print(machine_line(info))
    database = None if args.sqlite else _pg_database(create=True)
    say(f"starting prefect server ({'PostgreSQL' if database else 'SQLite'}) …")
    server, api, startup = start_server(server_home, database_url=database)
    say(f"prefect server up in {startup:.1f} s at {api}")
    env = _env(client_home, api)
    try:
        say("flow runs in process …")
        flows = _child("flows", env, str(args.runs))
        write_results("prefect_overhead", {"machine": info, "flows": flows})  # kept if a later step fails
        deployment = _create_deployment(api)
        say("submitting to the deployment …")
        cli = _cli_submits(env, deployment, args.cli)
        submits = _child("submit", env, deployment, str(args.submits))
        say("through a worker …")
        worker = _through_worker(env, api, deployment, args.worker_runs, base)
    finally:
        stop_server(server)
        if database:
            _pg_database(create=False)

    def busy(data: dict[str, list[float]]) -> list[float]:
        """Each run's wall time less its heartbeat wait: what Prefect did, not waited."""
        return [w - h for w, h in zip(data["wall"], data["heartbeat"], strict=True)]

    empty = median(busy(flows["empty flow"]))
    print(f"\n### Flow runs in process against `prefect server start` "
          f"({'PostgreSQL' if database else 'SQLite'}), {args.runs} runs each after 2 warm-up runs\n")
    print("| flow | wall (median) | p90 | heartbeat wait (median) | wall − heartbeat (median) | per task, over the empty flow |")
    print("|---|---|---|---|---|---|")
    for name, data in flows.items():
        if name == "plain calls":
            continue
        wall, beat, work = median(data["wall"]), median(data["heartbeat"]), median(busy(data))
        k = int(name.split()[0]) if name[0].isdigit() else 0
        per_task = f"{ms((work - empty) / k)} ms" if k else ""
        print(f"| {name} | **{ms(wall)} ms** | {ms(percentile(data['wall'], 90))} ms | {ms(beat)} ms | "
              f"{ms(work)} ms | {per_task} |")
    print(f"\nThe same no-op task called as a plain function: {flows['plain calls'] * 1e6:.2f} µs.")

    print(f"\n### Submitting a flow run to a deployment ({args.submits} each; CLI {args.cli})\n")
    print("| how | median | p90 |")
    print("|---|---|---|")
    for label, values in (("`prefect deployment run` (new process each)", cli),
                          ("`run_deployment(name, timeout=0)`, warm process", submits["run_deployment"]),
                          ("`POST /deployments/{id}/create_flow_run` (httpx)", submits["http"])):
        print(f"| {label} | **{ms(median(values))} ms** | {ms(percentile(values, 90))} ms |")

    print(f"\n### Through a process worker (`PREFECT_WORKER_QUERY_SECONDS=1`), {args.worker_runs} runs of the empty flow\n")
    print("| submission → COMPLETED seen (median) | created → started: pick-up, new process (median) | started → ended (median) |")
    print("|---|---|---|")
    print(f"| **{median([r['seen'] for r in worker]):.2f} s** | {median([r['pickup'] for r in worker]):.2f} s | "
          f"{median([r['run'] for r in worker]):.2f} s |")
    say(f"results in {write_results('prefect_overhead', {'machine': info, 'server_startup_s': startup, 'flows': flows, 'cli': cli, 'submits': submits, 'worker': worker})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
