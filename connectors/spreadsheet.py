"""Spreadsheets staff keep (XLSX): one sheet per collection, read as a stream with openpyxl.

A collection names its workbook ``path`` (relative to the workspace, or with ``{workspace}``),
the ``sheet`` (by name; the first sheet when left out) and the ``header_row`` (staff often put
a title above the table). The header row gives the field names; the key is the configured
columns or ``_row``, the row's number in the sheet as Excel shows it (the header row and any
title above it counted, unlike a CSV file's ``_line``).

Cells come as the spreadsheet typed them: a phone number typed as a number (``91234567`` or
``91234567.0``) is still found (``dsar.identity.looks_like_phone``), dates are dates, empty
rows are skipped. Every row is read (``read_only`` streaming: memory stays flat however long
the sheet); staff spreadsheets are small, and a lookup costs one pass over the sheet.

A broken workbook (not a zip, not XLSX, a sheet or a configured column missing) is a
``ConnectorError`` naming the file, sheet and row, never a cell's content; it is not transient:
the file must be fixed.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from connectors.base import (
    Condition,
    Connector,
    condition_test,
    config_key,
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
            header = self._header(collection)
            warning = unexplained_warning(self.system, collection, header)
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
        with self._sheet(collection) as rows:
            return self._header_of(collection, rows)

    def _rows(self, collection: SheetCollection) -> Iterator[dict[str, Any]]:
        with self._sheet(collection) as rows:
            header = self._header_of(collection, rows)
            missing = [
                (field, key)
                for field, key in required_fields(self.system, collection)
                if field != ROW_KEY and field not in header
            ]
            if missing:
                field, key = missing[0]
                raise self._broken(
                    collection, collection.header_row,
                    f"kolonnen {field!r} finnes ikke i overskriftsraden; sjekk {config_key(self.system, collection)}.{key}",
                )
            width = len(header)
            for number, values in rows:
                cells = list(values[:width]) + [None] * max(0, width - len(values))
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                    continue
                extra = [v for v in values[width:] if v not in (None, "")]
                if extra:
                    raise self._broken(collection, number, "raden har verdier til høyre for den siste navngitte kolonnen")
                row = {name: _cell(value) for name, value in zip(header, cells, strict=True) if name}
                if ROW_KEY in collection.key:
                    row[ROW_KEY] = number
                yield row

    def _header_of(self, collection: SheetCollection, rows: Iterator[tuple[int, tuple[Any, ...]]]) -> list[str]:
        for number, values in rows:
            if number == collection.header_row:
                header = [str(v).strip() if v is not None else "" for v in values]
                while header and not header[-1]:
                    header.pop()
                if not any(header):
                    raise self._broken(collection, number, "overskriftsraden er tom")
                repeated = [i + 1 for i, c in enumerate(header) if c and header.index(c) != i]
                if repeated:
                    raise self._broken(collection, number, f"overskriftskolonne(r) {repeated} gjentar navnet på en tidligere kolonne")
                return header
        raise self._broken(collection, collection.header_row, "arket slutter før overskriftsraden")

    def _sheet(self, collection: SheetCollection) -> _Sheet:
        return _Sheet(self, collection)

    def _broken(self, collection: SheetCollection, row: int, problem: str) -> ConnectorError:
        return ConnectorError(self.system.id, f"{self._name(collection)}, rad {row}: {problem}")


class _Sheet:
    """A sheet's rows as ``(row number, values)``, from a workbook opened read-only."""

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
        return ((number, values) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1))

    def __exit__(self, *exc: object) -> None:
        if self._workbook is not None:
            self._workbook.close()


def _cell(value: Any) -> Any:
    """A cell as a record holds it: whole numbers as ints (a phone typed as 91234567.0),
    text stripped of the blanks spreadsheets leave, everything else as it is."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value
