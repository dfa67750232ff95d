"""Mail index build rate, this code against an older commit's, side by side in one run.

    python -m bench.mail_build [--before DIR] [--small 10000] [--large 200000] [--rounds 2]

The archives are ``bench.mail``'s (written by it, or here when missing). Each build is a
fresh process that deletes the archive's index and runs ``MailConnector.refresh`` from
empty (what ``dsar index`` does): read, parse, find identifiers and name pairs, hash, write.
With ``--before DIR`` (an export of an older commit: ``git archive <commit> | tar -x -C DIR``)
each build is run with that code and with this, alternately, ``--rounds`` times, so both
see the same machine load. A build's rate is messages / wall seconds; ``cpu`` is the CPU
seconds of the build and its worker processes together (``msg/cpu-s``: the rate on a
machine with nothing else running, per core used).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parent.parent
CONTROLLER = "stavanger-sentrum"
SYSTEM = "epost"


def build_once(root: Path) -> dict[str, float]:
    """In this process: the index of ``root``'s Sentrum archive built from empty."""
    from connectors import connector_for
    from dsar.workspace import Workspace

    ws = Workspace(root)
    system = ws.config.controllers[CONTROLLER].systems[SYSTEM]
    connector = connector_for(system, ws)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{connector.index_file()}{suffix}").unlink(missing_ok=True)
    before = os.times()
    started = time.perf_counter()
    stats = connector.refresh()
    seconds = time.perf_counter() - started
    after = os.times()
    connector.close()
    cpu = (after.user + after.system + after.children_user + after.children_system) - (
        before.user + before.system + before.children_user + before.children_system)
    return {"messages": stats.messages, "seconds": seconds, "cpu": cpu,
            "bytes": Path(connector.index_file()).stat().st_size}


def _run(code: Path, root: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(code))
    out = subprocess.run([sys.executable, str(HERE), "--one", str(root)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _load() -> str:
    try:
        return "/".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mail_build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="an export of the older commit to compare with")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(build_once(args.one)))
        return 0

    sys.path.insert(0, str(REPO))
    from bench._common import machine, machine_line, median, use_bench_secrets, write_results
    from bench.mail import ensure_archive

    use_bench_secrets()
    archives = {
        "small": ensure_archive(f"{args.small}", args.small, args.small)[0],
        "large": ensure_archive(f"{args.large}-{args.small}", args.large, args.small)[0],
    }
    codes = {"before": args.before.resolve(), "after": REPO} if args.before else {"after": REPO}
    info = machine()
    print(f"{machine_line(info)}\n")
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    for _ in range(args.rounds):
        for label, root in archives.items():
            for code_label, code in codes.items():
                load = _load()
                result = _run(code, root)
                result["load"] = load
                runs.setdefault((label, code_label), []).append(result)
                print(f"  {label} {code_label}: {result['messages']:,} messages in {result['seconds']:.1f} s "
                      f"({result['messages'] / result['seconds']:,.0f} msg/s, cpu {result['cpu']:.1f} s, load {load})",
                      file=sys.stderr)
    print("| archive | code | messages | build (median) | rate | cpu | msg/cpu-s | index size | 1-min load at start |")
    print("|---|---|---|---|---|---|---|---|---|")
    table = {}
    for (label, code_label), results in runs.items():
        seconds = median([r["seconds"] for r in results])
        cpu = median([r["cpu"] for r in results])
        messages = results[0]["messages"]
        table[f"{label}/{code_label}"] = {"messages": messages, "seconds": seconds, "cpu": cpu,
                                          "rate": messages / seconds, "runs": results}
        print(f"| {label} | {code_label} | {messages:,} | {seconds:.1f} s | **{messages / seconds:,.0f} msg/s** | "
              f"{cpu:.1f} s | {messages / cpu:,.0f} | {results[0]['bytes'] / 1e6:.1f} MB | "
              f"{', '.join(r['load'].split('/')[0] for r in results)} |")
    write_results("mail_build", {"machine": info, "builds": table})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
