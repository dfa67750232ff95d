"""Where a batch's wall time goes: Prefect, the search, the letter, the package.

    python -m bench.batch [--n 200] [--workers 1] [--customers 100000]

The tables and the controller of ``bench.fides`` (``bench.shop_tables``: one customer and
three orders a person in PostgreSQL), a fresh workspace, ``--n`` verified requests for people
drawn at random, and a ``prefect server start`` on PostgreSQL that this script starts and
stops. In this process: ``fulfil_batch`` on all of them (one flow run; ``--workers``
requests at once, 1 by default so the phases add up to the wall time), timed with
``time.perf_counter`` around the flow call and, inside, by ``dsar.timing`` phases
(aggregated totals and counts; nothing about a person):

- ``request``: a task's whole body; the wall time minus the sum of these is what Prefect (and
  the flow's own setup: configuration, engines) adds — task runs, state, results, heartbeat;
- ``lease``, ``check`` (verification, states, system runs), ``connectors`` (each system's
  search: the SQL lookups, matching, shaping, encrypted staging, the outcome in the store),
  ``answer`` (store, letter, package, status), of which ``letter`` (HTML + Typst PDF) and
  ``package`` (the AES-256 zip).

Python start and imports are not in the wall time (the process is warm; ``bench.fides``
times the whole ``dsar run`` process). Results also in ``<bench dir>/results/batch.json``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import time

from bench._common import bench_dir, machine, machine_line, write_results

PREFECT_DB = "dsar_bench_batch_prefect"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.batch", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args(argv)

    from bench.fides import DATA_DB, _database, product_workspace, register
    from bench.flow import start_server, stop_server
    from bench.shop_tables import ensure_tables, person

    base = bench_dir() / "batch"
    base.mkdir(parents=True, exist_ok=True)
    info = machine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    print(machine_line(info))
    ensure_tables(DATA_DB, args.customers)
    rng = random.Random(7)
    people = [person(i) for i in rng.sample(range(1, args.customers + 1), args.n)]
    root = product_workspace(base / "workspace", DATA_DB)
    ids, _ = register(root, people)
    _database(PREFECT_DB, drop=True)
    home = base / "prefect-server"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    server, api, _ = start_server(home, database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PREFECT_DB}")
    try:
        client_home = base / "prefect-client"
        shutil.rmtree(client_home, ignore_errors=True)
        client_home.mkdir()
        os.environ.update({"DSAR_WORKSPACE": str(root), "PREFECT_API_URL": api, "PREFECT_HOME": str(client_home),
                           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
                           "PREFECT_LOGGING_LEVEL": "WARNING"})
        from prefect.task_runners import ThreadPoolTaskRunner

        from dsar import timing
        from flows.batch import fulfil_batch

        batch = fulfil_batch.with_options(task_runner=ThreadPoolTaskRunner(max_workers=args.workers))
        timing.reset()
        cpu = time.process_time()
        started = time.perf_counter()
        result = batch(ids)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
        phases = timing.snapshot()
    finally:
        stop_server(server)
        _database(PREFECT_DB, drop=True, create=False)
    bad = [r for r in result["requests"] if r["status"] != "complete" or r["records"] != 4]
    if bad:
        raise SystemExit(f"{len(bad)} requests not complete with 4 records")
    write_results("batch", {"machine": info, "n": args.n, "workers": args.workers, "wall": wall, "cpu": cpu,
                            "phases": phases})

    def total(name: str) -> float:
        return phases.get(name, (0.0, 0))[0]

    print(f"\n{args.n} requests in one `fulfil_batch` flow run, {args.workers} at a time: "
          f"**{wall:.1f} s** wall ({wall / args.n * 1000:.0f} ms a request), {cpu:.1f} s CPU in this process\n")
    if args.workers > 1:
        print(f"(With {args.workers} at a time the phases overlap and their sums exceed the wall time: "
              "run with --workers 1 for the shares.)")
        return 0
    answer_rest = total("answer") - total("letter") - total("package")
    rows = [
        ("Prefect and the flow's setup (wall − task bodies)", wall - total("request") / 1),
        ("search: SQL lookups, matching, staging, store (`connectors`)", total("connectors")),
        ("letter: HTML + Typst PDF", total("letter")),
        ("package: AES-256 zip", total("package")),
        ("answer's rest: proving staging, store, password", answer_rest),
        ("lease and check", total("lease") + total("check")),
        ("rest of the task body", total("request") - total("connectors") - total("answer") - total("lease")
         - total("check")),
    ]
    print("| phase | seconds | per request | share of wall |")
    print("|---|---|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.2f} | {seconds / args.n * 1000:.1f} ms | {seconds / wall * 100:.1f} % |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
