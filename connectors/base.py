"""What a connector is: two verbs, ``check`` and ``select``; searching is built on them.

A connector knows one kind of system (SQL database, CSV export, …) and nothing of Prefect,
the request store or matching. The base class turns ``select`` into a search for one person:
look up every collection that has an e-mail or phone identity, then follow the configured
references (customer → orders → order lines) until nothing new is found.

Contract for implementers:

``check()``   Reach the system and compare it with the configuration (collections exist,
              identity and key fields exist). Returns ``(True, None)`` or ``(False, why)``;
              never raises.
``select()``  Stream the rows of one collection that match ANY of the conditions, with all
              their fields. Must use bound parameters (never format values into a query)
              and should use indexes. Raises ``ConnectorError`` (``transient=True`` where a
              retry may help: network, timeout, lock) with a message that names the system
              and collection but never a value.
``audit_schema()`` Optional: warnings that don't stop a search (missing index, field
              without an explanation).
``close()``   Release connections. Connectors are context managers.

Condition kinds: ``email`` values are normalised e-mails, matched against the field trimmed
and case-folded; ``phone`` values are E.164 numbers, matched against any common spelling of
the number (see ``dsar.identity.phone_variants``); ``exact`` values are matched as they are
(used to follow references).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from dsar.config.models import Collection, System
from dsar.errors import ConnectorError
from dsar.identity import looks_like_email, looks_like_phone
from dsar.records import Lookup, RawRecord, make_key

if TYPE_CHECKING:
    from dsar.workspace import Workspace

ConditionKind = Literal["email", "phone", "exact"]
HeldCheck = Callable[[str, str], bool]
REFERENCE_CHUNK = 500
"""Parent values per SQL ``IN`` list when following references: well under every
database's bound-parameter limit (SQLite's is 32766 today, 999 on old builds)."""


@dataclass(frozen=True)
class Condition:
    field: str
    kind: ConditionKind
    values: tuple[Any, ...]


class Connector(ABC):
    kind: ClassVar[str]
    """The ``connector = "…"`` value that names this kind in the configuration."""
    config: ClassVar[type[System]]
    """The kind's configuration model: a ``System`` subclass with ``connector: Literal[kind]``,
    its connection and its collection model."""

    reference_chunk: ClassVar[int | None] = REFERENCE_CHUNK
    """Parent values per ``select`` when following references; ``None``: all at once (a
    file scan or index lookup costs the same for 5 values as for 5,000)."""

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

    def audit_schema(self) -> list[str]:
        """Problems worth fixing that don't stop a search (a missing index, an unexplained
        field). Connectors that can't tell report nothing."""
        return []

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

    def find(self, lookup: Lookup, held: HeldCheck | None = None) -> Iterator[RawRecord]:
        """Every record of the person's in this system, each once, parents before children.

        ``held(collection, key)`` says whether a record already yielded was held back as a
        weak match (the caller classifies records as they stream). References are followed
        from confirmed records before held ones, so a record both reach — a show seen on the
        person's own ticket and on a family member's held one — is reached, and kept, as the
        person's.
        """
        seen = _SeenKeys(self.system)
        pending = _Pending(held)

        for collection in self.system.collections.values():
            conditions = [
                Condition(field, identity.type, lookup.values(identity.type))
                for identity in collection.searchable
                for field in identity.fields
                if lookup.values(identity.type)
            ]
            if not conditions:
                continue
            for row in self.select(collection, conditions):
                matched_on = _matched_on(collection, row, lookup)
                if not matched_on:
                    # The database matched more loosely than our normalising does (an
                    # accent-insensitive collation finds åse@… for ase@…): not the person's.
                    continue
                key = make_key([row.get(k) for k in collection.key])
                if not seen.first_time(collection.id, key):
                    continue
                yield RawRecord(collection=collection.id, key=key, fields=row, matched_on=matched_on)
                self._remember_parent(collection, row, key, pending)
        yield from self._follow(pending, seen)

    def _follow(self, pending: _Pending, seen: _SeenKeys) -> Iterator[RawRecord]:
        while pending:
            weak, parent_ref, values = pending.pop()
            parent_collection, parent_field = parent_ref.split(".")
            items = list(values.items())
            size = self.reference_chunk or len(items) or 1
            for ref in self.system.children_of(parent_collection):
                if ref.parent[1] != parent_field:
                    continue
                child = self.system.collections[ref.child[0]]
                for start in range(0, len(items), size):
                    chunk = dict(items[start : start + size])
                    loose = {_ref_text(value): key for value, key in chunk.items()}
                    condition = Condition(ref.child[1], "exact", tuple(chunk))
                    for row in self.select(child, [condition]):
                        key = make_key([row.get(k) for k in child.key])
                        if not seen.first_time(child.id, key):
                            continue
                        value = row.get(ref.child[1])
                        parent_key = _get(chunk, value) or loose.get(_ref_text(value))
                        if parent_key is None:
                            if weak:
                                # Its parent was held: releasing it as confirmed would hand
                                # someone else's record over. Stop rather than guess.
                                raise ConnectorError(
                                    self.system.id,
                                    f"collection {child.id!r}: a record's {ref.child[1]!r} matches no "
                                    f"{parent_collection!r} record exactly; make the two fields the same type",
                                )
                            parent_key = ""  # every parent in this batch is confirmed
                        yield RawRecord(collection=child.id, key=key, fields=row, via=(parent_collection, parent_key))
                        self._remember_parent(child, row, key, pending)

    def _remember_parent(
        self,
        collection: Collection,
        row: dict[str, Any],
        key: str,
        pending: _Pending,
    ) -> None:
        """Queue the record's referenced values; called after it was yielded (and classified)."""
        for ref in self.system.children_of(collection.id):
            value = row.get(ref.parent[1])
            if value is not None and value != "":
                pending.add(f"{collection.id}.{ref.parent[1]}", value, collection.id, key)


