"""Per-request lookup cost at a large scale: the indexes the schema has vs forced scans.

    python -m bench.lookup [--scale 100] [--people 30] [--pg] [--csv-1m]

What is timed is one system's search for one person with ``dsar.search.Search``, the one
search pipeline and exactly what the flow stages (staging and the store left out): the
identity lookups, every reference followed, classification and shaping. Each person's
search runs ``--repeat`` times per variant (default 3), the variants alternating (A B, B A,
…) in one process so both see the same machine noise; a person's figure is the median of
their repeats, and the tables give the median and p95 over people and the median of the
per-person ratios. Files are in the page cache (the machine has far more RAM than the
world), so scans are timed at their cheapest: CPU, not disk (a cold disk is not measured).
One connector per variant serves every person (engine reused).

SQLite: the largest SQL database (``gjovik-kultursenter/billett.db``: ``billettsystem`` and
``nettbruk``, 2.1 M rows) as built, against a byte copy of it from which the lookup indexes
the generator adds (every ``ix_*``: identity columns, reference columns) are dropped. Table
pages are untouched (no VACUUM), primary keys stay, and the connector runs the very same
statements, so the only difference is the indexes. ``EXPLAIN QUERY PLAN`` of every statement
is collected (``SqlConnector.explain``). SQLite doesn't report the rows a statement reads, so
"rows read" is derived, not measured: the table's rows for a statement whose plan has a
``SCAN`` step, the rows it returns for one whose plan only has ``SEARCH`` steps (each
condition is an ``IN`` list an index answers, so the entries visited are about the rows
returned: "rows returned; the plan shows no scan").

PostgreSQL (``--pg``): the same world built with ``nettbruk`` (1.25 M rows) in a PostgreSQL
database, ANALYZEd; forced scans by the session settings ``enable_indexscan``,
``enable_bitmapscan`` and ``enable_indexonlyscan`` off, passed through the connection URL's
libpq ``options`` (the connector's own way in). Rows examined come from ``EXPLAIN (ANALYZE,
FORMAT JSON)`` of each statement: rows returned plus rows removed by filter, per scan node
(measured by the server).

CSV: the largest CSV system (``stavanger-foto/nyhetsbrev``: subscribers, and clicks followed
by ``subscriber_id``), the sidecar index vs ``CsvConnector.use_index = False``; the index's
one-off build is timed on its own (cache deleted, first lookup). "Rows read" is by
construction, not measured: every row of the file for a scan, the rows returned (those the
index points at) otherwise. After the alternating runs, the index lookups are timed again
back to back (no scan in between). ``--csv-1m`` repeats it on a copy of those two files made
six times longer (each row copied with its id offset and its e-mail prefixed, so the sampled
people's own rows and line numbers are unchanged): 1.07 M click rows, for the first
``--csv-1m-people`` of the same sample, ``--csv-1m-repeat`` times each (default 3, median).

Results: tables on stdout (Markdown), details in ``<bench dir>/results/lookup.json``.
No personal data is printed: plans show node types and table/index names only.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sqlite3
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench._common import (
    bench_dir,
    ensure_world,
    machine,
    machine_line,
    median,
    ms,
    percentile,
    say,
    write_results,
)

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DB = "dsar_bench"
SCAN_OPTIONS = "-c enable_indexscan=off -c enable_bitmapscan=off -c enable_indexonlyscan=off"
SQLITE_CONTROLLER, SQLITE_FILE = "gjovik-kultursenter", "sources/gjovik-kultursenter/billett.db"
PG_SYSTEM = ("gjovik-kultursenter", "nettbruk")
CSV_SYSTEM = ("stavanger-foto", "nyhetsbrev")
COPIES_1M = 6
ID_OFFSET = 10_000_000


# ---------------------------------------------------------------------------- people


@dataclass(frozen=True)
class Asker:
    person_id: str
    name: str
    email: str
    phone: str
    birthdate: str

    def person(self) -> Any:
        from dsar.store import Person

        return Person.from_given(self.name, emails=[self.email], phones=[self.phone], birthdate=self.birthdate)


def sample_people(root: Path, controller: str, system: str, count: int, seed: int) -> list[Asker]:
    """``count`` people with records in the system, chosen deterministically."""
    owners: set[str] = set()
    with (root / "sources" / "ground_truth.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["controller"] == controller and row["system"] == system:
                owners.add(row["person_id"])
    chosen = set(random.Random(f"{seed}:{controller}/{system}").sample(sorted(owners), count))
    people = []
    with (root / "sources" / "people.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["person_id"] in chosen:
                people.append(Asker(row["person_id"], row["name"], row["email"], row["phone"], row["birthdate"]))
    return sorted(people, key=lambda p: p.person_id)


# ------------------------------------------------------------------------- searching


@dataclass
class Run:
    seconds: float
    records: int
    statements: list[tuple[Any, list[Any]]]


def search(connector: Any, system: Any, person: Any) -> Run:
    """The person's search in one system: ``dsar.search.Search``, consumed to the end (the
    statements it sends are recorded for ``examine``, outside the timing)."""
    from dsar.search import Search

    statements: list[tuple[Any, list[Any]]] = []
    original = connector.select

    def recording(collection: Any, conditions: Any) -> Iterator[dict[str, Any]]:
        statements.append((collection, list(conditions)))
        return original(collection, conditions)

    connector.select = recording
    try:
        started = time.perf_counter()
        records = sum(1 for _ in Search(connector, system, person))
        seconds = time.perf_counter() - started
    finally:
        del connector.select
    return Run(seconds, records, statements)


@dataclass
class Variant:
    name: str
    connectors: dict[str, Any]  # system id -> connector
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    total: list[float] = field(default_factory=list)
    records: list[int] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    examined: list[int] = field(default_factory=list)
    plans: Counter[str] = field(default_factory=Counter)


def compare(
    systems: list[Any],
    people: list[Asker],
    variants: list[Variant],
    examine: Callable[[Variant, Any, list[tuple[Any, list[Any]]]], tuple[int, list[str]]] | None,
    repeat: int = 1,
) -> None:
    """Each person's search of ``systems`` under every variant, ``repeat`` times, alternating
    the order; a person's time is the median of their repeats."""
    warm = people[0].person()
    for variant in variants:  # untimed: engines, reflection, page cache
        for system in systems:
            search(variant.connectors[system.id], system, warm)
    for number, asker in enumerate(people):
        person = asker.person()
        times: dict[str, dict[str, list[float]]] = {v.name: defaultdict(list) for v in variants}
        for attempt in range(repeat):
            order = variants if (number + attempt) % 2 == 0 else list(reversed(variants))
            for variant in order:
                records = statements = examined = 0
                for system in systems:
                    run = search(variant.connectors[system.id], system, person)
                    times[variant.name][system.id].append(run.seconds)
                    records += run.records
                    statements += len(run.statements)
                    if examine is not None and attempt == 0:
                        rows, plans = examine(variant, variant.connectors[system.id], run.statements)
                        examined += rows
                        variant.plans.update(plans)
                if attempt == 0:
                    variant.records.append(records)
                    variant.statements.append(statements)
                    variant.examined.append(examined)
        for variant in variants:  # a person's figure: the median of their repeats
            per_system = {sid: median(values) for sid, values in times[variant.name].items()}
            for sid, value in per_system.items():
                variant.seconds[sid].append(value)
            variant.total.append(sum(per_system.values()))
        if (number + 1) % 10 == 0:
            say(f"  {number + 1}/{len(people)} people")
    counts = {v.name: v.records for v in variants}
    if len({tuple(c) for c in counts.values()}) != 1:
        raise SystemExit(f"variants found different records: {counts}")


