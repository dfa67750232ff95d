"""One request at 10,000, 100,000 and 1,000,000 customers: does its cost stay flat?

    python -m bench.scale [--sizes 10000,100000,1000000] [--people 20] [--repeat 3]

The shop of ``bench.shop_tables`` in PostgreSQL at each size (customers; orders are three
times as many: 30,000 … 3,000,000 rows), each in its own database (``dsar_bench_scale_<n>``,
bulk-loaded with ``COPY`` once; the load time is printed), with the same controller. For
``--people`` people who exist at every size (ids below the smallest size), each size is
asked ``--repeat`` times per person, sizes alternating in rotating order so all see the same
machine. One request is what a batch's task does for it, without Prefect:
``dsar.search.search_system`` (the SQL lookups by the normalised e-mail, orders by
reference, matching, shaping, encrypted staging, the outcome in the store) then
``dsar.answer.answer_request`` (letter HTML + Typst PDF, the AES-256 package, the sealed
password, the status) — a new request registered for every run, so nothing is skipped. The
engines are shared per size (``shared_engines``), as in a batch. A person's figure is the
median of their repeats; the table gives the median and p95 over people, and the median of
the per-person ratios to the smallest size. ``EXPLAIN`` of the e-mail lookup at each size
shows whether an index serves it.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date
from typing import Any

from bench._common import bench_dir, machine, machine_line, median, percentile, say, write_results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    from bench.fides import product_workspace
    from bench.shop_tables import ensure_tables, person
    from connectors import connector_for
    from connectors.sql_engines import shared_engines
    from dsar.answer import answer_request
    from dsar.search import search_system
    from dsar.store import Person, open_store
    from dsar.workspace import Workspace

    info = machine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    print(machine_line(info))
    loads = {}
    spaces: dict[int, tuple[Workspace, Any, Any]] = {}
    for n in sizes:
        database = f"dsar_bench_scale_{n}"
        loads[n] = ensure_tables(database, n)
        say(f"{n:,} customers: " + (f"loaded in {loads[n]['built_s']:.1f} s" if loads[n]["built_s"] else "there"))
        workspace = Workspace(product_workspace(bench_dir() / "scale" / str(n), database))
        controller = workspace.config.controller("benchbutikk")
        spaces[n] = (workspace, open_store(workspace), controller)
    rng = random.Random(11)
    people = [person(i) for i in rng.sample(range(1, min(sizes) + 1), args.people)]

    plans = {}
    with shared_engines():
        for n, (workspace, _, controller) in spaces.items():
            system = controller.systems["nettbutikk"]
            with connector_for(system, workspace) as connector:
                plans[n] = _plan(connector, system, people[0]["email"])
        times: dict[int, dict[int, list[float]]] = {n: {} for n in sizes}
        for repeat in range(args.repeat):
            for k, p in enumerate(people):
                order = sizes[(k + repeat) % len(sizes):] + sizes[: (k + repeat) % len(sizes)]
                for n in order:
                    workspace, store, controller = spaces[n]
                    request = store.register(
                        controller=controller.controller,
                        person=Person.from_given(p["name"], emails=[p["email"]], phones=[]),
                        received_on=date.today(), channel="email", actor="bench", verification_method="email-code",
                    )
                    store.set_status(request.id, "running", "bench")
                    store.prepare_runs(request.id, list(controller.systems))
                    started = time.perf_counter()
                    run = search_system(workspace, store, request, controller.systems["nettbutikk"])
                    outcome = answer_request(workspace, store, request, controller)
                    times[n].setdefault(k, []).append(time.perf_counter() - started)
                    if run.records != 4 or outcome.status != "complete":
                        raise SystemExit(f"size {n}: {run.records} records, {outcome.status}")
            say(f"round {repeat + 1}/{args.repeat} done")
    per_person = {n: [median(v) for _, v in sorted(times[n].items())] for n in sizes}
    base = sizes[0]
    write_results("scale", {"machine": info, "loads": loads, "per_person": per_person, "plans": plans})

    print(f"\n{args.people} people × {args.repeat}, sizes alternating; one request = search + answer "
          "(letter, package), without Prefect\n")
    print("| customers | orders | load (COPY + indexes) | median / request | p95 | ratio to "
          f"{base:,} (median of per-person) | e-mail lookup plan |")
    print("|---|---|---|---|---|---|---|")
    for n in sizes:
        ratio = median([a / b for a, b in zip(per_person[n], per_person[base], strict=True)])
        load = f"{loads[n]['built_s']:.1f} s" if loads[n]["built_s"] else "(earlier run)"
        print(f"| {n:,} | {3 * n:,} | {load} | **{median(per_person[n]) * 1000:.1f} ms** | "
              f"{percentile(per_person[n], 95) * 1000:.1f} ms | {ratio:.2f}× | {plans[n]} |")
    return 0


def _plan(connector: Any, system: Any, email: str) -> str:
    """The scan nodes of PostgreSQL's plan for the connector's own e-mail lookup statement."""
    from connectors.base import Condition

    plan = connector.explain(system.collections["customer"], [Condition("email", "email", (email,))])
    return "; ".join(line.strip().split("  (")[0].lstrip("-> ") for line in plan.splitlines() if "Scan" in line)


if __name__ == "__main__":
    raise SystemExit(main())
