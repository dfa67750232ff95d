"""Accuracy of the search against the sample world's ground truth, for every person.

    python -m bench.accuracy [--world default|unseen] [--scale 1] [--seed 2026 [7 …]] [--json] [--first-pass]

``--world unseen`` measures ``sample_data.unseen``: organisations the product has never seen,
with the hard cases in realistic proportions (the default world was written beside the
matcher). ``--json`` prints the figures to stdout, machine-readably (progress goes to stderr).

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
excluded own    in the person's ground truth but excluded as clearly somebody else's
                (a conflicting first name or birth date): lost, counted as not found
missed          in the person's ground truth but not found at all
released foreign confirmed but not the person's: another person's data would leave (must be 0)
held foreign    not the person's and held: the weak-match rules stopping it
excluded foreign not the person's and excluded: neither released nor put to staff

and summed up, per system and overall, as

recall               (released own + held own) / truth: the person's records found at all
                     (excluded own records count as not found)
auto recall          released own / truth: found and released without a person deciding
wrong_auto_included  released foreign: another person's record released without review
review load          (held own + held foreign) / (released own + released foreign): the work
                     left to staff, as a share of what is released (excluded records are not
                     put to staff and are not in it)
review items         the decisions staff are asked for (``dsar review`` items: a held group
                     with all that hangs on it is one), and as a share of released records
over-holding         held own (and as a share of truth): the person's own records held back

A person whose ``relation`` in people.csv is ``guardian`` asks through a guardian (the
e-mails and phones given are the guardian's, and the guardian's name is recorded as who
asked), as ``dsar request new --relation guardian`` records it; for a child of 15 to 17 the
registration holds the child's written consent (``--mandate``), which the world assumes given.

The second search, as staff do it (``dsar review suggestions``, ``dsar request
add-identifiers``): the e-mails and phones found in the person's *released* records that the
request didn't give are put to the person; those the person holds (a world's people.csv says
which: ``holds_emails``, ``holds_phones``) are added and every system of the controller is
searched again — up to ``MAX_SEARCHES`` times. Nothing found only in held or excluded records
is asked about (that would show the person somebody else's address). Where unreleased records
beside the person's hold e-mails or phones the request lacked (``Search.unattributed``, a
count), staff ask the person openly, once, for every e-mail and phone they use, and search
with what the person names (a world's ``names_emails``/``names_phones``: those in use today,
not an address given up years ago). A guardian's request is asked so once in any case, for
the child's own e-mail and mobile (``dsar run`` and the request page say so until something is
added: ``dsar.asking``). A name that can't tell people apart (one word, initials, empty, another
script) is corrected by staff to the whole name (people.csv's ``first_name``, ``middle_name``,
``last_name``), as the run tells them to (``dsar request correct-name``). A request without a
birth date, to a controller whose systems record them, gets the birth date the identity check
showed (people.csv's ``true_birthdate``), as the run tells staff to (``dsar request
add-birthdate``). ``--first-pass`` leaves both out. The default world's people.csv says nothing of it, so it has no second search.

Several ``--seed`` values measure one world each (the same rates, other people) and add them
up: a rule that holds on one world may fail on the next.

Identifiers the request form refuses (``Person.from_given`` raises ``InputError``) are
dropped one by one, as staff would have to, and counted (``refused_identifiers``).

``tests/test_accuracy.py`` runs ``evaluate`` on a small world and asserts on it.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

EXAMPLES = 20
Observer = Callable[[dict[str, str], str, Any, list[Any], set[tuple[str, str]]], None]
"""Sees one person's answer from one system: the person's people.csv row, ``controller/system``,
the system's configuration, the findings and the person's records there by the ground truth."""
MAX_SEARCHES = 3
"""A request searched at most this many times: the first, and two second searches."""


@dataclass
class Tally:
    """Counts for one system (or all of them)."""

    truth: int = 0
    released_own: int = 0
    held_own: Counter[str] = field(default_factory=Counter)
    missed: int = 0
    released_foreign: int = 0
    held_foreign: Counter[str] = field(default_factory=Counter)
    excluded_own: Counter[str] = field(default_factory=Counter)
    excluded_foreign: Counter[str] = field(default_factory=Counter)
    review_items: int = 0
    review_reasons: Counter[str] = field(default_factory=Counter)
    """Review items by the reason staff are asked."""

    def add(self, other: Tally) -> None:
        self.review_items += other.review_items
        self.review_reasons.update(other.review_reasons)
        self.excluded_own.update(other.excluded_own)
        self.excluded_foreign.update(other.excluded_foreign)
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

    @property
    def held(self) -> int:
        return sum(self.held_own.values()) + sum(self.held_foreign.values())

    @property
    def released(self) -> int:
        return self.released_own + self.released_foreign

    @property
    def review_load(self) -> float | None:
        """Held records as a share of released records; None when some are held and none released."""
        if self.released:
            return self.held / self.released
        return None if self.held else 0.0

    @property
    def over_holding(self) -> int:
        return sum(self.held_own.values())

    def figures(self) -> dict[str, Any]:
        """The headline figures, as ``--json`` prints them."""
        return {
            "truth": self.truth,
            "recall": self.recall_found,
            "auto_recall": self.recall_released,
            "wrong_auto_included": self.released_foreign,
            "review_load": self.review_load,
            "over_holding": self.over_holding,
            "over_holding_share": self.over_holding / self.truth if self.truth else 0.0,
            "released_own": self.released_own,
            "held_own": dict(self.held_own),
            "missed": self.missed,
            "released_foreign": self.released_foreign,
            "held_foreign": dict(self.held_foreign),
            "excluded_own": dict(self.excluded_own),
            "excluded_foreign": dict(self.excluded_foreign),
            "review_items": self.review_items,
            "review_items_share": self.review_items / self.released if self.released else 0.0,
            "review_reasons": dict(self.review_reasons),
        }


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
    excluded_foreign_by_relation: Counter[str] = field(default_factory=Counter)
    refused_identifiers: Counter[str] = field(default_factory=Counter)
    """Identifiers people gave that the request form refused (``email``/``phone``), per person."""
    missed_examples: list[tuple[str, str, str, str]] = field(default_factory=list)
    foreign_examples: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    """(asking person, system, collection, key, owners) of foreign records released."""
    questions: int = 0
    """E-mails and phones from released records put to the person (a second search)."""
    confirmed: int = 0
    """Of those, the ones the person holds: searched again."""
    second_searches: int = 0
    """Requests searched again with confirmed identifiers."""
    open_questions: int = 0
    """Requests where staff asked the person openly for every e-mail and phone they use
    (``Search.unattributed``: unreleased records beside theirs hold ones the request lacked)."""
    names_corrected: int = 0
    """Requests whose name couldn't tell people apart, corrected by staff to the whole name."""
    birthdates_added: int = 0
    """Requests without a birth date, where the controller's systems record them: staff added
    it as the identity check showed it."""
    asked_because: Counter[str] = field(default_factory=Counter)
    """Why staff asked openly: identifiers ``beside`` the person's records, or the request
    ``lacking`` a kind the systems are searched by (or a guardian's child's own)."""
    named: int = 0
    """E-mails and phones the person named in answer that the request hadn't given."""
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
    if person.get("same_first_name_as"):
        return "same name as parent or child (Jr./Sr.)"
    if person["namesake_of"]:
        return "namesake"
    if person["phone_only"]:
        return "phone only"
    if person.get("changed_email"):
        return "changed e-mail"
    return "none"