def summary(variants: list[Variant], systems: list[Any]) -> list[dict[str, Any]]:
    base = variants[0]
    rows = []
    for variant in variants:
        row: dict[str, Any] = {
            "variant": variant.name,
            "median_s": median(variant.total),
            "p95_s": percentile(variant.total, 95),
            "per_system_median_s": {s.id: median(variant.seconds[s.id]) for s in systems},
            "statements_median": median(variant.statements),
            "records_median": median(variant.records),
            "rows_examined_median": median(variant.examined) if any(variant.examined) else None,
            "plans": dict(variant.plans.most_common()),
        }
        ratios = [t / b for t, b in zip(variant.total, base.total, strict=True)]
        row["ratio_to_first_median"] = median(ratios)
        rows.append(row)
    return rows


def print_table(
    title: str, rows: list[dict[str, Any]], systems: list[Any], people: int, examined: str
) -> None:
    """``examined`` names what the rows column holds (measured, or derived from the plan)."""
    print(f"\n### {title} ({people} people)\n")
    print("| variant | median / person (ms) | p95 (ms) | " + " | ".join(f"{s.id} median (ms)" for s in systems)
          + f" | statements | records | {examined} (median) | ratio to indexed (median of per-person ratios) |")
    print("|---" * (7 + len(systems)) + "|")
    for row in rows:
        rows_read = row["rows_examined_median"]
        print(f"| {row['variant']} | {ms(row['median_s'])} | {ms(row['p95_s'])} | "
              + " | ".join(ms(row["per_system_median_s"][s.id]) for s in systems)
              + f" | {row['statements_median']:g} | {row['records_median']:g} | "
              f"{'–' if rows_read is None else f'{rows_read:,.0f}'} | {row['ratio_to_first_median']:.1f}× |")
    for row in rows:
        if not row["plans"]:
            continue  # CSV: no plans
        print(f"\nplans, {row['variant']} (statement steps over all people):")
        for plan, n in row["plans"].items():
            print(f"- `{plan}` × {n}")


