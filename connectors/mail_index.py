"""The index of a mail archive: keyed hashes of who and what each message names.

Searching a person's mail must not read the archive: the index is built once and refreshed
incrementally (``refresh``) as mail arrives — new Maildir files, the grown tail of an mbox,
IMAP UIDs above the last indexed — and a search reads only the messages it points at.

Kept at ``cache/mail-index/<system>.sqlite`` in the workspace (a SQLite side table, one row
per term). What it holds per message:

- where it is (folder, locator, a hint) and its date;
- terms: keyed BLAKE2b (16 bytes) of a normalised value under a random 256-bit key made for
  this index and stored only sealed with the workspace's data key. Without the data key a
  hash can't be tested against a guessed address or number; another data key makes the
  index unreadable, and it is built anew. **No address, number or name is stored in clear.**
  A message keeps its own terms' hashes (to delete them when it goes).

Term kinds: the e-mail addresses of each address header by role (From, To, Cc, Bcc,
Reply-To, Sender, Delivered-To); e-mails and phones written in the subject, the bodies and
text attachments; names (display names, and pairs of capitalised words in texts, for
name-only candidates); the message's own Message-ID and the ids it answers (threads).

Messages that can't be read at all are listed (``broken``) so a search can say the archive
is incomplete instead of silently missing them.

A build is fast (``connectors.mail_terms``: thousands of messages a second): messages are
parsed (Maildir files read too) in worker processes while this process writes, and a first build appends
its terms to the B-tree in hash order at the end.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.mail_sources import MailSource
from connectors.mail_terms import (
    HASH_BYTES,
    MESSAGE_ID,
    NAME_HEADER,
    NAME_TEXT,
    PARENT,
    ROLE_KIND,
    TEXT_EMAIL,
    TEXT_PHONE,
    Entry,
    Scanner,
    Unread,
    name_pairs,
)
from dsar.keyed_cache import KeyedCache
from dsar.names import fold_name

if TYPE_CHECKING:
    from dsar.crypto import DataKey

FORMAT = "3"
_KEY_CONTEXT = b"dsar-mail-index-v1"
BATCH = 500
WRITE_BATCH = 5000

KIND_ROLE = {v: k for k, v in ROLE_KIND.items()}
DELIVERED_TO = ROLE_KIND["delivered-to"]
AUTHOR_ROLES = frozenset({"from", "sender", "reply-to"})
"""Roles that make a message the person's own writing: replies to it are in their thread."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS folders (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, signature TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, folder INTEGER NOT NULL, locator TEXT NOT NULL, hint TEXT NOT NULL,
    date INTEGER, quotes INTEGER NOT NULL, message_id BLOB, hashes BLOB NOT NULL, kinds BLOB NOT NULL,
    UNIQUE (folder, locator));
