"""What the benchmark scripts share: where worlds live, the data key, statistics, the machine.

Big workspaces live under ``$DSAR_BENCH_DIR`` (default ``/tmp/dsar-bench``), never in the
repository. A world is rebuilt only when its marker (scale, seed, SQL URLs) doesn't match.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

MARKER = "bench-world.json"


def bench_dir() -> Path:
    path = Path(os.environ.get("DSAR_BENCH_DIR", "/tmp/dsar-bench"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def use_bench_secrets() -> None:
    """Keep the benchmarks' data key in ``<bench dir>/secrets``, not the user's secret store.

    An explicit ``DSAR_DATA_KEY`` or ``DSAR_SECRETS_DIR`` is respected. The key stays between
    runs, so CSV indexes built by one run are valid in the next; child processes inherit the
    choice through the environment.
    """
    if os.environ.get("DSAR_DATA_KEY") or os.environ.get("DSAR_SECRETS_DIR"):
        return
    os.environ["DSAR_SECRETS_DIR"] = str(bench_dir() / "secrets")


def ensure_world(
    root: Path,
    *,
    scale: float,
    seed: int = 2026,
    sql_urls: Mapping[str, str] | None = None,
    rebuild: bool = False,
    world_name: str = "default",
) -> tuple[Path, bool]:
    """Build the sample world in ``root`` unless one with the same parameters is there (or
    ``rebuild``), and make sure its data key exists (``dsar demo``'s way, in the bench
    secret store: ``use_bench_secrets``).

    ``world_name``: ``default`` (``sample_data.generate``, the five controllers) or ``unseen``
    (``sample_data.unseen``: organisations the product has never seen; no ``sql_urls``).

    Returns (root, built_now).
    """
    from dsar.cli.demo import ensure_data_key
    from dsar.workspace import Workspace

    use_bench_secrets()
    wanted = {"scale": scale, "seed": seed, "sql_urls": dict(sql_urls or {})}
    if world_name != "default":
        from sample_data.unseen import WORLD_VERSION

        wanted["world"] = world_name
        wanted["version"] = WORLD_VERSION  # people.csv's columns change: build again
    marker = root / MARKER
    built = rebuild or not (marker.is_file() and json.loads(marker.read_text()) == wanted)
    if built:
        from sample_data.generate import build_world
        from sample_data.unseen import build_unseen

        marker.unlink(missing_ok=True)  # an interrupted build must not look finished
        say(f"building the {world_name} world at scale {scale:g} in {root} (scale 100: a few minutes) …")
        started = time.perf_counter()
        if world_name == "unseen":
            if sql_urls:
                raise ValueError("the unseen world is built on SQLite only")
            world = build_unseen(root, scale=scale, seed=seed)
        else:
            world = build_world(root, scale=scale, seed=seed, sql_urls=sql_urls)
        say(f"built {world_name} world scale {scale:g} in {root}: {world.people} people, "
            f"{world.total_records} records, {time.perf_counter() - started:.0f} s")
        marker.write_text(json.dumps(wanted))
    ensure_data_key(Workspace(root))
    return root, built


# ------------------------------------------------------------------------------ statistics


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (numpy's default), p in [0, 100]."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def ms(seconds: float) -> str:
    if seconds != seconds:  # nan
        return "–"
    value = seconds * 1000
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


# --------------------------------------------------------------------------------- machine


def machine(postgres_url: str | None = None) -> dict[str, str]:
    """The machine and the versions that shape the figures; PostgreSQL's when a script uses it."""
    import sqlite3
    from importlib.metadata import version

    import sqlalchemy as sa

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = f"{int(line.split()[1]) / 1024 / 1024:.0f} GB"
    except OSError:
        pass
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem_gb,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sa.__version__,
        # prefect.__version__ without importing Prefect (which sets up its settings and home).
        "prefect": version("prefect"),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "commit": _commit(),
    }
    if postgres_url is not None:
        engine = sa.create_engine(postgres_url)
        try:
            with engine.connect() as conn:
                info["postgresql"] = str(conn.exec_driver_sql("SHOW server_version").scalar())
        finally:
            engine.dispose()
    return info


def machine_line(info: Mapping[str, str]) -> str:
    """The one line every script prints first; BENCHMARKS.md's machine line comes from it."""
    versions = [f"Python {info['python']}", f"SQLite {info['sqlite']}"]
    if "postgresql" in info:
        versions.append(f"PostgreSQL {info['postgresql']}")
    versions += [f"SQLAlchemy {info['sqlalchemy']}", f"Prefect {info['prefect']}"]
    return (f"machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory']}, {', '.join(versions)}; "
            f"load {info['load']}; {info['date']}; commit {info['commit']}")


def _commit() -> str:
    """The commit the scripts ran at, ``-dirty`` when the working tree has uncommitted changes."""
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, check=False,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout.strip()
    except OSError:
        return ""


def memory_status() -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of this process, in kB, from /proc/self/status."""
    result: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            result[name] = int(rest.split()[0])
    return result


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def write_results(name: str, data: object) -> Path:
    path = bench_dir() / "results" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    return path