# ------------------------------------------------------------------------------ SQLite


def sqlite_scan_copy(source: Path, dest: Path) -> list[str]:
    """A byte copy of ``source`` without the generator's lookup indexes; their names."""
    stamp = dest.with_suffix(".stamp")
    signature = f"{source.stat().st_size}:{source.stat().st_mtime_ns}"
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
        dropped = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix\\_%' ESCAPE '\\' ORDER BY name")]
    if dest.is_file() and stamp.is_file() and stamp.read_text() == signature:
        return dropped
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    conn = sqlite3.connect(dest)
    try:
        for name in dropped:
            conn.execute(f'DROP INDEX "{name}"')
        conn.commit()
    finally:
        conn.close()
    stamp.write_text(signature)
    return dropped


def sqlite_examine(table_rows: dict[str, int]) -> Callable[[Variant, Any, list], tuple[int, list[str]]]:
    def examine(variant: Variant, connector: Any, statements: list) -> tuple[int, list[str]]:
        rows, plans = 0, []
        for collection, conditions in statements:
            plan = connector.explain(collection, conditions)
            steps = [line.strip() for line in plan.splitlines() if line.strip()]
            if any(step.startswith("SCAN") for step in steps):
                rows += table_rows[collection.table]
            else:
                rows += sum(1 for _ in connector.select(collection, conditions))
            plans.append(f"{collection.table}: " + " / ".join(steps))  # values show as "?"
        return rows, plans

    return examine


def run_sqlite(root: Path, people_count: int, seed: int, repeat: int) -> dict[str, Any]:
    from connectors import connector_for
    from connectors.sql import SqlConnection
    from dsar.workspace import Workspace

    workspace = Workspace(root)
    controller = workspace.config.controller(SQLITE_CONTROLLER)
    systems = [s for s in controller.systems.values() if s.connector == "sql"]
    source = root / SQLITE_FILE
    copy = bench_dir() / "scan-copies" / f"{root.name}-billett-noindex.db"
    started = time.perf_counter()
    dropped = sqlite_scan_copy(source, copy)
    say(f"SQLite scan copy ready ({time.perf_counter() - started:.1f} s): dropped {len(dropped)} indexes")

    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        table_rows = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}

    def connectors(url: str | None) -> dict[str, Any]:
        result = {}
        for system in systems:
            target = system if url is None else system.model_copy(update={"connection": SqlConnection(url=url)})
            result[system.id] = connector_for(target, workspace)
        return result

    # The people of the largest system (nettbruk); every one of them also has a ticketing account.
    people = sample_people(root, SQLITE_CONTROLLER, "nettbruk", people_count, seed)
    variants = [
        Variant("indexed (schema as built)", connectors(None)),
        Variant("scan (lookup indexes dropped)", connectors(f"sqlite:///{copy}")),
    ]
    say(f"SQLite: {len(people)} people × {len(systems)} systems × 2 variants")
    compare(systems, people, variants, sqlite_examine(table_rows), repeat)
    for variant in variants:
        for connector in variant.connectors.values():
            connector.close()
    rows = summary(variants, systems)
    print_table("SQLite: gjovik-kultursenter billettsystem + nettbruk (billett.db)", rows, systems, len(people),
                "rows read (derived: table rows if the plan scans, else rows returned)")
    size_mb = source.stat().st_size / 1e6
    print(f"\ndatabase {size_mb:.0f} MB; tables: " + ", ".join(f"{t} {n:,}" for t, n in sorted(table_rows.items())))
    print(f"indexes dropped in the scan copy: {', '.join(dropped)}")
    return {"systems": [s.id for s in systems], "people": len(people), "variants": rows,
            "table_rows": table_rows, "dropped_indexes": dropped, "database_mb": size_mb}


