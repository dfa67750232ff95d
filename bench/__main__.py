"""Every benchmark in one go, in BENCHMARKS.md's order: ``python -m bench``.

Each script runs as its own process with exactly the command its section of BENCHMARKS.md
names. Its tables go to stdout and to ``<bench dir>/results/all.md``, each headed by its
command and followed by its wall time; progress goes to stderr. Stops at the first failure.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench._common import bench_dir

COMMANDS = [
    ["bench.lookup", "--pg", "--csv-1m"],
    ["bench.package_memory"],
    ["bench.flow"],
    ["bench.accuracy", "--scale", "1"],
    ["bench.mail"],
    ["bench.mail_accuracy", "--scale", "1"],
    ["bench.letter"],
    ["bench.prefect_overhead"],
]


def main() -> int:
    out = bench_dir() / "results" / "all.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    started_all = time.perf_counter()
    with out.open("w", encoding="utf-8") as log:
        for command in COMMANDS:
            shown = f".venv/bin/python -m {' '.join(command)}"
            head = f"\n## `{shown}`\n"
            print(head, flush=True)
            log.write(head + "\n")
            started = time.perf_counter()
            with subprocess.Popen([sys.executable, "-m", *command], stdout=subprocess.PIPE, text=True,
                                  cwd=Path(__file__).resolve().parent.parent) as process:
                assert process.stdout is not None
                for line in process.stdout:
                    sys.stdout.write(line)
                    log.write(line)
            tail = f"\n({shown}: {time.perf_counter() - started:.0f} s, exit {process.returncode})\n"
            print(tail, flush=True)
            log.write(tail)
            log.flush()
            if process.returncode != 0:
                return process.returncode
        total = f"\nall benchmarks: {time.perf_counter() - started_all:.0f} s\n"
        print(total)
        log.write(total)
    print(f"tables in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
