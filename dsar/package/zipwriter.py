"""An AES-256 zip written member by member, each member hashed while it streams.

The zip is written to ``<name>.partial`` next to its destination and renamed into place
only by :meth:`EncryptedZip.finish`; :meth:`EncryptedZip.abort` (or leaving the ``with``
block by an exception) deletes it, so a file at the destination is always a whole package.

Encryption is WinZip AES (AE-2) with 256-bit keys, what 7-Zip, Keka and The Unarchiver
open. AE-2 stores no CRC of the plaintext, which would otherwise leak facts about small
members. Member *names* are not encrypted in any zip format: they hold system and
collection ids only, never a person's data.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import pyzipper

from dsar.errors import DsarError
from dsar.package.formats import compress_type_for

_BUFFER = 64 * 1024
# Owner-only, as every other file holding personal data in a workspace; 7-Zip applies it
# on extraction on Linux and macOS.
_FILE_MODE = 0o600 << 16


@dataclass(frozen=True)
class MemberEntry:
    """A member as the manifest lists it: path, SHA-256 of its plaintext, and size."""

    path: str
    sha256: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "size": self.size}


class MemberWriter:
    """Writes one member's bytes; hashes and counts them on the way.

    Small writes (a CSV row, a template fragment) are gathered into 64 KiB blocks, since
    every write into the zip costs an encryption and HMAC call.
    """

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self._sha = hashlib.sha256()
        self._buffer = bytearray()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._sha.update(data)
        self.size += len(data)
        if len(data) >= _BUFFER:
            # A large block (a letter, later an attachment chunk) goes straight through
            # rather than being copied into the buffer first.
            self._flush()
            self._handle.write(data)
            return
        self._buffer += data
        if len(self._buffer) >= _BUFFER:
            self._flush()

    def write_text(self, text: str) -> None:
        self.write(text.encode("utf-8"))

    def _flush(self) -> None:
        if self._buffer:
            self._handle.write(bytes(self._buffer))
            self._buffer.clear()

    def close(self) -> str:
        """Flush and close the member; returns its SHA-256 (hex)."""
        self._flush()
        self._handle.close()
        return self._sha.hexdigest()


class EncryptedZip:
    """One AES-256 zip under construction. Use as a context manager, then ``finish()``.

    ``date_time`` stamps every member (the zip format keeps local time without a zone).
    """

    def __init__(self, path: Path, password: str, date_time: datetime) -> None:
        if not password:
            raise ValueError("an encrypted package needs a password")
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.entries: list[MemberEntry] = []
        self._stamp = date_time.timetuple()[:6]
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            raise DsarError(f"package {path.name} exists already; a package is never replaced")
        # Exclusive: a second build that picked the same name fails instead of interleaving.
        self._raw = open(self.partial, "xb")  # noqa: SIM115 - closed in finish()/abort()
        try:
            self._zip = pyzipper.AESZipFile(
                self._raw, "w", compression=pyzipper.ZIP_DEFLATED, allowZip64=True
            )
            self._zip.setpassword(password.encode("utf-8"))
            self._zip.setencryption(pyzipper.WZ_AES, nbits=256)
        except BaseException:
            self._raw.close()
            self.partial.unlink(missing_ok=True)
            raise
        self._emptydir: tempfile.TemporaryDirectory[str] | None = None
        self._open_member: MemberWriter | None = None

    # -- members ------------------------------------------------------------------------

    @contextlib.contextmanager
    def member(self, name: str, *, compress_type: int | None = None) -> Iterator[MemberWriter]:
        """Stream one member; it is listed in ``entries`` once the block ends cleanly."""
        info = self._zip.zipinfo_cls(name, date_time=self._stamp)
        info.compress_type = compress_type_for(name) if compress_type is None else compress_type
        info.external_attr = _FILE_MODE
        # The size is unknown while streaming; zip64 headers keep a member over 4 GiB
        # legal at the cost of 20 bytes each.
        writer = MemberWriter(self._zip.open(info, "w", force_zip64=True))
        self._open_member = writer
        try:
            yield writer
        except BaseException:
            with contextlib.suppress(Exception):
                writer.close()
            self._open_member = None
            raise
        digest = writer.close()
        self._open_member = None
        self.entries.append(MemberEntry(name, digest, writer.size))

    def write_bytes(self, name: str, data: bytes, *, compress_type: int | None = None) -> None:
        with self.member(name, compress_type=compress_type) as out:
            out.write(data)

    def directory(self, name: str) -> None:
        """An empty directory entry (``name`` ends with ``/``); not listed in ``entries``."""
        if self._emptydir is None:
            self._emptydir = tempfile.TemporaryDirectory(prefix="dsar-pkg-")
            # The entry takes the directory's mtime; give it the package's time as well.
            stamp = time.mktime((*self._stamp, 0, 0, -1))
            os.utime(self._emptydir.name, (stamp, stamp))
        # ZipFile.write() is the public way to add a directory entry; it writes the entry
        # without encryption, as a directory holds no data.
        self._zip.write(self._emptydir.name, arcname=name)

    # -- ending -------------------------------------------------------------------------

    def finish(self) -> tuple[str, int]:
        """Close the zip, make it durable, rename it into place; returns (sha256, size)."""
        self._zip.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        self._cleanup()
        sha = hashlib.sha256()
        with open(self.partial, "rb") as handle:
            while block := handle.read(1024 * 1024):
                sha.update(block)
        size = self.partial.stat().st_size
        os.replace(self.partial, self.path)
        return sha.hexdigest(), size

    def abort(self) -> None:
        """Drop everything written: no file is left at the destination or beside it."""
        if self._open_member is not None:
            with contextlib.suppress(Exception):
                self._open_member.close()
            # A member whose close failed (a full disk) leaves the zip thinking it is still
            # being written; it is dropped whole anyway.
            self._zip._writing = False  # noqa: SLF001
        with contextlib.suppress(Exception):
            self._zip.close()
        with contextlib.suppress(Exception):
            self._raw.close()
        self._cleanup()
        self.partial.unlink(missing_ok=True)

    def _cleanup(self) -> None:
        if self._emptydir is not None:
            self._emptydir.cleanup()
            self._emptydir = None

    def __enter__(self) -> EncryptedZip:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.abort()
