"""CSV exports: one file per collection, read with the csv module.

A collection names its ``path`` (relative to the workspace, or with ``{workspace}``), its
``delimiter`` and ``encoding``. The header row gives the field names. The key is the
configured columns, or ``_line``: the line number a record starts on, not counting the header
row, so the line right below the header is 1 and ``_line`` N is line N + 1 of the file as an
editor numbers it. Blank lines are counted; a record spanning lines is numbered by its first
line. Stored review decisions and staging name records by this key, so the numbering stays
as it is; descriptions of ``_line`` in a configuration say "not counting the header row".

A lookup goes through the collection's sidecar index (``connectors.csv_index``): built once
per version of the file by one streamed pass, it gives the byte offsets of the records that
hold the person's values, and only those records are read. Conditions the index doesn't
cover, and encodings in which a byte offset is no safe place to start reading (UTF-16), are
served by reading every row instead. Either way each candidate cell is compared normalised
the way the person's identifiers were (``looks_like_email``, ``looks_like_phone``; ``exact``
compares text), so both give the same rows in the same (file) order.

The file is decoded line by line, so an undecodable byte is reported with its line number,
and nothing more than one line is ever held.

No column is dropped unseen: a blank header cell continues the named column to its left (the
export of a header merged over "etternavn | fornavn" is ``navn;;epost``), whose value is then
the cells joined ("Hansen Kari"); one with no named column to its left is named by its place
(``_kolonne_3``). See ``connectors.base.Columns``.

A broken file (wrong number of fields, undecodable bytes, bad quoting, a configured column
missing from the header, an e-mail, phone, key or reference column continued under a blank
header with values in both) is a ``ConnectorError`` naming the file and line, never the
content; it is not transient: the export must be fixed.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from pydantic import Field, field_validator

from connectors.base import (
    Columns,
    Condition,
    Connector,
    condition_test,
    config_key,
    continued_warning,
    exact_fields,
    held_name,
    looked_up_fields,
    required_fields,
    unexplained_warning,
)
from connectors.csv_index import IndexSpec, SourceChanged, locate, seekable
from dsar.config.models import Collection, System
from dsar.errors import ConnectorError, DsarError

if TYPE_CHECKING:
    from dsar.crypto import DataKey

LINE_KEY = "_line"
"""The key of a file without an id column: the record's first line, the header row not counted."""
MAX_CELL = 64 * 1024 * 1024
"""A cell may be long (a pasted e-mail, a note): the csv module's 128 KiB default would fail
the whole system over one cell. 64 MiB still stops a file that is not CSV at all."""


# -- configuration -------------------------------------------------------------------------------


class CsvCollection(Collection):
    """One CSV file. ``path`` is relative to the workspace or holds ``{workspace}``."""

    path: str = Field(min_length=1)
    delimiter: str = Field(
        default=",", description="One character: ',' or ';' as spreadsheet exports write them."
    )
    encoding: str = Field(default="utf-8", description="utf-8 (a byte-order mark is skipped), cp1252, …")

    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError("the delimiter is one character")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError as exc:
            raise ValueError(f"unknown text encoding {value!r}") from exc
        return value


class CsvSystem(System):
    """``connector = "csv"``: exports from other systems (an SMS provider, a newsletter tool)."""

    connector: Literal["csv"]
    collections: dict[str, CsvCollection] = Field(min_length=1)


# -- the connector -------------------------------------------------------------------------------


