"""Deciding which records a search found are the asking person's: evidence along every path.

A record is judged on what it says itself and on how it was reached:

- *Assessment* (``assess``): a record that says who it is about — a name, a birth date, a
  national id — *agrees* with the request (the name agrees, the birth date is the same),
  *conflicts* with it (another first name under the same surname, another birth date), is
  *unverifiable* (it holds a name, but the request's name can't tell people apart), or is
  *neutral* (it says nothing to compare: a contact row holding only an e-mail).
- *Groups*: a record that is found by lookup, can be reached more than once, or says who it
  is about is a *node* with a group of its own; any other record joins the group of the
  record it was reached from (an order's lines share the order's fate). A neutral record
  found by lookup takes the verdict of the record it points up to: a contact row holding a
  family e-mail is the member's it belongs to — Kari's, or Ola's.
- *Release*: a group is released when nothing in it conflicts or is unverifiable, and it was
  found by the person's e-mail or phone or reached from a released group. Everything else is
  held for a person to decide (``dsar review``); groups held only because they were reached
  from a held one follow that decision. A name alone never releases a record: a row found by
  name is a *candidate*.

The resolver holds one small node per group, never the records: memory follows the number of
records that say who they are about, not the size of the person's data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dsar.config.models import Collection, System
from dsar.identity import as_date, national_id, national_id_birthdate
from dsar.names import Name, NameMatch, compare_names
from dsar.records import KEY_SEPARATOR, Finding, Link, RawRecord, to_jsonable

REASONS = {
    "name_differs": "navnet er et annet",
    "birthdate_differs": "fødselsdatoen er en annen",
    "national_id_differs": "fødselsnummeret er et annet",
    "name_unverifiable": "navnet i forespørselen er for lite til å skille personer",
    "name_only": "funnet bare på navn",
    "reached_from_held": "nådd fra en post som venter på vurdering",
}
"""Why a group is held, in the words staff read."""


@dataclass(frozen=True)
class Subject:
    """What the request says about the person, for corroboration."""

    name: str
    birthdate: date | None = None


@dataclass
class Assessment:
    """What a record says about whether it is the person's. No values, only findings."""

    agrees: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    unverifiable: bool = False
    name_score: int | None = None

    @property
    def state(self) -> str:
        if self.conflicts:
            return "conflict"
        if self.agrees:
            return "agree"
        if self.unverifiable:
            return "weak"
        return "neutral"


def assess(subject: Subject, collection: Collection, fields: dict[str, Any]) -> Assessment:
    """Compare a record's name, birth date and national id with the request."""
    result = Assessment()
    asked_informative = Name.parse(subject.name).informative
    for identity in collection.identities:
        if identity.type == "name":
            held = " ".join(str(fields.get(f) or "").strip() for f in identity.fields).strip()
            if not held:
                continue
            match, score = compare_names(subject.name, held)
            result.name_score = score if result.name_score is None else max(result.name_score, score)
            if match is NameMatch.AGREE:
                result.agrees.append("name")
            elif match is NameMatch.DIFFER:
                result.conflicts.append("name_differs")
            elif match is NameMatch.UNKNOWN and not asked_informative:
                result.unverifiable = True
        elif identity.type == "birthdate" and subject.birthdate is not None:
            held_date = as_date(fields.get(identity.fields[0]))
            if held_date is not None:
                if held_date == subject.birthdate:
                    result.agrees.append("birthdate")
                else:
                    result.conflicts.append("birthdate_differs")
        elif identity.type == "national_id":
            number = national_id(fields.get(identity.fields[0]))
            born = national_id_birthdate(number) if number else None
            if born is not None and subject.birthdate is not None:
                if born == subject.birthdate:
                    result.agrees.append("national_id")
                else:
                    result.conflicts.append("national_id_differs")
    result.agrees = list(dict.fromkeys(result.agrees))
    result.conflicts = list(dict.fromkeys(result.conflicts))
    return result


_RANK = {"neutral": 0, "agree": 1, "weak": 2, "conflict": 3}


@dataclass
class _Node:
    id: str
    order: int
    state: str
    direct: bool
    name_hit: bool
    conflicts: set[str] = field(default_factory=set)
    agrees: set[str] = field(default_factory=set)
    matched_on: set[str] = field(default_factory=set)
    name_score: int | None = None
    sources: set[str] = field(default_factory=set)
    references: set[str] = field(default_factory=set)
    records: int = 0


