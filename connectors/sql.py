"""SQL systems (SQLite, PostgreSQL, MariaDB/MySQL) searched with SQLAlchemy Core.

One ``SELECT <every column> FROM <table> WHERE c1 OR c2 …`` per collection, with bound
``IN`` lists compared with normalised expressions of the columns, so expression indexes serve
them (``connectors.sql_expressions`` has the table; docs/architecture.md, "SQL lookups"):
e-mails and names by ``lower(trim(col))``, phones by the column's digits (``91234567``,
``4791234567``, ``004791234567``), references by the plain column.

The rest lives beside this module, one job each: ``sql_engines`` (URL, read-only bounded
sessions per dialect), ``sql_errors`` (driver errors as ``ConnectorError`` naming the class
and code, never the driver's message, which can quote the values searched for),
``sql_expressions`` (the compared expressions and the indexes that serve them) and
``sql_audit`` (indexes and collations behind ``audit_schema``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from pydantic import Field, field_validator, model_validator
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

from connectors.base import Condition, Connector, config_key, held_name, required_fields
from connectors.sql_audit import audit_schema
from connectors.sql_engines import create_engine, engine_for
from connectors.sql_errors import database_errors, error_name
from connectors.sql_expressions import folded, phone_digits
from dsar.config.models import Collection, ConfigModel, System, env_name  # noqa: F401 - Collection: base of SqlCollection
from dsar.errors import ConnectorError
from dsar.identity import email_spellings, phone_digit_forms
from dsar.names import lookup_forms, lookup_prefixes

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from dsar.workspace import Workspace

YIELD_PER = 1000
"""Rows fetched per round trip while streaming; memory holds at most this many."""


# -- configuration -----------------------------------------------------------------------------


class SqlConnection(ConfigModel):
    """Where a SQL system lives. Exactly one of ``url`` and ``url_env``.

    ``url`` may hold ``{workspace}``; it must not hold a password: put that in the variable
    named by ``password_env``, or give the whole URL through ``url_env``.
    """

    url: str | None = None
    url_env: str | None = None
    password_env: str | None = None
    connect_timeout_seconds: int = Field(default=10, ge=1, le=300)
    statement_timeout_seconds: int = Field(default=60, ge=1, le=3600)

    _check_env = field_validator("url_env", "password_env")(classmethod(lambda cls, v: env_name(v)))

    @model_validator(mode="after")
    def _one_url(self) -> SqlConnection:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of 'url' and 'url_env'")
        if self.url is not None and re.search(r"://[^/@:]+:[^/@]+@", self.url):
            raise ValueError(
                "the url holds a password; name it with 'password_env' instead, "
                "or give the whole url through 'url_env'"
            )
        return self


class SqlCollection(Collection):
    """A table (or view) of the system's database."""

    table: str = Field(min_length=1)
    schema_: str | None = Field(default=None, alias="schema")
    find_by_name: bool = Field(
        default=True,
        description="Look the table up by the asked name for candidates (held for review).",
    )


class SqlSystem(System):
    """``connector = "sql"``: SQLite, PostgreSQL, MariaDB/MySQL."""

    connector: Literal["sql"]
    connection: SqlConnection
    collections: dict[str, SqlCollection] = Field(min_length=1)


# -- the connector -----------------------------------------------------------------------------


