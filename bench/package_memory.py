"""Peak memory and throughput of staging and packing one person's findings, by size.

    python -m bench.package_memory [--sizes 10000,100000,500000] [--repeat 3]
    python -m bench.package_memory --files-gb 2 [--files-suffix .mp4|.bin]

``--files-gb G``: instead, one person whose web profile has G GB of attached files (128 MB
each, incompressible bytes, made once under ``<bench dir>/package-files/src``): one fresh
process stages them (each file streamed through AES-256-GCM into staging), another builds
the package (the files streamed from staging into the AES-256 zip); seconds, MB/s and peak
RSS of each. The files are named ``.mp4`` in the package (media: stored in the zip as they
are), or ``--files-suffix .bin`` (deflated: the zip's costlier path). Needs about 3 × G GB free on the bench dir's disk while it runs.

One person of Gjøvik Kultursenter (the sample world's configuration, so the answer has real
systems, collections, field meanings and codes) with one web profile and N web sessions,
shaped like the generator's rows. For every size:

1. ``stage``: ``--repeat`` fresh subprocesses each write the N+1 findings with
   ``dsar.staging.Staging`` and a ``DataKey`` (AES-256-GCM stream), then commit: time and
   peak RSS (medians reported; the last run's staging is what the builds read).
2. ``build``: ``--repeat`` fresh subprocesses each build the package with
   ``dsar.package.build_package`` from that staging and a real ``dsar.report.Answer``
   (nettbruk complete with N+1 records, billettsystem nothing found). Before timing, each
   builds a 10-record package once (imports, templates: the floor), then the N-record one.

Peak RSS is ``VmHWM`` from ``/proc/self/status`` (the kernel's high-water mark of resident
memory), read after the floor build and after the real build; a fresh process per run
means no run inherits another's peak. The data key is the bench's (``DSAR_DATA_KEY`` in
``<bench dir>/secrets`` unless the environment names one); there is no workspace here, so it
is made with ``DataKey.generate`` and ``store_secret`` rather than ``dsar demo``'s helper. The letter is a fixed small HTML/PDF pair (as in
tests/test_package.py): rendering it (Typst) costs the same whatever N is.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._common import (
    bench_dir,
    machine,
    machine_line,
    median,
    memory_status,
    say,
    use_bench_secrets,
    write_results,
)

REQUEST = "bench-0001"
KEY = "DSAR_DATA_KEY"
"""The data key's secret name: the default of ``[keys] data_key``."""
SYSTEM = "nettbruk"
LETTER_HTML = "<!DOCTYPE html><html lang=nb><body><p>Svarbrev</p></body></html>"
LETTER_PDF = b"%PDF-1.7\n% bench letter\n%%EOF\n"


# ----------------------------------------------------------------------------- children


def _controller() -> Any:
    from dsar.config.loader import load_controller_file

    path = Path(__file__).resolve().parent.parent / "sample_data" / "config" / "gjovik-kultursenter.toml"
    return load_controller_file(path)[0]


def _findings(n: int) -> Any:
    from dsar.records import Finding

    yield Finding(
        system=SYSTEM, collection="web_profiles", key="1",
        fields={"profile_id": 1, "account_id": 17, "email": "kari.nordmann17@example.no",
                "created_at": "2020-03-01T10:00:00", "cookie_consent": "ALL",
                "profiling_objected": False, "objected_at": None, "last_seen_at": "2026-10-30T21:14:05"},
        matched_on=["email"],
    )
    start = datetime(2020, 3, 1, 7, 0)
    devices = (("MOBILE", "iOS 18", "Safari"), ("DESKTOP", "Windows 11", "Edge"), ("TABLET", "iPadOS 18", "Safari"))
    for i in range(n):
        started = start + timedelta(minutes=97 * i)
        device, os_name, browser = devices[i % 3]
        pages = ["/", "/program"] + [f"/forestilling/{(i * 7 + k) % 1500 + 1}" for k in range(i % 5)]
        yield Finding(
            system=SYSTEM, collection="web_sessions", key=str(i + 1),
            fields={
                "session_id": i + 1, "profile_id": 1,
                "started_at": started.isoformat(sep=" "),
                "ended_at": (started + timedelta(minutes=3 + i % 37)).isoformat(sep=" "),
                "device_type": device, "operating_system": os_name, "browser": browser,
                "via_app": i % 4 == 0, "ip_address": f"198.51.100.{i % 254 + 1}",
                "pages_viewed": len(pages), "pages": ";".join(pages),
                "functions_used": "kalender;søk" if i % 3 else None,
            },
            via="web_profiles/1",
        )


