"""What a connector is: two verbs, ``check`` and ``select``; searching is built on them.

A connector knows one kind of system (SQL database, CSV export, vendor API, …) and nothing of
Prefect, the request store or the decision whether a record is the person's. A kind is one
module: a ``Connector`` subclass naming its ``kind`` and its configuration model (``config``,
a ``dsar.config.models.System`` subclass with the kind's connection and collection models),
registered in ``connectors.REGISTRY``.

Contract for implementers:

``check()``   Reach the system and compare it with the configuration (collections exist,
              identity, key and reference fields exist). Returns ``(True, None)`` or
              ``(False, why)``; never raises.
``select()``  Stream the rows of one collection that match ANY of the conditions, with all
              their fields, as dicts. Must use bound parameters (never format values into a
              query) and should use indexes. Rows may match more loosely than asked (a
              case-insensitive collation, a vendor's search): ``find`` checks every row again
              with ``row_matches``. Raises ``ConnectorError`` (``transient=True`` where a retry
              may help: network, timeout, lock, HTTP 429/5xx) with a message that names the
              system and collection but never a value.
``files()``   Optional: the files that belong to a row (``FileRef``). The base class serves
              collections whose ``files`` fields name files below a local directory.
``audit_schema()`` Optional: warnings that don't stop a search (missing index, field without
              an explanation).
``close()``   Release connections. Connectors are context managers.

Condition kinds (``Condition.kind``):

``email``    values are normalised e-mails (``dsar.identity``); match the field normalised
             the same way.
``phone``    values are E.164 numbers; match the field's digits (``phone_digit_forms``).
``name``     values hold the asked name (one value); match a field holding a whole name
             (``dsar.names.lookup_forms`` gives exact spellings for an indexed lookup).
``surname``  values hold the asked name; match a field holding the surname (a name kept in
             parts): its surname spellings.
``exact``    values are matched as they are (following references).

How ``find`` searches, for one person:

1. Look up every collection with an e-mail or phone identity by the person's e-mails and
   phones; then every collection with a name identity by the asked name (when it says enough
   to tell people apart): those are *candidates*, never confirmed by the name alone.
2. Follow references both ways, each declared once as ``child.field -> parent.field``:
   *down* from a record to its children (customer → orders → lines) and *up* from a child to
   the one parent it names (a contact row found by e-mail → the member it belongs to).
   Down is taken only from records found by lookup, reached down, or reached up into a
   collection with identities of its own (a member, a company, a household): a show reached
   up from a ticket is context, and going down from it would fetch everybody's tickets. From
   a record reached up, its other children along the same reference are fetched only when
   the record it was reached from doesn't say who it is about: the member's other contact
   rows are more of the person, the company's other contact persons are other people. Up is
   taken only where the parent field is the parent's whole key (one parent per row), and
   never straight back along the reference a record was reached down by.
3. Every value is fetched once per reference and direction; records that can be reached more
   than once (``shared``) are yielded once and reported to the consumer's ``Tracker`` when
   reached again, so a record's fate can follow every path to it. Records of confirmed paths
   are followed first.

A child whose parent can't be pinned down exactly stops the search: releasing it under
some guessed parent could hand over someone else's record. In a source that doesn't enforce
its keys (a CSV export, a spreadsheet: ``keys_unique``), going down from a record by a value
first asks whether that value pins the record down: when another row of the parent collection
holds it too (an order number typed twice, 100 beside "100", one placeholder on two customer
rows), the children are still found, but their ``Link`` says ``ambiguous`` and they wait for
staff (``key_not_unique``) whatever the parent's fate. A second, different row under a key
already yielded is yielded too (the matcher holds both), never dropped as "seen".

A reference value that says there is none (``dsar.records.no_value``: blank, ``NULL``, an Excel error
value, a dash, ``n/a``, ``nan``, ``None``…) is never followed: it would reach every row that
holds the same placeholder.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from dsar.config.models import Collection, IdentityField, Reference, System
from dsar.errors import ConnectorError
from dsar.identity import looks_like_email, looks_like_phone, mailbox, same_mailboxes
from dsar.names import Name, NameMatch, compare_names
from dsar.records import GUARDIAN_PREFIX, FileRef, Link, Lookup, RawRecord, make_key, no_value

if TYPE_CHECKING:
    from dsar.workspace import Workspace

ConditionKind = Literal["email", "phone", "name", "surname", "exact"]
REFERENCE_CHUNK = 500
"""Values per ``select`` when following references: well under every database's
bound-parameter limit (SQLite's is 32766 today, 999 on old builds)."""


@dataclass(frozen=True)
class Condition:
    field: str
    kind: ConditionKind
    values: tuple[Any, ...]


class Tracker(Protocol):
    """What ``find`` asks of the stream's consumer (``dsar.matching.Resolver``)."""

    def doubtful(self, group: str | None) -> bool:
        """Whether records of ``group`` are held so far (they are followed last)."""

    def relink(self, collection: str, key: str, via: Link, group: str | None) -> None:
        """A shared record already yielded was reached again, from a record of ``group``."""


class Connector(ABC):
    kind: ClassVar[str]
    """The ``connector = "…"`` value that names this kind in the configuration."""
    config: ClassVar[type[System]]
    """The kind's configuration model: a ``System`` subclass with ``connector: Literal[kind]``,
    its connection and its collection model."""

    reference_chunk: ClassVar[int | None] = REFERENCE_CHUNK
    """Values per ``select`` when following references; ``None``: all at once (a file scan
    or index lookup costs the same for 5 values as for 5,000)."""

    def keys_unique(self, collection: Collection, field: str) -> bool:
        """Whether the source itself keeps ``field`` unique in ``collection`` (a database's
        primary key, a vendor's ids), so a parent's value pins the parent down. Sources that
        enforce nothing (files staff edit) say False for every field but a positional key:
        ``find`` then checks each value it goes down by, and keeps apart rows a key repeats."""
        return True

    def __init__(self, system: System, workspace: Workspace) -> None:
        self.system = system
        self.workspace = workspace

    # -- what each connector implements ------------------------------------------------

    @abstractmethod
    def check(self) -> tuple[bool, str | None]: ...

    @abstractmethod
    def select(
        self, collection: Collection, conditions: Sequence[Condition]
    ) -> Iterator[dict[str, Any]]: ...

    def files(self, collection: Collection, row: dict[str, Any]) -> tuple[FileRef, ...]:
        """The files a row names (``collection.files``), below their configured directory.

        A value that leads outside the directory is refused; a missing file is reported by
        ``FileRef`` with ``size=None`` and an opener that raises, so the package says it is
        missing rather than failing the whole system. A missing directory fails the system
        (a share that went away): nothing would be found in it.
        """
        refs = []
        for field, spec in collection.files.items():
            value = row.get(field)
            if value is None or value == "":
                continue
            if spec.root is None:
                raise ConnectorError(
                    self.system.id,
                    f"{config_key(self.system, collection)}.files.{field}: angi 'root', mappen "
                    "filnavnene er relative til",
                )
            root = self.workspace.resolve_path(spec.root) if self.workspace else Path(spec.root)
            refs.append(local_file(self.system.id, collection, field, root, str(value), spec.media_type))
        return tuple(refs)

    def audit_schema(self) -> list[str]:
        """Problems worth fixing that don't stop a search (a missing index, an unexplained
        field). Connectors that can't tell report nothing."""
        return []

    def held_names(self, collection: Collection) -> Iterator[str]:
        """Every name the collection holds (its ``name`` identities, parts joined), for the
        redaction of mail: other people the controller knows are blacked out by name
        (``dsar.known_names``). Connectors that can't list them yield nothing."""
        return iter(())

    def close(self) -> None:  # noqa: B027 - optional for connectors without resources
        pass

    def __enter__(self) -> Connector:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- the search, built on select ---------------------------------------------------

    def find(self, lookup: Lookup, tracker: Tracker | None = None) -> Iterator[RawRecord]:
        """Every record of the person's in this system (and the candidates), each once."""
        plan = SearchPlan.of(self.system)
        frontier = _Frontier(tracker)
        seen = _Seen(
            plan.shared,
            frozenset(
                c.id for c in self.system.collections.values()
                if not all(self.keys_unique(c, k) for k in c.key)
            ),
        )
        searches = [
            (collection, identity_conditions(collection, lookup), False)
            for collection in self.system.collections.values()
        ] + [
            (collection, name_conditions(collection, lookup), True)
            for collection in self.system.collections.values()
        ]
        for collection, conditions, by_name in searches:
            if not conditions:
                continue
            for row in self.select(collection, conditions):
                matched = row_matches(collection, row, lookup, by_name=by_name)
                if not matched:
                    # The source matched more loosely than our normalising does (an
                    # accent-insensitive collation finds åse@… for ase@…): not the person's.
                    continue
                key = record_key(collection, row)
                if not seen.first_time(collection.id, key, row):
                    continue
                record = self._record(collection, key, row, plan, matched_on=matched)
                yield record
                frontier.add_record(plan, collection, record, row, owned=True, arrived=None)
        yield from self._follow(plan, frontier, seen, tracker)

    def _follow(
        self, plan: SearchPlan, frontier: _Frontier, seen: _Seen, tracker: Tracker | None
    ) -> Iterator[RawRecord]:
        while frontier:
            step, values = frontier.pop()
            ref = step.reference
            if step.direction == "down":
                target, field, source_collection = ref.child_collection, ref.child_field, ref.parent_collection
            else:
                target, field, source_collection = ref.parent_collection, ref.parent_field, ref.child_collection
            collection = self.system.collections[target]
            items = list(values.items())
            size = self.reference_chunk or len(items) or 1
            for start in range(0, len(items), size):
                chunk = dict(items[start : start + size])
                loose = {_ref_text(value): sources for value, sources in chunk.items()}
                unpinned = self._unpinned(step, chunk) if step.direction == "down" else set()
                condition = Condition(field, "exact", tuple(chunk))
                for row in self.select(collection, [condition]):
                    value = row.get(field)
                    sources = _get(chunk, value) or loose.get(_ref_text(value))
                    if not sources:
                        raise ConnectorError(
                            self.system.id,
                            f"samling {collection.id!r}: feltet {field!r} i en post samsvarer ikke eksakt med "
                            f"noen post i {source_collection!r} ({ref.label}); gi de to feltene "
                            "samme type",
                        )
                    key = record_key(collection, row)
                    ambiguous = _ref_text(value) in unpinned
                    links = [Link(s.collection, s.key, ref.label, step.direction, ambiguous) for s in sources]
                    if not seen.first_time(collection.id, key, row):
                        if tracker is not None:
                            for link, source in zip(links, sources, strict=True):
                                tracker.relink(collection.id, key, link, source.group)
                        continue
                    first, *others = sources
                    record = self._record(collection, key, row, plan, via=links[0], group=first.group)
                    yield record
                    if tracker is not None:
                        for link, source in zip(links[1:], others, strict=True):
                            tracker.relink(collection.id, key, link, source.group)
                    owned = step.direction == "down" or bool(collection.identities)
                    frontier.add_record(plan, collection, record, row, owned=owned, arrived=step)

    def _unpinned(self, step: Step, chunk: dict[Any, list[_Source]]) -> set[str]:
        """The values (as ``_ref_text``) about to be followed down that don't pin their parent
        down: a row of the parent collection holds one that is not the record it is followed
        from (another customer with the same number; a second row under the same key). Empty
        where the source keeps the parent field unique."""
        ref = step.reference
        parent = self.system.collections[ref.parent_collection]
        if self.keys_unique(parent, ref.parent_field):
            return set()
        known: dict[str, set[str]] = defaultdict(set)
        for value, sources in chunk.items():
            known[_ref_text(value)].update(s.key for s in sources)
        rows: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for row in self.select(parent, [Condition(ref.parent_field, "exact", tuple(chunk))]):
            rows[_ref_text(row.get(ref.parent_field))][record_key(parent, row)].add(_fingerprint(row))
        return {
            text
            for text, holders in rows.items()
            if any(key not in known.get(text, ()) or len(prints) > 1 for key, prints in holders.items())
        }

    def _record(
        self,
        collection: Collection,
        key: str,
        row: dict[str, Any],
        plan: SearchPlan,
        *,
        matched_on: tuple[str, ...] = (),
        via: Link | None = None,
        group: str | None = None,
    ) -> RawRecord:
        return RawRecord(
            collection=collection.id,
            key=key,
            fields=row,
            matched_on=matched_on,
            via=via,
            shared=collection.id in plan.shared,
            files=self.files(collection, row) if collection.files else (),
            group=group,
        )


# -- the search plan ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One way to follow a reference: ``down`` to children or ``up`` to the parent."""

    reference: Reference
    direction: Literal["down", "up"]

    @property
    def label(self) -> str:
        """For staff (``dsar check``): the reference and which way it is followed."""
        return f"{self.reference.label} ({'ned' if self.direction == 'down' else 'opp'})"


@dataclass(frozen=True)
class SearchPlan:
    """How a system's collections are reached: which steps leave each collection, and which
    collections can be reached more than once (their records are tracked)."""

    down: dict[str, tuple[Step, ...]]
    up: dict[str, tuple[Step, ...]]
    shared: frozenset[str]
    looked_up: frozenset[str]
    candidates: frozenset[str]
    persons: frozenset[str] = frozenset()
    """Collections whose records say who they are about (a name, a birth date)."""

    @classmethod
    def of(cls, system: System) -> SearchPlan:
        refs = oriented(system)
        looked_up = {c.id for c in system.collections.values() if c.searchable}
        candidates = {c.id for c in system.collections.values() if c.identities_of("name")}
        down: dict[str, list[Step]] = defaultdict(list)
        up: dict[str, list[Step]] = defaultdict(list)
        for ref in refs:
            down[ref.parent_collection].append(Step(ref, "down"))
            if system.collections[ref.parent_collection].key == [ref.parent_field]:
                up[ref.child_collection].append(Step(ref, "up"))
        # Collections whose records can lead down: found by lookup, reached down, or reached
        # up into a collection that says who it is about (see the module's docstring).
        owners = set(looked_up | candidates)
        changed = True
        while changed:
            changed = False
            for ref in refs:
                reached_up = any(s.reference == ref for s in up.get(ref.child_collection, ()))
                if ref.parent_collection in owners and ref.child_collection not in owners:
                    owners.add(ref.child_collection)
                    changed = True
                if (
                    reached_up
                    and ref.parent_collection not in owners
                    and system.collections[ref.parent_collection].identities
                ):
                    owners.add(ref.parent_collection)
                    changed = True
        ways: dict[str, int] = defaultdict(int)
        shared: set[str] = set()
        for cid in looked_up:
            ways[cid] += 1
        for cid in candidates:
            ways[cid] += 1
        for ref in refs:
            if ref.parent_collection in owners:
                ways[ref.child_collection] += 1
                if system.collections[ref.parent_collection].key != [ref.parent_field]:
                    # Many parents share the value (tickets → the show code they name): the
                    # same child comes back from several of them.
                    shared.add(ref.child_collection)
        for steps in up.values():
            for step in steps:
                ways[step.reference.parent_collection] += 1
                shared.add(step.reference.parent_collection)  # many children name one parent
        shared |= {cid for cid, n in ways.items() if n > 1}
        return cls(
            down={k: tuple(v) for k, v in down.items() if k in owners},
            up={k: tuple(v) for k, v in up.items()},
            shared=frozenset(shared),
            looked_up=frozenset(looked_up),
            candidates=frozenset(candidates),
            persons=frozenset(c.id for c in system.collections.values() if c.assessable),
        )

    def reachable(self) -> dict[str, list[str]]:
        """For ``dsar check``: how each collection is reached (lookup, name, or a step from
        another collection); a collection with an empty list can't be reached at all."""
        how: dict[str, list[str]] = defaultdict(list)
        for cid in self.looked_up:
            how[cid].append("e-post/telefon")
        for cid in self.candidates:
            how[cid].append("navn (kandidater)")
        for steps in self.down.values():
            for step in steps:
                how[step.reference.child_collection].append(step.label)
        for steps in self.up.values():
            for step in steps:
                how[step.reference.parent_collection].append(step.label)
        return dict(how)


def unsettled_owners(system: System) -> list[Reference]:
    """References whose ``owner`` the search has to guess where it matters (``dsar check``):
    unset, followed down only (the parent field is not the parent's key), into a table that
    says who people are, from a collection whose records a search can reach the way the
    matcher then holds them ``owner_unchecked`` (``dsar.matching.resolver``, ``place``): up
    from a child of theirs reached without them, or down another reference — from a record of
    the same table, or when the table holds more of a person than a name (a staff table with
    work e-mails). A record reached only down the reference itself is the parent's it came from."""
    plan = SearchPlan.of(system)
    everywhere = _reached(plan, None)
    unsettled = []
    for ref in oriented(system):
        parent = system.collections[ref.parent_collection]
        if ref.owner is not None or parent.key == [ref.parent_field] or not parent.assessable:
            continue
        child = ref.child_collection
        without = _reached(plan, child)
        up = any(
            step.reference.parent_collection == child
            for source, steps in plan.up.items() if source in without for step in steps
        )
        bearing = any(i.type != "name" for i in parent.identities)
        down = any(
            step.reference.child_collection == child and step.reference.label != ref.label
            and (bearing or source == ref.parent_collection)
            for source, steps in plan.down.items() if source in everywhere for step in steps
        )
        if up or down:
            unsettled.append(ref)
    return unsettled


def _reached(plan: SearchPlan, avoiding: str | None) -> set[str]:
    """The collections a search can reach (from a lookup or a name, along the plan's steps),
    never passing through ``avoiding``."""
    reached = set(plan.looked_up | plan.candidates) - {avoiding}
    todo = list(reached)
    while todo:
        source = todo.pop()
        for step in (*plan.down.get(source, ()), *plan.up.get(source, ())):
            target = step.reference.child_collection if step.direction == "down" else step.reference.parent_collection
            if target != avoiding and target not in reached:
                reached.add(target)
                todo.append(target)
    return reached


def oriented(system: System) -> list[Reference]:
    """The references as they are searched (``System.oriented_references``)."""
    return system.oriented_references()


@dataclass(frozen=True)
class _Source:
    collection: str
    key: str
    group: str | None


class _Frontier:
    """Values still to be fetched, per step: those of confirmed records first.

    Each value is fetched once per step. A value first queued from a doubtful record moves up
    when a confirmed record names it too.
    """

    def __init__(self, tracker: Tracker | None) -> None:
        self._tracker = tracker
        self._confirmed: dict[Step, dict[Any, list[_Source]]] = defaultdict(dict)
        self._doubtful: dict[Step, dict[Any, list[_Source]]] = defaultdict(dict)
        self._fetched: dict[Step, set[Any]] = defaultdict(set)

    def add_record(
        self,
        plan: SearchPlan,
        collection: Collection,
        record: RawRecord,
        row: dict[str, Any],
        *,
        owned: bool,
        arrived: Step | None,
    ) -> None:
        source = _Source(collection.id, record.key, record.group)
        if owned:
            for step in plan.down.get(collection.id, ()):
                if (
                    arrived is not None
                    and arrived.direction == "up"
                    and arrived.reference == step.reference
                    and step.reference.child_collection in plan.persons
                ):
                    continue  # the others who point to it are other people
                self._add(step, row.get(step.reference.parent_field), source)
        for step in plan.up.get(collection.id, ()):
            if arrived is not None and arrived.direction == "down" and arrived.reference == step.reference:
                continue  # straight back to the parent it came from
            self._add(step, row.get(step.reference.child_field), source)

    def _add(self, step: Step, value: Any, source: _Source) -> None:
        if no_value(value):
            return  # no reference: a blank key (" ", "NULL", "#N/A") would match every other one
        try:
            hash(value)
        except TypeError:
            value = str(value)
        if value in self._fetched[step]:
            return
        doubtful = self._tracker is not None and self._tracker.doubtful(source.group)
        confirmed = self._confirmed[step]
        if value in confirmed:
            confirmed[value].append(source)
            return
        waiting = self._doubtful[step]
        if doubtful:
            waiting.setdefault(value, []).append(source)
            return
        earlier = waiting.pop(value, [])
        if not waiting:
            del self._doubtful[step]
        confirmed[value] = [source, *earlier]

    def pop(self) -> tuple[Step, dict[Any, list[_Source]]]:
        confirmed = {s: v for s, v in self._confirmed.items() if v}
        pool = confirmed or {s: v for s, v in self._doubtful.items() if v}
        step = next(iter(pool))
        values = (self._confirmed if confirmed else self._doubtful).pop(step)
        self._fetched[step].update(values)
        return step, values

    def __bool__(self) -> bool:
        return any(self._confirmed.values()) or any(self._doubtful.values())


class _Seen:
    """Keys already yielded, kept only for collections that can be reached twice, so a leaf
    reached one way (order lines) never holds its keys in memory.

    In a collection whose source doesn't keep its key unique (``repeated``), a row is the
    record already yielded only when it is that same row: another row under the same key (an
    order number typed twice) is a record of its own, yielded so the matcher sees two records
    under one key (``key_not_unique``) rather than one."""

    def __init__(self, shared: frozenset[str], repeated: frozenset[str] = frozenset()) -> None:
        self._shared = shared
        self._repeated = repeated
        self._keys: dict[str, set[str]] = defaultdict(set)
        self._rows: dict[str, dict[str, set[str]]] = defaultdict(dict)

    def first_time(self, collection: str, key: str, row: dict[str, Any] | None = None) -> bool:
        if collection not in self._shared:
            return True
        if collection in self._repeated and row is not None:
            prints = self._rows[collection].setdefault(key, set())
            fingerprint = _fingerprint(row)
            if fingerprint in prints:
                return False
            prints.add(fingerprint)
            return True
        keys = self._keys[collection]
        if key in keys:
            return False
        keys.add(key)
        return True


def _fingerprint(row: dict[str, Any]) -> str:
    """A row's content in 16 bytes, to tell two rows under one key apart (never stored)."""
    text = repr(sorted((str(k), type(v).__name__, repr(v)) for k, v in row.items()))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


# -- the record test every connector shares -------------------------------------------------


def identity_conditions(collection: Collection, lookup: Lookup) -> list[Condition]:
    """The conditions that look a collection up by the person's e-mails and phones."""
    return [
        Condition(field, identity.type, lookup.values(identity.type))  # type: ignore[arg-type]
        for identity in collection.searchable
        for field in identity.fields
        if lookup.values(identity.type)
    ]


def name_conditions(collection: Collection, lookup: Lookup) -> list[Condition]:
    """The conditions that look a collection up by the asked name, for candidates; none when
    the name can't tell people apart (one word, initials, nothing) or the collection opts out."""
    if not getattr(collection, "find_by_name", True) or not Name.parse(lookup.name).informative:
        return []
    conditions = []
    for identity in collection.identities_of("name"):
        if identity.column is not None:
            conditions.append(Condition(identity.column, "name", (lookup.name,)))
        else:
            conditions.append(Condition(identity.fields[-1], "surname", (lookup.name,)))
    return conditions


def row_matches(
    collection: Collection, row: dict[str, Any], lookup: Lookup, *, by_name: bool = False
) -> tuple[str, ...]:
    """Which of the person's identifiers a row holds: the one test of "this row is the
    person's" every connector's rows pass, whatever the source matched on.

    E-mails and phones compare normalised (``dsar.identity``); with ``by_name`` a row counts
    as a candidate when its name agrees with the asked name (``dsar.names``).
    """
    matched = []
    mailboxes = same_mailboxes(lookup.emails)
    for identity in collection.searchable:
        for field in identity.fields:
            value = row.get(field)
            # A guardian's column says so (``guardian_email``): in a guardian's request it is
            # the guardian's own identifier; otherwise the person is somebody's guardian there.
            prefix = GUARDIAN_PREFIX if identity.guardian else ""
            if identity.type == "email" and (email := looks_like_email(value)) and mailbox(email) in mailboxes:
                matched.append(f"{prefix}email")
            elif identity.type == "phone" and looks_like_phone(value) in lookup.phones:
                matched.append(f"{prefix}phone")
    if by_name and not matched:
        for identity in collection.identities_of("name"):
            if compare_names(lookup.name, held_name(identity, row))[0] is NameMatch.AGREE:
                matched.append("name")
                break
    return tuple(dict.fromkeys(matched))


def condition_test(condition: Condition) -> Callable[[Any], bool]:
    """A test of one field's value against a condition, for connectors that filter rows
    themselves (files, APIs without a search of their own). A cheap text test rules most
    values out before the normaliser (e-mail validation, phone parsing) runs, so a large file
    is scanned quickly. ``row_matches`` has the last word on every row either way."""
    if condition.kind == "email":
        emails = same_mailboxes(str(v) for v in condition.values)
        locals_ = {v.rpartition("@")[0].lower() for v in emails}

        def is_email(value: Any) -> bool:
            if not isinstance(value, str) or "@" not in value:
                return False
            lowered = value.lower()
            if not any(part in lowered for part in locals_):
                return False
            email = looks_like_email(value)
            return email is not None and mailbox(email) in emails

        return is_email
    if condition.kind == "phone":
        phones = set(condition.values)
        nationals = {str(v)[-8:] for v in phones}

        def is_phone(value: Any) -> bool:
            if value is None or value == "":
                return False
            digits = re.sub(r"\D", "", str(value))
            return any(n in digits for n in nationals) and looks_like_phone(value) in phones

        return is_phone
    if condition.kind == "name":
        asked = str(condition.values[0])
        surnames = set(Name.parse(asked).surname_parts)

        def is_name(value: Any) -> bool:
            if not value:
                return False
            tokens = Name.parse(value).tokens
            return bool(surnames & set(tokens)) and compare_names(asked, value)[0] is NameMatch.AGREE

        return is_name
    if condition.kind == "surname":
        surnames = set(Name.parse(str(condition.values[0])).surname_parts)
        return lambda value: bool(value) and bool(surnames & set(Name.parse(value).tokens))
    texts = {str(v).strip() for v in condition.values}
    return lambda value: value is not None and str(value).strip() in texts


def held_name(identity: IdentityField, row: dict[str, Any]) -> str:
    """The name a row holds for a name identity, its parts joined in reading order."""
    return " ".join(str(row.get(f) or "").strip() for f in identity.fields).strip()


def record_key(collection: Collection, row: dict[str, Any]) -> str:
    return make_key([row.get(k) for k in collection.key])


# -- files ----------------------------------------------------------------------------------------


def local_file(
    system_id: str, collection: Collection, field: str, root: Path, value: str, media_type: str | None
) -> FileRef:
    """A file named by a record, below ``root``. Refuses names leading outside ``root``."""
    relative = PurePosixPath(value.replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts:
        raise ConnectorError(
            system_id,
            f"samling {collection.id!r}: feltet {field!r} i en post viser til en fil utenfor mappen sin",
        )
    if not root.is_dir():
        raise ConnectorError(
            system_id,
            f"samling {collection.id!r}: mappen for {field!r}-filene mangler "
            f"({str(root)!r}); sjekk systems.{system_id}.collections.{collection.id}.files.{field}.root",
            transient=True,
        )
    path = root.joinpath(*relative.parts)
    kind = media_type or mimetypes.guess_type(relative.name)[0] or "application/octet-stream"
    size = path.stat().st_size if path.is_file() else None
    return FileRef(field=field, name=relative.name, media_type=kind, open=lambda: path.open("rb"), size=size)


# -- what every connector checks the same way ---------------------------------------------


def config_key(system: System, collection: Collection) -> str:
    """Where staff fix a collection: ``systems.<id>.collections.<id>``."""
    return f"systems.{system.id}.collections.{collection.id}"


def required_fields(system: System, collection: Collection) -> list[tuple[str, str]]:
    """(field, configuration key naming it) for every field the search relies on."""
    needed = [(c, "key") for c in collection.key]
    needed += [(f, "identities") for i in collection.identities for f in i.fields]
    for ref in system.references:
        for cid, field in (ref.child, ref.parent):
            if cid == collection.id:
                needed.append((field, f"references ({ref.label})"))
    return list(dict.fromkeys(needed))


def exact_fields(system: System, collection: Collection) -> set[str]:
    """The fields whose value the search must read exactly as it is: the key, e-mail, phone,
    birth date and national id identities, and both ends of references. (A name may be read
    from several cells joined: ``Columns``.)"""
    names = {f for i in collection.identities_of("name") for f in i.fields}
    return {f for f, where in required_fields(system, collection) if where != "identities" or f not in names}


@dataclass(frozen=True)
class Columns:
    """A file's header row read as fields, so that no column is dropped unseen.

    A header cell left blank is no field of its own when a named column stands to its left:
    it continues that column (a header merged over "etternavn | fornavn", or its CSV export
    ``navn;;epost``), and the field's value is the cells' values joined by a space ("Hansen
    Kari"), or the one value when only one cell holds one (its type kept). Reading the bare
    first cell would lose half a name, and a name cut to a surname neither agrees nor
    conflicts: a relative's row on a family address would pass as the person's. Where the
    search must read the value exactly (``exact_fields``: an e-mail, a phone, a key, a
    reference) and two of the cells hold a value, the row is refused (``Columns.row``): nothing
    says which value is meant. A blank header cell with no named column to its left gets a
    positional name (``positional``), so its data still reaches the person's copy.
    """

    names: tuple[str, ...]
    spans: tuple[tuple[int, ...], ...]
    """The column positions (0-based) each field is read from, in order."""

    @classmethod
    def of(cls, header: Sequence[str], positional: Callable[[int], str]) -> Columns:
        names: list[str] = []
        spans: list[list[int]] = []
        for position, name in enumerate(header):
            if name:
                names.append(name)
                spans.append([position])
            elif spans and names[-1] == header[spans[-1][0]]:
                spans[-1].append(position)  # continues the named column to its left
            else:
                names.append(positional(position))
                spans.append([position])
        return cls(tuple(names), tuple(tuple(s) for s in spans))

    @property
    def width(self) -> int:
        """How many cells the header has (every one belongs to a field)."""
        return self.spans[-1][-1] + 1 if self.spans else 0

    def repeated(self) -> list[int]:
        """1-based positions of fields whose name an earlier field has."""
        return [span[0] + 1 for i, (name, span) in enumerate(zip(self.names, self.spans, strict=True))
                if self.names.index(name) != i]

    def row(
        self,
        cells: Sequence[Any],
        exact: set[str] | frozenset[str],
        refuse: Callable[[str, tuple[int, ...]], Exception],
        empty: Callable[[Any], bool] = lambda v: v is None or (isinstance(v, str) and not v.strip()),
    ) -> dict[str, Any]:
        """The fields of one row of cells (as wide as the header). ``refuse(field, span)`` makes
        the error for a field in ``exact`` whose continuation holds a second value."""
        row: dict[str, Any] = {}
        for name, span in zip(self.names, self.spans, strict=True):
            if len(span) == 1:
                row[name] = cells[span[0]]
                continue
            held = [cells[i] for i in span if not empty(cells[i])]
            if len(held) > 1:
                if name in exact:
                    raise refuse(name, span)
                row[name] = " ".join(str(v).strip() for v in held)
            else:
                row[name] = held[0] if held else cells[span[0]]
        return row


def looked_up_fields(system: System, collection: Collection) -> list[tuple[str, str]]:
    """(field, condition kind) for every field ``find`` looks records up by."""
    looked = [(f, i.type) for i in collection.searchable for f in i.fields]
    if getattr(collection, "find_by_name", True):
        for identity in collection.identities_of("name"):
            looked.append((identity.column, "name") if identity.column else (identity.fields[-1], "surname"))
    for ref in system.references:
        if ref.child_collection == collection.id:
            looked.append((ref.child_field, "exact"))
        if ref.parent_collection == collection.id and collection.key == [ref.parent_field]:
            looked.append((ref.parent_field, "exact"))
    return list(dict.fromkeys(looked))


def unexplained_warning(system: System, collection: Collection, columns: Sequence[str]) -> str | None:
    """The warning for columns neither explained in ``fields`` nor declared ``secret``."""
    unexplained = [c for c in columns if c not in collection.fields and c not in collection.secret]
    if not unexplained:
        return None
    return (
        f"{config_key(system, collection)}: kolonnene {unexplained} er verken forklart i fields eller "
        "merket secret; brevet og pakken ville vise dem uten forklaring"
    )


def continued_warning(
    system: System, collection: Collection, columns: Columns, place: Callable[[int], str]
) -> str | None:
    """The warning for fields the search uses that are read from several cells (a named
    column continued under blank header cells), so staff see how the file is read."""
    used = {f for f, _ in required_fields(system, collection)}
    continued = [
        f"{name!r} (+ {', '.join(place(i) for i in span[1:])})"
        for name, span in zip(columns.names, columns.spans, strict=True)
        if len(span) > 1 and name in used
    ]
    if not continued:
        return None
    return (
        f"{config_key(system, collection)}: kolonnene {', '.join(continued)} fortsetter under tomme "
        "overskriftsceller (en sammenslått overskrift?) og leses som ett felt, med cellene slått sammen; "
        "en rad med verdier i mer enn én celle av en e-post-, telefon-, nøkkel- eller referansekolonne "
        "avvises. Gi hver kolonne sin egen overskrift hvis de er forskjellige"
    )


def _ref_text(value: Any) -> str:
    """A reference value as the databases compare it: trimmed, case-folded, a number's digits
    without leading zeros (MariaDB's ``_ci`` collations, PostgreSQL casting "02" to 2)."""
    text = str(value).strip().casefold()
    digits = text.removeprefix("-")
    return str(int(text)) if digits.isdigit() else text


def _get(chunk: dict[Any, list[_Source]], value: Any) -> list[_Source] | None:
    try:
        return chunk.get(value)
    except TypeError:  # an unhashable value (a JSON column) can only match loosely
        return None
