"""A sidecar index for a CSV collection, so a lookup reads the matching records, not the file.

Built once per version of the file, on the first lookup that needs it, and kept in the
workspace at ``cache/csv-index/<system>/<collection>.idx``. It maps every searchable value of
a record to where the record starts: normalised e-mails and phones (as ``looks_like_email``
and ``looks_like_phone`` give them) in the identity columns, and the stripped text of the
columns references are followed by (``exact`` conditions).

File layout::

    b"DSAR-CSV-INDEX\\n"  u32 length  JSON header  entries…

The header holds what the index was built for (``IndexSpec``: encoding, delimiter, indexed
columns, checked columns), the file's signature and the entry key, sealed with the workspace
data key. Entries are fixed-width ``hash(16) | byte offset (u64) | first line (u64)``, sorted,
so a lookup binary-searches a memory map: neither RAM nor a scan grows with the file.

No personal data in clear: a value's hash is HMAC-SHA256 over ``kind, column, value``
truncated to 16 bytes, under a random 256-bit key made for each build and stored only sealed
(``DataKey.seal``). Without the data key the hashes can't be tested against guesses, and two
builds (two versions of a file) don't share hashes. Another data key, a changed
configuration or an unknown layout makes the index stale, never wrong: it is rebuilt.

Invalidation: the signature is the file's size, ``mtime_ns`` and ``ctime_ns`` plus a keyed hash
of its first and last 64 KiB, checked (one ``fstat``, two small reads) before every lookup on
the handle the records are then read from. A full-file hash would be exact but costs the very
scan the index avoids; ``ctime`` can't be set back by ``touch``, so a rewrite that keeps size
and mtime is still seen. A file that changes while it is indexed is indexed again.

Building streams the file once and never holds it: entries are sorted in runs of
``RUN_ENTRIES`` spilled to temporary files and merged, at most ``FAN_IN`` at a time. The new
index is written to a temporary file and renamed into place, so readers see the old index or
the new one, never half of one.

Only encodings where a byte offset is a safe place to start decoding and ``\\n`` is the byte
0x0A are indexed: UTF-8 and single-byte encodings (cp1252, ISO-8859-x, …). UTF-16 and other
multi-byte or stateful encodings are searched by the connector's streaming scan.
"""

from __future__ import annotations

import bisect
import codecs
import functools
import heapq
import hmac
import json
import mmap
import os
import re
import secrets
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from dsar.errors import DecryptionError
from dsar.identity import looks_like_email, looks_like_phone, mailbox

if TYPE_CHECKING:
    from connectors.base import Condition
    from dsar.crypto import DataKey

FORMAT = 4
"""Bumped when the layout or the way values are read changes; older indexes are rebuilt.
(4: a column under a blank header cell is read with the named column to its left.)"""
MAGIC = b"DSAR-CSV-INDEX\n"
ENTRY = struct.Struct(">16sQQ")
HASH_BYTES = 16
EDGE_BYTES = 64 * 1024
RUN_ENTRIES = 4096
"""Entries sorted in memory before they are spilled: ~0.3 MB, whatever the file's size."""
FAN_IN = 64
"""Runs merged at once (one open file and a small buffer each)."""
_KEY_CONTEXT = b"dsar-csv-index-v1"
_MAX_HEADER = 1024 * 1024
_MAX_ATTEMPTS = 3

Rows = Iterable[tuple[int, int, Mapping[str, Any]]]
"""(byte offset, first line, row) of every data row, in file order."""


class SourceChanged(Exception):
    """The file kept changing while it was being indexed; a later search can try again."""


