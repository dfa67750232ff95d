"""Database errors, worded safely: transient or permanent, named by class and code only.

A driver's message can quote the statement or the values searched for, so it never reaches a
``ConnectorError``; the error's class and code (SQLSTATE, MySQL error number, SQLite error
name) do, and the original stays the cause (``raise … from exc``).

Whether trying again may help is decided by code where one exists, because the exception
class alone is too coarse: MySQL reports a missing column as ``OperationalError``, and an
access denied too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from dsar.errors import ConnectorError

# SQLSTATE classes: 08 connection, 40 rollback (deadlock, serialization), 53 resources,
# 57 operator intervention (statement timeout, shutdown), 58 system I/O.
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


@contextmanager
def database_errors(system_id: str, where: str, doing: str) -> Iterator[None]:
    """Turn database errors into ``ConnectorError`` that name no value.

    ``where`` (``"collection 'x' (table 'y'): "`` or empty) and ``doing`` (``"the lookup"``)
    say what failed. ``NoSuchTableError`` passes through: the caller words that one itself.
    """
    try:
        yield
    except sa.exc.NoSuchTableError:
        raise
    except sa.exc.SQLAlchemyError as exc:
        transient = is_transient(exc)
        advice = (
            "databasen kan være utilgjengelig, treg eller låst; søket kan prøves på nytt"
            if transient
            else f"sjekk systems.{system_id}.connection og databasens skjema"
        )
        raise ConnectorError(
            system_id,
            f"{where}{doing} feilet med {error_name(exc)}; {advice}",
            transient=transient,
        ) from exc


def error_name(exc: BaseException) -> str:
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


def is_transient(exc: sa.exc.SQLAlchemyError) -> bool:
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