# --------------------------------------------------------------------------- PostgreSQL


def ensure_pg_world(scale: float, seed: int) -> Path:
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_DB}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DB,)).first()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{PG_DB}"')
    admin.dispose()
    # A database created just now is empty, whatever the world's marker says: rebuild.
    root, _ = ensure_world(bench_dir() / f"ws{scale:g}pg", scale=scale, seed=seed,
                           sql_urls={"/".join(PG_SYSTEM): url}, rebuild=not exists)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        started = time.perf_counter()
        conn.exec_driver_sql("ANALYZE")
        say(f"PostgreSQL ANALYZE {time.perf_counter() - started:.1f} s")
    engine.dispose()
    return root


def pg_examine(variant: Variant, connector: Any, statements: list) -> tuple[int, list[str]]:
    rows, plans = 0, []
    for collection, conditions in statements:
        plan = _explain_analyze(connector, collection, conditions)
        if plan is None:
            continue
        examined, nodes = _pg_nodes(plan)
        rows += examined
        plans.append(f"{collection.table}: " + " / ".join(nodes))
    return rows, plans


def _explain_analyze(connector: Any, collection: Any, conditions: list) -> dict[str, Any] | None:
    """The top plan node of ``EXPLAIN (ANALYZE, FORMAT JSON)`` of the statement ``select`` runs.

    The public ``SqlConnector.explain`` runs plain ``EXPLAIN``: estimates, no rows actually
    read. Rows examined need ANALYZE's actual counts, so this builds the connector's own
    statement with its private ``_statement`` and ``_Explain`` (the only private use here).
    """
    from connectors.sql import _Explain

    statement = connector._statement(collection, conditions)
    if statement is None:
        return None
    with connector.engine.connect() as conn:
        result = conn.execute(_Explain(statement, "EXPLAIN (ANALYZE, FORMAT JSON)")).scalar()
    return (json.loads(result) if isinstance(result, str) else result)[0]["Plan"]


def _pg_nodes(node: dict[str, Any]) -> tuple[int, list[str]]:
    """Rows examined by the scan nodes of a plan, and the scan nodes (type, relation, index)."""
    examined, names = 0, []
    if "Relation Name" in node or node.get("Node Type", "").endswith("Index Scan"):
        loops = node.get("Actual Loops", 1)
        examined += round((node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                           + node.get("Rows Removed by Index Recheck", 0)) * loops)
        label = node["Node Type"] + (f" {node['Relation Name']}" if "Relation Name" in node else "")
        if "Index Name" in node:
            label += f" using {node['Index Name']}"
        names.append(label)
    elif node.get("Node Type") == "Bitmap Index Scan":
        names.append(f"Bitmap Index Scan {node.get('Index Name')}")
    for child in node.get("Plans", []):
        more, child_names = _pg_nodes(child)
        if node.get("Node Type") == "Bitmap Heap Scan" and child.get("Node Type", "").startswith("Bitmap"):
            more = 0  # the heap scan above counts the rows
        examined += more
        names.extend(child_names)
    return examined, names


