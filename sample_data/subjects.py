"""Picking a person from a built world for the demo to ask about.

The demo registers a request for one person and expects it to end ``complete`` with nothing
held for review. That needs a person whose records are all unambiguous: found by their own
e-mail or phone, in at least two systems of the controller, with no one else behind the same
e-mail (a family or a guardian and child) and no namesake among the controller's people.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from dsar.config.loader import load_controller_file
from sample_data.people import namesake_key


def choose_demo_subject(workspace: Path, controller_id: str) -> dict[str, Any]:
    """``{person_id, name, email, phone, birthdate}`` of the demo's person for a controller.

    Deterministic for a given world: among the eligible people, the one with records in the
    most systems of the controller, then in the most collections, then the lowest person id. A controller with a single
    system (so far) needs records in that one. Raises ``LookupError`` when no one qualifies
    (a world built at a very small scale).
    """
    sources = Path(workspace) / "sources"
    wanted = min(2, _system_count(Path(workspace), controller_id))
    systems: dict[str, set[str]] = defaultdict(set)
    collections: dict[str, set[tuple[str, str]]] = defaultdict(set)
    with (sources / "ground_truth.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["controller"] == controller_id:
                systems[row["person_id"]].add(row["system"])
                collections[row["person_id"]].add((row["system"], row["collection"]))
    if not systems:
        raise LookupError(f"no one has records with controller {controller_id!r}")

    names: Counter[str] = Counter()
    candidates: list[dict[str, str]] = []
    with (sources / "people.csv").open(encoding="utf-8", newline="") as handle:
        for person in csv.DictReader(handle):
            if person["person_id"] not in systems:
                continue
            names[namesake_key(person["first_name"], person["last_name"])] += 1
            if len(systems[person["person_id"]]) >= wanted and _unambiguous(person):
                candidates.append(person)

    # Mail that names someone without their e-mail or phone (or a staff member of the same
    # name) holds a candidate for review: not a person the demo can answer at once.
    from sample_data.mail import name_only_people

    named = name_only_people(Path(workspace), controller_id)
    eligible = [
        p for p in candidates
        if names[namesake_key(p["first_name"], p["last_name"])] == 1
        and p["person_id"] not in named
        and f"name:{namesake_key(p['first_name'], p['last_name'])}" not in named
    ]
    if not eligible:
        raise LookupError(
            f"no unambiguous person with records in {wanted} systems of {controller_id!r}"
        )
    # The most systems; among those a regular of the controller (their media are still in the
    # bank, they have a call recording); then the most kinds of record, the lowest id.
    chosen = min(
        eligible,
        key=lambda p: (
            -len(systems[p["person_id"]]),
            controller_id not in p.get("regular_of", "").split(),
            -len(collections[p["person_id"]]),
            p["person_id"],
        ),
    )
    return {
        "person_id": chosen["person_id"],
        "name": chosen["name"],
        "email": chosen["email"],
        "phone": chosen["phone"],
        "birthdate": chosen["birthdate"],
    }


def _system_count(workspace: Path, controller_id: str) -> int:
    path = workspace / "config" / "controllers" / f"{controller_id}.toml"
    configs = {config.id: config for config in load_controller_file(path)}
    return len(configs[controller_id].systems)


def _unambiguous(person: dict[str, str]) -> bool:
    return bool(person["email"]) and not (
        person["shares_email_with"]
        or person["namesake_of"]
        or person["phone_only"]
        or person["guardian_id"]
    )
