"""The names the controller's own systems hold, as keyed hashes: for blacking out others' names.

Art. 15(4): a copy of the person's mail must not hand over other people's names. The lexicon
(``dsar.personal_names``) knows common Norwegian names; the controller's registers know the
unusual ones — the member, customer and contact names in its CSV, XLSX and SQL systems. Reading
every system in clear for every request would be slow and would spread those names about, so
``dsar index`` collects them once into a small side table in the workspace:

    <workspace>/cache/known-names/<controller>.sqlite

holding only keyed BLAKE2b hashes (16 bytes) of folded names — the full name, its first and
last word, and the first word alone (a given name, for "Hei Zyxwort,") — under a random key
sealed with the workspace's data key. **No name is stored in clear**, and without the data key
a hash can't be tested against a guess; another data key makes the table unreadable, and it
is built anew.

A request's redaction asks ``known(folded)`` of a capitalised run of words; the person's own
name is never blacked out (``dsar.redaction.Own``). A system that can't be read while the
names are collected is named in ``failed`` (ids only) and left out; the lexicon still applies.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dsar.errors import DsarError
from dsar.keyed_cache import KeyedCache
from dsar.names import fold_name

if TYPE_CHECKING:
    from dsar.config.models import ControllerConfig
    from dsar.crypto import DataKey
    from dsar.workspace import Workspace

FORMAT = "1"
_KEY_CONTEXT = b"dsar-known-names-v1"
_BATCH = 5000
log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS names (hash BLOB PRIMARY KEY) WITHOUT ROWID;
"""


@dataclass
class NamesStats:
    """What a build did: counts and system ids only, safe to print and log."""

    names: int = 0
    hashes: int = 0
    systems: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def name_forms(name: str) -> Iterator[tuple[str, str]]:
    """(group, folded value) a held name is known by: the full name and its first and last
    word (two words or more), and its first word alone as a given name."""
    words = fold_name(name).split()
    if not words:
        return
    if len(words) >= 2:
        yield "full", " ".join(words)
        yield "full", f"{words[0]} {words[-1]}"
    yield "given", words[0]


class KnownNames(KeyedCache):
    """One controller's table. ``open`` it (a context manager); ``known`` is what the
    redaction asks."""

    FORMAT = FORMAT
    CONTEXT = _KEY_CONTEXT
    WHAT = "the known-names table"

    @staticmethod
    def connect(path: Path) -> sqlite3.Connection:
        return _connect(path)

    def __init__(self, path: Path, data_key: DataKey) -> None:
        super().__init__(path, data_key)
        self._cache: dict[str, bool] = {}

    @property
    def built(self) -> bool:
        return self.db.execute("SELECT 1 FROM meta WHERE name = 'built'").fetchone() is not None

    def replace(self, names: Iterable[str], stats: NamesStats) -> None:
        """Replace what the table holds with ``names`` (held names, any spelling)."""
        with self.db:
            self.db.execute("DELETE FROM names")
            batch: set[bytes] = set()
            for name in names:
                stats.names += 1
                for group, value in name_forms(name):
                    batch.add(self.digest(group, value))
                if len(batch) >= _BATCH:
                    self.db.executemany("INSERT OR IGNORE INTO names VALUES (?)", [(h,) for h in batch])
                    batch.clear()
            self.db.executemany("INSERT OR IGNORE INTO names VALUES (?)", [(h,) for h in batch])
            stats.hashes = self.db.execute("SELECT count(*) FROM names").fetchone()[0]
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('built', ?)", (str(int(time.time())),))
        self._cache.clear()

    def known(self, folded: str) -> bool:
        """Whether the controller's systems hold someone so named (``folded`` as
        ``dsar.names.fold_name`` gives it: several words a full name, one a given name)."""
        hit = self._cache.get(folded)
        if hit is None:
            group = "full" if " " in folded else "given"
            row = self.db.execute("SELECT 1 FROM names WHERE hash = ?", (self.digest(group, folded),)).fetchone()
            hit = self._cache[folded] = row is not None
        return hit


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    return db


def known_names_path(workspace: Workspace, controller_id: str) -> Path:
    return workspace.root / "cache" / "known-names" / f"{controller_id}.sqlite"


def _held_names(workspace: Workspace, controller: ControllerConfig, stats: NamesStats) -> Iterator[str]:
    from connectors import connector_for

    for system in controller.systems.values():
        if system.connector == "mail":
            continue  # the archive's own header names are in its index (MailIndex.known_name)
        collections = [c for c in system.collections.values() if c.identities_of("name")]
        if not collections:
            continue
        try:
            with connector_for(system, workspace) as connector:
                for collection in collections:
                    yield from connector.held_names(collection)
        except DsarError as exc:
            # Ids only: a connector's message names the system and what failed, no value.
            log.warning("names of system %s could not be read (%s)", system.id, type(exc).__name__)
            stats.failed.append(system.id)
            continue
        stats.systems.append(system.id)


def build_known_names(workspace: Workspace, controller: ControllerConfig) -> NamesStats:
    """Collect the names ``controller``'s systems hold into its table (``dsar index``)."""
    started = time.perf_counter()
    stats = NamesStats()
    with KnownNames(known_names_path(workspace, controller.id), workspace.data_key) as table:
        table.replace(_held_names(workspace, controller, stats), stats)
    stats.seconds = time.perf_counter() - started
    return stats


def open_known_names(workspace: Workspace, controller: ControllerConfig) -> KnownNames:
    """The controller's table, built now if it never was (a workspace not yet indexed)."""
    table = KnownNames(known_names_path(workspace, controller.id), workspace.data_key).open()
    if not table.built:
        stats = NamesStats()
        table.replace(_held_names(workspace, controller, stats), stats)
    return table


__all__ = ["KnownNames", "NamesStats", "build_known_names", "known_names_path", "name_forms", "open_known_names"]
