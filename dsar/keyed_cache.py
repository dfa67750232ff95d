"""A workspace cache of keyed hashes in SQLite (the mail index, the controller's known names).

Each cache has its own random key, sealed with the workspace's data key in the cache's
``meta`` table: nothing in it can be read or recomputed without the data key, and a cache
sealed under another key (after ``dsar keys-rotate``), of another format, or damaged is
started afresh rather than trusted.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Self

from connectors.mail_terms import digest, hasher
from dsar.errors import DecryptionError

if TYPE_CHECKING:
    from dsar.crypto import DataKey


def open_keyed(
    path: Path, data_key: DataKey, *, connect: Callable[[Path], sqlite3.Connection], fmt: str, context: bytes
) -> tuple[sqlite3.Connection, bytes]:
    """The cache's connection (``connect`` makes its schema) and its key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = connect(path)
        meta = dict(db.execute("SELECT name, value FROM meta"))
    except sqlite3.DatabaseError:
        # Damaged (a build cut short by a power cut: builds don't wait for the disk).
        meta = {}
        db = sqlite3.connect(":memory:")
    key = None
    if meta.get("format") == fmt and "key" in meta:
        try:
            key = data_key.open_sealed(meta["key"], context)
        except DecryptionError:
            key = None
    if key is None:
        # New, another format, or sealed under another data key: start afresh.
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        db = connect(path)
        key = secrets.token_bytes(32)
        with db:
            db.execute("INSERT INTO meta VALUES ('format', ?)", (fmt,))
            db.execute("INSERT INTO meta VALUES ('key', ?)", (data_key.seal(key, context),))
    path.chmod(0o600)
    return db, key


class KeyedCache:
    """A cache of this kind as an object: ``open`` it (or use it as a context manager), and
    ``db`` is its connection; ``digest`` hashes a value under the cache's key. Subclasses say
    their ``FORMAT``, key ``CONTEXT`` and schema (``connect``)."""

    FORMAT = ""
    CONTEXT = b""
    WHAT = "the cache"
    """For the error when it is used unopened."""

    def __init__(self, path: Path, data_key: DataKey) -> None:
        self.path = path
        self._data_key = data_key
        self._db: sqlite3.Connection | None = None
        self._key = b""
        self._base = hasher(b"")

    @staticmethod
    def connect(path: Path) -> sqlite3.Connection:
        raise NotImplementedError

    def keyed(self, key: bytes) -> None:
        """Set up what depends on the cache's key (its hasher)."""
        self._base = hasher(key)

    def digest(self, kind: str, value: str) -> bytes:
        # BLAKE2b in keyed mode is a MAC (a PRF under the key) and several times cheaper
        # than HMAC-SHA256, which counts when every message leaves a few dozen terms.
        return digest(self._base, kind, value)

    def open(self) -> Self:
        self._db, self._key = open_keyed(
            self.path, self._data_key, connect=self.connect, fmt=self.FORMAT, context=self.CONTEXT
        )
        self.keyed(self._key)
        return self

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Self:
        return self.open() if self._db is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError(f"{self.WHAT} is not open")
        return self._db
