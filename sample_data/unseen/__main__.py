"""``python -m sample_data.unseen --workspace DIR [--seed N] [--scale S]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sample_data.unseen",
        description="Build the unseen world (five organisations the product has never seen, "
        "their systems, people and ground truth) into a workspace.",
    )
    parser.add_argument("--workspace", required=True, type=Path, help="workspace directory")
    parser.add_argument("--scale", type=float, default=1.0, help="1 is about 3000 people (default)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    args = parser.parse_args(argv)

    from sample_data.unseen import build_unseen

    try:
        world = build_unseen(args.workspace, seed=args.seed, scale=args.scale)
    except ValueError as exc:
        parser.error(str(exc))
    print(f"Unseen world in {world.workspace} (seed {world.seed}, scale {world.scale:g})")
    print(f"  {world.people} people, {world.total_records} records, {world.truth_rows} ground-truth rows, "
          f"{world.seconds:.1f} s")
    for key, rows in world.records.items():
        print(f"  {key:<48} {rows:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