@dataclass(frozen=True)
class IndexSpec:
    """What an index is built for. An index built for another spec is rebuilt.

    ``fields``: (column, condition kind) pairs indexed. ``required``: the columns the build
    checked the header for (the scan's checks, so a lookup through the index refuses the
    same files the scan does).
    """

    encoding: str
    delimiter: str
    fields: tuple[tuple[str, str], ...]
    required: tuple[str, ...]

    def serves(self, conditions: Sequence[Condition]) -> bool:
        """Whether every condition is on a column indexed for its kind."""
        indexed = set(self.fields)
        return bool(conditions) and all((c.field, c.kind) in indexed for c in conditions)

    def as_json(self) -> dict[str, Any]:
        return {
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "fields": [list(f) for f in self.fields],
            "required": list(self.required),
        }


@functools.lru_cache(maxsize=64)
def seekable(encoding: str) -> bool:
    """Whether records of a file in ``encoding`` can be decoded from their byte offset.

    True for UTF-8 and for single-byte encodings whose only newline byte is 0x0A: every byte
    decodes on its own (or is invalid), so no character spans a line start.
    """
    name = codecs.lookup(encoding).name
    if name in ("utf-8", "utf-8-sig"):
        return True
    for byte in range(256):
        decoder = codecs.getincrementaldecoder(name)(errors="strict")
        try:
            text = decoder.decode(bytes([byte]))
        except UnicodeDecodeError:
            continue
        if len(text) != 1 or (text == "\n") != (byte == 0x0A):
            return False
    return True


def locate(
    index_file: Path,
    spec: IndexSpec,
    data_key: DataKey,
    source: BinaryIO,
    rows: Callable[[], Rows],
    conditions: Sequence[Condition],
) -> list[tuple[int, int]]:
    """(byte offset, first line) of every record holding a value the conditions ask for.

    Sorted by offset (file order), each record once. The index is checked against
    ``source`` (the open file the records will be read from) and built first when missing
    or stale: ``rows()`` must then stream every data row of ``source`` from its start, and
    raise the connector's own error for a broken file. The records found are candidates:
    the caller applies the conditions to them, so a hash collision can't add a record.

    Raises ``SourceChanged`` if the file changed during every attempt to index it, and
    ``OSError`` if the index can't be written or read.
    """
    probes = [probe for condition in conditions for probe in _probes(condition)]
    for _ in range(_MAX_ATTEMPTS):
        index = _Index.open(index_file, spec, data_key)
        if index is not None:
            with index:
                if index.fresh(source):
                    found = {place for probe in probes for place in index.find(probe)}
                    return sorted(found)
        try:
            _build(index_file, spec, data_key, source, rows)
        except SourceChanged:
            continue
    raise SourceChanged


# -- values ------------------------------------------------------------------------------------

# Spellings whose normalised form is known without parsing (parsing every cell of a large
# file is most of the build time). For these, looks_like_email / looks_like_phone return
# exactly this form or None (not an e-mail or phone at all); a candidate that is not really
# one can't match, because the caller applies the real test to every record found. Anything
# else goes through the real normaliser.
_PLAIN_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")
_PLAIN_NORWEGIAN_PHONE = re.compile(r"(?:\+47|0047)?([2-9]\d{7})")


def email_key(cell: str) -> str | None:
    """The form a cell's e-mail is indexed under: ``looks_like_email(cell)`` when it is one."""
    text = cell.strip()
    # An internationalised domain written in ASCII (xn--…) is decoded by the real normaliser.
    if text.isascii() and _PLAIN_EMAIL.fullmatch(text) and "xn--" not in text.lower():
        return text.lower()
    return looks_like_email(cell)


def phone_key(cell: str) -> str | None:
    """The form a cell's phone is indexed under: ``looks_like_phone(cell)`` when it is one."""
    match = _PLAIN_NORWEGIAN_PHONE.fullmatch(cell.replace(" ", "").replace("-", ""))
    if match:
        return "+47" + match.group(1)
    return looks_like_phone(cell)


def _cell_key(kind: str, cell: Any) -> str | None:
    """The text a cell is indexed under for ``kind``, or None when it holds no such value."""
    if not isinstance(cell, str):
        return None
    if kind == "email":
        # Indexed under the mailbox it reaches (``kari+butikk@`` under ``kari@``), as compared.
        key = email_key(cell) if "@" in cell else None
        return mailbox(key) if key else None
    if kind == "phone":
        return phone_key(cell)
    return cell.strip()