def child_stage(directory: Path, n: int) -> dict[str, Any]:
    from dsar.crypto import DataKey
    from dsar.secrets import resolve_secret
    from dsar.staging import Staging

    shutil.rmtree(directory / "staging", ignore_errors=True)
    staging = Staging(directory / "staging", DataKey.from_secret(resolve_secret(KEY)))
    floor = memory_status()
    started = time.perf_counter()
    stager = staging.begin(REQUEST, SYSTEM)
    for finding in _findings(n):
        stager.add(finding)
    counts = stager.commit()
    seconds = time.perf_counter() - started
    staged = sum(p.stat().st_size for p in staging.system_dir(REQUEST, SYSTEM).iterdir())
    return {"records": sum(counts.confirmed.values()), "seconds": seconds, "staged_bytes": staged,
            "floor_kb": floor["VmHWM"], "peak_kb": memory_status()["VmHWM"]}


def _answer(controller: Any, n: int) -> Any:
    from dsar.report import Answer, SystemReport

    reports = [
        SystemReport(system=s, status="complete", collections={"web_profiles": 1, "web_sessions": n})
        if s.id == SYSTEM else SystemReport(system=s, status="nothing_found")
        for s in controller.systems.values()
    ]
    return Answer(
        request_id=REQUEST, controller=controller.controller, language="nb",
        subject_name="Kari Nordmann", received_on=date(2026, 10, 20), answered_on=date(2026, 11, 2),
        generated_at=datetime(2026, 11, 2, 12, 0, tzinfo=UTC), systems=reports, password_channel="sms",
    )


def child_build(directory: Path, n: int) -> dict[str, Any]:
    from dsar.crypto import DataKey
    from dsar.package import build_package, generate_password
    from dsar.secrets import resolve_secret
    from dsar.staging import Staging

    key = DataKey.from_secret(resolve_secret(KEY))
    controller = _controller()
    # The floor: everything imported and every template compiled, on a 10-record package.
    warm = directory / "warm"
    shutil.rmtree(warm, ignore_errors=True)
    warm_staging = Staging(warm / "staging", key)
    stager = warm_staging.begin(REQUEST, SYSTEM)
    for finding in _findings(10):
        stager.add(finding)
    stager.commit()
    build_package(_answer(controller, 10), warm_staging, warm / "warm.zip", password=generate_password(),
                  letter_html=LETTER_HTML, letter_pdf=LETTER_PDF)
    floor = memory_status()["VmHWM"]

    dest = directory / "out" / f"{REQUEST}.zip"
    shutil.rmtree(dest.parent, ignore_errors=True)
    dest.parent.mkdir(parents=True)
    started = time.perf_counter()
    info = build_package(_answer(controller, n), Staging(directory / "staging", key), dest,
                         password=generate_password(), letter_html=LETTER_HTML, letter_pdf=LETTER_PDF)
    seconds = time.perf_counter() - started
    peak = memory_status()["VmHWM"]
    size = info.size
    shutil.rmtree(dest.parent, ignore_errors=True)
    return {"records": info.records, "seconds": seconds, "package_bytes": size, "floor_kb": floor, "peak_kb": peak}


# ---------------------------------------------------------------------- attached files

FILE_MB = 128
"""Each attached file's size; ``--files-gb 2`` makes 16 of them."""


