"""The resolver's groups of records, and which of them are released as records flow.

One small node per group (``_Node``), never the records; groups joined when a record follows
the one it points to, linked when one is reached from another (up or down); each group's
verdict (``_verdict``), and the release kept up to date as nodes and links arrive (``_mark``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dsar.config.models import Collection
from dsar.matching.assessment import Assessment
from dsar.matching.reasons import CONFINED, STRONG
from dsar.matching.resolution import GroupVerdict, Resolution
from dsar.records import KEY_SEPARATOR, Link


def _collection_of(gid: str) -> str:
    return gid.split(KEY_SEPARATOR, 1)[0]


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
    follows: bool = False
    """Says nothing of whose it is: its fate is that of the record it points up to, once
    reached (an appointment between an SMS line and the patient; for a child, a row found by
    the guardian's e-mail)."""
    found: bool = False
    """Found by a guardian's identifiers (for a child), which release nothing by themselves."""
    anchored: bool = False
    """Joined to a record that says who it is about (or found by the person's identifiers)."""
    requester: bool = False
    """Names the guardian asking: it says who it is about, but not which child (no anchor)."""
    down_from: set[str] = field(default_factory=set)
    """The groups it was reached down from (the parents it is a child of)."""
    up_to: set[str] = field(default_factory=set)
    """The groups reached up from it (the parents it points to)."""


class _Groups:
    """The groups of ``Resolver``, a mixin of it: the state it works on (``_nodes``,
    ``_parent``, ``_dependents``, ``_released``, ...) is set up in ``Resolver.__init__``."""

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
                requester=assessment.names_requester,
            )
            self._nodes[gid] = node
            self._parent[gid] = gid
        else:
            # A second record under one key (a customer number a household shares, an empty key
            # cell): one verdict can't cover both, so both wait for staff, who see each.
            node.conflicts.add("key_not_unique")
            node.state = "conflict"
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
        # A record with several parents (an appointment on the child's patient row and on the
        # parent's account) is nobody's by following one of them: it stays a record of its
        # own, judged on all its parents when the search ends (``_two_parents``,
        # ``_owned_by_confined``). Nor does one follow a record that is the person's only for
        # what it says of them (the child patient's row with the parent's mobile).
        several = not self._subject.for_child and self._parent_refs.get(_collection_of(source_group), 0) > 1
        if (
            via.direction == "up" and source.follows and not source.anchored and not CONFINED & root.conflicts
            and not several
        ):
            # The source says nothing of whose it is: it is whose the record it points to is
            # (an SMS line's appointment's patient; for a child, the member a guardian's
            # contact row points to). A record that says who it is about anchors it.
            self._union(source_root, target_root)
            # Anchored by a record that says who it is about, or by one already reached from
            # such a record (an appointment reached down from the patient before).
            anchor = (
                (collection.assessable and not root.requester) or root.anchored
                or (not root.follows and bool(root.sources or root.direct))
            )
            merged = self._nodes[self._find(target_root)]
            merged.anchored |= anchor
            merged.follows = not merged.anchored
            return
        if (
            via.direction == "up" and source.state == "neutral" and collection.assessable and root.state == "weak"
            and not (several and source.follows)
        ):
            # A row holding only the identifier, pointing to a record the request's name can't
            # tell apart from somebody else's: both wait for the same decision.
            self._union(source_root, target_root)
            return
        if via.direction == "up" and source_root in self._holds:
            self._up.setdefault(source_root, set()).add(target_root)
        root.sources.add(source_root)
        if via.direction == "down":
            root.down_from.add(source_root)
        else:
            source.up_to.add(target_root)
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
        first.follows = first.follows and second.follows
        first.anchored |= second.anchored
        first.found |= second.found
        first.requester &= second.requester
        if second.name_score is not None:
            first.name_score = max(first.name_score or 0, second.name_score)
        first.sources = {self._find(s) for s in first.sources | second.sources} - {first.id}
        first.down_from |= second.down_from
        first.up_to |= second.up_to
        self._dependents.setdefault(first.id, set()).update(self._dependents.pop(second.id, set()))
        self._released = None

    def _hold(self, node: _Node, reason: str) -> None:
        """Hold a group for ``reason`` once the search ended (or exclude it, for an EXCLUDING
        one); the release computed so far no longer stands."""
        node.conflicts.add(reason)
        node.state = "conflict"
        self._released = None

    def _neighbours(self, gid: str) -> set[str]:
        """The groups a group is tied to by a reference, either way."""
        node = self._nodes[gid]
        near = {self._find(p) for p in node.sources | node.down_from | node.up_to}
        near |= {self._find(d) for d in self._dependents.get(gid, set())}
        return near - {gid}

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
            guardian_only=self._guardian_only(node),
            parents=tuple(sorted({self._find(p) for p in node.down_from | node.up_to} - {gid})),
            owners=self._owners(node),
        )

    def _owners(self, node: _Node) -> tuple[str, ...]:
        """For a record that follows whose it is and was joined to no parent (it has several
        parent references: an appointment on the patient and on who booked it): the parents
        that say who they are about (a room says nothing; a journal joined to the patient row
        does). A record reached down first is judged by ``_two_parents`` instead: held for a
        person to decide when its parents differ."""
        if self._subject.for_child or node.state != "neutral" or node.direct or not node.follows or node.anchored:
            return ()
        roots = {self._find(p) for p in node.down_from | node.up_to} - {self._find(node.id)}
        return tuple(sorted(
            p for p in roots
            if self._nodes[p].state != "neutral" or self._system.collections[_collection_of(p)].assessable
        ))

    def _guardian_only(self, node: _Node) -> bool:
        return self._subject.for_child and node.follows and node.found and not node.anchored

    def _qualifies(self, node: _Node, released: set[str]) -> bool:
        """``Resolution._qualifies`` on a node, for the release kept up to date as records flow."""
        if node.state in ("conflict", "weak") or self._guardian_only(node):
            return False
        if node.direct or (node.state == "agree" and "name" in node.agrees and STRONG & node.agrees):
            return True
        if owners := self._owners(node):
            return all(self._find(p) in released for p in owners)
        for source in node.sources:
            root = self._find(source)
            if root in released:
                return True
            if node.state == "agree" and self._guardian_only(self._nodes[root]):
                return True
        return False

    def _mark(self, gid: str) -> None:
        """Release ``gid`` (a root) if it now qualifies, and what hangs on it."""
        released = self._released
        if released is None:
            return
        stack = [gid]
        while stack:
            current = self._find(stack.pop())
            if current in released or not self._qualifies(self._nodes[current], released):
                continue
            released.add(current)
            stack.extend(self._dependents.get(current, ()))

    def _released_now(self) -> set[str]:
        if self._released is None:
            roots = {gid: self._verdict(gid) for gid in self._nodes if self._find(gid) == gid}
            self._released = Resolution(roots={}, verdicts=roots).released()
        return self._released

