"""Where generated rows go: SQL tables (in batches), CSV exports and the ground truth.

``SqlSink`` creates a system's tables from SQLAlchemy Core ``MetaData`` on any of SQLite,
PostgreSQL and MariaDB, adds the lookup indexes the SQL connector relies on (see the "SQL
lookups" table in ``docs/architecture.md``) and inserts rows with ``executemany`` a batch at
a time. Which columns get which index is read from the system's configuration, so schema
and configuration can't disagree:

- e-mail and name identities: an expression index on ``lower(trim(col))`` (SQLite,
  PostgreSQL); a plain index on MariaDB/MySQL, whose ``_ci`` collation already ignores case and
  trailing spaces;
- phone identity: an expression index on the column's digits (SQLite, PostgreSQL); on
  MariaDB a generated column of the digits with an index (the identity's ``digits_column``);
- reference fields and foreign-key columns: a plain index, unless the column already leads
  the primary key.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from dsar.config.models import System

BATCH_ROWS = 5000
EMAIL_INDEX_DIALECTS = frozenset({"sqlite", "postgresql"})
WINDOWS_ENCODINGS = frozenset({"cp1252", "windows-1252"})


def engine_for(url: str) -> sa.Engine:
    """An engine for loading; SQLite skips the journal and fsync (the file is rebuilt whole)."""
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _fast(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.close()

    return engine


def lookup_indexes(metadata: sa.MetaData, system: System, dialect: str) -> list[sa.Index]:
    """The indexes a connector's lookups need, from the system's configuration, by name:
    the expressions ``connectors.sql_expressions`` compares (as ``dsar check`` advises), and
    plain indexes for references and foreign keys."""
    from connectors.base import looked_up_fields
    from connectors.sql_expressions import folded, phone_digits

    wanted: dict[str, dict[str, str]] = defaultdict(dict)  # table -> column -> kind
    for collection in system.collections.values():
        table_name = str(getattr(collection, "table", ""))
        for column, kind in looked_up_fields(system, collection):
            wanted[table_name].setdefault(column, kind)
    for table in metadata.tables.values():
        for fk in table.foreign_keys:
            wanted[table.name].setdefault(fk.parent.name, "exact")

    indexes = []
    for table_name, columns in wanted.items():
        table = metadata.tables[table_name]
        leading = next(iter(table.primary_key.columns)).name
        for column_name, kind in columns.items():
            column = table.c[column_name]
            text = column.type.python_type is str
            if kind == "phone" and dialect in EMAIL_INDEX_DIALECTS:
                indexes.append(sa.Index(
                    f"ix_{table_name}_{column_name}_digits", phone_digits(column, dialect, text=text), _table=table
                ))
            elif kind in ("email", "name", "surname") and dialect in EMAIL_INDEX_DIALECTS:
                indexes.append(sa.Index(f"ix_{table_name}_{column_name}_norm", folded(column, dialect)))
            elif kind == "phone":
                continue  # MariaDB: an indexed generated column (digits_columns)
            elif column_name != leading:
                indexes.append(sa.Index(f"ix_{table_name}_{column_name}", column))
    return sorted(indexes, key=lambda index: str(index.name))


def digits_columns(system: System) -> list[tuple[str, str, str]]:
    """(table, phone column, digits column) for every phone identity that names a
    ``digits_column``: MariaDB can't index an expression, so it gets a generated column."""
    return [
        (str(getattr(collection, "table", "")), str(identity.column), identity.digits_column)
        for collection in system.collections.values()
        for identity in collection.identities_of("phone")
        if identity.digits_column and identity.column
    ]


