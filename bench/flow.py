"""Wall time of ``fulfil_request`` per request: Prefect's temporary server vs a running one.

    python -m bench.flow [--rounds 3] [--scale 1]

The demo's world (scale 1, seed 2026) and its five requests: one verified request per
controller for the person ``choose_demo_subject`` picks, registered the way ``dsar demo``
registers them. Each measurement is one fresh Python process that registers the five
requests and runs ``flows.fulfil.fulfil_request`` on each in turn, timing each call:

(a) temporary server: no ``PREFECT_API_URL`` and ``PREFECT_HOME`` in the workspace, what
    ``dsar demo`` does. Prefect starts its own server on the first flow run of the process,
    so the first request carries that start-up.
(b) running server: ``prefect server start`` (SQLite, its own ``PREFECT_HOME``, analytics
    off) started once by this script, the processes pointed at it by ``PREFECT_API_URL``;
    stopped at the end.

The two kinds of process alternate (a b, b a, …) so both see the same noise; the server of
(b) stays up (idle) while (a) runs. Reported: the first request of a process, the other
four, and the whole process (interpreter start to exit, which for (a) includes stopping the
temporary server). Each request is also split, by timing wrappers around our own functions,
into the system searches (first start to last end; they run concurrently), the answer
(letter HTML and PDF, package, store) and everything else: Prefect's engine and API calls,
of which the wait for the flow run's heartbeat thread to stop is timed on its own (the
``Thread.join`` in ``prefect.flow_engine._send_heartbeats``). After timing a request, the
child takes (and drops) its sealed password and deletes its package, so nothing is left
in the workspace's exports.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench._common import (
    bench_dir,
    ensure_world,
    machine,
    machine_line,
    median,
    percentile,
    say,
    use_bench_secrets,
    write_results,
)

REPO = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------------------- child


def child(root: Path) -> dict[str, Any]:
    """Register the demo's five requests and fulfil them one by one; seconds per request."""
    started = time.perf_counter()
    from dsar.cli.common import open_workspace, prepare_prefect
    from dsar.cli.demo import register_demo_request
    from dsar.delivery import take_password
    from dsar.store import open_store
    from sample_data.vendor_api import serving

    # The vendor APIs answer locally for as long as this child process runs (as in dsar demo).
    contextlib.ExitStack().enter_context(serving(root))
    workspace = open_workspace(root)
    prepare_prefect(workspace)
    from flows.fulfil import fulfil_request
    from flows.runtime import forget_runtimes

    imported = time.perf_counter() - started
    spans = _instrument()
    store = open_store(workspace)
    runs = []
    for controller_id, config in workspace.config.controllers.items():
        request = register_demo_request(store, workspace, config, actor="bench")
        spans.clear()
        t0 = time.perf_counter()
        result = fulfil_request(request.id)
        seconds = time.perf_counter() - t0
        searches = [(a, b) for name, a, b in spans if name == "search"]
        search_span = max(b for _, b in searches) - min(a for a, _ in searches) if searches else 0.0
        answer = sum(b - a for name, a, b in spans if name == "answer")
        pdf = sum(b - a for name, a, b in spans if name == "pdf")
        heartbeat = sum(b - a for name, a, b in spans if name == "heartbeat")
        runs.append({"controller": controller_id, "seconds": seconds, "status": result["status"],
                     "records": result["records"], "search_span_s": search_span, "answer_s": answer,
                     "pdf_s": pdf, "outside_s": seconds - search_span - answer, "heartbeat_join_s": heartbeat})
        if result.get("package"):  # the bench keeps no packages and no passwords
            package = Path(result["package"])
            take_password(workspace.data_key, package)
            package.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                package.parent.rmdir()
    store.close()
    forget_runtimes()
    return {"import_s": imported, "runs": runs}


