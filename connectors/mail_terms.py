"""What one message leaves in the mail index: its keyed-hash terms, date and thread ids.

Kept apart from ``connectors.mail_index`` (which stores and searches) because it is the hot
path of a build and may run in worker processes: ``message_entry(raw, key)`` is a pure
function of the message's bytes and the index's key, and ``Scanner`` runs it either in the
calling process or, for a build of many messages, in a pool of processes (one per core)
while the caller writes SQLite; a Maildir file is read by the worker itself.

Terms are returned as one ``bytes`` of 16-byte hashes and one ``bytes`` of kinds (cheap to
send between processes); nothing in clear leaves this module.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from hashlib import blake2b
from typing import NamedTuple

from dsar.mail_message import MailMessage, MessageUnreadable, parse
from dsar.names import fold_name
from dsar.textscan import email_key, find_identifiers

HASH_BYTES = 16
ROLE_KIND = {"from": 1, "to": 2, "cc": 3, "bcc": 4, "reply-to": 5, "sender": 6, "delivered-to": 7}
TEXT_EMAIL, TEXT_PHONE = 10, 11
NAME_HEADER, NAME_TEXT = 20, 21
MESSAGE_ID, PARENT = 30, 31

PARALLEL_MIN = 500
"""New messages from which a build parses in worker processes (below, starting them costs
more than it saves)."""
_BATCH = 250
_IN_FLIGHT = 4
"""Batches queued per worker: enough to keep them busy, few enough to bound memory."""

_CAPITAL_RUN = re.compile(r"[A-ZÆØÅÄÖÜÉ][\wæøåÆØÅ'-]+(?:[ \u00a0]+[A-ZÆØÅÄÖÜÉ][\wæøåÆØÅ'-]+)+")
_fold_cache: dict[str, str] = {}


class Entry(NamedTuple):
    """A readable message's part of the index."""

    date: int | None
    quotes: bool
    own_id: bytes | None
    hashes: bytes
    """``HASH_BYTES`` per term, in the order of ``kinds``."""
    kinds: bytes


class Unread(NamedTuple):
    """A message file that couldn't be read: ``gone`` (moved or deleted since the listing;
    the next refresh sees it) or the system's reason."""

    reason: str


def read_file(path: str) -> bytes | Unread:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return Unread("gone")
    except OSError as exc:
        return Unread(exc.strerror or type(exc).__name__)


def hasher(key: bytes) -> blake2b:
    """The keyed BLAKE2b every term is hashed with; ``digest`` copies it (keying costs a
    compression per call, a copy doesn't). BLAKE2b keyed is a MAC (a PRF under the key)."""
    return blake2b(key=key, digest_size=HASH_BYTES)


def digest(base: blake2b, group: str, value: str) -> bytes:
    h = base.copy()
    h.update(f"{group}\x00{value}".encode())
    return h.digest()


def fold(word: str) -> str:
    value = _fold_cache.get(word)
    if value is None:
        value = fold_name(word)
        if len(_fold_cache) < 200_000:
            _fold_cache[word] = value
    return value


def name_pairs(text: str) -> set[str]:
    """Folded pairs of capitalised words (neighbours, and first-and-third of three): what a
    name written as "Kari Nordmann" or "Kari Anne Nordmann" leaves in the index."""
    pairs: set[str] = set()
    for run in _CAPITAL_RUN.finditer(text):
        words = [fold(w) for w in run.group(0).split()]
        for i in range(len(words) - 1):
            pairs.add(f"{words[i]} {words[i + 1]}")
            if i + 2 < len(words):
                pairs.add(f"{words[i]} {words[i + 2]}")
    return pairs


def distinct_texts(message: MailMessage) -> list[str]:
    """Subject and texts, the HTML twin of a plain body left out (it says the same)."""
    has_plain = any(p.html is None for p in message.body_parts)
    return [message.subject, *(p.text for p in message.parts
                               if p.text and not (has_plain and p.html is not None and not p.attachment))]


def message_terms(message: MailMessage) -> set[tuple[int, str, str]]:
    """(kind, group, value) of every term of the message, values normalised, in clear: the
    caller hashes them at once."""
    terms: set[tuple[int, str, str]] = set()
    add = terms.add
    for role, pairs in message.addresses.items():
        kind = ROLE_KIND[role]
        for display, address in pairs:
            key = email_key(address) if "@" in address else None
            if key:
                add((kind, "email", key))
            if display and "@" not in display:
                words = fold(display).split()
                if len(words) >= 2:
                    add((NAME_HEADER, "name", f"{words[0]} {words[-1]}"))
                    add((NAME_HEADER, "fullname", " ".join(words)))
    # One scan over all the texts: nothing an identifier or a name pair is made of crosses
    # an empty line, so joining them finds what scanning each would.
    text = "\n\n".join(t for t in distinct_texts(message) if t)
    for found in find_identifiers(text):
        add((TEXT_EMAIL if found.kind == "email" else TEXT_PHONE, found.kind, found.value))
    for pair in name_pairs(text):
        add((NAME_TEXT, "name", pair))
    if message.message_id:
        add((MESSAGE_ID, "msgid", message.message_id))
    for parent in message.parents:
        add((PARENT, "msgid", parent))
    return terms