def asker(person: dict[str, str]) -> tuple[Any, list[str]]:
    """The request's person, as ``dsar request new`` makes it, and the kinds of the
    identifiers it refused.

    A world whose people.csv lists every identifier given (``emails``, ``phones``, ``"; "``
    between them) gives them all; otherwise the one ``email`` and ``phone``. An identifier
    the form refuses is left out, as staff would have to.
    """
    from dsar.errors import InputError
    from dsar.store import Person

    def given(many: str, one: str) -> list[str]:
        if many in person:
            return [v for v in person[many].split("; ") if v]
        return [person[one]] if person[one] else []

    emails, phones, refused = [], [], []
    for kind, values, accepted in (("email", given("emails", "email"), emails),
                                   ("phone", given("phones", "phone"), phones)):
        for value in values:
            try:
                Person.from_given("", emails=[value] if kind == "email" else [],
                                  phones=[value] if kind == "phone" else [])
            except InputError:
                refused.append(kind)
            else:
                accepted.append(value)
    subject = Person.from_given(person["name"], emails=emails, phones=phones, birthdate=person["birthdate"] or None)
    return subject, refused


def asking_relation(person: dict[str, str]) -> str:
    """The request's relation as staff record it: ``guardian`` when a guardian asks for a child.

    A world whose people.csv says it (``relation``) is taken at its word; otherwise a person
    with a guardian gives the guardian's e-mail and phone, so the guardian is the one asking."""
    if "relation" in person:
        return "guardian" if person["relation"] == "guardian" else "self"
    return "guardian" if person.get("guardian_id") else "self"


