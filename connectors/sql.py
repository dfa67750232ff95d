"""SQL systems (SQLite, PostgreSQL, MariaDB/MySQL) searched with SQLAlchemy Core.

One ``SELECT <every column> FROM <table> WHERE c1 OR c2 …`` per collection, with bound
``IN`` lists shaped so the indexes the schema provides serve them (docs/architecture.md,
"SQL lookups"):

==========  ===================================  ===============================
condition   SQLite / PostgreSQL                  MariaDB / MySQL
==========  ===================================  ===============================
email       ``lower(trim(col)) IN (:v…)``        ``col IN (:v…)`` (``_ci``, PAD SPACE)
phone       ``col IN (:every spelling…)``        same
exact       ``col IN (:v…)``                     same
==========  ===================================  ===============================

Sessions are read-only and bounded: SQLite files are opened with ``mode=ro`` (a missing file
is an error, never a new empty database); PostgreSQL and MariaDB sessions are read-only
transactions with connect and statement timeouts from ``SqlConnection``.

Errors become ``ConnectorError`` naming the system, collection, table and the driver's error
class and code; never the driver's message, which can quote the values searched for.
"""

from __future__ import annotations

import re
import sqlite3
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

from connectors.base import Condition, Connector
from dsar.config.models import Collection, SqlConnection
from dsar.errors import ConnectorError, SecretMissing
from dsar.identity import phone_variants
from dsar.secrets import resolve_secret

if TYPE_CHECKING:
    from dsar.config.models import System
    from dsar.workspace import Workspace

YIELD_PER = 1000
"""Rows fetched per round trip while streaming; memory holds at most this many."""

# Driver error codes that say "try again later" or "this will never work", where the
# exception class alone is too coarse (MySQL reports a missing column as OperationalError,
# and an access denied too). SQLSTATE classes: 08 connection, 40 rollback (deadlock,
# serialization), 53 resources, 57 operator intervention (statement timeout, shutdown),
# 58 system I/O.
_TRANSIENT_SQLSTATE_CLASSES = ("08", "40", "53", "57", "58")
_TRANSIENT_SQLSTATES = frozenset({"55P03", "55006", "70100"})  # lock, object in use, interrupted
_MYSQL_TRANSIENT = frozenset(
    {1040, 1053, 1159, 1160, 1161, 1205, 1213, 1317, 1969, 2002, 2003, 2006, 2013, 2055, 3024}
)
_MYSQL_PERMANENT = frozenset({1044, 1045, 1049, 1054, 1064, 1142, 1143, 1146, 1792})
_SQLITE_TRANSIENT = (
    "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_INTERRUPT", "SQLITE_IOERR", "SQLITE_PROTOCOL"
)
_TRANSIENT_CLASSES = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,
)


