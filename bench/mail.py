"""Mail archives: index build rate, and one person's search at 10,000 vs 200,000 messages.

    python -m bench.mail [--small 10000] [--large 200000] [--people 20] [--repeat 3]

Two Maildir archives of Stavanger Sentrum's kind are written by the sample world's mail
generator (``sample_data.mail``): the small one holds ``--small`` messages of one group of
people; the large one holds exactly those messages plus messages of *other* people up to
``--large`` (other ids, addresses, numbers and surnames, so no one of the first group gains
a message or a name-only candidate). So a person of the first group has the same messages
in both, and any difference in their search time comes from the archive's size alone.

Measured, side by side in one run:

- index build: ``dsar index``'s own refresh (``MailConnector.refresh``) from an empty index,
  messages per second (read, parsed, identifiers found and hashed, written);
- search: ``dsar.search.final_findings`` (exactly what the flow stages: index lookup, staleness
  check, reading the person's messages, matching, the redaction plan), for ``--people``
  people of the first group, ``--repeat`` times each, alternating small and large; a
  person's time is the median of their runs. The ratio is the median of per-person ratios.

Archives are built once under ``$DSAR_BENCH_DIR/mail-<n>`` and reused while their marker
matches; the index is deleted before each build measurement.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import time
from pathlib import Path

from bench._common import bench_dir, ensure_world, machine, machine_line, median, ms, say, write_results

CONTROLLER = "stavanger-sentrum"
SYSTEM = "epost"


def build_archive(root: Path, total: int, first_group: int, seed: int = 2026) -> dict[str, list[str]]:
    """Write ``total`` messages into the world's Sentrum archive: the first ``first_group``
    from people numbered from 1, the rest from people numbered from 1,000,001.

    Returns person id → their canonical identifiers, for the first group."""
    from sample_data.mail import OFFICES, MailArchive
    from sample_data.people import people_blocks
    from sample_data.sinks import GroundTruth

    office = OFFICES[CONTROLLER]
    shutil.rmtree(root / office.path, ignore_errors=True)
    (root / "sources" / "mail_truth.jsonl").unlink(missing_ok=True)
    truth = GroundTruth(root / "sources" / "mail_ground_truth.csv")
    archive = MailArchive(root, office, truth)
    group: dict[str, list[str]] = {}
    rng = random.Random(f"{seed}:bench-mail")
    try:
        for block in people_blocks(seed, 10**6):
            for person in block:
                if person.email and not person.phone_only and not person.shares_email:
                    group[person.person_id] = [person.name, person.email, person.phone]
            archive.add_block(block, block, rng)
            if archive.count >= first_group:
                break
        other = random.Random(f"{seed}:bench-mail-other")
        for block in people_blocks(seed + 1, 10**7):
            if archive.count >= total:
                break
            for person in block:
                person.number += 1_000_000  # other people: ids and e-mails of their own
                person.email = person.email.replace("@", f".x{person.number}@")
                person.phone = f"+4733{person.number % 1_000_000:06d}"  # landlines: never a first-group mobile
                # Names of their own too: a namesake in the first group would add name-only
                # candidates to that person's search, and the two archives would differ in
                # more than their size.
                person.last_name = f"{person.last_name}{person.number}"
            archive.add_block(block, block, other)
    finally:
        archive.close()
        truth.close()
    return group


def ensure_archive(name: str, total: int, first_group: int) -> tuple[Path, dict[str, list[str]]]:
    root, _ = ensure_world(bench_dir() / f"mail-{name}", scale=0.05)
    marker = root / "bench-mail.json"
    wanted = {"total": total, "first_group": first_group, "version": 2}
    if marker.is_file() and json.loads(marker.read_text())["wanted"] == wanted:
        return root, json.loads(marker.read_text())["group"]
    marker.unlink(missing_ok=True)
    say(f"writing a mail archive of about {total:,} messages in {root} …")
    started = time.perf_counter()
    group = build_archive(root, total, first_group)
    say(f"written in {time.perf_counter() - started:.0f} s")
    marker.write_text(json.dumps({"wanted": wanted, "group": group}))
    return root, group


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mail", description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from bench.accuracy import asker
    from connectors import connector_for
    from dsar.search import final_findings as findings
    from dsar.workspace import Workspace

    small_root, group = ensure_archive(f"{args.small}", args.small, args.small)
    large_root, _ = ensure_archive(f"{args.large}-{args.small}", args.large, args.small)
    info = machine()
    print(f"{machine_line(info)}\n")

    rows = {}
    connectors = {}
    for label, root in (("small", small_root), ("large", large_root)):
        ws = Workspace(root)
        system = ws.config.controllers[CONTROLLER].systems[SYSTEM]
        connector = connector_for(system, ws)
        connector.index_file().unlink(missing_ok=True)  # type: ignore[attr-defined]
        for suffix in ("-wal", "-shm"):
            Path(f"{connector.index_file()}{suffix}").unlink(missing_ok=True)  # type: ignore[attr-defined]
        say(f"indexing the {label} archive …")
        stats = connector.refresh()  # type: ignore[attr-defined]
        rows[label] = {"messages": stats.messages, "seconds": stats.seconds, "rate": stats.messages / stats.seconds,
                       "index_bytes": connector.index_file().stat().st_size}  # type: ignore[attr-defined]
        connectors[label] = (connector, system)

    # People of the first group who have mail: the same messages in both archives.
    chosen = []
    small_connector, small_system = connectors["small"]
    for pid, (name, email, phone) in sorted(group.items()):
        person = asker({"name": name, "email": email, "phone": phone, "birthdate": "1980-01-01"})[0]
        if any(f.status == "confirmed" for f in findings(small_connector, small_system, person)):
            chosen.append((pid, person))
        if len(chosen) >= args.people:
            break

    times: dict[str, dict[str, list[float]]] = {"small": {}, "large": {}}
    counts: dict[str, dict[str, int]] = {"small": {}, "large": {}}
    for _ in range(args.repeat):
        for pid, person in chosen:
            for label in ("small", "large"):
                connector, system = connectors[label]
                started = time.perf_counter()
                found = sum(1 for _ in findings(connector, system, person))
                times[label].setdefault(pid, []).append(time.perf_counter() - started)
                counts[label][pid] = found
    for connector, _ in connectors.values():
        connector.close()
    per_person = {label: {pid: median(v) for pid, v in t.items()} for label, t in times.items()}
    ratio = median([per_person["large"][pid] / per_person["small"][pid] for pid, _ in chosen])
    same = all(counts["small"][pid] == counts["large"][pid] for pid, _ in chosen)

    print("| archive | messages | index build | rate | index size | search, median / person | p95 | messages found (median) |")
    print("|---|---|---|---|---|---|---|---|")
    for label in ("small", "large"):
        r = rows[label]
        values = sorted(per_person[label].values())
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        print(f"| {label} | {r['messages']:,} | {r['seconds']:.1f} s | **{r['rate']:,.0f} msg/s** | "
              f"{r['index_bytes'] / 1e6:.1f} MB | **{ms(median(values))}** | {ms(p95)} | "
              f"{median(list(counts[label].values())):.0f} |")
    print(f"\nsearch time large / small (median of per-person ratios): **{ratio:.2f}×** over {len(chosen)} people "
          f"× {args.repeat}; same messages found in both: {same}")
    write_results("mail", {"machine": info, "rows": rows, "ratio": ratio, "people": len(chosen),
                           "per_person": per_person, "counts": counts})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