def message_entry(raw: bytes | str, base: blake2b) -> Entry | Unread | None:
    """The entry of the message in ``raw`` (or in the file named so), None when it is no
    message at all."""
    if isinstance(raw, str):
        read = read_file(raw)
        if isinstance(read, Unread):
            return read
        raw = read
    try:
        message = parse(raw)
    except MessageUnreadable:
        return None
    digests: dict[tuple[str, str], bytes] = {}
    hashes = bytearray()
    kinds = bytearray()
    for kind, group, value in message_terms(message):
        h = digests.get((group, value))
        if h is None:
            h = digests[(group, value)] = digest(base, group, value)
        hashes += h
        kinds.append(kind)
    own_id = digests[("msgid", message.message_id)] if message.message_id else None
    date = int(message.date.timestamp()) if message.date is not None else None
    return Entry(date, message.quotes, own_id, bytes(hashes), bytes(kinds))


# -- in worker processes ------------------------------------------------------------------------

_worker_base: blake2b | None = None


def _worker_init(key: bytes) -> None:
    global _worker_base
    _worker_base = hasher(key)


def _worker_batch(raws: list[bytes | str]) -> list[Entry | Unread | None]:
    assert _worker_base is not None
    return [message_entry(raw, _worker_base) for raw in raws]


def worker_count() -> int:
    """Processes to parse in: the cores this process may use (``DSAR_MAIL_WORKERS`` sets it;
    0 or 1 parses in the calling process)."""
    wanted = os.environ.get("DSAR_MAIL_WORKERS")
    if wanted is not None and wanted.strip().isdigit():
        return int(wanted)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Scanner:
    """Turns stored messages into entries, in order: in this process, or in a pool started
    on the first ``scan`` of at least ``PARALLEL_MIN`` messages and kept until ``close``."""

    def __init__(self, key: bytes, workers: int | None = None) -> None:
        self._key = key
        self._base = hasher(key)
        self._workers = worker_count() if workers is None else workers
        self._pool: ProcessPoolExecutor | None = None
        self._total = 0

    def __enter__(self) -> Scanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    @property
    def parallel(self) -> bool:
        return self._pool is not None

    def scan(self, stored: Iterable[tuple[object, bytes | str]], expected: int) -> Iterator[tuple[object, Entry | Unread | None]]:
        """(tag, entry) for each (tag, raw) of ``stored``, in order; a ``str`` raw is a file to
        read (by the worker, so the message's bytes never pass through a pipe). ``expected``
        is how many there will be (roughly), to decide whether a pool is worth it."""
        self._total += expected
        pool = self._start() if self._total >= PARALLEL_MIN else None
        if pool is None:
            base = self._base
            for tag, raw in stored:
                yield tag, message_entry(raw, base)
            return
        # A bounded window of batches in flight, read in order: the archive is read while
        # the workers parse, and memory holds only a few batches.
        window: deque[tuple[list[object], Future[list[Entry | Unread | None]]]] = deque()
        tags: list[object] = []
        raws: list[bytes | str] = []
        limit = _IN_FLIGHT * self._workers
        for tag, raw in stored:
            tags.append(tag)
            raws.append(raw)
            if len(raws) >= _BATCH:
                window.append((tags, pool.submit(_worker_batch, raws)))
                tags, raws = [], []
                if len(window) >= limit:
                    yield from _results(window.popleft())
        if raws:
            window.append((tags, pool.submit(_worker_batch, raws)))
        while window:
            yield from _results(window.popleft())

    def _start(self) -> ProcessPoolExecutor | None:
        if self._pool is None and self._workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            try:
                # fork: the workers have every module already and run only the pure
                # functions above (no lock, file or database of the parent's); spawn would
                # import the caller's main module again in each of them.
                context = multiprocessing.get_context("fork")
                self._pool = ProcessPoolExecutor(self._workers, mp_context=context,
                                                 initializer=_worker_init, initargs=(self._key,))
            except (OSError, AssertionError, ValueError):
                # No processes to be had (a daemon process, limits): parse here instead.
                self._workers = 1
                self._pool = None
        return self._pool


def _results(item: tuple[list[object], Future[list[Entry | Unread | None]]]) -> Iterator[tuple[object, Entry | Unread | None]]:
    tags, result = item
    yield from zip(tags, result.result(), strict=True)