class CsvConnector(Connector):
    """A system whose collections are CSV files.

    Beyond the contract (``check``, ``select``): ``audit_schema()`` lists header columns the
    configuration doesn't explain. ``use_index = False`` makes ``select`` read every row
    (tests compare the two ways).
    """

    kind = "csv"
    config = CsvSystem
    system: CsvSystem

    use_index = True
    reference_chunk = None  # a scan or an index lookup costs the same for 5 values as 5,000

    # -- the contract ------------------------------------------------------------------------

    def keys_unique(self, collection: Collection, field: str) -> bool:
        """An export keeps no column unique: only the line number is."""
        return field == LINE_KEY

    def check(self) -> tuple[bool, str | None]:
        """Every file exists, decodes, parses and has the configured columns. Never raises.

        Reads every file to its end (streamed), so a bad byte on the last line is found
        here rather than in the middle of a request.
        """
        problems = []
        for collection in self.system.collections.values():
            try:
                for _ in self._rows(collection, self._required(collection)):
                    pass
            except ConnectorError as exc:
                problems.append(exc.args[0].removeprefix(ConnectorError.prefix(self.system.id)))
            except Exception as exc:  # noqa: BLE001 - check reports, it never raises
                problems.append(f"{self._name(collection)}: kontrollen feilet med {type(exc).__name__}")
        if problems:
            return False, ConnectorError.prefix(self.system.id) + "; ".join(problems)
        return True, None

    def select(
        self, collection: CsvCollection, conditions: Sequence[Condition]
    ) -> Iterator[dict[str, Any]]:
        """Stream every row matching any condition, as ``{header: text}`` (plus ``_line``)."""
        tests = [(c.field, condition_test(c)) for c in conditions if c.values]
        if not tests:
            return
        spec = self._index_spec(collection) if self.use_index else None
        if spec is not None and spec.serves(conditions):
            rows = self._indexed_rows(collection, spec, conditions)
        else:
            where = config_key(self.system, collection)
            asked = [(c.field, where) for c in conditions]
            rows = self._rows(collection, self._required(collection) + asked)
        for row in rows:
            if any(test(row.get(field)) for field, test in tests):
                yield row

    def held_names(self, collection: CsvCollection) -> Iterator[str]:  # type: ignore[override]
        identities = collection.identities_of("name")
        if not identities:
            return
        for row in self._rows(collection, self._required(collection)):
            for identity in identities:
                name = held_name(identity, row)
                if name:
                    yield name

    # -- tools beyond the contract -----------------------------------------------------------

    def audit_schema(self) -> list[str]:
        """Header columns neither explained in ``fields`` nor declared ``secret``, and
        searched-on columns read from several cells (continued under blank header cells).

        Raises ``ConnectorError`` if a file can't be opened or its header read.
        """
        warnings = []
        for collection in self.system.collections.values():
            columns = self._columns(collection)
            for warning in (
                unexplained_warning(self.system, collection, columns.names),
                continued_warning(self.system, collection, columns, lambda i: f"felt {i + 1}"),
            ):
                if warning:
                    warnings.append(warning)
        return warnings

    # -- the index ---------------------------------------------------------------------------

    def _index_spec(self, collection: CsvCollection) -> IndexSpec | None:
        """What the collection's index holds: e-mail and phone identities, and the columns
        references are followed by; None when the encoding can't be read from an offset."""
        if not seekable(collection.encoding):
            return None
        # Names are compared by meaning (dsar.names), not by a keyed hash of the cell: a name
        # lookup reads the file.
        fields = [
            (f, kind)
            for f, kind in looked_up_fields(self.system, collection)
            if f != LINE_KEY and kind in ("email", "phone", "exact")
        ]
        # Going down from a record, the parent collection is asked which rows hold the value
        # (``Connector._unpinned``): its reference columns are looked up too.
        fields += [
            (ref.parent_field, "exact")
            for ref in self.system.references
            if ref.parent_collection == collection.id and ref.parent_field != LINE_KEY
        ]
        return IndexSpec(
            encoding=codecs.lookup(collection.encoding).name,
            delimiter=collection.delimiter,
            fields=tuple(dict.fromkeys(fields)),
            required=tuple(dict.fromkeys(c for c, _ in self._required(collection))),
        )

    def _index_file(self, collection: CsvCollection) -> Path:
        return (
            self.workspace.root / "cache" / "csv-index" / self.system.id / f"{collection.id}.idx"
        )

    def _indexed_rows(
        self, collection: CsvCollection, spec: IndexSpec, conditions: Sequence[Condition]
    ) -> Iterator[dict[str, Any]]:
        """The rows the index points at, read from their offsets, in file order."""
        required = self._required(collection)
        index_file = self._index_file(collection)
        with self._open(collection) as handle:
            try:
                places = locate(
                    index_file,
                    spec,
                    self._data_key(),
                    handle,
                    lambda: self._located_rows(collection, handle, required),
                    conditions,
                )
            except SourceChanged:
                raise ConnectorError(
                    self.system.id,
                    f"{self._name(collection)} ble endret mens den ble indeksert; søket kan "
                    "prøves på nytt",
                    transient=True,
                ) from None
            except OSError as exc:
                raise ConnectorError(
                    self.system.id,
                    f"{self._name(collection)} kunne ikke indekseres: lesingen av filen eller indeksen "
                    f"{str(index_file)!r} feilet ({type(exc).__name__}); sjekk filen og "
                    "at arbeidsområdets cache-mappe er skrivbar",
                    transient=not isinstance(exc, (PermissionError, IsADirectoryError)),
                ) from exc
            if not places:
                return
            header = self._header_of(collection, self._records(collection, handle))
            with_line = LINE_KEY in collection.key
            for offset, line in places:
                record = next(self._records(collection, handle, offset, line), None)
                cells = record[2] if record is not None else []
                yield self._row(collection, header, cells, line, with_line)

    def _data_key(self) -> DataKey:
        try:
            return self.workspace.data_key
        except DsarError as exc:
            raise ConnectorError(
                self.system.id,
                f"CSV-søkeindeksen er forseglet med arbeidsområdets datanøkkel, som ikke "
                f"kan lastes: {exc}",
            ) from exc

    # -- reading -------------------------------------------------------------------------------

    def _path(self, collection: CsvCollection) -> Path:
        return self.workspace.resolve_path(str(collection.path))

    def _name(self, collection: CsvCollection) -> str:
        return f"samling {collection.id!r} (fil {str(self._path(collection))!r})"

    def _exact(self, collection: CsvCollection) -> frozenset[str]:
        """``exact_fields``, worked out once per collection (``_row`` asks for every row)."""
        cache: dict[str, frozenset[str]] = self.__dict__.setdefault("_exact_fields", {})
        if collection.id not in cache:
            cache[collection.id] = frozenset(exact_fields(self.system, collection))
        return cache[collection.id]

    def _required(self, collection: CsvCollection) -> list[tuple[str, str]]:
        """The searched-on fields a file must have in its header (``_line`` is not a column)."""
        where = config_key(self.system, collection)
        return [
            (field, f"{where}.{key}" if key in ("key", "identities") else f"systems.{self.system.id}.references")
            for field, key in required_fields(self.system, collection)
            if field != LINE_KEY
        ]

    def _header(self, collection: CsvCollection) -> list[str]:
        """The field names the header gives (positional names for blank leading cells)."""
        return list(self._columns(collection).names)

    def _columns(self, collection: CsvCollection) -> Columns:
        with self._open(collection) as handle:
            return self._header_of(collection, self._records(collection, handle))

    def _rows(
        self, collection: CsvCollection, needed: Sequence[tuple[str, str]]
    ) -> Iterator[dict[str, Any]]:
        """Every data row as a dict, checked against the header; blank lines skipped."""
        with self._open(collection) as handle:
            for _, _, row in self._located_rows(collection, handle, needed):
                yield row

    def _located_rows(
        self, collection: CsvCollection, handle: BinaryIO, needed: Sequence[tuple[str, str]]
    ) -> Iterator[tuple[int, int, dict[str, Any]]]:
        """(byte offset, first line, row) of every data row, reading ``handle`` from its start.

        Offsets are right only where ``csv_index.seekable`` says the encoding allows them.
        """
        records = self._records(collection, handle)
        header = self._header_of(collection, records)
        missing = [(c, key) for c, key in needed if c not in header.names]
        if missing:
            column, key = missing[0]
            names = header.names
            other = next((d for d in (";", ",", "\t", "|") if d != collection.delimiter and len(names) == 1 and d in names[0]), None)
            if other is not None:
                # A ';' export read with the default ',' has one column holding everything.
                shown = "\\t" if other == "\t" else other
                raise self._broken(
                    collection, 1,
                    f"overskriftsraden har én kolonne som inneholder {other!r}: filen ser ut til å være {other!r}-separert; "
                    f"sett {config_key(self.system, collection)}.delimiter = \"{shown}\"",
                )
            raise self._broken(
                collection, 1, f"kolonnen {column!r} finnes ikke i overskriftsraden; sjekk {key}"
            )
        with_line = LINE_KEY in collection.key
        for line, offset, cells in records:
            if cells:
                yield offset, line, self._row(collection, header, cells, line, with_line)

    def _header_of(
        self, collection: CsvCollection, records: Iterator[tuple[int, int, list[str]]]
    ) -> Columns:
        """The header: the first record of the file, checked, read as fields (``Columns``)."""
        first = next(records, None)
        if first is None:
            raise self._broken(collection, 1, "filen er tom; den skal begynne med en overskriftsrad")
        header = Columns.of([c.strip() for c in first[2]], lambda i: f"_kolonne_{i + 1}")
        repeated = header.repeated()
        if repeated:
            # Positions, never the names: a file exported without its header row would
            # put the first person's record here.
            raise self._broken(
                collection, 1, f"overskriftskolonne(r) {repeated} gjentar navnet på en tidligere kolonne"
            )
        return header

    def _row(
        self,
        collection: CsvCollection,
        header: Columns,
        cells: list[str],
        line: int,
        with_line: bool,
    ) -> dict[str, Any]:
        width = header.width
        if len(cells) != width:
            raise self._broken(
                collection, line, f"raden har {len(cells)} felt, overskriftsraden {width}"
            )

        def refuse(field: str, span: tuple[int, ...]) -> ConnectorError:
            places = ", ".join(str(i + 1) for i in span[1:])
            return self._broken(
                collection, line,
                f"kolonnen {field!r} fortsetter i felt {places} uten overskrift, og raden har verdier i "
                "mer enn ett av dem; gi hver kolonne sin egen overskrift i overskriftsraden",
            )

        row: dict[str, Any] = header.row(cells, self._exact(collection), refuse)
        if with_line:
            row[LINE_KEY] = line - 1
        return row

    def _open(self, collection: CsvCollection) -> BinaryIO:
        """The collection's file, open for reading bytes."""
        path = self._path(collection)
        try:
            return path.open("rb")
        except FileNotFoundError:
            raise ConnectorError(
                self.system.id,
                f"{self._name(collection)} finnes ikke; sjekk "
                f"{config_key(self.system, collection)}.path",
            ) from None
        except OSError as exc:
            # A directory or a permission is a mistake to fix; anything else (a network
            # share gone away) may pass.
            transient = not isinstance(exc, (PermissionError, IsADirectoryError))
            raise ConnectorError(
                self.system.id,
                f"{self._name(collection)} kan ikke åpnes ({type(exc).__name__})",
                transient=transient,
            ) from exc

    def _records(
        self, collection: CsvCollection, handle: BinaryIO, offset: int = 0, line: int = 1
    ) -> Iterator[tuple[int, int, list[str]]]:
        """(first line, byte offset, cells) of every record from ``offset`` on, which is
        where line number ``line`` starts; the header is the first record at offset 0."""
        try:
            handle.seek(offset)
            lines = _DecodedLines(handle, collection.encoding, offset)
            if csv.field_size_limit() < MAX_CELL:
                csv.field_size_limit(MAX_CELL)
            reader = csv.reader(lines, delimiter=collection.delimiter, strict=True)
            while True:
                start, at = line + lines.count, lines.position
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError:
                    raise self._broken(
                        collection,
                        line + lines.count,
                        f"byte som ikke er gyldig {collection.encoding}; sjekk filen "
                        f"eller {config_key(self.system, collection)}.encoding",
                    ) from None
                except csv.Error as exc:
                    # csv's messages are fixed texts about quoting and sizes, never content.
                    raise self._broken(
                        collection, line - 1 + reader.line_num, f"ugyldig CSV ({exc})"
                    ) from None
                yield start, at, cells
        except OSError as exc:
            raise ConnectorError(
                self.system.id,
                f"{self._name(collection)} kunne ikke leses ({type(exc).__name__})",
                transient=True,
            ) from exc

    def _broken(self, collection: CsvCollection, line: int, problem: str) -> ConnectorError:
        return ConnectorError(self.system.id, f"{self._name(collection)}, linje {line}: {problem}")


