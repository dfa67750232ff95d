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


def ensure_data_key() -> None:
    """A throwaway data key for benchmark workspaces, kept in the bench directory.

    An explicit ``DSAR_DATA_KEY`` or ``DSAR_SECRETS_DIR`` is respected; otherwise the key
    lives in ``<bench dir>/secrets`` so CSV indexes built by one run are valid in the next.
    """
    if os.environ.get("DSAR_DATA_KEY") or os.environ.get("DSAR_SECRETS_DIR"):
        return
    from dsar.crypto import DataKey
    from dsar.secrets import has_secret, store_secret

    os.environ["DSAR_SECRETS_DIR"] = str(bench_dir() / "secrets")
    if not has_secret("DSAR_DATA_KEY"):
        store_secret("DSAR_DATA_KEY", DataKey.generate())


def ensure_world(
    root: Path, *, scale: float, seed: int = 2026, sql_urls: Mapping[str, str] | None = None
) -> tuple[Path, bool]:
    """Build the sample world in ``root`` unless one with the same parameters is there.

    Returns (root, built_now).
    """
    wanted = {"scale": scale, "seed": seed, "sql_urls": dict(sql_urls or {})}
    marker = root / MARKER
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        return root, False
    from sample_data.generate import build_world

    marker.unlink(missing_ok=True)  # an interrupted build must not look finished
    started = time.perf_counter()
    world = build_world(root, scale=scale, seed=seed, sql_urls=sql_urls)
    say(f"built world scale {scale:g} in {root}: {world.people} people, "
        f"{world.total_records} records, {time.perf_counter() - started:.0f} s")
    marker.write_text(json.dumps(wanted))
    return root, True


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


def machine() -> dict[str, str]:
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
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem_gb,
        "python": platform.python_version(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "commit": _commit(),
    }


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False,
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