CREATE TABLE IF NOT EXISTS terms (
    hash BLOB NOT NULL, kind INTEGER NOT NULL, message INTEGER NOT NULL,
    PRIMARY KEY (hash, kind, message)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS broken (
    folder INTEGER NOT NULL, locator TEXT NOT NULL, PRIMARY KEY (folder, locator));
"""


@dataclass
class RefreshStats:
    """What a refresh did: counts only, safe to print and log."""

    folders: int = 0
    folders_changed: int = 0
    added: int = 0
    removed: int = 0
    broken: int = 0
    messages: int = 0
    seconds: float = 0.0


@dataclass
class Hit:
    """Why a message came up for a person: header roles, text, name, thread."""

    message: int
    roles: set[str] = field(default_factory=set)
    in_text: set[str] = field(default_factory=set)
    """"email" / "phone" where the person's identifier is written in subject, body or a text
    attachment."""
    name: bool = False
    thread: bool = False


@dataclass(frozen=True)
class IndexedMessage:
    id: int
    folder: str
    locator: str
    hint: str
    date: int | None
    quotes: bool


def person_name_key(name: str) -> str | None:
    """The pair a person's name is looked up by: first given name and last surname."""
    words = fold_name(name).split()
    return f"{words[0]} {words[-1]}" if len(words) >= 2 else None


class MailIndex(KeyedCache):
    """One system's index. Open it with ``open``; it is a context manager."""

    FORMAT = FORMAT
    CONTEXT = _KEY_CONTEXT
    WHAT = "the mail index"

    @staticmethod
    def connect(path: Path) -> sqlite3.Connection:
        return _connect(path)

    def __init__(self, path: Path, data_key: DataKey) -> None:
        super().__init__(path, data_key)
        self._bulk = False

    # -- keeping it current -------------------------------------------------------------

    def stale_folders(self, source: MailSource) -> list[str]:
        """Folders that are new, gone, or changed since they were indexed (cheap: a stat or
        a STATUS per folder, no message read)."""
        indexed = dict(self.db.execute("SELECT name, signature FROM folders"))
        current = source.folders()
        stale = [f for f in current if indexed.get(f) != source.signature(f)]
        return stale + sorted(set(indexed) - set(current))

    @property
    def built(self) -> bool:
        return self.db.execute("SELECT count(*) FROM folders").fetchone()[0] > 0

    def refresh(
        self,
        source: MailSource,
        *,
        folders: Iterable[str] | None = None,
        progress: Callable[[int], None] | None = None,
        workers: int | None = None,
    ) -> RefreshStats:
        """Bring the index up to date with ``source`` (only ``folders`` when given): drop
        what is gone, index what is new. Each folder is committed as it is finished.

        Many new messages are parsed in worker processes (``workers``, default one per core:
        ``connectors.mail_terms.Scanner``) while this process writes (Maildir files are read by the workers)."""
        started = time.perf_counter()
        stats = RefreshStats()
        current = source.folders()
        wanted = set(folders) if folders is not None else None
        indexed = dict(self.db.execute("SELECT name, id FROM folders"))
        for gone in sorted(set(indexed) - set(current)):
            if wanted is None or gone in wanted:
                with self.db:
                    stats.removed += self._drop_folder(indexed[gone])
        # A build doesn't wait for the disk at checkpoints: the index is a cache, and one
        # damaged by a power cut is found when it is opened and built anew.
        self.db.execute("PRAGMA synchronous=OFF")
        # Built from empty: messages and terms go to temporary tables first and into the
        # index at the end, terms in hash order (appended to the B-tree, not inserted all
        # over it: 3-4x less time for 200,000 messages). The folders' signatures are set in
        # the same transaction, so a build cut short leaves nothing that looks indexed.
        self._bulk = self.count() == 0
        signatures: list[tuple[str, int]] = []
        if self._bulk:
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS pending_messages AS SELECT * FROM messages WHERE 0")
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS pending_terms (hash BLOB, kind INTEGER, message INTEGER)")
        try:
            with Scanner(self._key, workers) as scanner:
                for folder in current:
                    if wanted is not None and folder not in wanted:
                        continue
                    stats.folders += 1
                    signature = source.signature(folder)
                    row = self.db.execute("SELECT id, signature FROM folders WHERE name = ?", (folder,)).fetchone()
                    if row is not None and row[1] == signature:
                        continue
                    stats.folders_changed += 1
                    folder_id = row[0] if row else self.db.execute("INSERT INTO folders (name) VALUES (?)", (folder,)).lastrowid
                    added, removed, broken = self._refresh_folder(source, folder, folder_id, progress, scanner)
                    stats.added += added
                    stats.removed += removed
                    stats.broken += broken
                    signatures.append((signature, folder_id))
                    if not self._bulk:
                        with self.db:
                            self.db.executemany("UPDATE folders SET signature = ? WHERE id = ?", signatures)
                        signatures.clear()
            if self._bulk:
                with self.db:
                    self.db.execute("INSERT INTO messages SELECT * FROM pending_messages")
                    self.db.execute("INSERT INTO terms SELECT hash, kind, message FROM pending_terms ORDER BY hash, kind, message")
                    self.db.executemany("UPDATE folders SET signature = ? WHERE id = ?", signatures)
        finally:
            if self._bulk:
                self.db.execute("DROP TABLE IF EXISTS pending_messages")
                self.db.execute("DROP TABLE IF EXISTS pending_terms")
                self._bulk = False
            self.db.execute("PRAGMA synchronous=NORMAL")
        stats.messages = self.db.execute("SELECT count(*) FROM messages").fetchone()[0]
        stats.seconds = time.perf_counter() - started
        return stats

    def _drop_folder(self, folder_id: int) -> int:
        ids = [r[0] for r in self.db.execute("SELECT id FROM messages WHERE folder = ?", (folder_id,))]
        self._delete(ids)
        self.db.execute("DELETE FROM broken WHERE folder = ?", (folder_id,))
        self.db.execute("DELETE FROM folders WHERE id = ?", (folder_id,))
        return len(ids)

    def _delete(self, ids: list[int]) -> None:
        # A message's terms are deleted by their keys, kept with the message (``hashes``,
        # ``kinds``): an index of terms by message would cost every build a second B-tree
        # insert per term, for deletions that are rare.
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT id, hashes, kinds FROM messages WHERE id IN ({marks})", chunk)  # noqa: S608 - placeholders only
            self.db.executemany("DELETE FROM terms WHERE hash = ? AND kind = ? AND message = ?",
                                [term for message, hashes, kinds in rows for term in _terms_of(message, hashes, kinds)])
            self.db.execute(f"DELETE FROM messages WHERE id IN ({marks})", chunk)  # noqa: S608

    def _refresh_folder(
        self,
        source: MailSource,
        folder: str,
        folder_id: int,
        progress: Callable[[int], None] | None,
        scanner: Scanner,
    ) -> tuple[int, int, int]:
        known = {loc: (mid, hint) for mid, loc, hint in self.db.execute(
            "SELECT id, locator, hint FROM messages WHERE folder = ?", (folder_id,))}
        broken_known = {loc for (loc,) in self.db.execute("SELECT locator FROM broken WHERE folder = ?", (folder_id,))}
        listing = source.listing(folder)
        gone = [mid for loc, (mid, _) in known.items() if loc not in listing]
        if gone and hasattr(source, "format"):
            # An mbox file rewritten (not just grown): offsets moved, so index it anew.
            gone = [mid for mid, _ in known.values()]
            known, broken_known = {}, set()
        with self.db:
            self._delete(gone)
            self.db.execute("DELETE FROM broken WHERE folder = ?", (folder_id,))
        still = {loc: hint for loc, (_, hint) in known.items() if loc in listing}
        still.update({loc: "" for loc in broken_known if loc in listing})
        added = broken = 0
        messages: list[tuple] = []
        terms: list[tuple[bytes, int, int]] = []
        bad: list[tuple[int, str]] = []
        table = "pending_messages" if self._bulk else "messages"
        next_id = (self.db.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0) + 1  # noqa: S608 - a table name of ours
        files = source.new_files(folder, still)
        stored: Iterator[tuple[tuple[str, str], bytes | str]] = (
            (((locator, hint), path) for locator, hint, path in files) if files is not None
            else (((s.locator, s.hint), s.raw) for s in source.read_new(folder, still))
        )
        for (locator, hint), entry in scanner.scan(stored, expected=len(listing) - len(still)):
            if isinstance(entry, Unread):
                if entry.reason == "gone":
                    continue  # moved or deleted since the listing: the next refresh sees it
                raise source.error(f"message {folder}/{locator} can't be read ({entry.reason})")
            if entry is None:
                bad.append((folder_id, locator))
                broken += 1
            else:
                messages.append(self._row(entry, folder_id, locator, hint, next_id, terms))
                next_id += 1
                added += 1
            if progress is not None:
                progress(1)
            if len(messages) >= WRITE_BATCH:
                self._write(messages, terms, bad)
        self._write(messages, terms, bad)
        # Messages known broken before and still there stay listed as broken.
        with self.db:
            self.db.executemany(
                "INSERT OR IGNORE INTO broken VALUES (?, ?)",
                [(folder_id, loc) for loc in broken_known if loc in listing],
            )
        return added, len(gone), broken

    @staticmethod
    def _row(entry: Entry, folder_id: int, locator: str, hint: str, message_id: int,
             terms: list[tuple[bytes, int, int]]) -> tuple:
        terms.extend(_terms_of(message_id, entry.hashes, entry.kinds))
        return (message_id, folder_id, locator, hint, entry.date, int(entry.quotes), entry.own_id, entry.hashes, entry.kinds)

    def _write(self, messages: list[tuple], terms: list[tuple[bytes, int, int]], bad: list[tuple[int, str]]) -> None:
        # In hash order: the terms B-tree is keyed by hash, and sorted inserts touch each of
        # its pages once per batch instead of once per term.
        # A bulk build writes unindexed pending tables, sorted and merged once at its end.
        table, terms_insert = ("pending_", "INSERT") if self._bulk else ("", "INSERT OR IGNORE")
        if not self._bulk:
            terms.sort()
        with self.db:
            self.db.executemany(f"INSERT INTO {table}messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", messages)
            self.db.executemany(f"{terms_insert} INTO {table}terms VALUES (?, ?, ?)", terms)
            self.db.executemany("INSERT OR IGNORE INTO broken VALUES (?, ?)", bad)
        messages.clear()
        terms.clear()
        bad.clear()

    # -- searching ----------------------------------------------------------------------

    def broken(self) -> list[tuple[str, str]]:
        """(folder, locator) of every message that could not be read."""
        return list(self.db.execute(
            "SELECT f.name, b.locator FROM broken b JOIN folders f ON f.id = b.folder ORDER BY 1, 2"))

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM messages").fetchone()[0]

    def known_name(self, folded: str) -> bool:
        """Whether the archive's headers name someone so (a display name, folded)."""
        row = self.db.execute(
            "SELECT 1 FROM terms WHERE hash = ? AND kind = ? LIMIT 1",
            (self.digest("fullname", folded), NAME_HEADER),
        ).fetchone()
        return row is not None

    def find(self, emails: Iterable[str], phones: Iterable[str], name: str | None) -> dict[int, Hit]:
        """Messages naming the person: by address header, by identifier in the text, by name
        (candidates only), and replies in their threads (``Hit.thread``: candidates the
        connector checks for a quote of the person's text), never through a Message-ID two
        different messages carry."""
        wanted: dict[bytes, str] = {}
        for value in emails:
            wanted[self.digest("email", value)] = "email"
        for value in phones:
            wanted[self.digest("phone", value)] = "phone"
        name_key = person_name_key(name) if name else None
        if name_key:
            wanted[self.digest("name", name_key)] = "name"
        hits: dict[int, Hit] = {}
        for h, kind, message in self._terms(list(wanted)):
            hit = hits.setdefault(message, Hit(message))
            if kind in KIND_ROLE:
                hit.roles.add(KIND_ROLE[kind])
            elif kind in (TEXT_EMAIL, TEXT_PHONE):
                hit.in_text.add(wanted[h])
            elif kind in (NAME_HEADER, NAME_TEXT):
                hit.name = True
        # Threads: replies (to replies …) of a message the person wrote. Candidates only:
        # the connector releases a reply reached so only when it quotes the person's own
        # text. A Message-ID that two different messages carry (a mailer writing a constant
        # one) links nothing: a reply to it may answer either.
        frontier = [m for m, hit in hits.items() if hit.roles & AUTHOR_ROLES]
        for _ in range(50):
            ids = self._message_ids(frontier)
            reused = self._reused(ids)
            ids = [i for i in ids if i not in reused]
            if not ids:
                break
            frontier = []
            for _, _, message in self._terms(ids, kinds=(PARENT,)):
                hit = hits.get(message)
                if hit is None or not (hit.roles or hit.in_text or hit.thread):
                    hit = hits.setdefault(message, Hit(message))
                    hit.thread = True
                    frontier.append(message)
        return hits

    def reused_ids(self, message_ids: Iterable[str]) -> set[str]:
        """Those of ``message_ids`` (as written, without ``<>``) that two different messages
        carry: a reply naming one of them can't say which it answers."""
        by_hash = {self.digest("msgid", m): m for m in message_ids}
        return {by_hash[h] for h in self._reused(list(by_hash))}

    def _reused(self, hashes: list[bytes]) -> set[bytes]:
        """Message-ID hashes carried by more than one message, copies of one message (the
        sent copy and the one delivered, the same message filed in two folders: the same
        date and the same terms but the delivery's own) aside."""
        carriers: dict[bytes, list[int]] = {}
        for h, _, message in self._terms(hashes, kinds=(MESSAGE_ID,)):
            carriers.setdefault(h, []).append(message)
        reused = set()
        for h, messages in carriers.items():
            if len(messages) < 2:
                continue
            marks = ",".join("?" * len(messages))
            rows = self.db.execute(
                f"SELECT id, date, hashes, kinds FROM messages WHERE id IN ({marks})", messages)  # noqa: S608 - placeholders only
            copies = {(date, frozenset((t, k) for t, k, _ in _terms_of(mid, hashes_, kinds) if k != DELIVERED_TO))
                      for mid, date, hashes_, kinds in rows}
            if len(copies) > 1:
                reused.add(h)
        return reused

    def _terms(self, hashes: list[bytes], kinds: tuple[int, ...] | None = None) -> Iterator[tuple[bytes, int, int]]:
        for start in range(0, len(hashes), BATCH):
            chunk = hashes[start : start + BATCH]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT hash, kind, message FROM terms WHERE hash IN ({marks})"  # noqa: S608 - placeholders only
            for row in self.db.execute(sql, chunk):
                if kinds is None or row[1] in kinds:
                    yield row

    def _message_ids(self, messages: list[int]) -> list[bytes]:
        out = []
        for start in range(0, len(messages), BATCH):
            chunk = messages[start : start + BATCH]
            marks = ",".join("?" * len(chunk))
            out += [r[0] for r in self.db.execute(
                f"SELECT message_id FROM messages WHERE id IN ({marks}) AND message_id IS NOT NULL", chunk)]  # noqa: S608
        return out

    def messages(self, ids: Iterable[int]) -> list[IndexedMessage]:
        ids = sorted(ids)
        out = []
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            marks = ",".join("?" * len(chunk))
            out += [IndexedMessage(*row[:5], bool(row[5])) for row in self.db.execute(
                "SELECT m.id, f.name, m.locator, m.hint, m.date, m.quotes FROM messages m "
                f"JOIN folders f ON f.id = m.folder WHERE m.id IN ({marks})", chunk)]  # noqa: S608
        return sorted(out, key=lambda m: (m.date or 0, m.id))


def _terms_of(message: int, hashes: bytes, kinds: bytes) -> Iterator[tuple[bytes, int, int]]:
    return ((hashes[i : i + HASH_BYTES], kind, message) for i, kind in zip(range(0, len(hashes), HASH_BYTES), kinds, strict=True))


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    # Terms arrive in hash order, i.e. at random places of the B-tree: a larger page cache
    # keeps a big archive's build from waiting on the disk.
    db.execute("PRAGMA cache_size=-65536")
    db.executescript(SCHEMA)
    return db


def index_path(cache_dir: Path, system_id: str) -> Path:
    return cache_dir / "mail-index" / f"{system_id}.sqlite"


def open_index(path: Path, data_key: DataKey) -> MailIndex:
    return MailIndex(path, data_key).open()


__all__ = ["Hit", "IndexedMessage", "MailIndex", "RefreshStats", "index_path", "name_pairs", "open_index"]