class SqlConnector(Connector):
    """A system whose collections are tables of one SQL database.

    Beyond the contract (``check``, ``select``, ``close``): ``audit_schema()`` lists what is
    not fatal but worth fixing, and ``explain()`` shows the plan of the exact statement
    ``select`` runs (tests use it to prove the indexes serve the lookups).
    """

    kind = "sql"

    def __init__(self, system: System, workspace: Workspace) -> None:
        super().__init__(system, workspace)
        self._engine: sa.Engine | None = None
        self._tables: dict[tuple[str | None, str], sa.Table] = {}

    # -- the engine ----------------------------------------------------------------------

    @property
    def connection_settings(self) -> SqlConnection:
        connection = self.system.connection
        if not isinstance(connection, SqlConnection):  # the config models refuse this already
            raise ConnectorError(self.system.id, "a sql system needs [connection] with 'url'")
        return connection

    @property
    def engine(self) -> sa.Engine:
        """The engine, created on first use; ``ConnectorError`` if it can't be configured."""
        if self._engine is None:
            self._engine = self._create_engine()
        return self._engine

    def _create_engine(self) -> sa.Engine:
        settings = self.connection_settings
        url = self._url(settings)
        backend = url.get_backend_name()
        options: dict[str, Any] = {"hide_parameters": True}
        if backend == "sqlite":
            return self._sqlite_engine(url, settings, options)
        if backend == "postgresql":
            options["connect_args"] = _postgres_args(url, settings)
        elif backend in ("mysql", "mariadb"):
            options["connect_args"] = {
                "connect_timeout": settings.connect_timeout_seconds,
                # Socket timeouts a little above the server's own limit, so the server
                # reports the timeout (a clear error) before the socket gives up.
                "read_timeout": settings.statement_timeout_seconds + 5,
                "write_timeout": settings.statement_timeout_seconds + 5,
            }
        try:
            engine = sa.create_engine(url, **options)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
            raise ConnectorError(
                self.system.id,
                f"can't open a {backend!r} database ({type(exc).__name__}); "
                f"check systems.{self.system.id}.connection and that its driver is installed",
            ) from exc
        if backend in ("mysql", "mariadb"):
            sa.event.listen(engine, "connect", _mysql_session(settings))
        elif backend == "postgresql" and url.get_driver_name() not in ("psycopg", "psycopg2"):
            sa.event.listen(engine, "connect", _postgres_session(settings))
        return engine

    def _url(self, settings: SqlConnection) -> sa.URL:
        where = f"systems.{self.system.id}.connection"
        try:
            text = (
                resolve_secret(settings.url_env)
                if settings.url_env
                else self.workspace.expand(settings.url or "")
            )
            password = resolve_secret(settings.password_env) if settings.password_env else None
        except SecretMissing as exc:
            raise ConnectorError(self.system.id, str(exc)) from exc
        try:
            url = sa.make_url(text)
        except sa.exc.ArgumentError:
            # The cause quotes the URL, which may hold a password: leave it out.
            raise ConnectorError(
                self.system.id, f"the connection URL is not a database URL; check {where}"
            ) from None
        return url.set(password=password) if password is not None else url

    def _sqlite_engine(
        self, url: sa.URL, settings: SqlConnection, options: dict[str, Any]
    ) -> sa.Engine:
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise ConnectorError(
                self.system.id,
                "a SQLite source needs a file path (sqlite:///path/to/file.db); "
                f"check systems.{self.system.id}.connection.url",
            )
        path = self.workspace.resolve_path(database)
        if not path.is_file():
            raise ConnectorError(
                self.system.id,
                f"SQLite file {str(path)!r} not found (the connector opens it read-only and "
                f"never creates one); check systems.{self.system.id}.connection.url",
            )
        uri = "file:" + urllib.parse.quote(str(path)) + "?mode=ro"
        busy_timeout = settings.connect_timeout_seconds

        def connect() -> sqlite3.Connection:
            # Read-only by URI mode: a missing file fails instead of becoming a database.
            conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout, check_same_thread=False)
            conn.execute("PRAGMA query_only = ON")
            return conn

        # The URL names no file, so SQLAlchemy would pick its in-memory pool; a file wants
        # the ordinary one.
        return sa.create_engine(
            "sqlite+pysqlite://", creator=connect, poolclass=sa.pool.QueuePool, **options
        )

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._tables.clear()

    # -- the contract ----------------------------------------------------------------------

    def check(self) -> tuple[bool, str | None]:
        """Connect, then compare every collection with its table. Never raises."""
        problems: list[str] = []
        try:
            with self._errors(None, "checking the schema"), self.engine.connect() as conn:
                inspector = sa.inspect(conn)
                for collection in self.system.collections.values():
                    problems.extend(self._compare(collection, inspector))
        except ConnectorError as exc:
            return False, str(exc)
        except Exception as exc:  # noqa: BLE001 - check reports, it never raises
            return False, f"system {self.system.id!r}: check failed with {_error_name(exc)}"
        if problems:
            return False, f"system {self.system.id!r}: " + "; ".join(problems)
        return True, None

    def select(
        self, collection: Collection, conditions: Sequence[Condition]
    ) -> Iterator[dict[str, Any]]:
        """Stream every row matching any condition, as ``{column: value}``."""
        statement = self._statement(collection, conditions)
        if statement is None:
            return
        with self._errors(collection, "the lookup"), self.engine.connect() as conn:
            result = conn.execution_options(yield_per=YIELD_PER).execute(statement)
            for row in result.mappings():
                yield dict(row)

    # -- tools beyond the contract -----------------------------------------------------------

    def explain(self, collection: Collection, conditions: Sequence[Condition]) -> str:
        """The database's plan for the statement ``select`` would run, one line per step.

        SQLite: ``EXPLAIN QUERY PLAN`` details; PostgreSQL: ``EXPLAIN`` lines; MariaDB/MySQL:
        each ``EXPLAIN`` row as ``column=value`` pairs (``key=None`` means no index).
        """
        statement = self._statement(collection, conditions)
        if statement is None:
            return ""
        dialect = self.engine.dialect.name
        prefix = "EXPLAIN QUERY PLAN" if dialect == "sqlite" else "EXPLAIN"
        with self._errors(collection, "EXPLAIN"), self.engine.connect() as conn:
            result = conn.execute(_Explain(statement, prefix))
            columns = list(result.keys())
            rows = result.fetchall()
        if dialect == "sqlite":
            return "\n".join(str(row[-1]) for row in rows)
        if dialect == "postgresql":
            return "\n".join(str(row[0]) for row in rows)
        return "\n".join(" ".join(f"{c}={v}" for c, v in zip(columns, row)) for row in rows)

    def audit_schema(self) -> list[str]:
        """Warnings that don't stop a search but should be fixed.

        Identity and reference columns no index serves (the lookup scans the whole table),
        e-mail columns whose MariaDB/MySQL collation isn't case-insensitive PAD SPACE, and
        columns neither explained in ``fields`` nor declared ``secret`` (the letter and the
        package would show them unexplained). Missing tables and columns are ``check``'s to
        report and are skipped here. Raises ``ConnectorError`` if the database can't be read.
        """
        warnings: list[str] = []
        with self._errors(None, "reading the schema"), self.engine.connect() as conn:
            inspector = sa.inspect(conn)
            for collection in self.system.collections.values():
                table, schema = str(collection.table), collection.schema_
                if not inspector.has_table(table, schema=schema):
                    continue
                columns = [c["name"] for c in inspector.get_columns(table, schema=schema)]
                leads = _index_leads(conn, inspector, table, schema)
                for column, kind in self._looked_up(collection):
                    if column in columns:
                        warnings.extend(
                            self._index_warnings(conn, collection, column, kind, leads)
                        )
                unexplained = [
                    c for c in columns if c not in collection.fields and c not in collection.secret
                ]
                if unexplained:
                    warnings.append(
                        f"{self._where(collection)}: columns {unexplained} are neither explained "
                        "in fields nor declared secret; the letter and package would show them "
                        "unexplained"
                    )
        return warnings

    # -- statements ----------------------------------------------------------------------------

    def _statement(
        self, collection: Collection, conditions: Sequence[Condition]
    ) -> sa.Select[Any] | None:
        table = self._table(collection)
        # SQLite stores whatever it is given: leave values as the driver returns them rather
        # than let a declared DATETIME/NUMERIC type fail to parse an odd value mid-stream.
        raw = self.engine.dialect.name == "sqlite"
        clauses = [
            clause
            for condition in conditions
            if (clause := self._clause(collection, table, condition, raw)) is not None
        ]
        if not clauses:
            return None
        columns = [_raw(c).label(c.name) if raw else c for c in table.c]
        return sa.select(*columns).select_from(table).where(sa.or_(*clauses))

    def _clause(
        self, collection: Collection, table: sa.Table, condition: Condition, raw: bool
    ) -> sa.ColumnElement[bool] | None:
        column = self._column(collection, table, condition.field)
        target = _raw(column) if raw else column
        if condition.kind == "email":
            values = sorted({str(v) for v in condition.values})
            if self.engine.dialect.name in ("mysql", "mariadb"):
                # The _ci collation folds case and PAD SPACE ignores trailing blanks, so the
                # plain index on the column serves the lookup.
                return target.in_(values) if values else None
            return sa.func.lower(sa.func.trim(target)).in_(values) if values else None
        if condition.kind == "phone":
            spellings = sorted({s for v in condition.values for s in phone_variants(str(v))})
            values = spellings if raw else _coerce(column, spellings)
        else:
            values = (
                list(dict.fromkeys(condition.values)) if raw else _coerce(column, condition.values)
            )
        return target.in_(values) if values else None

    def _table(self, collection: Collection) -> sa.Table:
        name, schema = str(collection.table), collection.schema_
        cached = self._tables.get((schema, name))
        if cached is not None:
            return cached
        try:
            with self._errors(collection, "reading the table"), self.engine.connect() as conn:
                # Columns only: indexes and foreign keys aren't needed to query, and SQLite's
                # expression indexes would only make reflection warn.
                columns = sa.inspect(conn).get_columns(name, schema=schema)
        except sa.exc.NoSuchTableError as exc:
            raise ConnectorError(
                self.system.id,
                f"table {name!r} not found (collection {collection.id!r}); check "
                f"{self._where(collection)}.table",
            ) from exc
        table = sa.Table(
            name,
            sa.MetaData(),
            *(sa.Column(c["name"], c["type"], key=c["name"]) for c in columns),
            schema=schema,
        )
        self._tables[(schema, name)] = table
        return table

    def _column(self, collection: Collection, table: sa.Table, name: str) -> sa.Column[Any]:
        if name in table.c:
            return table.c[name]
        raise ConnectorError(
            self.system.id,
            f"{_missing_column(name, table.name, [c.name for c in table.c])} "
            f"(collection {collection.id!r}); check {self._where(collection)}",
        )

    # -- check and audit -------------------------------------------------------------------------

    def _compare(self, collection: Collection, inspector: sa.Inspector) -> list[str]:
        table, schema = str(collection.table), collection.schema_
        if not inspector.has_table(table, schema=schema):
            return [f"table {table!r} not found; check {self._where(collection)}.table"]
        present = [c["name"] for c in inspector.get_columns(table, schema=schema)]
        return [
            f"{_missing_column(column, table, present)}; check {self._where(collection)}.{key}"
            for column, key in self._required(collection)
            if column not in present
        ]

    def _required(self, collection: Collection) -> list[tuple[str, str]]:
        """(column, configuration key naming it) for every column the search relies on."""
        needed = [(c, "key") for c in collection.key]
        needed += [(f, "identities") for i in collection.identities for f in i.fields]
        for ref in self.system.references:
            for (cid, field) in (ref.child, ref.parent):
                if cid == collection.id:
                    needed.append((field, f"references ({ref.from_} -> {ref.to})"))
        return list(dict.fromkeys(needed))

    def _looked_up(self, collection: Collection) -> list[tuple[str, str]]:
        """(column, condition kind) for every column ``find`` puts in a WHERE clause."""
        looked = [(f, i.type) for i in collection.searchable for f in i.fields]
        looked += [
            (r.child[1], "exact") for r in self.system.references if r.child[0] == collection.id
        ]
        return list(dict.fromkeys(looked))

    def _index_warnings(
        self, conn: sa.Connection, collection: Collection, column: str, kind: str, leads: set[str]
    ) -> list[str]:
        dialect = conn.dialect.name
        where = f"{self._where(collection)} (table {collection.table!r})"
        expression = f"lower(trim({column}))"
        if kind == "email" and dialect in ("sqlite", "postgresql"):
            if _normal(expression) in leads:
                return []
            return [
                f"{where}: e-mail column {column!r} has no index on {expression}, so every "
                f"lookup scans the table; CREATE INDEX ON {collection.table} ({expression})"
            ]
        warnings = []
        if _normal(column) not in leads:
            warnings.append(
                f"{where}: column {column!r} ({kind} lookup) has no index leading with it, so "
                f"every lookup scans the table; CREATE INDEX ON {collection.table} ({column})"
            )
        if kind == "email" and dialect in ("mysql", "mariadb"):
            collation = _mysql_collation(conn, str(collection.table), collection.schema_, column)
            if collation and not _case_insensitive_pad_space(collation):
                warnings.append(
                    f"{where}: e-mail column {column!r} uses collation {collation!r}; lookups "
                    "need a case-insensitive PAD SPACE collation (e.g. utf8mb4_unicode_ci) to "
                    "find differently written addresses"
                )
        return warnings

    def _where(self, collection: Collection) -> str:
        return f"systems.{self.system.id}.collections.{collection.id}"

    # -- errors ----------------------------------------------------------------------------------

    @contextmanager
    def _errors(self, collection: Collection | None, doing: str) -> Iterator[None]:
        """Turn database errors into ``ConnectorError`` that name no value."""
        try:
            yield
        except sa.exc.NoSuchTableError:
            raise  # _table words this one itself
        except sa.exc.SQLAlchemyError as exc:
            transient = _is_transient(exc)
            where = (
                f"collection {collection.id!r} (table {collection.table!r}): "
                if collection is not None
                else ""
            )
            advice = (
                "the database may be unreachable, slow or locked; the search can be retried"
                if transient
                else f"check systems.{self.system.id}.connection and the database's schema"
            )
            raise ConnectorError(
                self.system.id,
                f"{where}{doing} failed with {_error_name(exc)}; {advice}",
                transient=transient,
            ) from exc