class SqlSink:
    """One system's tables in one database, filled in batches.

    Rows are buffered per table and written in dependency order (parents first), so foreign
    keys hold on servers that check them.
    """

    def __init__(self, engine: sa.Engine, metadata: sa.MetaData, system: System) -> None:
        self.engine = engine
        self.metadata = metadata
        self.system = system
        self._buffers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._pending = 0
        self.counts: dict[str, int] = defaultdict(int)
        with engine.begin() as conn:
            metadata.drop_all(conn, checkfirst=True)
            metadata.create_all(conn)
            # Created one by one in name order (a table keeps its indexes in a set), so the
            # same seed gives the same database file.
            if engine.dialect.name in ("mysql", "mariadb"):
                for table, column, digits in digits_columns(system):
                    conn.exec_driver_sql(
                        f"ALTER TABLE {table} ADD COLUMN {digits} VARCHAR(32) AS "
                        f"(REGEXP_REPLACE({column}, '[^0-9]', '')) PERSISTENT, ADD INDEX ix_{table}_{digits} ({digits})"
                    )
            for index in lookup_indexes(metadata, system, engine.dialect.name):
                index.create(conn)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self._buffers[table].append(row)
        self._pending += 1
        if self._pending >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        with self.engine.begin() as conn:
            for table in self.metadata.sorted_tables:
                rows = self._buffers.pop(table.name, None)
                if rows:
                    conn.execute(table.insert(), rows)
                    self.counts[table.name] += len(rows)
        self._pending = 0

    def close(self) -> None:
        self.flush()


def line_ending(encoding: str) -> str:
    """How an export in ``encoding`` ends its lines: a Windows code page (what Norwegian
    Excel and the SMS provider write) with CRLF, anything else with LF."""
    return "\r\n" if encoding.lower() in WINDOWS_ENCODINGS else "\n"


class CsvSink:
    """One CSV export, written row by row; ``add`` returns the 1-based data line number.

    Lines end as ``line_ending(encoding)`` says.
    """

    def __init__(self, path: Path, header: list[str], *, delimiter: str, encoding: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.header = header
        self._handle: IO[str] = path.open("w", encoding=encoding, newline="")
        self._writer = csv.writer(
            self._handle, delimiter=delimiter, lineterminator=line_ending(encoding)
        )
        self._writer.writerow(header)
        self.count = 0

    def add(self, row: dict[str, Any]) -> int:
        values = ["" if row.get(c) is None else row[c] for c in self.header]
        if any(isinstance(v, str) and ("\n" in v or "\r" in v) for v in values):
            raise ValueError(f"{self.path.name}: a value holds a line break (breaks _line keys)")
        self._writer.writerow(values)
        self.count += 1
        return self.count

    def close(self) -> None:
        self._handle.close()


class XlsxSink:
    """One sheet of a workbook staff keep: a title row, a blank row, the header, the rows.

    ``add`` returns the row's number in the sheet as Excel shows it (the ``_row`` key). The
    workbook's properties carry a fixed time, so the same seed gives the same file.
    """

    def __init__(self, path: Path, header: list[str], *, sheet: str, header_row: int, title: str) -> None:
        from openpyxl import Workbook

        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.header = header
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(sheet)
        self._sheet.append([title])
        for _ in range(header_row - 2):
            self._sheet.append([])
        self._sheet.append(header)
        self._row = header_row
        self.count = 0

    def add(self, row: dict[str, Any]) -> int:
        self._sheet.append([row.get(c) for c in self.header])
        self._row += 1
        self.count += 1
        return self._row

    def close(self) -> None:
        import datetime as dt
        import zipfile

        fixed = dt.datetime(2026, 11, 1, 12, 0)
        self._book.properties.created = fixed
        self._book.properties.modified = fixed
        self._book.save(self.path)
        # Zip members carry the time they were written: rewrite them with a fixed one.
        members = []
        with zipfile.ZipFile(self.path) as source:
            for info in source.infolist():
                members.append((info.filename, source.read(info.filename)))
        with zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in members:
                out.writestr(zipfile.ZipInfo(name, date_time=(2026, 11, 1, 12, 0, 0)), data, zipfile.ZIP_DEFLATED)


class GroundTruth:
    """``ground_truth.csv``: which record belongs to whom, one line per (person, record)."""

    HEADER = ("person_id", "controller", "system", "collection", "key")

    def __init__(self, path: Path) -> None:
        self._handle = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle, lineterminator="\n")
        self._writer.writerow(self.HEADER)
        self.count = 0

    def add(self, person_id: str, controller: str, system: str, collection: str, key: str) -> None:
        self._writer.writerow((person_id, controller, system, collection, key))
        self.count += 1

    def close(self) -> None:
        self._handle.close()