def _probes(condition: Condition) -> Iterator[tuple[str, str, str]]:
    """(kind, column, text) to look up for a condition, compared as the connector's matchers
    compare: e-mails and phones arrive normalised; ``exact`` compares stripped text. Hashed
    once the index's key is known (each build has its own)."""
    for value in condition.values:
        text = str(value)
        if condition.kind == "email":
            text = mailbox(text)
        yield condition.kind, condition.field, text.strip() if condition.kind == "exact" else text


class _Hasher:
    """Keyed hashes under one index's key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, kind: str, field: str, value: str) -> bytes:
        """A value's entry hash: kind and column keep equal text in two columns apart."""
        message = "\x00".join((kind, field, value)).encode("utf-8", "surrogatepass")
        return hmac.digest(self._key, message, "sha256")[:HASH_BYTES]

    def edges(self, size: int, head: bytes, tail: bytes) -> str:
        message = b"edges\x00" + struct.pack(">Q", size) + head + b"\x00" + tail
        return hmac.digest(self._key, message, "sha256").hex()


# -- the index file ----------------------------------------------------------------------------


class _Index:
    """An index file open for lookups: its header read, its entries memory-mapped."""

    def __init__(
        self,
        handle: BinaryIO,
        view: mmap.mmap | None,
        start: int,
        header: dict[str, Any],
        key: bytes,
    ) -> None:
        self._handle = handle
        self._view = view
        self._start = start
        self._count = (len(view) - start) // ENTRY.size if view is not None else 0
        self._source = header["source"]
        self._hash = _Hasher(key)

    @classmethod
    def open(cls, path: Path, spec: IndexSpec, data_key: DataKey) -> _Index | None:
        """The index at ``path`` if it was built for ``spec`` under this data key, else None."""
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            return None
        try:
            prefix = handle.read(len(MAGIC) + 4)
            if len(prefix) != len(MAGIC) + 4 or not prefix.startswith(MAGIC):
                raise ValueError("not an index")
            (length,) = struct.unpack(">I", prefix[len(MAGIC) :])
            if length > _MAX_HEADER:
                raise ValueError("not an index header")
            header = json.loads(handle.read(length).decode("utf-8"))
            if not isinstance(header, dict) or not isinstance(header.get("key"), str):
                raise ValueError("not an index header")
            if header.get("format") != FORMAT or header.get("spec") != spec.as_json():
                raise ValueError("built for another format or configuration")
            key = data_key.open_sealed(header["key"], _KEY_CONTEXT)
            start = len(MAGIC) + 4 + length
            size = os.fstat(handle.fileno()).st_size
            if size < start or (size - start) % ENTRY.size:
                raise ValueError("truncated")
            view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size > start else None
            return cls(handle, view, start, header, key)
        except (ValueError, KeyError, TypeError, DecryptionError, struct.error):
            handle.close()
            return None
        except BaseException:
            handle.close()
            raise

    def close(self) -> None:
        if self._view is not None:
            self._view.close()
        self._handle.close()

    def __enter__(self) -> _Index:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def fresh(self, source: BinaryIO) -> bool:
        """Whether the index was built from the file ``source`` holds now."""
        return _signature(source, self._hash) == self._source

    def find(self, probe: tuple[str, str, str]) -> Iterator[tuple[int, int]]:
        """(offset, line) of every entry for ``probe`` (kind, column, text)."""
        if self._view is None:
            return
        digest = self._hash(*probe)
        hashes = _Hashes(self._view, self._start, self._count)
        position = bisect.bisect_left(hashes, digest)
        while position < self._count and hashes[position] == digest:
            at = self._start + position * ENTRY.size
            _, offset, line = ENTRY.unpack_from(self._view, at)
            yield offset, line
            position += 1


