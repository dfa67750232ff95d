"""Accuracy of the search against the sample world's ground truth, for every person.

    python -m bench.accuracy [--scale 1] [--seed 2026]

Every person of ``people.csv`` asks every controller, with the identifiers they would give
(their canonical e-mail and phone, name and birth date, through ``Person.from_given`` as
staff type them), and every system is searched with ``dsar.search.Search``: the one search
pipeline, exactly what the flow stages (find, judge, shape), with each finding's final verdict
(``dsar.search.final_findings``). Staging,
the request store and Prefect are left out (they don't decide what is found or held). One
connector per system serves all people.

Each finding is compared with ``ground_truth.csv``, which lists every record of every person
(records reached by reference included; a record can belong to several people, e.g. a show
or a member company):

released own    confirmed and in the person's ground truth: the recall that counts
held own        in the person's ground truth but held as a weak match: needs a decision,
                not a miss
missed          in the person's ground truth but not found at all
released foreign confirmed but not the person's: another person's data would leave (must be 0)
held foreign    not the person's and held: the weak-match rules stopping it

``tests/test_accuracy.py`` runs ``evaluate`` on a small world and asserts on it.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXAMPLES = 20


@dataclass
class Tally:
    """Counts for one system (or all of them)."""

    truth: int = 0
    released_own: int = 0
    held_own: Counter[str] = field(default_factory=Counter)
    missed: int = 0
    released_foreign: int = 0
    held_foreign: Counter[str] = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.truth += other.truth
        self.released_own += other.released_own
        self.held_own.update(other.held_own)
        self.missed += other.missed
        self.released_foreign += other.released_foreign
        self.held_foreign.update(other.held_foreign)

    @property
    def found_own(self) -> int:
        return self.released_own + sum(self.held_own.values())

    @property
    def recall_released(self) -> float:
        return self.released_own / self.truth if self.truth else 1.0

    @property
    def recall_found(self) -> float:
        return self.found_own / self.truth if self.truth else 1.0


@dataclass
class Evaluation:
    people: int
    requests: int
    """Person × controller searches."""
    systems: dict[str, Tally]
    """Per ``"<controller>/<system>"``."""
    requests_with_held: int = 0
    """Requests that would wait for a decision (anything held)."""
    truth_by_relation: Counter[str] = field(default_factory=Counter)
    released_own_by_relation: Counter[str] = field(default_factory=Counter)
    held_own_by_relation: Counter[str] = field(default_factory=Counter)
    held_foreign_by_relation: Counter[str] = field(default_factory=Counter)
    """Held records counted by the asking person's relation in people.csv."""
    missed_examples: list[tuple[str, str, str, str]] = field(default_factory=list)
    foreign_examples: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    """(asking person, system, collection, key, owners) of foreign records released."""
    seconds: float = 0.0

    @property
    def total(self) -> Tally:
        total = Tally()
        for tally in self.systems.values():
            total.add(tally)
        return total


def relation(person: dict[str, str]) -> str:
    """The asking person's hard case, from people.csv's flags (first that applies)."""
    if person["guardian_id"]:
        return "child (guardian's e-mail)"
    if person["shares_email_with"]:
        return "shares e-mail (family or guardian)"
    if person["namesake_of"]:
        return "namesake"
    if person["phone_only"]:
        return "phone only"
    return "none"


def asker(person: dict[str, str]) -> Any:
    """The request's person, as ``dsar demo`` and ``dsar request new`` make it."""
    from dsar.store import Person

    return Person.from_given(
        person["name"], emails=[person["email"]], phones=[person["phone"]], birthdate=person["birthdate"]
    )


