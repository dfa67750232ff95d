"""Side by side with Fides 2.86.2: the same access requests on the same PostgreSQL tables.

    python -m bench.fides [--n 20] [--block 10] [--customers 100000] [--workers 4]

1. **Fides** (PyPI ``ethyca-fides==2.86.2``) in its own virtualenv under
   ``<bench dir>/fides/venv``, made with Python 3.13 (``$FIDES_PYTHON``, else pyenv's newest
   3.13), installed once. Its app database is ``dsar_bench_fides_app`` on the machine's own
   PostgreSQL, Redis is the machine's own (db 7); Celery in eager mode (requests run in the
   web process), no manual approval, no identity verification; the app served by uvicorn on
   127.0.0.1 (its CLI would bind 0.0.0.0) from a working directory with an empty
   ``data/saas/config``. Configured through its API: a read connection to the shop, the
   dataset (customers by e-mail, orders by reference), local JSON storage, an access policy
   over every ``user`` category. One request = ``POST /privacy-request`` for one e-mail, then
   polling its status until ``complete`` (its JSON file written).
2. **This product**: a workspace with one controller whose SQL system is the same two tables
   (``bench.shop_tables``); ``prefect server start`` on PostgreSQL (``dsar_bench_fides_prefect``)
   running for the whole benchmark, as Fides's server is. Requests are registered (verified)
   before the clock starts; a block is one ``dsar run --json --leave-password ID…`` — a new
   process, one flow run (``flows.batch``), each request with its encrypted package and
   letter (HTML + PDF) — timed from process start to exit.
3. The tables (``dsar_bench_fides``): 100,000 customers and 300,000 orders (one customer and
   three orders a person), bulk-loaded once. The same people ask both products.

Blocks of ``--block`` requests alternate (Fides, product, product, Fides, …) so both see the
same machine. Printed: each side's total wall time, requests/s, median per request (Fides:
each request's own time; product: a block's wall ÷ its requests, since a batch answers them
together), CPU seconds of each side's processes (Fides: the uvicorn process; product: the
``dsar`` processes and the Prefect server; PostgreSQL and Redis not counted for either), and
the ratio product / Fides of the total wall time. Results also in
``<bench dir>/results/fides.json``. The script stops every process it started, by id.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

from bench._common import bench_dir, machine, machine_line, median, say, use_bench_secrets, write_results

REPO = Path(__file__).resolve().parent.parent
FIDES_VERSION = "2.86.2"
DATA_DB = "dsar_bench_fides"
FIDES_DB = "dsar_bench_fides_app"
PREFECT_DB = "dsar_bench_fides_prefect"
CLIENT_ID, CLIENT_SECRET = "benchroot", "bench-secret-not-used-elsewhere"


# ------------------------------------------------------------------------------- Fides


def fides_python() -> str:
    if os.environ.get("FIDES_PYTHON"):
        return os.environ["FIDES_PYTHON"]
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13")))
    if not found:
        raise SystemExit("Fides 2.86.2 needs Python 3.13: set FIDES_PYTHON or install it with pyenv")
    return found[-1]


def install_fides(base: Path) -> Path:
    """The virtualenv with Fides; made and installed once. Returns its python."""
    venv = base / "venv"
    python = venv / "bin" / "python"
    marker = venv / f".fides-{FIDES_VERSION}"
    if marker.exists():
        return python
    if not python.exists():
        subprocess.run([fides_python(), "-m", "venv", str(venv)], check=True)
    say(f"installing ethyca-fides=={FIDES_VERSION} in {venv} (a few minutes) …")
    started = time.perf_counter()
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", f"ethyca-fides=={FIDES_VERSION}"],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pip install ethyca-fides=={FIDES_VERSION} failed:\n{done.stderr[-4000:]}")
    say(f"installed in {time.perf_counter() - started:.0f} s")
    marker.touch()
    return python


def fides_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FIDES__", "PREFECT_"))}
    env.update({
        "FIDES__DATABASE__SERVER": "127.0.0.1", "FIDES__DATABASE__PORT": "5432",
        "FIDES__DATABASE__USER": "postgres", "FIDES__DATABASE__PASSWORD": "postgres",
        "FIDES__DATABASE__DB": FIDES_DB,
        "FIDES__REDIS__HOST": "127.0.0.1", "FIDES__REDIS__PORT": "6379", "FIDES__REDIS__PASSWORD": "",
        "FIDES__REDIS__DB_INDEX": "7",
        "FIDES__CELERY__TASK_ALWAYS_EAGER": "true",
        "FIDES__EXECUTION__REQUIRE_MANUAL_REQUEST_APPROVAL": "false",
        "FIDES__EXECUTION__SUBJECT_IDENTITY_VERIFICATION_REQUIRED": "false",
        # In eager mode a running request has no Celery task id, so Fides's watchdog for
        # interrupted tasks (every 300 s by default) cancels whichever request is running
        # when it looks ("request is stuck without a running task"): not during the bench.
        "FIDES__EXECUTION__INTERRUPTED_TASK_REQUEUE_INTERVAL": "86400",
        "FIDES__SECURITY__APP_ENCRYPTION_KEY": "OLMkv91j8DHiDAULnK5Lxx3kSCov30b3",
        "FIDES__SECURITY__OAUTH_ROOT_CLIENT_ID": CLIENT_ID,
        "FIDES__SECURITY__OAUTH_ROOT_CLIENT_SECRET": CLIENT_SECRET,
        "FIDES__SECURITY__ENV": "dev",
        "FIDES__SECURITY__REQUEST_RATE_LIMIT": "100000/minute",
        "FIDES__USER__ANALYTICS_OPT_OUT": "true",
        "FIDES__LOGGING__LEVEL": "WARNING",
    })
    return env


def start_fides(python: Path, base: Path, port: int) -> tuple[subprocess.Popen[bytes], float]:
    work = base / "work"
    (work / "data" / "saas" / "config").mkdir(parents=True, exist_ok=True)  # Fides wants it there
    shutil.rmtree(work / "fides_uploads", ignore_errors=True)
    _database(FIDES_DB, drop=False)
    log = (base / "uvicorn.log").open("wb")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(python), "-m", "uvicorn", "fides.api.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=work, env=fides_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    _wait_health(process, f"http://127.0.0.1:{port}/health", base / "uvicorn.log", 600)
    return process, time.perf_counter() - started


def _wait_health(process: subprocess.Popen[bytes], url: str, log: Path, timeout: float) -> None:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"{url} server exited early; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {timeout:g} s; see {log}")


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of every live process in process group ``pgid``."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, …
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _database(name: str, *, drop: bool, create: bool = True) -> None:
    import sqlalchemy as sa

    from bench.shop_tables import ADMIN_URL

    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if drop:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create and not conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).first():
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()


# ----------------------------------------------------------------------------- product


def product_workspace(root: Path, database: str) -> Path:
    """A fresh workspace with the shop's controller; the data key in the bench secret store."""
    from bench.shop_tables import controller_toml
    from dsar.cli.demo import ensure_data_key
    from dsar.workspace import Workspace

    shutil.rmtree(root, ignore_errors=True)
    (root / "config" / "controllers").mkdir(parents=True)
    (root / "config" / "controllers" / "benchbutikk.toml").write_text(controller_toml(database), encoding="utf-8")
    use_bench_secrets()
    ensure_data_key(Workspace(root))
    return root