class _Pending:
    """Parent values whose children are still to be fetched: confirmed parents first.

    Each value is fetched once per reference: many tickets naming one show fetch the show
    once. A value first queued by a held parent moves up when a confirmed parent names it.
    """

    def __init__(self, held: HeldCheck | None) -> None:
        self._held = held
        self._confirmed: dict[str, dict[Any, str]] = defaultdict(dict)
        self._weak: dict[str, dict[Any, str]] = defaultdict(dict)
        self._fetched: dict[str, set[Any]] = defaultdict(set)

    def add(self, parent_ref: str, value: Any, collection: str, key: str) -> None:
        if value in self._fetched[parent_ref] or value in self._confirmed.get(parent_ref, ()):
            return
        if self._held is not None and self._held(collection, key):
            self._weak[parent_ref].setdefault(value, key)
            return
        weak = self._weak.get(parent_ref)
        if weak is not None and value in weak:
            del weak[value]
            if not weak:
                del self._weak[parent_ref]
        self._confirmed[parent_ref][value] = key

    def pop(self) -> tuple[bool, str, dict[Any, str]]:
        """The next batch: whether its parents were held, the parent field, value -> key."""
        weak = not self._confirmed
        parent_ref, values = (self._weak if weak else self._confirmed).popitem()
        self._fetched[parent_ref].update(values)
        return weak, parent_ref, values

    def __bool__(self) -> bool:
        return bool(self._confirmed or self._weak)


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
                needed.append((field, f"references ({ref.from_} -> {ref.to})"))
    return list(dict.fromkeys(needed))


def looked_up_fields(system: System, collection: Collection) -> list[tuple[str, str]]:
    """(field, condition kind) for every field ``find`` looks records up by."""
    looked = [(f, i.type) for i in collection.searchable for f in i.fields]
    looked += [(r.child[1], "exact") for r in system.references if r.child[0] == collection.id]
    return list(dict.fromkeys(looked))


def unexplained_warning(system: System, collection: Collection, columns: Sequence[str]) -> str | None:
    """The warning for columns neither explained in ``fields`` nor declared ``secret``."""
    unexplained = [c for c in columns if c not in collection.fields and c not in collection.secret]
    if not unexplained:
        return None
    return (
        f"{config_key(system, collection)}: columns {unexplained} are neither explained in fields "
        "nor declared secret; the letter and package would show them unexplained"
    )


def _ref_text(value: Any) -> str:
    """A reference value as the databases compare it: trimmed, case-folded, a number's digits
    without leading zeros (MariaDB's ``_ci`` collations, PostgreSQL casting "02" to 2)."""
    text = str(value).strip().casefold()
    digits = text.removeprefix("-")
    return str(int(text)) if digits.isdigit() else text


def _get(chunk: dict[Any, str], value: Any) -> str | None:
    try:
        return chunk.get(value)
    except TypeError:  # an unhashable value (a JSON column) can only match loosely
        return None


def _matched_on(collection: Collection, row: dict[str, Any], lookup: Lookup) -> tuple[str, ...]:
    """Which of the person's identifiers this row holds (the lookup ORs them)."""
    matched = []
    for identity in collection.searchable:
        for field in identity.fields:
            value = row.get(field)
            if identity.type == "email" and looks_like_email(value) in lookup.emails:
                matched.append("email")
            elif identity.type == "phone" and looks_like_phone(value) in lookup.phones:
                matched.append("phone")
    return tuple(dict.fromkeys(matched))


class _SeenKeys:
    """Keys already yielded, kept only for collections that can be reached twice.

    A collection reached by lookup and by a reference, by two references, through a shared
    value, or in a cycle needs de-duplication; a leaf reached by one reference from its
    parent's key (order lines) does not, so its keys are never held in memory however many
    rows the person has.
    """

    def __init__(self, system: System) -> None:
        incoming: dict[str, int] = defaultdict(int)
        for ref in system.references:
            incoming[ref.child[0]] += 1
        # Reached through a field that is not its parent's key (tickets → show): many
        # parents share a value, so the same row can come back.
        shared = {
            ref.child[0]
            for ref in system.references
            if system.collections[ref.parent[0]].key != [ref.parent[1]]
        }
        self._tracked = {
            cid
            for cid, c in system.collections.items()
            if incoming[cid] + (1 if c.searchable else 0) > 1 or system.children_of(cid) or cid in shared
        }
        self._keys: dict[str, set[str]] = defaultdict(set)

    def first_time(self, collection: str, key: str) -> bool:
        if collection not in self._tracked:
            return True
        keys = self._keys[collection]
        if key in keys:
            return False
        keys.add(key)
        return True