def run_pg(scale: float, world_seed: int, people_count: int, seed: int, repeat: int) -> dict[str, Any]:
    from connectors import connector_for
    from connectors.sql import SqlConnection
    from dsar.workspace import Workspace

    root = ensure_pg_world(scale, world_seed)
    workspace = Workspace(root)
    system = workspace.config.controller(PG_SYSTEM[0]).systems[PG_SYSTEM[1]]
    url = system.connection.url
    scan_url = url + ("&" if "?" in url else "?") + "options=" + urllib.parse.quote(SCAN_OPTIONS)
    scan_system = system.model_copy(update={"connection": SqlConnection(url=scan_url)})
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        table_rows = {c.table: conn.exec_driver_sql(f'SELECT count(*) FROM "{c.table}"').scalar()
                      for c in system.collections.values()}
        version = conn.exec_driver_sql("SHOW server_version").scalar()
        workers = conn.exec_driver_sql("SHOW max_parallel_workers_per_gather").scalar()
    engine.dispose()
    people = sample_people(root, *PG_SYSTEM, people_count, seed)
    variants = [
        Variant("indexed (schema as built)", {system.id: connector_for(system, workspace)}),
        Variant("scan (enable_indexscan/bitmapscan/indexonlyscan off)",
                {system.id: connector_for(scan_system, workspace)}),
    ]
    say(f"PostgreSQL: {len(people)} people × 2 variants")
    compare([system], people, variants, pg_examine, repeat)
    for variant in variants:
        for connector in variant.connectors.values():
            connector.close()
    rows = summary(variants, [system])
    print_table(f"PostgreSQL {version}: gjovik-kultursenter nettbruk", rows, [system], len(people),
                "rows examined (EXPLAIN ANALYZE: returned + removed by filter)")
    print("\ntables: " + ", ".join(f"{t} {n:,}" for t, n in sorted(table_rows.items()))
          + f"; max_parallel_workers_per_gather = {workers}")
    return {"system": system.id, "people": len(people), "variants": rows, "table_rows": table_rows,
            "server_version": version}


# --------------------------------------------------------------------------------- CSV


def csv_examine(lines: dict[str, int]) -> Callable[[Variant, Any, list], tuple[int, list[str]]]:
    """Rows examined: the whole file for a scan, the rows the index points at otherwise."""

    def examine(variant: Variant, connector: Any, statements: list) -> tuple[int, list[str]]:
        rows = 0
        for collection, conditions in statements:
            if connector.use_index:
                rows += sum(1 for _ in connector.select(collection, conditions))
            else:
                rows += lines[collection.id]
        return rows, []

    return examine


def expand_csv_world(source_root: Path, copies: int) -> Path:
    """A workspace whose newsletter files are ``copies`` times the source's (see module doc)."""
    dest = bench_dir() / f"{source_root.name}-csv{copies}x"
    stamp = dest / "bench-csv.json"
    wanted = {"source": str(source_root), "copies": copies,
              "mtime": (source_root / "sources" / "ground_truth.csv").stat().st_mtime_ns}
    if stamp.is_file() and json.loads(stamp.read_text()) == wanted:
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(source_root / "config", dest / "config")
    (dest / "sources").mkdir(parents=True)
    for name in ("people.csv", "ground_truth.csv"):
        (dest / "sources" / name).symlink_to(source_root / "sources" / name)
    from dsar.workspace import Workspace
    from sample_data.sinks import line_ending

    system = Workspace(source_root).config.controller(CSV_SYSTEM[0]).systems[CSV_SYSTEM[1]]
    src_ws, dst_ws = Workspace(source_root), Workspace(dest)
    for collection in system.collections.values():
        src = src_ws.resolve_path(str(collection.path))
        dst = dst_ws.resolve_path(str(collection.path))
        dst.parent.mkdir(parents=True, exist_ok=True)
        newline = line_ending(collection.encoding)  # as the generator wrote the source
        with src.open(encoding=collection.encoding, newline="") as inp, \
                dst.open("w", encoding=collection.encoding, newline="") as out:
            reader = csv.reader(inp, delimiter=collection.delimiter)
            writer = csv.writer(out, delimiter=collection.delimiter, lineterminator=newline)
            header = next(reader)
            writer.writerow(header)
            rows = list(reader)
            id_at = header.index("subscriber_id")
            email_at = header.index("email") if "email" in header else None
            for copy in range(copies):
                for row in rows:
                    if copy:
                        row = list(row)
                        row[id_at] = str(int(row[id_at]) + copy * ID_OFFSET)
                        if email_at is not None and row[email_at]:
                            row[email_at] = f"c{copy}.{row[email_at]}"
                    writer.writerow(row)
    stamp.write_text(json.dumps(wanted))
    return dest