class _DecodedLines:
    """Text lines of a binary file, decoded one line at a time.

    ``count`` is how many lines have been handed out, so a decode error names its line. The
    file is split on ``\\n`` before decoding; an incremental decoder carries any multi-byte
    character (or UTF-16 code unit) a split cuts through. A UTF-8 byte-order mark at the
    start of the file is dropped, as spreadsheet exports often carry one.

    ``position`` is the byte offset where the next line handed out starts, for encodings in
    which each ``\\n``-ended run of bytes is one line (``csv_index.seekable``).
    """

    def __init__(self, handle: Any, encoding: str, offset: int = 0) -> None:
        if codecs.lookup(encoding).name == "utf-8" and offset == 0:
            encoding = "utf-8-sig"
        elif codecs.lookup(encoding).name == "utf-8-sig" and offset != 0:
            encoding = "utf-8"
        self._handle = handle
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self._pending = ""
        self._done = False
        self.count = 0
        self.position = offset

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        while "\n" not in self._pending:
            if self._done:
                if not self._pending:
                    raise StopIteration
                line, self._pending = self._pending, ""
                self.count += 1
                return line
            raw = self._handle.readline()
            self.position += len(raw)
            if raw:
                self._pending += self._decoder.decode(raw)
            else:
                self._pending += self._decoder.decode(b"", final=True)
                self._done = True
        line, _, self._pending = self._pending.partition("\n")
        self.count += 1
        return line + "\n"