def requester(person: dict[str, str], names: dict[str, str]) -> str | None:
    """The guardian's name in a guardian's request (staff record who asked, ``--name``)."""
    return names.get(person.get("guardian_id") or "") if asking_relation(person) == "guardian" else None


def evaluate(
    root: Path,
    *,
    person_ids: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
    second_search: bool = True,
    observe: Observer | None = None,
) -> Evaluation:
    """Search the world in ``root`` for every person (or ``person_ids``) and score it; the
    vendor APIs (``sample_data.vendor_api``) answer locally meanwhile. ``second_search``:
    staff ask the person about the e-mails and phones the answer's released records hold
    (where the world says which the person holds), and search again with those confirmed.
    ``observe`` sees each person's answer from each system as it is scored (``bench.review_floor``)."""
    from sample_data.vendor_api import serving

    with serving(root):
        return _evaluate(root, person_ids=person_ids, progress=progress, second_search=second_search,
                         observe=observe)


def _answer(
    connectors: dict[str, tuple[Any, Any]],
    subject: Any,
    person: dict[str, str],
    second_search: bool,
    result: Evaluation,
    requested_by: str | None = None,
) -> dict[str, tuple[list[Any], list[Any]]]:
    """One person's request to one controller: every system searched, then — as staff do with
    ``dsar review suggestions`` and ``dsar request add-identifiers`` — the e-mails and phones
    found in the released records put to the person, and every system searched again with
    those the person confirms (until nothing new is confirmed)."""
    from dsar.asking import questions
    from dsar.identity import normalize_email, normalize_phone
    from dsar.search import final_findings
    from dsar.store import Person

    holds = _holds(person, normalize_email, normalize_phone) if second_search else None
    names = _holds(person, normalize_email, normalize_phone, "names") if second_search else None
    asked: set[tuple[str, str]] = set()
    asked_openly = name_checked = born_checked = False
    for round_ in range(1, MAX_SEARCHES + 1):
        answer: dict[str, tuple[list[Any], list[Any]]] = {}
        offered: list[tuple[str, str]] = []
        unattributed: list[int] = []
        for system_id, (system, connector) in connectors.items():
            review: list[Any] = []
            findings = final_findings(
                connector, system, subject, asking_relation(person), review, offered, requested_by=requested_by,
                unattributed=unattributed,
            )
            answer[system_id] = (findings, review)
        if holds is None:
            return answer
        new = set(offered) - asked
        asked |= new
        confirmed = sorted(item for item in new if item in holds)
        result.questions += len(new)
        result.confirmed += len(confirmed)
        pending = questions(
            [system for system, _ in connectors.values()], name=subject.name, emails=subject.emails,
            phones=subject.phones, relation=asking_relation(person), birthdate=subject.birthdate is not None,
        ) if names is not None else []
        lacking = [q for q in pending if q.code not in ("name", "birthdate")]
        name, born = subject.name, subject.birthdate
        if any(q.code == "birthdate" for q in pending) and not born_checked and person.get("true_birthdate"):
            # The run says the request has no birth date and the controller's systems record
            # them: staff add it as the identity check showed it (``dsar request add-birthdate``).
            born_checked = True
            born = date.fromisoformat(person["true_birthdate"])
            result.birthdates_added += 1
        if any(q.code == "name" for q in pending) and not name_checked:
            # The run says the name can't tell people apart: staff correct it to the whole
            # name the identity check showed (``dsar request correct-name``).
            name_checked = True
            whole = " ".join(filter(None, (person.get(k, "").strip() for k in ("first_name", "middle_name", "last_name"))))
            if whole and whole != subject.name:
                name = whole
                result.names_corrected += 1
        if names is not None and (sum(unattributed) or lacking) and not asked_openly:
            # Staff ask the person openly for every e-mail and phone they use (never showing
            # the ones found): the search saw some beside the person's records, or the run
            # said the request lacks a kind the systems are searched by, or a guardian's
            # child's own (``dsar.asking``). What they name that the request lacked is searched.
            asked_openly = True
            result.open_questions += 1
            result.asked_because.update(["beside" if sum(unattributed) else "lacking"])
            given = {("email", e) for e in subject.emails} | {("phone", p) for p in subject.phones}
            named = sorted(names - given - set(confirmed))
            result.named += len(named)
            confirmed = sorted({*confirmed, *named})
        if not (confirmed or name != subject.name or born != subject.birthdate) or round_ == MAX_SEARCHES:
            return answer
        result.second_searches += 1
        subject = Person(
            name=name, birthdate=born,
            emails=tuple(dict.fromkeys([*subject.emails, *(v for k, v in confirmed if k == "email")])),
            phones=tuple(dict.fromkeys([*subject.phones, *(v for k, v in confirmed if k == "phone")])),
        )
    return answer


