"""Accuracy of mail for every person: which messages are released, and what is blacked out.

    python -m bench.mail_accuracy [--scale 1] [--seed 2026]

Every person of ``people.csv`` asks every controller with a mail archive, with the identifiers
they would give (``bench.accuracy.asker``), and each mail system is searched with
``dsar.search.Search`` (what the flow stages, and the verdict it commits). Each finding is compared with the ground
truth the sample world wrote (``ground_truth.csv`` for whose a message is,
``mail_truth.jsonl`` for every e-mail and phone in it and whose each is):

- recall: the person's messages released (confirmed), of all their messages;
- strangers' messages released without review (confirmed, not the person's): must be 0;
  held ones (name only, a family's shared address) are counted apart;
- redaction, in every released message as the package writes it (the redacted ``.eml``
  read back): every third party's e-mail and phone (another person's, a staff member's) must
  be gone, every one of the person's own must survive, and the organisation's role
  addresses and numbers stay.

``tests/test_mail_accuracy.py`` runs ``evaluate`` on a small world and asserts on it.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

EXAMPLES = 10


@dataclass
class MailAccuracy:
    people: int = 0
    truth: int = 0
    released_own: int = 0
    held_own: int = 0
    missed: int = 0
    released_foreign: int = 0
    held_foreign: int = 0
    third_party: int = 0
    third_party_blacked: int = 0
    own: int = 0
    own_kept: int = 0
    role: int = 0
    role_kept: int = 0
    leaks: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def recall(self) -> float:
        return self.released_own / self.truth if self.truth else 1.0

    @property
    def blacked_out(self) -> float:
        return self.third_party_blacked / self.third_party if self.third_party else 1.0

    @property
    def own_surviving(self) -> float:
        return self.own_kept / self.own if self.own else 1.0


def _present(raw: bytes) -> set[tuple[str, str]]:
    """Every e-mail and phone a reader finds in a message: headers, subject, texts."""
    from dsar.mail_message import parse
    from dsar.textscan import email_key, find_identifiers

    message = parse(raw)
    found = {("email", email_key(a)) for pairs in message.addresses.values() for _, a in pairs if "@" in a}
    for text in message.texts():
        found |= {(f.kind, f.value) for f in find_identifiers(text)}
    return found


def evaluate(root: Path, *, person_ids: set[str] | None = None) -> MailAccuracy:
    from bench.accuracy import asker, asking_relation, requester
    from connectors import connector_for
    from dsar.mail_message import parse, to_eml
    from dsar.redaction import Applier, Plan
    from dsar.search import Search
    from dsar.workspace import Workspace

    started = time.perf_counter()
    sources = root / "sources"
    with (sources / "people.csv").open(encoding="utf-8", newline="") as handle:
        everyone = list(csv.DictReader(handle))
    names = {p["person_id"]: p["name"] for p in everyone}  # a guardian's name, as staff record who asked
    people = [p for p in everyone if person_ids is None or p["person_id"] in person_ids]
    truth: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    with (sources / "ground_truth.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["collection"] == "messages":
                truth[(row["controller"], row["system"])][row["person_id"]].add(row["key"])
    identifiers: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}
    with (sources / "mail_truth.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            identifiers[(item["controller"], item["system"], item["key"])] = [tuple(i) for i in item["ids"]]

    result = MailAccuracy(people=len(people))
    workspace = Workspace(root)
    for controller_id, controller in workspace.config.controllers.items():
        for system in controller.systems.values():
            if system.connector != "mail":
                continue
            with connector_for(system, workspace) as connector:
                for person in people:
                    pid = person["person_id"]
                    mine = truth[(controller_id, system.id)].get(pid, set())
                    result.truth += len(mine)
                    found = set()
                    search = Search(connector, system, asker(person)[0], asking_relation(person),
                                    requester(person, names))
                    staged = list(search)
                    assert search.resolution is not None
                    released = search.resolution.released()
                    for finding, files in staged:
                        found.add(finding.key)
                        own = finding.key in mine
                        if not search.resolution.is_released(finding.group, released):
                            result.held_own += own
                            result.held_foreign += not own
                            continue
                        if not own:
                            result.released_foreign += 1
                            continue
                        result.released_own += 1
                        with files[0].open() as handle:
                            raw = handle.read()
                        redact = Applier(Plan.from_json(finding.redaction))
                        present = _present(to_eml(parse(raw, with_data=True), redact, redact.address))
                        for kind, value, whose in identifiers.get((controller_id, system.id, finding.key), []):
                            here = (kind, value) in present
                            if whose == pid or (whose.startswith("P") and value in (person["email"], person["phone"])):
                                result.own += 1
                                result.own_kept += here
                                if not here and len(result.lost) < EXAMPLES:
                                    result.lost.append(f"{pid} {system.id} {finding.key} {kind}")
                            elif whose == "role":
                                result.role += 1
                                result.role_kept += here
                            else:
                                result.third_party += 1
                                result.third_party_blacked += not here
                                if here and len(result.leaks) < EXAMPLES:
                                    result.leaks.append(f"{pid} {system.id} {finding.key} {kind} of {whose}")
                    result.missed += len(mine - found)
    result.seconds = time.perf_counter() - started
    return result


def report(r: MailAccuracy) -> str:
    lines = [
        f"{r.people} people × the four mail archives, {r.seconds:.0f} s",
        "",
        "| measure | count | share |",
        "|---|---|---|",
        f"| the person's messages (ground truth) | {r.truth:,} | |",
        f"| released (confirmed) | {r.released_own:,} | **{100 * r.recall:.2f} %** recall |",
        f"| held for review (own) | {r.held_own:,} | |",
        f"| missed | {r.missed:,} | |",
        f"| strangers' messages released without review | **{r.released_foreign:,}** | |",
        f"| strangers' messages held for review (name only, shared address) | {r.held_foreign:,} | |",
        f"| third-party e-mails and phones in released messages | {r.third_party:,} | |",
        f"| … blacked out | {r.third_party_blacked:,} | **{100 * r.blacked_out:.2f} %** |",
        f"| the person's own e-mails and phones in released messages | {r.own:,} | |",
        f"| … kept | {r.own_kept:,} | **{100 * r.own_surviving:.2f} %** |",
        f"| role addresses and numbers kept | {r.role_kept:,} of {r.role:,} | |",
    ]
    if r.leaks:
        lines.append("not blacked out (first): " + "; ".join(r.leaks))
    if r.lost:
        lines.append("own lost (first): " + "; ".join(r.lost))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from bench._common import bench_dir, ensure_world, machine, machine_line, say, write_results

    parser = argparse.ArgumentParser(prog="python -m bench.mail_accuracy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    root, _ = ensure_world(bench_dir() / f"accuracy-ws{args.scale:g}-{args.seed}", scale=args.scale, seed=args.seed)
    info = machine()
    print(f"{machine_line(info)}\nworld scale {args.scale:g}, seed {args.seed}\n")
    result = evaluate(root)
    print(report(result))
    say(f"results in {write_results(f'mail-accuracy-scale{args.scale:g}', {'machine': info, **vars(result)})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