def source_files(directory: Path, total_mb: int) -> list[Path]:
    """Files of incompressible bytes (a photo or a recording compresses little), made once."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    block = os.urandom(1 << 20)
    for k in range(max(1, total_mb // FILE_MB)):
        path = directory / f"opptak-{k + 1:02d}.bin"
        if not path.exists() or path.stat().st_size != FILE_MB << 20:
            with path.open("wb") as out:
                for i in range(FILE_MB):
                    # A different block each MB (rotated), so nothing repeats within a window.
                    out.write(block[i * 4099 % len(block):] + block[: i * 4099 % len(block)])
        paths.append(path)
    return paths


def _file_finding(paths: list[Path]) -> tuple[Any, tuple[Any, ...]]:
    from dsar.records import FileRef, Finding

    finding = Finding(
        system=SYSTEM, collection="web_profiles", key="1",
        fields={"profile_id": 1, "account_id": 17, "email": "kari.nordmann17@example.no"},
        matched_on=["email"],
    )
    refs = tuple(
        # Named as a recording (.mp4: stored as it is in the zip) unless the run asks for
        # another suffix (.bin: deflated, the zip's costlier path).
        FileRef(field="attachment", name=p.stem + os.environ.get("BENCH_FILE_SUFFIX", ".mp4"),
                media_type="application/octet-stream",
                open=lambda p=p: p.open("rb"), size=p.stat().st_size)
        for p in paths
    )
    return finding, refs


def child_stage_files(directory: Path, total_mb: int) -> dict[str, Any]:
    from dsar.crypto import DataKey
    from dsar.secrets import resolve_secret
    from dsar.staging import Staging

    paths = source_files(directory / "src", total_mb)
    shutil.rmtree(directory / "staging", ignore_errors=True)
    staging = Staging(directory / "staging", DataKey.from_secret(resolve_secret(KEY)))
    floor = memory_status()
    started = time.perf_counter()
    stager = staging.begin(REQUEST, SYSTEM)
    finding, refs = _file_finding(paths)
    stager.add(finding, refs)
    stager.commit()
    seconds = time.perf_counter() - started
    source_bytes = sum(p.stat().st_size for p in paths)
    return {"files": len(paths), "bytes": source_bytes, "seconds": seconds,
            "floor_kb": floor["VmHWM"], "peak_kb": memory_status()["VmHWM"]}


def child_build_files(directory: Path, total_mb: int) -> dict[str, Any]:
    from dsar.crypto import DataKey
    from dsar.package import build_package, generate_password
    from dsar.report import Answer, SystemReport
    from dsar.secrets import resolve_secret
    from dsar.staging import Staging

    key = DataKey.from_secret(resolve_secret(KEY))
    controller = _controller()
    reports = [
        SystemReport(system=s, status="complete", collections={"web_profiles": 1})
        if s.id == SYSTEM else SystemReport(system=s, status="nothing_found")
        for s in controller.systems.values()
    ]
    answer = Answer(
        request_id=REQUEST, controller=controller.controller, language="nb",
        subject_name="Kari Nordmann", received_on=date(2026, 10, 20), answered_on=date(2026, 11, 2),
        generated_at=datetime(2026, 11, 2, 12, 0, tzinfo=UTC), systems=reports, password_channel="sms",
    )
    floor = memory_status()["VmHWM"]
    dest = directory / "out" / f"{REQUEST}.zip"
    shutil.rmtree(dest.parent, ignore_errors=True)
    dest.parent.mkdir(parents=True)
    started = time.perf_counter()
    info = build_package(answer, Staging(directory / "staging", key), dest, password=generate_password(),
                         letter_html=LETTER_HTML, letter_pdf=LETTER_PDF)
    seconds = time.perf_counter() - started
    peak = memory_status()["VmHWM"]
    size = info.size
    shutil.rmtree(dest.parent, ignore_errors=True)
    return {"bytes": total_mb << 20, "seconds": seconds, "package_bytes": size, "floor_kb": floor, "peak_kb": peak}


def files_main(total_mb: int) -> int:
    info = machine()
    print(machine_line(info))
    directory = bench_dir() / "package-files"
    say(f"one person with {total_mb} MB of attached files: staging …")
    stage = _run_child("stage-files", directory, total_mb)
    say("building the package …")
    build = _run_child("build-files", directory, total_mb)
    shutil.rmtree(directory / "staging", ignore_errors=True)
    mb = stage["bytes"] / (1 << 20)
    print(f"\n### One person with {stage['files']} attached files ({os.environ['BENCH_FILE_SUFFIX']}), "
          f"{mb:,.0f} MB (1 process each)\n")
    print("| step | seconds | MB/s | peak RSS (MB) | RSS before (MB) |")
    print("|---|---|---|---|---|")
    print(f"| staging (AES-256-GCM stream) | {stage['seconds']:.1f} | {mb / stage['seconds']:.0f} | "
          f"{stage['peak_kb'] / 1024:.1f} | {stage['floor_kb'] / 1024:.1f} |")
    print(f"| package (AES-256 zip, {build['package_bytes'] / (1 << 20):,.0f} MB) | {build['seconds']:.1f} | "
          f"{mb / build['seconds']:.0f} | {build['peak_kb'] / 1024:.1f} | {build['floor_kb'] / 1024:.1f} |")
    say(f"results in {write_results('package_files', {'machine': info, 'stage': stage, 'build': build})}")
    return 0


# ------------------------------------------------------------------------------- parent


def ensure_key() -> None:
    """The data key in the bench secret store, created once (no workspace to hand to
    ``dsar.cli.demo.ensure_data_key``, so its two steps here)."""
    from dsar.crypto import DataKey
    from dsar.secrets import has_secret, store_secret

    use_bench_secrets()
    if not has_secret(KEY):
        store_secret(KEY, DataKey.generate())


def _run_child(mode: str, directory: Path, n: int) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.package_memory", "--child", mode, "--dir", str(directory), "--n", str(n)],
        capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parent.parent,
        env=os.environ.copy(),
    )
    if result.returncode != 0:
        raise SystemExit(f"{mode} {n} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.package_memory", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,500000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--files-gb", type=float, help="instead: one person with this many GB of attached files")
    parser.add_argument("--files-suffix", default=".mp4", help="the files' suffix in the package (.mp4: stored; .bin: deflated)")
    parser.add_argument("--child", choices=("stage", "build", "stage-files", "build-files"))
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--n", type=int)
    args = parser.parse_args(argv)

    ensure_key()
    if args.child:
        child = {"stage": child_stage, "build": child_build, "stage-files": child_stage_files,
                 "build-files": child_build_files}[args.child]
        print(json.dumps(child(args.dir, args.n)))
        return 0
    if args.files_gb:
        os.environ["BENCH_FILE_SUFFIX"] = args.files_suffix
        return files_main(int(args.files_gb * 1024))

    sizes = [int(s) for s in args.sizes.split(",")]
    info = machine()
    print(machine_line(info))
    results = []
    for n in sizes:
        directory = bench_dir() / "package" / str(n)
        directory.mkdir(parents=True, exist_ok=True)
        stages = []
        for round_no in range(args.repeat):
            say(f"{n} records: staging {round_no + 1}/{args.repeat} …")
            stages.append(_run_child("stage", directory, n))
        builds = []
        for round_no in range(args.repeat):
            say(f"{n} records: build {round_no + 1}/{args.repeat} …")
            builds.append(_run_child("build", directory, n))
        shutil.rmtree(directory, ignore_errors=True)
        results.append({"n": n, "stages": stages, "builds": builds})

    print(f"\n### Staging write ({args.repeat} fresh processes per size; medians)\n")
    print("| records | seconds (median) | records/s | staged MB | peak RSS (MB, median) | RSS before (MB, median) "
          "| seconds, every run |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        st = r["stages"]
        seconds = median([x["seconds"] for x in st])
        every = ", ".join(f"{x['seconds']:.2f}" for x in st)
        print(f"| {r['n']:,} | {seconds:.2f} | {st[0]['records'] / seconds:,.0f} | {st[0]['staged_bytes'] / 1e6:.1f} | "
              f"{median([x['peak_kb'] for x in st]) / 1024:.1f} | {median([x['floor_kb'] for x in st]) / 1024:.1f} "
              f"| {every} |")
    print(f"\n### Package build ({args.repeat} fresh processes per size; medians)\n")
    print("| records | build s (median) | records/s | package MB | peak RSS (MB, median) | floor RSS after 10-record build (MB) | peak − floor (MB) | peak RSS, every run (MB) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        b = r["builds"]
        seconds = median([x["seconds"] for x in b])
        peak = median([x["peak_kb"] for x in b]) / 1024
        floor = median([x["floor_kb"] for x in b]) / 1024
        deltas = median([(x["peak_kb"] - x["floor_kb"]) / 1024 for x in b])
        every = ", ".join(f"{x['peak_kb'] / 1024:.1f}" for x in b)
        print(f"| {r['n']:,} | {seconds:.2f} | {(r['n'] + 1) / seconds:,.0f} | {b[0]['package_bytes'] / 1e6:.1f} | "
              f"{peak:.1f} | {floor:.1f} | {deltas:.1f} | {every} |")
    say(f"results in {write_results('package_memory', {'machine': info, 'results': results})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
