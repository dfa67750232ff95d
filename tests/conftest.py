"""Fixtures shared by every test file.

The data key and secret store are set per test session in a temporary directory, so no test
reads a developer's real secrets. PostgreSQL and MariaDB fixtures create a throwaway
database on the servers this machine runs and drop it afterwards; if a server is down the
tests fail (they are not skipped: SQL connectors must be proven on the real servers) unless
DSAR_SKIP_SERVERS=1 is set on purpose.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

# Prefect reads its home and settings when first imported: point them at a throwaway place
# before any test module imports it, so tests never touch a developer's ~/.prefect.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="dsar-test-prefect-")
atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], True)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
# A new Prefect 3.9 server database is built by running its migrations (~17 s here).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

PG_ADMIN_URL = os.environ.get("DSAR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MARIADB_ADMIN_URL = os.environ.get("DSAR_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")


@pytest.fixture(scope="session", autouse=True)
def _isolated_secrets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    from dsar.crypto import DataKey

    secrets_dir = tmp_path_factory.mktemp("secrets")
    saved = {k: os.environ.get(k) for k in ("DSAR_DATA_KEY", "DSAR_SECRETS_DIR", "DSAR_WORKSPACE")}
    os.environ["DSAR_DATA_KEY"] = DataKey.generate()
    os.environ["DSAR_SECRETS_DIR"] = str(secrets_dir)
    os.environ.pop("DSAR_WORKSPACE", None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def _umask_restored() -> Iterator[None]:
    """A workspace opened in a test makes the process's umask private (dsar.private); each
    test starts with the umask the session had, so servers the tests start stay reachable."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


@pytest.fixture
def data_key():
    from dsar.crypto import DataKey

    return DataKey.from_secret(os.environ["DSAR_DATA_KEY"])


def _server_unavailable(kind: str, exc: Exception) -> None:
    if os.environ.get("DSAR_SKIP_SERVERS") == "1":
        pytest.skip(f"{kind} not reachable and DSAR_SKIP_SERVERS=1")
    raise RuntimeError(
        f"{kind} is not reachable ({type(exc).__name__}); start it (see README, 'Tests') "
        "or set DSAR_SKIP_SERVERS=1 to skip server tests on purpose"
    ) from exc


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database, dropped after the session."""
    name = f"dsar_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        _server_unavailable("PostgreSQL", exc)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def mariadb_url() -> Iterator[str]:
    """URL of a fresh MariaDB database (utf8mb4, case-insensitive collation), dropped after."""
    name = f"dsar_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(MARIADB_ADMIN_URL)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
    except sa.exc.OperationalError as exc:
        _server_unavailable("MariaDB", exc)
    url = MARIADB_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}?charset=utf8mb4"
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
    admin.dispose()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[Path]:
    """One temporary Prefect server for the session; yields its database file."""
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL
    from prefect.testing.utilities import prefect_test_harness

    # A fresh server migrates its database first (~17 s here, more on a busy machine).
    with prefect_test_harness(server_startup_timeout=180):
        url = PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
        yield Path(url.split(":///", 1)[1])


@pytest.fixture
def tmp_workspace(tmp_path: Path) -> Path:
    """An empty workspace directory with its config folders."""
    (tmp_path / "config" / "controllers").mkdir(parents=True)
    return tmp_path


@pytest.fixture(scope="session")
def sample_world(tmp_path_factory: pytest.TempPathFactory):
    """The sample world at scale 0.1 (about 300 people, seed 2026), built once per session.

    Shared by the sample-world and sample-configuration tests, which only read it: a test
    that changes files builds its own.
    """
    from sample_data.generate import build_world

    return build_world(tmp_path_factory.mktemp("sample-world"), scale=0.1)