def register(root: Path, people: list[dict[str, str]]) -> tuple[list[str], float]:
    """Register a verified request for each person (staff's work, before the clock)."""
    from dsar.store import Person, open_store
    from dsar.workspace import Workspace

    workspace = Workspace(root)
    controller = workspace.config.controller("benchbutikk").controller
    store = open_store(workspace)
    started = time.perf_counter()
    ids = [
        store.register(
            controller=controller, person=Person.from_given(p["name"], emails=[p["email"]], phones=[]),
            received_on=date.today(), channel="email", actor="bench", verification_method="email-code",
        ).id
        for p in people
    ]
    elapsed = time.perf_counter() - started
    store.close()
    return ids, elapsed


def product_block(root: Path, ids: list[str], env: dict[str, str]) -> tuple[float, list[dict[str, Any]]]:
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).with_name("dsar")), "run", "--json", "--leave-password", *ids],
        env=env, cwd=REPO, capture_output=True, text=True, check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"dsar run failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return wall, json.loads(done.stdout)


# -------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fides", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20, help="requests per product (default 20)")
    parser.add_argument("--block", type=int, default=10, help="requests per alternating block (default 10)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8089, help="Fides's port on 127.0.0.1")
    args = parser.parse_args(argv)

    from bench.fides_api import Fides
    from bench.flow import start_server, stop_server
    from bench.shop_tables import ensure_tables, person

    base = bench_dir() / "fides"
    base.mkdir(parents=True, exist_ok=True)
    info = machine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    print(machine_line(info))
    python = install_fides(base)
    tables = ensure_tables(DATA_DB, args.customers)
    say(f"tables: {tables['customers']:,} customers, {tables['orders']:,} orders"
        + (f" (loaded in {tables['built_s']:.1f} s)" if tables["built_s"] else " (already there)"))
    rng = random.Random(2026)
    people = [person(i) for i in rng.sample(range(1, args.customers + 1), args.n)]

    root = product_workspace(base / "workspace", DATA_DB)
    ids, registering = register(root, people)
    _database(PREFECT_DB, drop=True)
    prefect_home = base / "prefect-server"
    shutil.rmtree(prefect_home, ignore_errors=True)
    prefect_home.mkdir(parents=True)
    fides = prefect = None
    results: dict[str, Any] = {"machine": info, "n": args.n, "block": args.block, "tables": tables}
    try:
        say("starting Fides (uvicorn on 127.0.0.1) …")
        fides, fides_start = start_fides(python, base, args.port)
        say(f"Fides up in {fides_start:.0f} s; starting prefect server (PostgreSQL) …")
        prefect, api, prefect_start = start_server(
            prefect_home, database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PREFECT_DB}"
        )
        say(f"prefect server up in {prefect_start:.0f} s")
        client = Fides(f"http://127.0.0.1:{args.port}", CLIENT_ID, CLIENT_SECRET)
        client.configure(DATA_DB)
        client.access_request(person(1)["email"])  # warm-up, not counted (first request's imports)

        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        client_home = base / "prefect-client"
        client_home.mkdir(exist_ok=True)
        env.update({"DSAR_WORKSPACE": str(root), "PREFECT_API_URL": api, "PREFECT_HOME": str(client_home),
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
                    "PREFECT_LOGGING_LEVEL": "WARNING"})
        fides_times: list[float] = []
        fides_blocks: list[float] = []
        product_blocks: list[tuple[int, float]] = []
        fides_cpu = product_cpu = 0.0
        fides_errors = 0
        blocks = [range(i, min(i + args.block, args.n)) for i in range(0, args.n, args.block)]
        for number, block in enumerate(blocks):
            order = ("fides", "product") if number % 2 == 0 else ("product", "fides")
            for side in order:
                if side == "fides":
                    cpu = group_cpu(fides.pid)
                    started = time.perf_counter()
                    for k in block:
                        t = time.perf_counter()
                        _, status = client.access_request(people[k]["email"])
                        fides_times.append(time.perf_counter() - t)
                        if status != "complete":
                            fides_errors += 1
                            say(f"Fides request {k} ended {status}")
                    fides_blocks.append(time.perf_counter() - started)
                    fides_cpu += group_cpu(fides.pid) - cpu
                else:
                    cpu = group_cpu(prefect.pid)
                    children = os.times()
                    wall, rows = product_block(root, [ids[k] for k in block], env)
                    after = os.times()
                    product_cpu += (group_cpu(prefect.pid) - cpu) + (after.children_user - children.children_user) + (
                        after.children_system - children.children_system)
                    bad = [r for r in rows if r["status"] != "complete" or r["records"] != 4]
                    if bad:
                        raise SystemExit(f"product: {len(bad)} requests not complete with 4 records: {bad[:3]}")
                    product_blocks.append((len(block), wall))
                say(f"block {number + 1}/{len(blocks)} {side}: done")
        uploads = sorted((base / "work" / "fides_uploads").glob("*.json"))
        sample = json.loads(uploads[-1].read_text()) if uploads else {}
        results.update({
            "fides": {"per_request": fides_times, "blocks": fides_blocks, "cpu": fides_cpu, "startup": fides_start,
                      "not_complete": fides_errors,
                      "sample_counts": {k: len(v) for k, v in sample.items()}},
            "product": {"blocks": product_blocks, "cpu": product_cpu, "registering": registering,
                        "prefect_startup": prefect_start},
        })
    finally:
        if fides is not None:
            stop_server(fides)
        if prefect is not None:
            stop_server(prefect)
        _database(PREFECT_DB, drop=True, create=False)
    write_results("fides", results)

    f_total = sum(results["fides"]["blocks"])
    p_total = sum(w for _, w in results["product"]["blocks"])
    f_median = median(results["fides"]["per_request"])
    p_median = median([w / k for k, w in results["product"]["blocks"]])
    n = args.n
    print(f"\n{n} requests each, blocks of {args.block} alternating; tables {tables['customers']:,} customers, "
          f"{tables['orders']:,} orders (PostgreSQL)\n")
    print("| | total wall | requests/s | median per request | CPU (s) | CPU / request |")
    print("|---|---|---|---|---|---|")
    print(f"| Fides {FIDES_VERSION} (JSON file) | **{f_total:.1f} s** | {n / f_total:.2f} | {f_median * 1000:.0f} ms | "
          f"{results['fides']['cpu']:.1f} | {results['fides']['cpu'] / n * 1000:.0f} ms |")
    print(f"| this product, `dsar run ID…` per block (package + letter) | **{p_total:.1f} s** | {n / p_total:.2f} | "
          f"{p_median * 1000:.0f} ms (block wall ÷ requests) | {results['product']['cpu']:.1f} | "
          f"{results['product']['cpu'] / n * 1000:.0f} ms |")
    print(f"\n**Ratio product / Fides, total wall: {p_total / f_total:.2f}** "
          f"(CPU: {results['product']['cpu'] / max(results['fides']['cpu'], 1e-9):.2f}).")
    print(f"Fides blocks: {', '.join(f'{w:.1f}' for w in results['fides']['blocks'])} s; product blocks: "
          f"{', '.join(f'{w:.1f}' for _, w in results['product']['blocks'])} s. Registering the product's "
          f"{n} requests beforehand: {registering:.1f} s (not in the totals). A Fides answer holds "
          f"{results['fides']['sample_counts']}; Fides requests not complete: {results['fides']['not_complete']}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
