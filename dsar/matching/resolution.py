"""Which groups of one system's search are released, once it ended (``Resolution``).

Each group's own evidence (``GroupVerdict``: excluded, strong, waiting for a decision, and
why), and the release it gives with staff's decisions: a group is released once a source of
it is; one reached only from excluded groups is excluded for good. Kept in staging as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsar.matching.reasons import CONFINED, EXCLUDING, STRONG


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
    guardian_only: bool = False
    """For a child: found only by the guardian's identifiers, never reaching the child's record."""
    parents: tuple[str, ...] = ()
    """The groups it hangs on (reached down from, or points up to): an order's customers. Not
    the residents a flat was reached up from, who share it."""
    owners: tuple[str, ...] = ()
    """For a record that says nothing and follows whose it is (an appointment pointing to
    several parents, joined to none): its parents that say who they are about. It is released
    only when every one of them is."""

    @property
    def excluded(self) -> bool:
        """Clearly somebody else's on its own evidence: not released, not put to staff."""
        return self.guardian_only or bool(EXCLUDING & set(self.conflicts))

    @property
    def strong(self) -> bool:
        """Found by name, and the birth date or national id agrees too."""
        return (
            self.state == "agree" and not self.conflicts and "name" in self.agrees
            and bool(STRONG & set(self.agrees))
        )

    @property
    def needs_decision(self) -> bool:
        """Held on its own evidence (not merely for being reached from a held group)."""
        if self.excluded:
            return False
        return self.state in ("conflict", "weak") or (not self.direct and self.name_hit and not self.strong)

    @property
    def reason(self) -> str:
        if excluding := sorted(EXCLUDING & set(self.conflicts)):
            return excluding[0]
        if self.guardian_only:
            return "guardian_identifier_only"
        if self.conflicts:
            return sorted(self.conflicts)[0]
        if self.state == "weak":
            return "name_unverifiable"
        if self.name_hit and not self.direct:
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
            "guardian_only": self.guardian_only, "parents": list(self.parents), "owners": list(self.owners),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GroupVerdict:
        return cls(
            state=data["state"], direct=data["direct"], name_hit=data["name_hit"],
            conflicts=tuple(data["conflicts"]), agrees=tuple(data["agrees"]),
            matched_on=tuple(data["matched_on"]), name_score=data["name_score"],
            sources=tuple(data["sources"]), references=tuple(data["references"]), records=data["records"],
            guardian_only=bool(data.get("guardian_only", False)), parents=tuple(data.get("parents", ())),
            owners=tuple(data.get("owners", ())),
        )


@dataclass(frozen=True)
class Resolution:
    """The end of one system's search: which group each group id belongs to (after the
    records that follow another took its verdict) and each group's own evidence."""

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
                if decisions.get(gid) == "accepted" or self._qualifies(verdict, released):
                    released.add(gid)
                    changed = True
        return released

    def _qualifies(self, verdict: GroupVerdict, released: set[str]) -> bool:
        if verdict.excluded or verdict.state in ("conflict", "weak"):
            return False
        if verdict.direct or verdict.strong:
            return True
        if any(CONFINED & set(self.verdicts[p].conflicts) for p in map(self.root, verdict.parents) if p in self.verdicts):
            return False  # hangs on a record the person has only their contact details on
        if verdict.owners:
            return all(self.root(p) in released for p in verdict.owners)  # whose its parents are
        if len(verdict.parents) > 1 and any(
            p not in released and (self.verdicts[p].excluded or self.verdicts[p].needs_decision)
            for p in map(self.root, verdict.parents) if p in self.verdicts
        ):
            # Hangs on two records, one of them somebody else's or undecided (an order joined
            # to two excluded partners, one of whom staff accepted): whose it is stays open.
            return False
        for source in verdict.sources:
            root = self.root(source)
            if root in released and not CONFINED & set(self.verdicts[root].conflicts):
                return True
            # A child's own record reached from a row found by the guardian's identifiers:
            # its agreeing name or birth date ties the path to the child.
            anchor = self.verdicts.get(root or "")
            if verdict.state == "agree" and anchor is not None and anchor.guardian_only:
                return True
        return False

    def is_released(self, group: str | None, released: set[str]) -> bool:
        return group is None or self.root(group) in released

    def excluded(self, group: str | None, released: set[str]) -> bool:
        """Not released and never to be: excluded on its own evidence, or reached only from
        excluded groups (so no decision of staff's can release it)."""
        if self.is_released(group, released):
            return False
        seen: set[str] = set()
        start = self.root(group)
        stack = [start]
        reached_excluded = False
        while stack:
            gid = stack.pop()
            if gid is None or gid in seen:
                continue
            seen.add(gid)
            verdict = self.verdicts.get(gid)
            if verdict is not None and gid != start and CONFINED & set(verdict.conflicts):
                reached_excluded = True  # no decision on it releases what hangs on it
                continue
            if verdict is None or verdict.needs_decision:
                return False  # a decision of staff's may release it
            if verdict.excluded:
                reached_excluded = True
                continue
            stack.extend(self.root(s) for s in verdict.sources)
        return reached_excluded

    def excluded_reason(self, group: str | None) -> str:
        """Why an excluded group is left out: its own conflict, or what it was reached from."""
        verdict = self.verdicts.get(self.root(group) or "")
        return verdict.reason if verdict is not None and verdict.excluded else "reached_from_excluded"

    def to_json(self) -> dict[str, Any]:
        return {"roots": self.roots, "verdicts": {k: v.to_json() for k, v in self.verdicts.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Resolution:
        return cls(
            roots=dict(data["roots"]),
            verdicts={k: GroupVerdict.from_json(v) for k, v in data["verdicts"].items()},
        )

