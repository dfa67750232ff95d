"""How low the review load can go on a world: what the held records rest on.

``bench.accuracy`` counts held records (the review load). This asks of every held record
*why it could not have been decided without a person*, by the evidence of the record it hangs
on (its *root*: the held record it was reached from, followed up while that one is held too):

name alone, no identifier  the root was found by the person's name and holds no e-mail or
                           phone at all (a volunteer list's ``Kari Hansen``): nothing but a
                           name to go on, whoever's it is
name alone, named          the root was found by name and holds an e-mail or phone the
                           person names when asked openly (and yet is held: beside another
                           row of the name)
name alone, other          the root was found by name and holds an e-mail or phone, none of
                           which the person names when asked openly (another person's
                           order under the same name, or the person's own with an address
                           they have given up)
other evidence             the root was found by an e-mail, a phone or a birth date and is
                           held for a conflict or a shared identifier

and, beside the load as measured, two bounds:

own held                   the person's own records held, as a share of released records:
                           no rule that holds what the product holds today can go below it
                           without releasing those records on the same evidence
without "name alone, other"
                           the load and recall if every record resting on a name-alone root
                           with an identifier the person doesn't name were *excluded* (the
                           most a rule on identifiers could take off the load, at the cost
                           of the person's own records among them)

    python -m bench.review_floor [--seed 2026 7 11 13] [--scale 1] [--json]

Uses the unseen world of ``bench.accuracy --world unseen`` (the same directory: built once).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

CLASSES = ("name alone, no identifier", "name alone, named", "name alone, other", "other evidence")


class Floor:
    """Held records by the evidence of their root, own and foreign, for one or more worlds."""

    def __init__(self) -> None:
        self.held: Counter[tuple[str, bool]] = Counter()
        self.released = 0
        self.truth = 0
        self.found_own = 0

    def add(self, other: Floor) -> None:
        self.held.update(other.held)
        self.released += other.released
        self.truth += other.truth
        self.found_own += other.found_own

    def observe(self, person: dict[str, str], where: str, system: Any, findings: list[Any],
                mine: set[tuple[str, str]]) -> None:
        named = _named(person)
        held = {f"{f.collection}/{f.key}": f for f in findings if f.status == "held"}
        self.truth += len(mine)
        for finding in findings:
            own = (finding.collection, finding.key) in mine
            if finding.status == "confirmed":
                self.released += 1
                self.found_own += own
            elif finding.status == "held":
                self.found_own += own
                self.held[(_class(_root(finding, held), system, named), own)] += 1

    def figures(self) -> dict[str, Any]:
        held = sum(self.held.values())
        own = sum(n for (_, is_own), n in self.held.items() if is_own)
        other = {is_own: self.held[("name alone, other", is_own)] for is_own in (True, False)}
        return {
            "released": self.released,
            "held": held,
            "review_load": held / self.released,
            "recall": self.found_own / self.truth,
            "own_held_share": own / self.released,
            "load_without_name_alone_other": (held - sum(other.values())) / self.released,
            "recall_without_name_alone_other": (self.found_own - other[True]) / self.truth,
            "by_root": {c: {"own": self.held[(c, True)], "foreign": self.held[(c, False)]} for c in CLASSES},
        }


def _named(person: dict[str, str]) -> set[str]:
    """The e-mails (as mailboxes) and phones the person names when asked openly."""
    from dsar.identity import cell_identifiers

    found: set[str] = set()
    for kind in ("email", "phone"):
        for value in filter(None, person.get(f"names_{kind}s", "").split("; ")):
            found |= cell_identifiers(kind, value)
    return found


def _root(finding: Any, held: dict[str, Any]) -> Any:
    """The held record a held record hangs on: up its ``via`` while that one is held too."""
    seen = {f"{finding.collection}/{finding.key}"}
    while finding.via in held and finding.via not in seen:
        seen.add(finding.via)
        finding = held[finding.via]
    return finding


def _class(root: Any, system: Any, named: set[str]) -> str:
    from dsar.errors import InputError
    from dsar.identity import cell_identifiers

    if set(root.matched_on) != {"name"}:
        return "other evidence"
    collection = system.collections.get(root.collection)
    values: set[str] = set()
    for field in collection.identities if collection is not None else ():
        if field.type in ("email", "phone") and field.column and root.fields.get(field.column) not in (None, ""):
            try:
                values |= cell_identifiers(field.type, root.fields[field.column])
            except InputError:
                continue
    if not values:
        return "name alone, no identifier"
    return "name alone, named" if values & named else "name alone, other"


def main(argv: list[str] | None = None) -> int:
    from bench._common import bench_dir, ensure_world, machine, machine_line, say, write_results
    from bench.accuracy import evaluate

    parser = argparse.ArgumentParser(prog="python -m bench.review_floor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, nargs="+", default=[2026])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    info = machine()
    total = Floor()
    worlds = {}
    for seed in args.seed:
        root, _ = ensure_world(bench_dir() / f"accuracy-unseen-ws{args.scale:g}-{seed}", scale=args.scale,
                               seed=seed, world_name="unseen")
        floor = Floor()
        evaluate(root, observe=floor.observe, progress=say)
        worlds[seed] = floor.figures()
        total.add(floor)
    out = {"machine": info, "scale": args.scale, "seeds": args.seed, "worlds": worlds, "overall": total.figures()}
    say(f"results in {write_results(f'review-floor-scale{args.scale:g}-seeds', out)}")
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(machine_line(info))
    print(report(worlds, out["overall"]))
    return 0


def report(worlds: dict[int, dict[str, Any]], overall: dict[str, Any]) -> str:
    lines = ["| world | released | review load | own held | held on a name-alone root (no identifier / named / other) "
             "| other evidence | load without 'other' | recall | recall without 'other' |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, f in [*((f"seed {s}", f) for s, f in worlds.items()), ("all", overall)]:
        by = f["by_root"]

        def both(c: str, by: dict[str, Any] = by) -> str:
            return f"{by[c]['own']}+{by[c]['foreign']}"

        lines.append(
            f"| {label} | {f['released']:,} | {100 * f['review_load']:.1f} % | {100 * f['own_held_share']:.1f} % | "
            f"{both(CLASSES[0])} / {both(CLASSES[1])} / {both(CLASSES[2])} | {both(CLASSES[3])} | "
            f"{100 * f['load_without_name_alone_other']:.1f} % | {100 * f['recall']:.2f} % | "
            f"{100 * f['recall_without_name_alone_other']:.2f} % |"
        )
    return "\n".join(lines) + "\n(own+foreign records)"


if __name__ == "__main__":
    raise SystemExit(main())