def evaluate(
    root: Path,
    *,
    person_ids: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Evaluation:
    """Search the world in ``root`` for every person (or ``person_ids``) and score it."""
    from connectors import connector_for
    from dsar.search import final_findings
    from dsar.workspace import Workspace

    started = time.perf_counter()
    sources = root / "sources"
    with (sources / "people.csv").open(encoding="utf-8", newline="") as handle:
        people = list(csv.DictReader(handle))
    if person_ids is not None:
        wanted = set(person_ids)
        people = [p for p in people if p["person_id"] in wanted]
    truth: dict[str, dict[str, set[tuple[str, str]]]] = defaultdict(lambda: defaultdict(set))
    owners: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    with (sources / "ground_truth.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            where = f"{row['controller']}/{row['system']}"
            truth[where][row["person_id"]].add((row["collection"], row["key"]))
            owners[(where, row["collection"], row["key"])].append(row["person_id"])

    workspace = Workspace(root)
    result = Evaluation(people=len(people), requests=0, systems={})
    held_requests: set[tuple[str, str]] = set()
    for controller_id, controller in workspace.config.controllers.items():
        result.requests += len(people)
        for system in controller.systems.values():
            where = f"{controller_id}/{system.id}"
            tally = result.systems.setdefault(where, Tally())
            with connector_for(system, workspace) as connector:
                for person in people:
                    pid = person["person_id"]
                    subject = asker(person)
                    mine = truth[where].get(pid, set())
                    tally.truth += len(mine)
                    result.truth_by_relation[relation(person)] += len(mine)
                    found: set[tuple[str, str]] = set()
                    for finding in final_findings(connector, system, subject):
                        record = (finding.collection, finding.key)
                        found.add(record)
                        own = record in mine
                        if finding.status == "held":
                            held_requests.add((pid, controller_id))
                            reason = finding.reason or "held"
                            if own:
                                tally.held_own[reason] += 1
                                result.held_own_by_relation[relation(person)] += 1
                            else:
                                tally.held_foreign[reason] += 1
                                result.held_foreign_by_relation[relation(person)] += 1
                        elif own:
                            tally.released_own += 1
                            result.released_own_by_relation[relation(person)] += 1
                        else:
                            tally.released_foreign += 1
                            if len(result.foreign_examples) < EXAMPLES:
                                result.foreign_examples.append(
                                    (pid, where, *record, " ".join(owners.get((where, *record), [])) or "-")
                                )
                    missed = mine - found
                    tally.missed += len(missed)
                    for record in sorted(missed)[: max(0, EXAMPLES - len(result.missed_examples))]:
                        result.missed_examples.append((pid, where, *record))
            if progress is not None:
                progress(f"{where}: {tally.truth} truth records, {tally.missed} missed, "
                         f"{tally.released_foreign} foreign released")
    result.requests_with_held = len(held_requests)
    result.seconds = time.perf_counter() - started
    return result


def report(result: Evaluation) -> str:
    lines = [
        f"{result.people} people × {len(result.systems)} systems "
        f"({result.requests} person × controller requests), {result.seconds:.0f} s",
        "",
        "| system | truth records | released own | held own | missed | recall released | found (released + held) | released foreign | held foreign (reasons) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def row(name: str, t: Tally) -> str:
        held_own = sum(t.held_own.values())
        foreign = sum(t.held_foreign.values())
        reasons = ", ".join(f"{r} {n}" for r, n in t.held_foreign.most_common()) or "–"
        return (f"| {name} | {t.truth:,} | {t.released_own:,} | {held_own:,} | {t.missed:,} | "
                f"{100 * t.recall_released:.2f} % | {100 * t.recall_found:.2f} % | {t.released_foreign:,} | "
                f"{foreign:,} ({reasons}) |")

    for name, tally in result.systems.items():
        lines.append(row(name, tally))
    total = result.total
    lines.append(row("**all**", total))
    lines += [
        "",
        "recall released, by the asker's relation: " + ", ".join(
            f"{r} {result.released_own_by_relation[r]:,}/{n:,}" for r, n in result.truth_by_relation.most_common()),
        f"own records held (need a decision): {sum(total.held_own.values()):,} — reasons: "
        + (", ".join(f"{r} {n}" for r, n in total.held_own.most_common()) or "none")
        + "; by the asker's relation: "
        + (", ".join(f"{r} {n}" for r, n in result.held_own_by_relation.most_common()) or "none"),
        f"foreign records held: {sum(total.held_foreign.values()):,} — by the asker's relation: "
        + (", ".join(f"{r} {n}" for r, n in result.held_foreign_by_relation.most_common()) or "none"),
        f"requests that would wait for review (anything held): {result.requests_with_held:,} of {result.requests:,}",
    ]
    if result.missed_examples:
        lines.append("missed (first): " + "; ".join("/".join(x) for x in result.missed_examples))
    if result.foreign_examples:
        lines.append("FOREIGN RELEASED (first): " + "; ".join(
            f"{a} got {w} {c}/{k} (owners {o})" for a, w, c, k, o in result.foreign_examples))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from bench._common import bench_dir, ensure_world, machine, machine_line, say, write_results

    parser = argparse.ArgumentParser(prog="python -m bench.accuracy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    root, _ = ensure_world(bench_dir() / f"accuracy-ws{args.scale:g}-{args.seed}", scale=args.scale, seed=args.seed)
    info = machine()
    print(f"{machine_line(info)}\nworld scale {args.scale:g}, seed {args.seed}\n")
    result = evaluate(root, progress=say)
    print(report(result))
    data = {
        "machine": info, "scale": args.scale, "seed": args.seed, "people": result.people,
        "requests": result.requests, "requests_with_held": result.requests_with_held, "seconds": result.seconds,
        "systems": {k: {**vars(t), "held_own": dict(t.held_own), "held_foreign": dict(t.held_foreign)}
                    for k, t in result.systems.items()},
        "truth_by_relation": dict(result.truth_by_relation),
        "released_own_by_relation": dict(result.released_own_by_relation),
        "held_own_by_relation": dict(result.held_own_by_relation),
        "held_foreign_by_relation": dict(result.held_foreign_by_relation),
        "missed_examples": result.missed_examples, "foreign_examples": result.foreign_examples,
    }
    say(f"results in {write_results(f'accuracy-scale{args.scale:g}', data)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