def run_csv(
    root: Path, people_count: int, take: int, seed: int, builds: int, repeat: int, label: str
) -> dict[str, Any]:
    from connectors import connector_for
    from dsar.workspace import Workspace

    workspace = Workspace(root)
    system = workspace.config.controller(CSV_SYSTEM[0]).systems[CSV_SYSTEM[1]]
    files = {c.id: workspace.resolve_path(str(c.path)) for c in system.collections.values()}
    lines = {cid: sum(1 for _ in path.open("rb")) - 1 for cid, path in files.items()}
    sizes = {cid: path.stat().st_size for cid, path in files.items()}
    people = sample_people(root, *CSV_SYSTEM, people_count, seed)[:take]
    index_dir = root / "cache" / "csv-index" / system.id

    # One-off index build: cache deleted, then the first lookup (which builds what it needs).
    build_seconds = []
    builder = people[0].person()
    for _ in range(builds):
        shutil.rmtree(index_dir, ignore_errors=True)
        with connector_for(system, workspace) as connector:
            build_seconds.append(search(connector, system, builder).seconds)
    index_bytes = sum(p.stat().st_size for p in index_dir.glob("*.idx"))

    indexed = connector_for(system, workspace)
    scanning = connector_for(system, workspace)
    scanning.use_index = False
    variants = [Variant("sidecar index", {system.id: indexed}),
                Variant("streaming scan (use_index = False)", {system.id: scanning})]
    say(f"CSV {label}: {len(people)} people × 2 variants")
    compare([system], people, variants, csv_examine(lines), repeat)
    # The index alone, back to back (no scan in between to cool the caches): 5 per person.
    back_to_back = []
    for asker in people:
        person = asker.person()
        back_to_back.append(median([search(indexed, system, person).seconds for _ in range(5)]))
    rows = summary(variants, [system])
    print_table(f"CSV: stavanger-foto nyhetsbrev, {label}", rows, [system], len(people),
                "rows read (by construction: scan every row, index rows returned)")
    print("\nfiles: " + ", ".join(f"{cid} {lines[cid]:,} rows / {sizes[cid] / 1e6:.1f} MB" for cid in files)
          + f"; index files {index_bytes / 1e6:.1f} MB")
    print(f"one-off index build (cache deleted, first lookup): median {median(build_seconds):.2f} s "
          f"of {builds} ({', '.join(f'{s:.2f}' for s in build_seconds)})")
    print(f"index lookups back to back (5 per person, no scans in between): median "
          f"{ms(median(back_to_back))} ms, p95 {ms(percentile(back_to_back, 95))} ms")
    return {"label": label, "people": len(people), "variants": rows, "rows": lines, "bytes": sizes,
            "index_bytes": index_bytes, "index_build_s": build_seconds, "index_back_to_back_s": back_to_back}


# --------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lookup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=2026, help="world seed")
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--sample-seed", type=int, default=1, help="which people are sampled")
    parser.add_argument("--pg", action="store_true", help="also PostgreSQL (builds a second world once)")
    parser.add_argument("--csv-1m", action="store_true", help="also the CSV files made ~1 M rows long")
    parser.add_argument("--csv-1m-people", type=int, default=10, help="the first N of the CSV sample")
    parser.add_argument("--repeat", type=int, default=3, help="searches per person and variant (median kept)")
    parser.add_argument("--csv-1m-repeat", type=int, default=3, help="as --repeat, for the 1 M-row files")
    parser.add_argument("--builds", type=int, default=3, help="index builds to time")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-csv", action="store_true")
    args = parser.parse_args(argv)

    root, _ = ensure_world(bench_dir() / f"ws{args.scale:g}", scale=args.scale, seed=args.seed)
    info = machine(PG_ADMIN if args.pg else None)
    print(machine_line(info))
    results: dict[str, Any] = {"machine": info, "args": vars(args)}
    if not args.skip_sqlite:
        results["sqlite"] = run_sqlite(root, args.people, args.sample_seed, args.repeat)
    if args.pg:
        results["postgresql"] = run_pg(args.scale, args.seed, args.people, args.sample_seed, args.repeat)
    if not args.skip_csv:
        results["csv"] = run_csv(root, args.people, args.people, args.sample_seed, args.builds, args.repeat,
                                 f"scale {args.scale:g}")
        if args.csv_1m:
            big = expand_csv_world(root, COPIES_1M)
            results["csv_1m"] = run_csv(big, args.people, args.csv_1m_people, args.sample_seed, args.builds,
                                        args.csv_1m_repeat, f"scale {args.scale:g} files × {COPIES_1M}")
    say(f"results in {write_results('lookup', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
