"""Spreadsheets staff keep (XLSX): one sheet per collection, read as a stream.

A collection names its workbook ``path`` (relative to the workspace, or with ``{workspace}``),
the ``sheet`` (by name; the first sheet when left out) and the ``header_row`` (staff often put
a title above the table). The header row gives the field names; the key is the configured
columns or ``_row``, the row's number in the sheet as Excel shows it (the header row and any
title above it counted, unlike a CSV file's ``_line``).

Cells come as the spreadsheet typed them: a phone number typed as a number (``91234567`` or
``91234567.0``) is still found (``dsar.identity.looks_like_phone``), dates are dates, empty
rows are skipped. The sheet is read as a person sees it, never less:

- every row, to the last one in the file: the sheet's stored size (``<dimension>``, which
  some generators leave stale) is not trusted;
- a merged cell's value is in every cell of the merge (a name merged over a person's block
  of rows is on each row of it), not only in its top-left cell. In the header row a merge
  across columns makes one field of them (``Columns``: "Navn" over surname and first name);
- a blank header cell continues the named column to its left (``Columns``), or gets a
  positional name (``_kolonne_C``), so no column is dropped unseen;
- a formula saved without its computed value (a workbook a script wrote and nobody opened)
  is unknown, not empty: the workbook is refused until staff open and save it in Excel or
  LibreOffice. A cell showing an error value (``#N/A``, ``#REF!``) in an identity column is
  refused the same way; elsewhere it is kept as the text shown (and is never a reference:
  ``dsar.records.no_value``).

Memory stays flat however long the sheet: rows are parsed one at a time (openpyxl's own
streaming parser, below its read-only worksheet), and merged ranges are first collected by
one pass over the sheet's XML that keeps only the ranges. Staff spreadsheets are small, and
a lookup costs one pass over the sheet.

A broken workbook (not a zip, not XLSX, a sheet or a configured column missing) is a
``ConnectorError`` naming the file, sheet and row, never a cell's content; it is not transient:
the file must be fixed.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from connectors.base import (
    Columns,
    Condition,
    Connector,
    condition_test,
    config_key,
    continued_warning,
    exact_fields,
    held_name,
    required_fields,
    unexplained_warning,
)
from dsar.config.models import Collection, System
from dsar.errors import ConnectorError

ROW_KEY = "_row"


class SheetCollection(Collection):
    """One sheet of a workbook."""

    path: str = Field(min_length=1)
    sheet: str | None = Field(default=None, description="Sheet name; the first sheet when left out.")
    header_row: int = Field(default=1, ge=1, le=1000, description="Row holding the column names.")


class SpreadsheetSystem(System):
    """``connector = "xlsx"``: workbooks staff keep (event participants, volunteer lists)."""

    connector: Literal["xlsx"]
    collections: dict[str, SheetCollection] = Field(min_length=1)


class SpreadsheetConnector(Connector):
    """A system whose collections are sheets of XLSX workbooks."""

    kind = "xlsx"
    config = SpreadsheetSystem
    system: SpreadsheetSystem
    reference_chunk = None  # one pass over the sheet serves any number of values

    def keys_unique(self, collection: Collection, field: str) -> bool:
        """Nothing keeps a column unique in a sheet (and Excel keeps 100 and "100" apart):
        only the row number is."""
        return field == ROW_KEY

    def check(self) -> tuple[bool, str | None]:
        """Every workbook opens, has its sheet, header and configured columns. Never raises."""
        problems = []
        for collection in self.system.collections.values():
            try:
                for _ in self._rows(collection):
                    pass
            except ConnectorError as exc:
                problems.append(exc.args[0].removeprefix(ConnectorError.prefix(self.system.id)))
            except Exception as exc:  # noqa: BLE001 - check reports, it never raises
                problems.append(f"{self._name(collection)}: kontrollen feilet med {type(exc).__name__}")
        if problems:
            return False, ConnectorError.prefix(self.system.id) + "; ".join(problems)
        return True, None

    def select(self, collection: Collection, conditions: Sequence[Condition]) -> Iterator[dict[str, Any]]:
        tests = [(c.field, condition_test(c)) for c in conditions if c.values]
        if not tests:
            return
        for row in self._rows(collection):  # type: ignore[arg-type]
            if any(test(row.get(field)) for field, test in tests):
                yield row

    def held_names(self, collection: Collection) -> Iterator[str]:
        identities = collection.identities_of("name")
        if not identities:
            return
        for row in self._rows(collection):  # type: ignore[arg-type]
            for identity in identities:
                name = held_name(identity, row)
                if name:
                    yield name

    def audit_schema(self) -> list[str]:
        warnings = []
        for collection in self.system.collections.values():
            columns = self._columns(collection)
            for warning in (
                unexplained_warning(self.system, collection, columns.names),
                continued_warning(self.system, collection, columns, _letter),
            ):
                if warning:
                    warnings.append(warning)
        return warnings

    # -- reading -------------------------------------------------------------------------

    def _path(self, collection: SheetCollection) -> Path:
        return self.workspace.resolve_path(collection.path)

    def _name(self, collection: SheetCollection) -> str:
        sheet = f", ark {collection.sheet!r}" if collection.sheet else ""
        return f"samling {collection.id!r} (fil {str(self._path(collection))!r}{sheet})"

    def _header(self, collection: SheetCollection) -> list[str]:
        """The field names the header gives (positional names for blank leading cells)."""
        return list(self._columns(collection).names)

    def _columns(self, collection: SheetCollection) -> Columns:
        with self._sheet(collection) as rows:
            return self._header_of(collection, rows)

    def _rows(self, collection: SheetCollection) -> Iterator[dict[str, Any]]:
        with self._sheet(collection) as rows:
            columns = self._header_of(collection, rows)
            missing = [
                (field, key)
                for field, key in required_fields(self.system, collection)
                if field != ROW_KEY and field not in columns.names
            ]
            if missing:
                field, key = missing[0]
                raise self._broken(
                    collection, collection.header_row,
                    f"kolonnen {field!r} finnes ikke i overskriftsraden; sjekk {config_key(self.system, collection)}.{key}",
                )
            exact = exact_fields(self.system, collection)
            identities = {f for identity in collection.identities for f in identity.fields}
            width = columns.width
            for number, values in rows:
                self._computed(collection, number, values)
                cells = list(values[:width]) + [None] * max(0, width - len(values))
                if all(_empty(v) for v in cells):
                    continue
                extra = [v for v in values[width:] if not _empty(v)]
                if extra:
                    raise self._broken(collection, number, "raden har verdier til høyre for den siste navngitte kolonnen")

                def refuse(field: str, span: tuple[int, ...], number: int = number) -> ConnectorError:
                    letters = ", ".join(_letter(i) for i in span[1:])
                    return self._broken(
                        collection, number,
                        f"kolonnen {field!r} fortsetter i kolonne {letters} uten overskrift, og raden har "
                        "verdier i mer enn én av dem; gi hver kolonne sin egen overskrift i overskriftsraden",
                    )

                row = columns.row([_cell(v) for v in cells], exact, refuse)
                for name in identities:
                    if isinstance(row.get(name), _ErrorValue):
                        raise self._broken(
                            collection, number,
                            f"kolonnen {name!r} viser feilverdien {str(row[name])!r} (en formel som feiler); "
                            "rett formelen eller skriv inn verdien, og lagre arbeidsboken",
                        )
                row = {name: str(value) if isinstance(value, _ErrorValue) else value for name, value in row.items()}
                if ROW_KEY in collection.key:
                    row[ROW_KEY] = number
                yield row

    def _header_of(self, collection: SheetCollection, rows: Iterator[tuple[int, tuple[Any, ...]]]) -> Columns:
        for number, values in rows:
            if number == collection.header_row:
                self._computed(collection, number, values)
                header = [str(v).strip() if v is not None else "" for v in values]
                while header and not header[-1]:
                    header.pop()
                if not any(header):
                    raise self._broken(collection, number, "overskriftsraden er tom")
                # Blank cells a merge across the last named column covers are part of it.
                header += [""] * (getattr(values, "header_width", 0) - len(header))
                columns = Columns.of(header, lambda i: f"_kolonne_{_letter(i)}")
                repeated = columns.repeated()
                if repeated:
                    raise self._broken(collection, number, f"overskriftskolonne(r) {repeated} gjentar navnet på en tidligere kolonne")
                return columns
            if number > collection.header_row:
                break
        raise self._broken(collection, collection.header_row, "arket slutter før overskriftsraden")

    def _computed(self, collection: SheetCollection, number: int, values: Sequence[Any]) -> None:
        """Refuses a row holding a formula whose value was never computed: unknown, not empty."""
        for position, value in enumerate(values):
            if value is _UNCOMPUTED:
                raise self._broken(
                    collection, number,
                    f"cellen {_letter(position)}{number} har en formel uten beregnet verdi (arbeidsboken er "
                    "laget av et program og aldri åpnet); åpne den i Excel eller LibreOffice og lagre den, "
                    "så verdiene beregnes",
                )

    def _sheet(self, collection: SheetCollection) -> _Sheet:
        return _Sheet(self, collection)

    def _broken(self, collection: SheetCollection, row: int, problem: str) -> ConnectorError:
        return ConnectorError(self.system.id, f"{self._name(collection)}, rad {row}: {problem}")


class _Sheet:
    """A sheet's rows as ``(row number, values)``, read as a person sees them (the module's
    docstring): every row, merged cells filled, uncomputed formulas and error values marked."""

    def __init__(self, connector: SpreadsheetConnector, collection: SheetCollection) -> None:
        self._connector = connector
        self._collection = collection
        self._workbook: Any = None

    def __enter__(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        from openpyxl import load_workbook

        connector, collection = self._connector, self._collection
        path = connector._path(collection)
        system = connector.system
        try:
            self._workbook = load_workbook(path, read_only=True, data_only=True)
        except FileNotFoundError:
            raise ConnectorError(
                system.id, f"{connector._name(collection)} finnes ikke; sjekk {config_key(system, collection)}.path"
            ) from None
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            transient = isinstance(exc, OSError) and not isinstance(exc, (PermissionError, IsADirectoryError))
            raise ConnectorError(
                system.id,
                f"{connector._name(collection)} er ikke en lesbar XLSX-arbeidsbok ({type(exc).__name__})",
                transient=transient,
            ) from None
        names = self._workbook.sheetnames
        if collection.sheet is not None and collection.sheet not in names:
            raise ConnectorError(
                system.id,
                f"{connector._name(collection)}: arbeidsboken har ikke noe ark {collection.sheet!r} "
                f"(den har {names}); sjekk {config_key(system, collection)}.sheet",
            )
        sheet = self._workbook[collection.sheet] if collection.sheet else self._workbook[names[0]]
        return self._read(sheet)

    def _read(self, sheet: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
        connector, collection = self._connector, self._collection
        try:
            merges = _merged_ranges(self._workbook, sheet)
            yield from _filled(_parsed_rows(self._workbook, sheet), merges, collection.header_row)
        except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError, EOFError, zlib.error) as exc:
            # SyntaxError: ElementTree's ParseError (XML that doesn't parse).
            raise ConnectorError(
                connector.system.id,
                f"{connector._name(collection)} er ikke en lesbar XLSX-arbeidsbok ({type(exc).__name__})",
            ) from None

    def __exit__(self, *exc: object) -> None:
        if self._workbook is not None:
            self._workbook.close()


# -- reading a sheet as a person sees it -----------------------------------------------------------


class _Uncomputed:
    """A formula cell saved without its computed value."""

    def __repr__(self) -> str:
        return "<formel uten verdi>"


_UNCOMPUTED = _Uncomputed()


class _ErrorValue(str):
    """A cell showing a spreadsheet error (``#N/A``): its text, marked as not a value."""


class _Row(tuple):  # type: ignore[type-arg]
    """A row's values; the header row also says how far a merge across its last named cell
    reaches (``header_width``)."""

    header_width: int = 0


def _parsed_rows(workbook: Any, sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """``(row number, values)`` of every row the sheet's XML holds, in order, to the last one
    (openpyxl's streaming parser, not its read-only worksheet: that stops at the stored
    ``<dimension>``). Uncomputed formulas are ``_UNCOMPUTED``, error values ``_ErrorValue``."""
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell = super().parse_cell(element)
            if element.find(FORMULA_TAG) is not None and not element.findtext(VALUE_TAG) and cell["data_type"] != "str":
                # No value saved (a string formula's empty result is saved as t="str" <v/>).
                cell["value"] = _UNCOMPUTED
            elif cell["data_type"] == "e" and cell["value"] is not None:
                cell["value"] = _ErrorValue(cell["value"])
            return cell

    with workbook._archive.open(sheet._worksheet_path) as source:
        parser = Parser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            width = max((c["column"] for c in cells), default=0)
            values: list[Any] = [None] * width
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, values


_MERGE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\sref\s*=\s*[\"']([A-Za-z]{1,3})(\d+)(?::([A-Za-z]{1,3})(\d+))?[\"']"
)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class _Merge:
    min_row: int
    min_col: int
    max_row: int
    max_col: int


def _merged_ranges(workbook: Any, sheet: Any) -> list[_Merge]:
    """The sheet's merged ranges (``<mergeCell ref="A3:A4"/>``, after the rows in the XML), by
    one streamed pass over its XML that keeps nothing but the ranges. openpyxl's read-only
    worksheet doesn't give them."""
    from openpyxl.utils import column_index_from_string

    merges = []
    pending = b""
    with workbook._archive.open(sheet._worksheet_path) as source:
        while True:
            chunk = source.read(_CHUNK)
            data = pending + chunk
            # An element never holds a '<': everything before the last one is complete.
            cut = data.rfind(b"<") if chunk else len(data)
            for match in _MERGE.finditer(data, 0, max(cut, 0)):
                first_col, first_row, last_col, last_row = match.groups()
                top = (int(first_row), column_index_from_string(first_col.decode().upper()))
                bottom = (int(last_row), column_index_from_string(last_col.decode().upper())) if last_col else top
                merges.append(_Merge(
                    min(top[0], bottom[0]), min(top[1], bottom[1]), max(top[0], bottom[0]), max(top[1], bottom[1]),
                ))
            if not chunk:
                break
            pending = data[cut:] if cut >= 0 else data
    merges = [m for m in merges if (m.min_row, m.min_col) != (m.max_row, m.max_col)]
    return sorted(merges, key=lambda m: (m.min_row, m.min_col))


def _filled(
    rows: Iterator[tuple[int, list[Any]]], merges: list[_Merge], header_row: int
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The rows with every merged cell holding the merge's value, as a person sees it.

    Below the header, every cell of a merge that starts below the header holds its top-left
    cell's value (rows the XML leaves out inside a merge are made). In the header row a
    merge coming down from above fills its own column (a two-row header); a merge across
    columns leaves the cells right of its first one blank, which ``Columns`` reads as one
    field (``header_width`` says how far the last one reaches)."""
    waiting = list(reversed(merges))  # popped from the end, in order of first row
    active: list[_Merge] = []
    tops: dict[_Merge, Any] = {}
    last = 0

    def activate(number: int) -> None:
        while waiting and waiting[-1].min_row <= number:
            active.append(waiting.pop())
        active[:] = [m for m in active if m.max_row >= number]

    def fill(number: int, values: list[Any]) -> _Row:
        covering = [m for m in active if m.min_row <= number <= m.max_row]
        header_width = 0
        for merge in covering:
            if merge.min_row == number:
                tops[merge] = values[merge.min_col - 1] if merge.min_col <= len(values) else None
            if len(values) < merge.max_col:
                values.extend([None] * (merge.max_col - len(values)))
            value = tops.get(merge)
            for col in range(merge.min_col, merge.max_col + 1):
                if (number, col) == (merge.min_row, merge.min_col):
                    continue
                if number > header_row:
                    values[col - 1] = value if merge.min_row > header_row else None
                elif number == header_row:
                    values[col - 1] = value if merge.min_row < number and col == merge.min_col else None
            if number == header_row and merge.min_row == number:
                header_width = max(header_width, merge.max_col)
        while values and values[-1] is None and len(values) > header_width:
            values.pop()
        row = _Row(values)
        row.header_width = header_width
        return row

    for number, values in rows:
        activate(number)
        # Rows the XML leaves out, inside a merge that reaches down over them.
        reach = min(number - 1, max((m.max_row for m in active), default=0))
        for gap in range(last + 1, reach + 1):
            if any(m.min_row <= gap <= m.max_row for m in active):
                yield gap, fill(gap, [])
        yield number, fill(number, values)
        last = number
    # Rows past the last the XML holds, inside a merge that reaches down over them.
    activate(last + 1)
    reach = max((m.max_row for m in active), default=last)
    for gap in range(last + 1, reach + 1):
        activate(gap)
        if any(m.min_row <= gap <= m.max_row for m in active):
            yield gap, fill(gap, [])


def _letter(position: int) -> str:
    """The column letter of a 0-based position (0 → A)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(position + 1)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell(value: Any) -> Any:
    """A cell as a record holds it: whole numbers as ints (a phone typed as 91234567.0),
    text stripped of the blanks spreadsheets leave, everything else as it is."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, _ErrorValue):
        return value
    if isinstance(value, str):
        return value.strip()
    return value