# -- engine helpers ------------------------------------------------------------------------------


def _postgres_args(url: sa.URL, settings: SqlConnection) -> dict[str, Any]:
    if url.get_driver_name() not in ("psycopg", "psycopg2"):
        return {}
    # libpq startup options: the session is read-only and bounded before any statement runs.
    options = (
        f"-c statement_timeout={settings.statement_timeout_seconds * 1000} "
        "-c default_transaction_read_only=on"
    )
    given = url.query.get("options")
    if isinstance(given, str) and given:
        options = f"{given} {options}"
    return {
        "connect_timeout": settings.connect_timeout_seconds,
        "options": options,
        "application_name": "dsar",
    }


def _postgres_session(settings: SqlConnection) -> Any:
    """For PostgreSQL drivers without libpq options: the same settings, set on connect."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET statement_timeout = {settings.statement_timeout_seconds * 1000}")
        cursor.execute("SET default_transaction_read_only = on")
        cursor.close()
        dbapi_connection.commit()

    return on_connect


def _mysql_session(settings: SqlConnection) -> Any:
    """Read-only, time-bounded sessions; MariaDB and MySQL name the limit differently."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT VERSION()")
        version = str(cursor.fetchone()[0])
        seconds = settings.statement_timeout_seconds
        if "mariadb" in version.lower():
            cursor.execute(f"SET SESSION max_statement_time = {seconds}")
        else:
            cursor.execute(f"SET SESSION max_execution_time = {seconds * 1000}")
        # A slow consumer must not make the server drop a streaming result early.
        cursor.execute(f"SET SESSION net_write_timeout = {max(60, seconds)}")
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
        cursor.close()

    return on_connect