def _holds(person: dict[str, str], normalize_email: Callable[[str], str],
           normalize_phone: Callable[[str], str], prefix: str = "holds") -> set[tuple[str, str]] | None:
    """The e-mails and phones the person would confirm as theirs (``holds``), or name when
    asked openly (``names``), normalised; None when the world doesn't say (the default world:
    no second search)."""
    from dsar.errors import InputError

    if f"{prefix}_emails" not in person:
        return None
    held: set[tuple[str, str]] = set()
    for kind, column, normalise in (("email", f"{prefix}_emails", normalize_email),
                                    ("phone", f"{prefix}_phones", normalize_phone)):
        for value in filter(None, person[column].split("; ")):
            try:
                held.add((kind, normalise(value)))
            except InputError:
                continue
    return held


def _evaluate(
    root: Path,
    *,
    person_ids: Iterable[str] | None,
    progress: Callable[[str], None] | None,
    second_search: bool,
    observe: Observer | None = None,
) -> Evaluation:
    from connectors import connector_for
    from dsar.workspace import Workspace

    started = time.perf_counter()
    sources = root / "sources"
    with (sources / "people.csv").open(encoding="utf-8", newline="") as handle:
        people = list(csv.DictReader(handle))
    names = {p["person_id"]: p["name"] for p in people}  # a guardian's name, as staff record who asked
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
    subjects = {}
    for person in people:
        subjects[person["person_id"]], refused = asker(person)
        result.refused_identifiers.update(refused)
    held_requests: set[tuple[str, str]] = set()
    for controller_id, controller in workspace.config.controllers.items():
        result.requests += len(people)
        wheres = {system.id: f"{controller_id}/{system.id}" for system in controller.systems.values()}
        for where in wheres.values():
            result.systems.setdefault(where, Tally())
        with ExitStack() as stack:
            connectors = {
                system.id: (system, stack.enter_context(connector_for(system, workspace)))
                for system in controller.systems.values()
            }
            for person in people:
                pid = person["person_id"]
                answer = _answer(connectors, subjects[pid], person, second_search, result, requester(person, names))
                for system_id, (findings, review) in answer.items():
                    where = wheres[system_id]
                    tally = result.systems[where]
                    mine = truth[where].get(pid, set())
                    tally.truth += len(mine)
                    result.truth_by_relation[relation(person)] += len(mine)
                    found: set[tuple[str, str]] = set()
                    for finding in findings:
                        record = (finding.collection, finding.key)
                        found.add(record)
                        own = record in mine
                        if finding.status == "excluded":
                            if own:
                                tally.excluded_own[finding.reason or "excluded"] += 1
                            else:
                                tally.excluded_foreign[finding.reason or "excluded"] += 1
                                result.excluded_foreign_by_relation[relation(person)] += 1
                        elif finding.status == "held":
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
                    if observe is not None:
                        observe(person, where, connectors[system_id][0], findings, mine)
                    tally.review_items += len(review)
                    tally.review_reasons.update(item.reason for item in review)
                    missed = mine - found
                    tally.missed += len(missed)
                    for record in sorted(missed)[: max(0, EXAMPLES - len(result.missed_examples))]:
                        result.missed_examples.append((pid, where, *record))
        if progress is not None:
            for where in wheres.values():
                tally = result.systems[where]
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
        "| system | recall | auto recall | wrong_auto_included | review load | review items | over-holding (own held) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, tally in [*result.systems.items(), ("**all**", result.total)]:
        lines.append(
            f"| {name} | {100 * tally.recall_found:.2f} % | {100 * tally.recall_released:.2f} % | "
            f"{tally.released_foreign:,} | "
            f"{'–' if tally.review_load is None else f'{100 * tally.review_load:.1f} %'} | "
            f"{tally.review_items:,} ({100 * tally.review_items / tally.released if tally.released else 0:.1f} %) | "
            f"{tally.over_holding:,} "
            f"({100 * tally.over_holding / tally.truth if tally.truth else 0:.1f} %) |")
    lines += [
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
        f"own records excluded (lost as somebody else's): {sum(total.excluded_own.values()):,} — reasons: "
        + (", ".join(f"{r} {n}" for r, n in total.excluded_own.most_common()) or "none")
        + f"; foreign records excluded: {sum(total.excluded_foreign.values()):,} — reasons: "
        + (", ".join(f"{r} {n}" for r, n in total.excluded_foreign.most_common()) or "none"),
        f"foreign records held: {sum(total.held_foreign.values()):,} — by the asker's relation: "
        + (", ".join(f"{r} {n}" for r, n in result.held_foreign_by_relation.most_common()) or "none"),
        f"requests that would wait for review (anything held): {result.requests_with_held:,} of {result.requests:,}",
        f"second search: {result.questions:,} e-mails and phones from released records put to the person, "
        f"{result.confirmed:,} confirmed, {result.second_searches:,} requests searched again; "
        f"{result.open_questions:,} asked openly for every e-mail and phone, {result.named:,} new ones named; "
        f"{result.names_corrected:,} names that couldn't tell people apart corrected, "
        f"{result.birthdates_added:,} birth dates added from the identity check",
        "identifiers refused by the request form: "
        + (", ".join(f"{k} {n:,}" for k, n in result.refused_identifiers.most_common()) or "none"),
    ]
    if result.missed_examples:
        lines.append("missed (first): " + "; ".join("/".join(x) for x in result.missed_examples))
    if result.foreign_examples:
        lines.append("FOREIGN RELEASED (first): " + "; ".join(
            f"{a} got {w} {c}/{k} (owners {o})" for a, w, c, k, o in result.foreign_examples))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from bench._common import machine, machine_line, say, write_results

    parser = argparse.ArgumentParser(prog="python -m bench.accuracy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--world", choices=("default", "unseen"), default="default",
                        help="default: the five sample controllers; unseen: sample_data.unseen")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, nargs="+", default=[2026],
                        help="one world per seed; several give each world's figures and their sum")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    parser.add_argument("--first-pass", action="store_true",
                        help="no second search: the figures before staff ask the person about the e-mails "
                             "and phones found in their records")
    args = parser.parse_args(argv)
    name = "accuracy" if args.world == "default" else f"accuracy-{args.world}"
    label = name + ("-first-pass" if args.first_pass else "")
    info = machine()
    worlds = []
    total = Tally()
    for seed in args.seed:
        if not args.json:
            print(f"{machine_line(info)}\n{args.world} world, scale {args.scale:g}, seed {seed}\n")
        result, data = _measure(args.world, args.scale, seed, not args.first_pass, say)
        total.add(result.total)
        if not args.json:
            print(report(result) + "\n")
        worlds.append({"machine": info, **data})
    if len(worlds) == 1:
        out = worlds[0]
        say(f"results in {write_results(f'{label}-scale{args.scale:g}', out)}")
    else:
        out = {"machine": info, "world": args.world, "scale": args.scale, "seeds": args.seed,
               "overall": total.figures(), "worlds": worlds}
        if not args.json:
            print(f"{len(worlds)} worlds (seeds {', '.join(map(str, args.seed))}):")
            for world in worlds:
                o = world["overall"]
                print(f"  seed {world['seed']}: recall {100 * o['recall']:.2f} %, wrong_auto_included "
                      f"{o['wrong_auto_included']}, review load {100 * (o['review_load'] or 0):.1f} %, "
                      f"review items {100 * o['review_items_share']:.1f} %")
            o = total.figures()
            print(f"  all: recall {100 * o['recall']:.2f} %, wrong_auto_included {o['wrong_auto_included']}, "
                  f"review load {100 * (o['review_load'] or 0):.1f} %, review items {100 * o['review_items_share']:.1f} %")
        say(f"results in {write_results(f'{label}-scale{args.scale:g}-seeds', out)}")
    if args.json:
        print(json.dumps(out, indent=2, default=str, ensure_ascii=False))
    return 0