class _Hashes(Sequence[bytes]):
    """The hash column of the entries, for ``bisect`` over the memory map."""

    def __init__(self, view: mmap.mmap, start: int, count: int) -> None:
        self._view, self._start, self._count = view, start, count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, position: Any) -> Any:
        at = self._start + position * ENTRY.size
        return self._view[at : at + HASH_BYTES]


def _signature(source: BinaryIO, hasher: _Hasher) -> dict[str, Any]:
    """Size, times and a keyed hash of the first and last ``EDGE_BYTES`` of an open file."""
    status = os.fstat(source.fileno())
    size = status.st_size
    source.seek(0)
    head = source.read(min(size, EDGE_BYTES))
    source.seek(max(0, size - EDGE_BYTES))
    tail = source.read(EDGE_BYTES)
    return {
        "size": size,
        "mtime_ns": status.st_mtime_ns,
        "ctime_ns": status.st_ctime_ns,
        "edges": hasher.edges(size, head, tail),
    }


# -- building ----------------------------------------------------------------------------------


def _build(
    path: Path, spec: IndexSpec, data_key: DataKey, source: BinaryIO, rows: Callable[[], Rows]
) -> None:
    """Index every row of ``source`` and put the index at ``path`` atomically."""
    key = secrets.token_bytes(32)
    hasher = _Hasher(key)
    before = _signature(source, hasher)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}.") as scratch:
        runs = _sorted_runs(Path(scratch), spec, hasher, rows())
        after = os.fstat(source.fileno())
        if (after.st_size, after.st_mtime_ns, after.st_ctime_ns) != (
            before["size"], before["mtime_ns"], before["ctime_ns"],
        ):
            raise SourceChanged
        header = json.dumps(
            {
                "format": FORMAT,
                "spec": spec.as_json(),
                "source": before,
                "key": data_key.seal(key, _KEY_CONTEXT),
            }
        ).encode("utf-8")
        partial = Path(scratch) / "index"
        with partial.open("wb") as out:
            out.write(MAGIC + struct.pack(">I", len(header)) + header)
            previous = None
            for entry in _merged(Path(scratch), runs):
                if entry != previous:
                    out.write(entry)
                previous = entry
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)


def _sorted_runs(scratch: Path, spec: IndexSpec, hasher: _Hasher, rows: Rows) -> list[Path]:
    """Entries of every row, sorted in runs of ``RUN_ENTRIES`` written to ``scratch``."""
    runs: list[Path] = []
    run: list[bytes] = []
    for offset, line, row in rows:
        for field, kind in spec.fields:
            value = _cell_key(kind, row.get(field))
            if value is not None:
                run.append(ENTRY.pack(hasher(kind, field, value), offset, line))
        if len(run) >= RUN_ENTRIES:
            runs.append(_spill(scratch, run))
            run = []
    if run or not runs:
        runs.append(_spill(scratch, run))
    return runs


def _spill(scratch: Path, entries: list[bytes]) -> Path:
    entries.sort()
    path = scratch / f"run-{secrets.token_hex(8)}"
    with path.open("wb") as out:
        out.writelines(entries)
    return path


def _merged(scratch: Path, runs: list[Path]) -> Iterator[bytes]:
    """Every entry of ``runs`` in order, merging at most ``FAN_IN`` files at a time."""
    while len(runs) > FAN_IN:
        merged = []
        for start in range(0, len(runs), FAN_IN):
            group = runs[start : start + FAN_IN]
            path = scratch / f"run-{secrets.token_hex(8)}"
            with path.open("wb") as out:
                for entry in heapq.merge(*(_entries(p) for p in group)):
                    out.write(entry)
            for used in group:
                used.unlink()
            merged.append(path)
        runs = merged
    yield from heapq.merge(*(_entries(p) for p in runs))


def _entries(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(ENTRY.size * 128):
            for at in range(0, len(block), ENTRY.size):
                yield block[at : at + ENTRY.size]
