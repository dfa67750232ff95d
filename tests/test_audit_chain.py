"""The audit log is a hash chain: `dsar audit verify` finds an edited, inserted or removed
entry, on SQLite and PostgreSQL, and two processes writing at once never fork the chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from dsar.config.models import Controller
from dsar.store import Person, RequestStore
from dsar.store.audit_chain import GENESIS, canonical, entry_hash
from dsar.store.repository import MIGRATIONS, upgrade

CONTROLLER = Controller(
    id="stavanger-foto", name="Alexander AS", address=["Lars Hertervigs gate 3B", "4005 Stavanger"],
    email="post@stavangerfoto.no", responsible="Daglig leder", promised_days=30, languages=["nb", "en"],
)
KARI = Person(name="Kari Nordmann", emails=("kari.nordmann@example.no",), phones=("+4791234567",))


def _url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url = request.getfixturevalue("postgres_url")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    return _url(request, tmp_path)


@pytest.fixture
def store(url, data_key):
    s = RequestStore(url, data_key)
    for _ in range(3):
        request = s.register(controller=CONTROLLER, person=KARI, received_on=date(2026, 11, 2), channel="email",
                             actor="tester", verification_method="email-code", today=date(2026, 11, 22))
        s.audit(request.id, "tester", "password_shown")
    yield s
    s.close()


def _lift_triggers(store: RequestStore) -> None:
    """What someone editing the database by hand would do first."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP TRIGGER audit_events_append_only ON audit_events")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_delete")


def _count(store: RequestStore) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one()


def test_an_untouched_chain_verifies(store):
    result = store.verify_audit()
    assert result.ok, result.problems
    assert result.entries == _count(store) >= 6 and result.head_seq == result.entries


def test_an_edited_entry_is_found(store):
    _lift_triggers(store)
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2"))
    result = store.verify_audit()
    assert [(p.seq, p.what) for p in result.problems] == [(2, "edited")]


def test_an_edited_detail_is_found(store):
    _lift_triggers(store)
    with store.engine.begin() as conn:
        seq = conn.execute(sa.text("SELECT max(seq) FROM audit_events")).scalar_one()
        conn.execute(sa.text("UPDATE audit_events SET action = 'nothing_happened' WHERE seq = :s"), {"s": seq})
    assert [(p.seq, p.what) for p in store.verify_audit().problems] == [(seq, "edited")]


def test_a_removed_entry_is_found(store):
    _lift_triggers(store)
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq = 3"))
    result = store.verify_audit()
    assert not result.ok
    assert (4, "removed") in [(p.seq, p.what) for p in result.problems]


def test_the_newest_entry_removed_is_found(store):
    _lift_triggers(store)
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)"))
    assert [p.what for p in store.verify_audit().problems] == ["removed"]


def test_an_inserted_entry_is_found(store):
    """A forged entry, even with a correctly computed hash of its own, breaks the chain."""
    with store.engine.begin() as conn:
        first = conn.execute(sa.text("SELECT entry_hash FROM audit_events WHERE seq = 1")).scalar_one()
        last = conn.execute(sa.text("SELECT max(seq) FROM audit_events")).scalar_one()
    from datetime import UTC, datetime

    at = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    forged = entry_hash(first, canonical(last + 1, None, at, "tester", "purged", {}))
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO audit_events (request_id, at, actor, action, detail, seq, prev_hash, entry_hash) "
                    "VALUES (NULL, :at, 'tester', 'purged', '{}', :seq, :prev, :hash)"),
            {"at": at, "seq": last + 1, "prev": first, "hash": forged},
        )
    kinds = [p.what for p in store.verify_audit().problems]
    assert "inserted" in kinds


def test_appended_after_a_head_it_was_not_linked_to(store):
    """Even a forged entry linked properly to the last one shows: the head does not move."""
    with store.engine.begin() as conn:
        seq, prev = conn.execute(
            sa.text("SELECT seq, entry_hash FROM audit_events ORDER BY seq DESC LIMIT 1")).one()
    from datetime import UTC, datetime

    at = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    forged = entry_hash(prev, canonical(seq + 1, None, at, "tester", "purged", {}))
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO audit_events (request_id, at, actor, action, detail, seq, prev_hash, entry_hash) "
                    "VALUES (NULL, :at, 'tester', 'purged', '{}', :seq, :prev, :hash)"),
            {"at": at, "seq": seq + 1, "prev": prev, "hash": forged},
        )
    assert [(p.seq, p.what) for p in store.verify_audit().problems] == [(seq + 1, "inserted")]


WRITER = """
import sys
from dsar.crypto import DataKey
from dsar.store import RequestStore
import os
store = RequestStore(sys.argv[1], DataKey.from_secret(os.environ["DSAR_DATA_KEY"]))
for i in range(int(sys.argv[2])):
    store.audit(None, "writer-" + sys.argv[3], "downloaded", n=i)
store.close()
"""


def test_two_processes_writing_at_once_keep_one_chain(store, url):
    """The head row is locked at commit: concurrent writers queue, they never fork the chain."""
    before = _count(store)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, url, "60", str(n)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(2)
    ]
    for writer in writers:
        _out, err = writer.communicate(timeout=240)
        assert writer.returncode == 0, err
    result = store.verify_audit()
    assert result.ok, result.problems
    assert result.entries == before + 120 == result.head_seq


def test_the_migration_chains_existing_entries(url, data_key):
    """A store at 0005 with audit entries in it is upgraded in place and verifies."""
    engine = sa.create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0005")
    with engine.begin() as conn:
        for n, at in enumerate(["2026-11-02 10:00:00.123456", "2026-11-02 10:00:01", "2026-11-03 09:30:00"]):
            conn.execute(
                sa.text("INSERT INTO audit_events (request_id, at, actor, action, detail) "
                        "VALUES (NULL, :at, 'old', 'login', :detail)"),
                {"at": at, "detail": json.dumps({"n": n, "systems": ["a", "b"]})},
            )
    upgrade(engine)
    engine.dispose()
    store = RequestStore(url, data_key)
    try:
        result = store.verify_audit()
        assert result.ok and result.entries == 3, result.problems
        store.audit(None, "new", "login")
        assert store.verify_audit().ok and store.verify_audit().entries == 4
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT prev_hash FROM audit_events WHERE seq = 1")).scalar_one() == GENESIS
    finally:
        store.close()


def test_cli_audit_verify_exits_non_zero_on_a_break(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from dsar.cli import app
    from dsar.store import open_store
    from dsar.workspace import Workspace
    from flows.runtime import forget_runtimes
    from tests import flow_world

    flow_world.build(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    runner = CliRunner()
    try:
        made = runner.invoke(app, ["request", "new", "--controller", "testbutikk", "--name", "Kari Nordmann",
                                   "--email", "kari.nordmann@example.no", "--verified-by", "bankid"])
        assert made.exit_code == 0, made.output
        good = runner.invoke(app, ["audit", "verify"])
        assert good.exit_code == 0 and "hel" in good.stdout
        store = open_store(Workspace(tmp_path))
        _lift_triggers(store)
        with store.engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_events SET actor = 'x' WHERE seq = 1"))
        store.close()
        bad = runner.invoke(app, ["audit", "verify", "--json"])
        assert bad.exit_code == 1
        report = json.loads(bad.stdout)
        assert report["ok"] is False and report["problems"][0] == {
            "seq": 1, "kind": "edited", "detail": "innholdet stemmer ikke med hashen"}
    finally:
        forget_runtimes()
