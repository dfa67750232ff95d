"""The Alembic migrations build exactly the schema the models declare, and go back down."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from dsar.store.models import Base
from dsar.store.repository import MIGRATIONS, upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        with sa.create_engine(url).begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    e = sa.create_engine(url)
    yield e
    e.dispose()


def test_migrated_schema_matches_the_models(engine):
    upgrade(engine)
    upgrade(engine)  # a second open changes nothing
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_downgrade_to_nothing(engine):
    upgrade(engine)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}


def test_0002_keeps_existing_requests_and_adds_staff(engine):
    """A store made by 0001 with a request in it is upgraded in place: the request keeps its
    status, gains the delivery columns, and staff accounts can be added."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO requests (id, controller_id, status, language, subject_name_sealed, "
                "subject_emails_sealed, subject_phones_sealed, relation, received_on, channel, password_channel, "
                "due_legal, due, extension_months, created_at, updated_at) VALUES ('INN-2026-OLD001', 'c', "
                "'complete', 'nb', 'x', 'x', 'x', 'self', '2026-11-02', 'email', 'sms', '2026-12-02', "
                "'2026-12-02', 0, '2026-11-02 10:00:00+00:00', '2026-11-02 10:00:00+00:00')"
            )
        )
    upgrade(engine)
    with engine.begin() as conn:
        row = conn.execute(sa.text("SELECT status, delivered_on, closed_at FROM requests")).one()
        assert tuple(row) == ("complete", None, None)
        conn.execute(
            sa.text("INSERT INTO staff_users (name, password_hash, active, created_at) VALUES ('kari.n', 'h', :t, :now)"),
            {"t": True, "now": "2026-11-02 10:00:00+00:00"},
        )
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    inspector = sa.inspect(engine)
    assert "staff_users" not in inspector.get_table_names()
    assert "delivered_on" not in {c["name"] for c in inspector.get_columns("requests")}