# -- statement helpers -------------------------------------------------------------------------


def _raw(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The column without SQLAlchemy's type processing (values as the driver gives them)."""
    return sa.type_coerce(column, sa.types.NullType())


def _coerce(column: sa.Column[Any], values: Sequence[Any]) -> list[Any]:
    """Values in the column's Python type, so typed databases compare like with like.

    A reference may point from a text column to an integer one ("42" and 42); PostgreSQL
    refuses to compare them and MySQL would skip the index. Text that can't be a number
    can't match a number column and is dropped.
    """
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return list(dict.fromkeys(values))
    coerced: list[Any] = []
    for value in values:
        if python_type is str and not isinstance(value, str):
            coerced.append(str(value))
        elif python_type is int and isinstance(value, str):
            text = value.strip()
            if re.fullmatch(r"[+-]?\d+", text):
                coerced.append(int(text))
        else:
            coerced.append(value)
    return list(dict.fromkeys(coerced))


class _Explain(Executable, ClauseElement):
    """``EXPLAIN <select>`` with the select's own bound parameters."""

    inherit_cache = False

    def __init__(self, statement: sa.Select[Any], prefix: str) -> None:
        self.statement = statement
        self.prefix = prefix


@compiles(_Explain)
def _compile_explain(element: _Explain, compiler: Any, **kw: Any) -> str:
    return f"{element.prefix} {compiler.process(element.statement, **kw)}"


# -- schema helpers ----------------------------------------------------------------------------


def _missing_column(name: str, table: str, present: Sequence[str]) -> str:
    text = f"column {name!r} not found in table {table!r}"
    near = [c for c in present if c.lower() == name.lower()]
    if near:
        text += f" (the table has {near[0]!r}; names are case-sensitive)"
    return text


def _normal(expression: str) -> str:
    """An index expression in a comparable spelling: ``LOWER(TRIM(BOTH FROM "email"::text))``
    and ``lower(trim(email))`` both become ``lower(trim(email))``."""
    text = re.sub(r'["`\[\]\s]', "", expression.lower())
    text = re.sub(r"::(text|charactervarying|varchar|bpchar)\b", "", text)
    return text.replace("trim(bothfrom", "trim(").replace("btrim(", "trim(")


def _index_leads(
    conn: sa.Connection, inspector: sa.Inspector, table: str, schema: str | None
) -> set[str]:
    """The first column or expression of every index and key of ``table``, normalised.

    An index serves a lookup on its leading column only; expression indexes (which
    SQLAlchemy doesn't reflect on SQLite) are read from the catalogue.
    """
    leads: set[str] = set()
    pk = inspector.get_pk_constraint(table, schema=schema).get("constrained_columns") or []
    if pk:
        leads.add(_normal(pk[0]))
    dialect = conn.dialect.name
    if dialect == "sqlite":
        leads |= _sqlite_index_leads(conn, table, schema)
    elif dialect == "postgresql":
        rows = conn.execute(
            sa.text(
                "SELECT pg_get_indexdef(i.indexrelid, 1, true) FROM pg_index i "
                "WHERE i.indrelid = to_regclass(format('%I.%I', "
                "coalesce(CAST(:schema AS text), current_schema()), CAST(:table AS text)))"
            ),
            {"schema": schema, "table": table},
        )
        leads |= {_normal(str(r[0])) for r in rows}
    else:
        for index in inspector.get_indexes(table, schema=schema):
            names = index.get("column_names") or []
            expressions = index.get("expressions") or []
            first = names[0] if names and names[0] else (expressions[0] if expressions else None)
            if first:
                leads.add(_normal(str(first)))
        for unique in inspector.get_unique_constraints(table, schema=schema):
            if unique.get("column_names"):
                leads.add(_normal(unique["column_names"][0]))
    return leads


def _sqlite_index_leads(conn: sa.Connection, table: str, schema: str | None) -> set[str]:
    prefix = f'"{schema}".' if schema else ""
    quoted = table.replace('"', '""')
    leads: set[str] = set()
    for index in conn.exec_driver_sql(f'PRAGMA {prefix}index_list("{quoted}")').fetchall():
        name = str(index[1])
        info = conn.exec_driver_sql(
            f'PRAGMA {prefix}index_info("{name.replace(chr(34), chr(34) * 2)}")'
        ).fetchall()
        first = next((row for row in info if row[0] == 0), None)
        if first is not None and first[2] is not None:
            leads.add(_normal(str(first[2])))
            continue
        sql = conn.exec_driver_sql(
            f"SELECT sql FROM {prefix}sqlite_master WHERE type = 'index' AND name = ?", (name,)
        ).scalar()
        expression = _first_indexed_expression(str(sql or ""))
        if expression:
            leads.add(_normal(expression))
    return leads


def _first_indexed_expression(create_sql: str) -> str | None:
    """``CREATE INDEX i ON t (lower(trim(email)), x)`` → ``lower(trim(email))``."""
    match = re.search(r"\bON\s+\S+?\s*\(", create_sql, re.IGNORECASE)
    if not match:
        return None
    depth, start = 0, match.end()
    for position in range(start, len(create_sql)):
        char = create_sql[position]
        if char == "(":
            depth += 1
        elif char == ")" and depth > 0:
            depth -= 1
        elif char in ",)" and depth == 0:
            return create_sql[start:position].strip()
    return None


def _mysql_collation(
    conn: sa.Connection, table: str, schema: str | None, column: str
) -> str | None:
    value = conn.execute(
        sa.text(
            "SELECT COLLATION_NAME FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = coalesce(:schema, DATABASE()) AND TABLE_NAME = :table "
            "AND COLUMN_NAME = :column"
        ),
        {"schema": schema, "table": table, "column": column},
    ).scalar()
    return str(value) if value else None


def _case_insensitive_pad_space(collation: str) -> bool:
    name = collation.lower()
    # MariaDB marks NO PAD collations "nopad"; MySQL 8's UCA 9.0.0 ("0900") ones are NO PAD.
    return name.endswith("_ci") and "nopad" not in name and "_0900_" not in name


# -- error helpers -----------------------------------------------------------------------------


def _error_name(exc: BaseException) -> str:
    """The error's class and code (never its message): ``OperationalError
    (psycopg.errors.QueryCanceled, SQLSTATE 57014)``."""
    orig = getattr(exc, "orig", None)
    if orig is None:
        return type(exc).__name__
    detail = f"{type(orig).__module__}.{type(orig).__name__}"
    code = _error_code(orig)
    if code is not None:
        detail += f", {code}"
    return f"{type(exc).__name__} ({detail})"


def _error_code(orig: BaseException) -> str | None:
    parts = []
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):  # MySQL/MariaDB error number
        parts.append(f"error {args[0]}")
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate:
        parts.append(f"SQLSTATE {sqlstate}")
    name = getattr(orig, "sqlite_errorname", None)
    if name:
        parts.append(str(name))
    return ", ".join(parts) or None


def _is_transient(exc: sa.exc.SQLAlchemyError) -> bool:
    """Whether trying again later may help: network, timeout, lock, server busy."""
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return True
    orig = getattr(exc, "orig", None)
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        if args[0] in _MYSQL_TRANSIENT:
            return True
        if args[0] in _MYSQL_PERMANENT:
            return False
    sqlite_name = getattr(orig, "sqlite_errorname", None)
    if sqlite_name:
        return str(sqlite_name).startswith(_SQLITE_TRANSIENT)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate and sqlstate != "HY000":  # HY000: MySQL's "general error" says nothing
        return sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES or sqlstate in _TRANSIENT_SQLSTATES
    return isinstance(exc, _TRANSIENT_CLASSES)