class SqlConnector(Connector):
    """A system whose collections are tables of one SQL database.

    Beyond the contract (``check``, ``select``, ``close``): ``audit_schema()`` lists what is
    not fatal but worth fixing, and ``explain()`` shows the plan of the exact statement
    ``select`` runs (tests use it to prove the indexes serve the lookups).
    """


    kind = "sql"
    config = SqlSystem
    system: SqlSystem

    def __init__(self, system: System, workspace: Workspace) -> None:
        super().__init__(system, workspace)
        self._engine: sa.Engine | None = None
        self._engine_shared = False
        self._tables: dict[tuple[str | None, str], sa.Table] = {}
        self._ordered: bool | None = None

    # -- the engine ----------------------------------------------------------------------

    @property
    def connection_settings(self) -> SqlConnection:
        return self.system.connection

    @property
    def engine(self) -> sa.Engine:
        """The engine, created on first use; ``ConnectorError`` if it can't be configured."""
        if self._engine is None:
            self._engine, self._engine_shared = engine_for(
                self.system.id, self.connection_settings, self.workspace, create_engine
            )
        return self._engine

    def close(self) -> None:
        if self._engine is not None and not self._engine_shared:  # a batch's engine outlives us
            self._engine.dispose()
        self._engine = None
        self._tables.clear()

    # -- the contract ----------------------------------------------------------------------

    def check(self) -> tuple[bool, str | None]:
        """Connect, then compare every collection with its table. Never raises."""
        problems: list[str] = []
        try:
            with self._errors(None, "kontrollen av skjemaet"), self.engine.connect() as conn:
                inspector = sa.inspect(conn)
                for collection in self.system.collections.values():
                    problems.extend(self._compare(collection, inspector))
        except ConnectorError as exc:
            return False, str(exc)
        except Exception as exc:  # noqa: BLE001 - check reports, it never raises
            return False, ConnectorError.prefix(self.system.id) + f"kontrollen feilet med {error_name(exc)}"
        if problems:
            return False, ConnectorError.prefix(self.system.id) + "; ".join(problems)
        return True, None

    def select(
        self, collection: SqlCollection, conditions: Sequence[Condition]
    ) -> Iterator[dict[str, Any]]:
        """Stream every row matching any condition, as ``{column: value}``."""
        statement = self._statement(collection, conditions)
        if statement is None:
            return
        with self._errors(collection, "oppslaget"), self.engine.connect() as conn:
            result = conn.execution_options(yield_per=YIELD_PER).execute(statement)
            for row in result.mappings():
                yield dict(row)

    def held_names(self, collection: SqlCollection) -> Iterator[str]:  # type: ignore[override]
        identities = collection.identities_of("name")
        if not identities:
            return
        table = self._table(collection)
        fields = list(dict.fromkeys(f for i in identities for f in i.fields))
        raw = self.engine.dialect.name == "sqlite"
        columns = [self._column(collection, table, f) for f in fields]
        statement = sa.select(*(_raw(c).label(c.name) if raw else c for c in columns)).select_from(table)
        with self._errors(collection, "lesingen av navn"), self.engine.connect() as conn:
            result = conn.execution_options(yield_per=YIELD_PER).execute(statement)
            for row in result.mappings():
                for identity in identities:
                    name = held_name(identity, row)
                    if name:
                        yield name

    # -- tools beyond the contract -----------------------------------------------------------

    def explain(self, collection: SqlCollection, conditions: Sequence[Condition]) -> str:
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
        return "\n".join(" ".join(f"{c}={v}" for c, v in zip(columns, row, strict=True)) for row in rows)

    def audit_schema(self) -> list[str]:
        """Warnings that don't stop a search but should be fixed.

        Identity and reference columns no index serves (the lookup scans the whole table),
        e-mail columns whose MariaDB/MySQL collation isn't case-insensitive PAD SPACE, and
        columns neither explained in ``fields`` nor declared ``secret`` (the letter and the
        package would show them unexplained). Missing tables and columns are ``check``'s to
        report and are skipped here. Raises ``ConnectorError`` if the database can't be read.
        """
        with self._errors(None, "lesingen av skjemaet"), self.engine.connect() as conn:
            return audit_schema(self.system, conn)

    # -- statements ----------------------------------------------------------------------------

    def _statement(
        self, collection: SqlCollection, conditions: Sequence[Condition]
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
        # A digits column is the database's index helper, a copy of the phone: not data.
        helpers = {i.digits_column for i in collection.identities_of("phone") if i.digits_column}
        columns = [_raw(c).label(c.name) if raw else c for c in table.c if c.name not in helpers]
        return sa.select(*columns).select_from(table).where(sa.or_(*clauses))

    def _clause(
        self, collection: SqlCollection, table: sa.Table, condition: Condition, raw: bool
    ) -> sa.ColumnElement[bool] | None:
        column = self._column(collection, table, condition.field)
        target = _raw(column) if raw else column
        dialect = self.engine.dialect.name
        if condition.kind == "email":
            # Every spelling lower-cased: the database folds more than our rule does, and
            # every row it returns is checked again (connectors.base.row_matches).
            values = sorted({s for v in condition.values for s in email_spellings(str(v))})
            return folded(target, dialect).in_(values) if values else None
        if condition.kind == "phone":
            values = sorted({d for v in condition.values for d in phone_digit_forms(str(v))})
            digits_column = _digits_column(collection, condition.field)
            if digits_column is not None and dialect in ("mysql", "mariadb"):
                return self._column(collection, table, digits_column).in_(values)
            return phone_digits(target, dialect, text=_is_text(column)).in_(values)
        if condition.kind in ("name", "surname"):
            fulls, surnames = lookup_forms(str(condition.values[0]))
            values = fulls if condition.kind == "name" else surnames
            if not values:
                return None
            expr = folded(target, dialect)
            clause = expr.in_(values)
            if condition.kind == "name" and self._byte_ordered():
                # "Fløyby, Martin Fosseby" for "Martin Fløyby": a range of the same index. The
                # prefix ends in a space; "!" is the next character, so the range holds exactly
                # the names that begin with it.
                ranges = [sa.and_(expr >= p, expr < p[:-1] + "!") for p in lookup_prefixes(str(condition.values[0]))]
                clause = sa.or_(clause, *ranges)
            return clause
        values = list(dict.fromkeys(condition.values)) if raw else _coerce(column, condition.values)
        return target.in_(values) if values else None

    def _byte_ordered(self) -> bool:
        """Whether a range of the name index holds exactly the names with a given beginning:
        SQLite (binary), MariaDB/MySQL (its ``_ci`` collations order space before "!"), and
        PostgreSQL only when the database's collation is C (a linguistic one orders by letters
        first, skipping spaces and punctuation: the range would miss rows)."""
        if self._ordered is None:
            dialect = self.engine.dialect.name
            if dialect == "postgresql":
                with self.engine.connect() as conn:
                    collate = conn.exec_driver_sql(
                        "SELECT datcollate FROM pg_database WHERE datname = current_database()"
                    ).scalar()
                self._ordered = str(collate).split(".")[0] in ("C", "POSIX")
            else:
                self._ordered = True
        return self._ordered

    def _table(self, collection: SqlCollection) -> sa.Table:
        name, schema = str(collection.table), collection.schema_
        cached = self._tables.get((schema, name))
        if cached is not None:
            return cached
        try:
            with self._errors(collection, "lesingen av tabellen"), self.engine.connect() as conn:
                # Columns only: indexes and foreign keys aren't needed to query, and SQLite's
                # expression indexes would only make reflection warn.
                columns = sa.inspect(conn).get_columns(name, schema=schema)
        except sa.exc.NoSuchTableError as exc:
            raise ConnectorError(
                self.system.id,
                f"tabellen {name!r} finnes ikke (samling {collection.id!r}); sjekk "
                f"{config_key(self.system, collection)}.table",
            ) from exc
        table = sa.Table(
            name,
            sa.MetaData(),
            *(sa.Column(c["name"], c["type"], key=c["name"]) for c in columns),
            schema=schema,
        )
        self._tables[(schema, name)] = table
        return table

    def _column(self, collection: SqlCollection, table: sa.Table, name: str) -> sa.Column[Any]:
        if name in table.c:
            return table.c[name]
        raise ConnectorError(
            self.system.id,
            f"{_missing_column(name, table.name, [c.name for c in table.c])} "
            f"(samling {collection.id!r}); sjekk {config_key(self.system, collection)}",
        )

    # -- check -------------------------------------------------------------------------------------

    def _compare(self, collection: SqlCollection, inspector: sa.Inspector) -> list[str]:
        table, schema = str(collection.table), collection.schema_
        if not inspector.has_table(table, schema=schema):
            return [f"tabellen {table!r} finnes ikke; sjekk {config_key(self.system, collection)}.table"]
        present = [c["name"] for c in inspector.get_columns(table, schema=schema)]
        return [
            f"{_missing_column(column, table, present)}; sjekk {config_key(self.system, collection)}.{key}"
            for column, key in required_fields(self.system, collection)
            if column not in present
        ]

    # -- errors ----------------------------------------------------------------------------------

    def _errors(self, collection: SqlCollection | None, doing: str) -> AbstractContextManager[None]:
        """Turn database errors into ``ConnectorError`` that name no value."""
        where = (
            f"samling {collection.id!r} (tabell {collection.table!r}): "
            if collection is not None
            else ""
        )
        return database_errors(self.system.id, where, doing)


# -- statement helpers -------------------------------------------------------------------------


def _digits_column(collection: Collection, field: str) -> str | None:
    for identity in collection.identities_of("phone"):
        if identity.column == field:
            return identity.digits_column
    return None


def _is_text(column: sa.Column[Any]) -> bool:
    try:
        return column.type.python_type is str
    except NotImplementedError:
        return True


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
    text = f"kolonnen {name!r} finnes ikke i tabellen {table!r}"
    near = [c for c in present if c.lower() == name.lower()]
    if near:
        text += f" (tabellen har {near[0]!r}; navnene skiller mellom store og små bokstaver)"
    return text