def _instrument() -> list[tuple[str, float, float]]:
    """Record when our own work runs inside the flow: the system searches, the answer
    (letter, package, store) and, within it, the PDF; and how long the flow engine waits for
    its heartbeat thread to stop. Wrappers only time the originals; the flow's tasks import
    these names at call time, so they pick the wrappers up."""
    import threading

    import dsar.answer
    import dsar.letter
    import dsar.search

    spans: list[tuple[str, float, float]] = []

    def timed(name: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spans.append((name, start, time.perf_counter()))

        return wrapper

    dsar.search.search_system = timed("search", dsar.search.search_system)
    dsar.answer.answer_request = timed("answer", dsar.answer.answer_request)
    dsar.letter.render_letter_pdf = timed("pdf", dsar.letter.render_letter_pdf)

    # Prefect 3.9.1 (as 3.8) runs a flow's heartbeat in a thread started as
    # Thread(target=context.run, args=(heartbeat_loop,)) and joins it when the run ends; the
    # thread sleeps in 1-s steps, so the join can wait up to a second. Only that join is timed.
    join = threading.Thread.join

    def timed_join(thread: threading.Thread, timeout: float | None = None) -> None:
        args = getattr(thread, "_args", ())
        if not (args and getattr(args[0], "__name__", "") == "heartbeat_loop"):
            return join(thread, timeout)
        start = time.perf_counter()
        try:
            return join(thread, timeout)
        finally:
            spans.append(("heartbeat", start, time.perf_counter()))

    threading.Thread.join = timed_join  # type: ignore[method-assign]
    return spans


# ---------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, database_url: str | None = None) -> tuple[subprocess.Popen[bytes], str, float]:
    """``prefect server start`` in ``home`` (SQLite there, or ``database_url``); (process, API
    URL, seconds until ``/api/health`` answered)."""
    port = free_port()
    env = _base_env()
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    })
    if database_url:
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = database_url
    log = (home / "server.log").open("wb")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("prefect")), "server", "start"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    while time.perf_counter() - started < 120:
        if process.poll() is not None:
            raise SystemExit(f"prefect server exited early; see {home / 'server.log'}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return process, url, time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(process)
    raise SystemExit("prefect server did not answer /api/health within 120 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop the server this script started: its own process group, by id."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# ---------------------------------------------------------------------------- parent


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env["PREFECT_LOGGING_LEVEL"] = "WARNING"
    return env


def run_child(root: Path, mode: str, api_url: str | None, client_home: Path) -> dict[str, Any]:
    env = _base_env()
    env["DSAR_WORKSPACE"] = str(root)
    if api_url:
        env["PREFECT_API_URL"] = api_url
        env["PREFECT_HOME"] = str(client_home)
    else:
        env["PREFECT_HOME"] = str(root / "prefect")  # what dsar demo uses
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "bench.flow", "--child", str(root)],
        env=env, capture_output=True, text=True, check=False, cwd=REPO,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{mode} process failed:\n{result.stderr[-4000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    data["process_s"] = wall
    data["mode"] = mode
    bad = [r for r in data["runs"] if r["status"] != "complete"]
    if bad:
        raise SystemExit(f"{mode}: requests did not complete: {bad}")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flow", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="processes per mode")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    use_bench_secrets()
    if args.child:
        print(json.dumps(child(args.child)))
        return 0

    base = bench_dir() / "flow"
    root = base / f"ws{args.scale:g}"
    ensure_world(root, scale=args.scale, seed=args.seed)
    for leftover in ("store.db", "staging", "exports", "prefect", "logs"):
        target = root / leftover
        shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
    server_home = base / "server-home"
    client_home = base / "client-home"
    for d in (server_home, client_home):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)

    info = machine()
    print(machine_line(info))
    say("starting prefect server …")
    server, api_url, startup = start_server(server_home)
    say(f"prefect server up in {startup:.1f} s at {api_url}")
    processes: list[dict[str, Any]] = []
    try:
        for round_no in range(args.rounds):
            modes = [("temporary", None), ("running server", api_url)]
            if round_no % 2:
                modes.reverse()
            for mode, url in modes:
                say(f"round {round_no + 1}/{args.rounds}: {mode} …")
                processes.append(run_child(root, mode, url, client_home))
    finally:
        stop_server(server)

    print(f"\n### fulfil_request wall time, scale {args.scale:g} world, five demo requests per process, "
          f"{args.rounds} processes per mode\n")
    print("| mode | first request of a process (s, median) | later requests (s, median) | later p95 (s) "
          "| process start to exit (s, median) | import (s, median) |")
    print("|---|---|---|---|---|---|")
    table: dict[str, dict[str, float]] = {}
    for mode in ("temporary", "running server"):
        mine = [p for p in processes if p["mode"] == mode]
        first = [p["runs"][0]["seconds"] for p in mine]
        later = [r["seconds"] for p in mine for r in p["runs"][1:]]
        table[mode] = {"first": median(first), "later": median(later)}
        print(f"| {mode} | {median(first):.2f} | {median(later):.2f} | {percentile(later, 95):.2f} | "
              f"{median([p['process_s'] for p in mine]):.2f} | {median([p['import_s'] for p in mine]):.2f} |")
    for mode in ("temporary", "running server"):
        firsts = ", ".join(f"{p['runs'][0]['seconds']:.2f}" for p in processes if p["mode"] == mode)
        print(f"\nfirst request of each {mode} process, in the order run: {firsts} s")
    later_runs = [r for p in processes for r in p["runs"][1:]]
    print("\nwhere a later request's time goes (both modes, median s): searches (first start to last "
          f"end) {median([r['search_span_s'] for r in later_runs]):.2f}, answer (letter, PDF, package, store) "
          f"{median([r['answer_s'] for r in later_runs]):.2f} of which the PDF "
          f"{median([r['pdf_s'] for r in later_runs]):.2f}, everything else (Prefect's engine and API calls) "
          f"{median([r['outside_s'] for r in later_runs]):.2f} of which waiting for the heartbeat thread "
          f"to stop {median([r['heartbeat_join_s'] for r in later_runs]):.2f}")
    if not any(r["heartbeat_join_s"] for r in later_runs):
        print("(no heartbeat join seen: Prefect's _send_heartbeats changed or heartbeats are off)")
    own = [r["search_span_s"] + r["answer_s"] for r in later_runs]
    walls = [r["seconds"] for r in later_runs]
    print(f"later requests: own work (searches + answer) {min(own):.2f}–{max(own):.2f} s, "
          f"wall time {min(walls):.2f}–{max(walls):.2f} s")
    print(f"\nratio temporary / running server: first request "
          f"{table['temporary']['first'] / table['running server']['first']:.1f}×, later requests "
          f"{table['temporary']['later'] / table['running server']['later']:.2f}×; "
          f"prefect server start-up (to /api/health) {startup:.1f} s")
    per_controller: dict[tuple[str, str], list[float]] = defaultdict(list)
    for p in processes:
        for r in p["runs"]:
            per_controller[(p["mode"], r["controller"])].append(r["seconds"])
    controllers = list(dict.fromkeys(r["controller"] for r in processes[0]["runs"]))
    records = {r["controller"]: r["records"] for r in processes[0]["runs"]}
    print("\n| controller (records) | temporary (s, median) | running server (s, median) |")
    print("|---|---|---|")
    for cid in controllers:
        print(f"| {cid} ({records[cid]}) | {median(per_controller[('temporary', cid)]):.2f} | "
              f"{median(per_controller[('running server', cid)]):.2f} |")
    print("\n(the first controller's figures include each process's first request)")
    say(f"results in {write_results('flow', {'machine': info, 'server_startup_s': startup, 'processes': processes})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
