"""Engines for SQL sources: the URL, per-dialect options, read-only bounded sessions.

SQLite files are opened with ``mode=ro`` (a missing file is an error, never a new empty
database) and ``PRAGMA query_only``. PostgreSQL and MariaDB/MySQL sessions are read-only
transactions with the connect and statement timeouts of ``SqlConnection``, set before any
statement runs. Parameters are never shown in SQLAlchemy's errors (``hide_parameters``).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dsar.errors import ConnectorError, SecretMissing
from dsar.secrets import resolve_secret

if TYPE_CHECKING:
    from connectors.sql import SqlConnection
    from dsar.workspace import Workspace


_shared_lock = threading.Lock()
_shared: dict[tuple[str, str, str], sa.Engine] = {}
_shared_depth = 0


@contextlib.contextmanager
def shared_engines() -> Iterator[None]:
    """Within the block, every search of a system uses one engine (and its pool) per
    system and connection, instead of making and disposing one per search.

    A batch of requests (``flows.batch``) opens each source's connections once, not once
    per request: a PostgreSQL connection costs milliseconds to set up, a request's lookup
    about as much. The engines are disposed when the outermost block ends.
    """
    global _shared_depth
    with _shared_lock:
        _shared_depth += 1
    try:
        yield
    finally:
        with _shared_lock:
            _shared_depth -= 1
            engines = list(_shared.values()) if _shared_depth == 0 else []
            if _shared_depth == 0:
                _shared.clear()
        for engine in engines:
            engine.dispose()


def engine_for(
    system_id: str,
    settings: SqlConnection,
    workspace: Workspace,
    make: Callable[[str, SqlConnection, Workspace], sa.Engine] | None = None,
) -> tuple[sa.Engine, bool]:
    """The engine a search uses and whether it is shared (then the search must not dispose
    it): the batch's shared one inside ``shared_engines``, else a new one (``make``,
    ``create_engine`` by default)."""
    make = make or create_engine
    with _shared_lock:
        if _shared_depth == 0:
            shared = False
        else:
            shared = True
            key = (system_id, settings.model_dump_json(), str(workspace.root))
            if key in _shared:
                return _shared[key], True
    engine = make(system_id, settings, workspace)
    if not shared:
        return engine, False
    with _shared_lock:
        if _shared_depth == 0:  # the batch ended meanwhile: this search owns its engine
            return engine, False
        kept = _shared.setdefault(key, engine)
    if kept is not engine:  # another thread made one first
        engine.dispose()
    return kept, True


def create_engine(system_id: str, settings: SqlConnection, workspace: Workspace) -> sa.Engine:
    """An engine for the system's database; ``ConnectorError`` if it can't be configured.

    Creating it connects to nothing; the first statement does.
    """
    url = _url(system_id, settings, workspace)
    backend = url.get_backend_name()
    options: dict[str, Any] = {"hide_parameters": True}
    if backend == "sqlite":
        return _sqlite_engine(system_id, url, settings, workspace, options)
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
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise ConnectorError(
            system_id,
            f"kan ikke åpne en {backend!r}-database ({type(exc).__name__}); "
            f"sjekk systems.{system_id}.connection og at driveren er installert",
        ) from exc
    if backend in ("mysql", "mariadb"):
        sa.event.listen(engine, "connect", _mysql_session(settings))
    elif backend == "postgresql" and url.get_driver_name() not in ("psycopg", "psycopg2"):
        sa.event.listen(engine, "connect", _postgres_session(settings))
    return engine


def _url(system_id: str, settings: SqlConnection, workspace: Workspace) -> sa.URL:
    where = f"systems.{system_id}.connection"
    try:
        text = (
            resolve_secret(settings.url_env)
            if settings.url_env
            else workspace.expand(settings.url or "")
        )
        password = resolve_secret(settings.password_env) if settings.password_env else None
    except SecretMissing as exc:
        raise ConnectorError(system_id, str(exc)) from exc
    try:
        url = sa.make_url(text)
    except sa.exc.ArgumentError:
        # The cause quotes the URL, which may hold a password: leave it out.
        raise ConnectorError(
            system_id, f"tilkoblings-URL-en er ikke en database-URL; sjekk {where}"
        ) from None
    return url.set(password=password) if password is not None else url


def _sqlite_engine(
    system_id: str,
    url: sa.URL,
    settings: SqlConnection,
    workspace: Workspace,
    options: dict[str, Any],
) -> sa.Engine:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise ConnectorError(
            system_id,
            "en SQLite-kilde trenger en filsti (sqlite:///path/to/file.db); "
            f"sjekk systems.{system_id}.connection.url",
        )
    path = workspace.resolve_path(database)
    if not path.is_file():
        raise ConnectorError(
            system_id,
            f"SQLite-filen {str(path)!r} finnes ikke (den åpnes bare for lesing og blir "
            f"aldri opprettet); sjekk systems.{system_id}.connection.url",
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