@dataclass(frozen=True)
class GroupVerdict:
    """A group's own evidence once the search ended. No values: kinds, reasons and counts."""

    state: str
    direct: bool
    name_hit: bool
    conflicts: tuple[str, ...]
    agrees: tuple[str, ...]
    matched_on: tuple[str, ...]
    name_score: int | None
    sources: tuple[str, ...]
    references: tuple[str, ...]
    records: int

    @property
    def needs_decision(self) -> bool:
        """Held on its own evidence (not merely for being reached from a held group)."""
        return self.state in ("conflict", "weak") or (not self.direct and self.name_hit and not self.sources)

    @property
    def reason(self) -> str:
        if self.conflicts:
            return sorted(self.conflicts)[0]
        if self.state == "weak":
            return "name_unverifiable"
        if self.name_hit and not self.direct and not self.sources:
            return "name_only"
        return "reached_from_held"

    def evidence(self) -> dict[str, Any]:
        """What staff see when deciding: which identifiers matched, how closely, what conflicts."""
        return {
            "matched_on": list(self.matched_on),
            "agrees": list(self.agrees),
            "conflicts": list(self.conflicts),
            "name_score": self.name_score,
            "records": self.records,
            "via": list(self.references),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state, "direct": self.direct, "name_hit": self.name_hit,
            "conflicts": list(self.conflicts), "agrees": list(self.agrees),
            "matched_on": list(self.matched_on), "name_score": self.name_score,
            "sources": list(self.sources), "references": list(self.references), "records": self.records,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GroupVerdict:
        return cls(
            state=data["state"], direct=data["direct"], name_hit=data["name_hit"],
            conflicts=tuple(data["conflicts"]), agrees=tuple(data["agrees"]),
            matched_on=tuple(data["matched_on"]), name_score=data["name_score"],
            sources=tuple(data["sources"]), references=tuple(data["references"]), records=data["records"],
        )


@dataclass(frozen=True)
class Resolution:
    """The end of one system's search: which group each group id belongs to (after the
    neutral rows took their member's verdict) and each group's own evidence."""

    roots: dict[str, str]
    verdicts: dict[str, GroupVerdict]

    def root(self, group: str | None) -> str | None:
        return self.roots.get(group, group) if group is not None else None

    def released(self, decisions: dict[str, str | None] | None = None) -> set[str]:
        """The groups released, given staff's decisions (root -> accepted/rejected/None)."""
        decisions = decisions or {}
        released: set[str] = set()
        changed = True
        while changed:  # a fixed point: a group is released once a source of it is
            changed = False
            for gid, verdict in self.verdicts.items():
                if gid in released or decisions.get(gid) == "rejected":
                    continue
                accepted = decisions.get(gid) == "accepted"
                if verdict.state in ("conflict", "weak") and not accepted:
                    continue
                if accepted or verdict.direct or any(self.root(s) in released for s in verdict.sources):
                    released.add(gid)
                    changed = True
        return released

    def is_released(self, group: str | None, released: set[str]) -> bool:
        return group is None or self.root(group) in released

    def to_json(self) -> dict[str, Any]:
        return {"roots": self.roots, "verdicts": {k: v.to_json() for k, v in self.verdicts.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Resolution:
        return cls(
            roots=dict(data["roots"]),
            verdicts={k: GroupVerdict.from_json(v) for k, v in data["verdicts"].items()},
        )


class Resolver:
    """Judges a connector's stream of records as it flows (``place``), and is the search's
    ``Tracker``: it tells ``Connector.find`` which paths are doubtful and hears when a shared
    record is reached again. ``resolution()`` gives the verdicts once the search ended."""

    def __init__(self, system: System, subject: Subject) -> None:
        self._system = system
        self._subject = subject
        self._nodes: dict[str, _Node] = {}
        self._parent: dict[str, str] = {}
        self._dependents: dict[str, set[str]] = {}
        self._released: set[str] | None = set()
        """Groups released so far, kept up to date as nodes and links arrive; None after a
        union (which can take a release back), rebuilt when next asked."""

    # -- the stream ----------------------------------------------------------------------

    def place(self, raw: RawRecord) -> Finding:
        """The record as a finding with its group; sets ``raw.group`` for the search."""
        collection = self._system.collections[raw.collection]
        assessment = assess(self._subject, collection, raw.fields) if collection.assessable else Assessment()
        state = assessment.state
        own_id = f"{raw.collection}{KEY_SEPARATOR}{raw.key}"
        source_group = raw.group
        if raw.via is None or raw.shared or state != "neutral":
            node = self._node(own_id, state, raw.matched_on, assessment)
            if raw.via is not None:
                self._link(own_id, raw.via, source_group, collection)
            group = own_id
        else:
            group = source_group or own_id
            if group not in self._nodes:  # a consumer that doesn't carry groups
                self._node(group, state, raw.matched_on, assessment)
        node = self._nodes[self._find(group)]
        node.records += 1
        raw.group = group
        held = self.doubtful(group)
        return Finding(
            system=self._system.id,
            collection=raw.collection,
            key=raw.key,
            fields={k: to_jsonable(v) for k, v in raw.fields.items()},
            status="held" if held else "confirmed",
            reason=self._verdict(self._find(group)).reason if held else None,
            matched_on=list(raw.matched_on),
            via=str(raw.via) if raw.via else None,
            group=group,
            redaction=raw.redaction,
        )

    def doubtful(self, group: str | None) -> bool:
        if group is None or group not in self._nodes and group not in self._parent:
            return False
        return self._find(group) not in self._released_now()

    def relink(self, collection: str, key: str, via: Link, group: str | None) -> None:
        target = f"{collection}{KEY_SEPARATOR}{key}"
        if target in self._nodes or target in self._parent:
            self._link(target, via, group, self._system.collections[collection])

    # -- the verdict ---------------------------------------------------------------------

    def resolution(self) -> Resolution:
        roots = {gid: self._find(gid) for gid in self._nodes if self._find(gid) != gid}
        verdicts = {gid: self._verdict(gid) for gid in self._nodes if self._find(gid) == gid}
        return Resolution(roots=roots, verdicts=verdicts)

    # -- the graph -----------------------------------------------------------------------

    def _node(self, gid: str, state: str, matched_on: tuple[str, ...], assessment: Assessment) -> _Node:
        node = self._nodes.get(gid)
        if node is None:
            node = _Node(
                id=gid,
                order=len(self._nodes),
                state=state,
                direct=bool({"email", "phone"} & set(matched_on)),
                name_hit="name" in matched_on,
                conflicts=set(assessment.conflicts),
                agrees=set(assessment.agrees),
                matched_on=set(matched_on),
                name_score=assessment.name_score,
            )
            self._nodes[gid] = node
            self._parent[gid] = gid
            self._mark(gid)
        return node

    def _link(self, target: str, via: Link, source_group: str | None, collection: Collection) -> None:
        if source_group is None:
            return
        source_root, target_root = self._find(source_group), self._find(target)
        if source_root == target_root:
            return
        root = self._nodes[target_root]
        root.references.add(via.reference)
        source = self._nodes[source_root]
        # A neutral record found by lookup (a contact row holding only an e-mail) is the
        # record it points up to: it takes that record's verdict, conflict included.
        if via.direction == "up" and source.state == "neutral" and collection.assessable:
            self._union(source_root, target_root)
            return
        root.sources.add(source_root)
        self._dependents.setdefault(source_root, set()).add(target_root)
        self._mark(target_root)

    def _find(self, gid: str) -> str:
        parent = self._parent.get(gid, gid)
        while parent != gid:
            grand = self._parent.get(parent, parent)
            self._parent[gid] = grand
            gid, parent = parent, grand
        return gid

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra == rb:
            return
        first, second = sorted((self._nodes[ra], self._nodes[rb]), key=lambda n: n.order)
        # The earlier node stays the root, so a review item's name is stable across re-runs.
        self._parent[second.id] = first.id
        if _RANK[second.state] > _RANK[first.state]:
            first.state = second.state
        first.direct |= second.direct
        first.name_hit |= second.name_hit
        first.conflicts |= second.conflicts
        first.agrees |= second.agrees
        first.matched_on |= second.matched_on
        first.references |= second.references
        first.records += second.records
        if second.name_score is not None:
            first.name_score = max(first.name_score or 0, second.name_score)
        first.sources = {self._find(s) for s in first.sources | second.sources} - {first.id}
        self._dependents.setdefault(first.id, set()).update(self._dependents.pop(second.id, set()))
        self._released = None

    def _verdict(self, gid: str) -> GroupVerdict:
        node = self._nodes[gid]
        return GroupVerdict(
            state=node.state,
            direct=node.direct,
            name_hit=node.name_hit,
            conflicts=tuple(sorted(node.conflicts)),
            agrees=tuple(sorted(node.agrees)),
            matched_on=tuple(sorted(node.matched_on)),
            name_score=node.name_score,
            sources=tuple(sorted({self._find(s) for s in node.sources} - {gid})),
            references=tuple(sorted(node.references)),
            records=node.records,
        )

    def _released_now(self) -> set[str]:
        if self._released is None:
            roots = {gid: self._verdict(gid) for gid in self._nodes if self._find(gid) == gid}
            self._released = Resolution(roots={}, verdicts=roots).released()
        return self._released

    def _mark(self, gid: str) -> None:
        """Release ``gid`` (a root) if it now qualifies, and what hangs on it."""
        released = self._released
        if released is None:
            return
        stack = [gid]
        while stack:
            current = self._find(stack.pop())
            node = self._nodes[current]
            if current in released or node.state in ("conflict", "weak"):
                continue
            if node.direct or any(self._find(s) in released for s in node.sources):
                released.add(current)
                stack.extend(self._dependents.get(current, ()))
