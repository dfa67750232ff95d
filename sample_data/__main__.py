"""``python -m sample_data --workspace DIR [--scale S] [--seed N] [--sql-url C/S=URL] [--big-person-gb G]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sample_data",
        description="Build the sample world (five controllers, their systems, people and ground "
        "truth) into a workspace.",
    )
    parser.add_argument("--workspace", required=True, type=Path, help="workspace directory")
    parser.add_argument("--scale", type=float, default=1.0, help="1 is about 3000 people (default)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument(
        "--sql-url",
        action="append",
        default=[],
        metavar="CONTROLLER/SYSTEM=URL",
        help="load that SQL system into this database instead of SQLite (repeatable)",
    )
    parser.add_argument(
        "--big-person-gb", type=float, default=0,
        help="also give the photo lab's demo person this many GB of uploaded files (sample_data.big_person)",
    )
    args = parser.parse_args(argv)

    sql_urls = {}
    for item in args.sql_url:
        key, sep, url = item.partition("=")
        if not sep or "/" not in key:
            parser.error(f"--sql-url wants CONTROLLER/SYSTEM=URL, got {item.split('=')[0]!r}")
        sql_urls[key] = url

    from sample_data.generate import build_world

    try:
        world = build_world(args.workspace, scale=args.scale, seed=args.seed, sql_urls=sql_urls)
    except ValueError as exc:
        parser.error(str(exc))
    print(f"Sample world in {world.workspace} (seed {world.seed}, scale {world.scale:g})")
    print(f"  {world.people} people, {world.total_records} records, "
          f"{world.truth_rows} ground-truth rows, {world.seconds:.1f} s")
    for key, rows in world.records.items():
        print(f"  {key:<60} {rows:>9}")
    if args.big_person_gb > 0:
        from sample_data.big_person import grow_person_files

        person_id, files = grow_person_files(world.workspace, int(args.big_person_gb * 1024))
        size = sum(f.stat().st_size for f in files)
        print(f"  person {person_id}: {len(files)} photo-lab uploads, {size / 2**30:.2f} GB together")
    for name in world.env_needed:
        print(f"  set {name} to the server URL (it holds a password, so the config names it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