def _measure(world: str, scale: float, seed: int, second_search: bool,
             progress: Callable[[str], None]) -> tuple[Evaluation, dict[str, Any]]:
    """One world built (or reused) and measured: the evaluation and its figures as JSON."""
    from bench._common import bench_dir, ensure_world

    name = "accuracy" if world == "default" else f"accuracy-{world}"
    root, _ = ensure_world(bench_dir() / f"{name}-ws{scale:g}-{seed}", scale=scale, seed=seed, world_name=world)
    result = evaluate(root, progress=progress, second_search=second_search)
    data = {
        "world": world, "scale": scale, "seed": seed, "people": result.people,
        "overall": result.total.figures(),
        "per_system": {k: t.figures() for k, t in result.systems.items()},
        "refused_identifiers": dict(result.refused_identifiers),
        "requests": result.requests, "requests_with_held": result.requests_with_held, "seconds": result.seconds,
        "second_search": {"questions": result.questions, "confirmed": result.confirmed,
                          "requests_searched_again": result.second_searches,
                          "asked_openly": result.open_questions, "asked_because": dict(result.asked_because),
                          "names_corrected": result.names_corrected,
                          "birthdates_added": result.birthdates_added,
                          "named": result.named},
        "systems": {k: {**vars(t), "held_own": dict(t.held_own), "held_foreign": dict(t.held_foreign),
                         "excluded_own": dict(t.excluded_own), "excluded_foreign": dict(t.excluded_foreign),
                         "review_reasons": dict(t.review_reasons)}
                    for k, t in result.systems.items()},
        "truth_by_relation": dict(result.truth_by_relation),
        "released_own_by_relation": dict(result.released_own_by_relation),
        "held_own_by_relation": dict(result.held_own_by_relation),
        "held_foreign_by_relation": dict(result.held_foreign_by_relation),
        "excluded_foreign_by_relation": dict(result.excluded_foreign_by_relation),
        "missed_examples": result.missed_examples, "foreign_examples": result.foreign_examples,
    }
    return result, data


if __name__ == "__main__":
    raise SystemExit(main())
