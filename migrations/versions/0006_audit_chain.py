"""The audit log as a hash chain: each entry's hash covers the previous hash and its content.

Existing entries are chained in the order they were written (by id), so a store from before
is verifiable from here on. The append-only triggers are lifted only while the chain columns
are filled, and put back.

Revision ID: 0006
Revises: 0005
"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table('audit_chain',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain'))
    )
    _drop_append_only_audit()
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))
    seq, head = _chain_existing()
    op.get_bind().execute(
        sa.text("INSERT INTO audit_chain (id, seq, head_hash) VALUES (1, :seq, :head)"), {"seq": seq, "head": head}
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_seq'), ['seq'])
    _append_only_audit()


def _canonical(seq, request_id, at, actor, action, detail) -> bytes:
    # The same bytes as dsar.store.audit_chain.canonical (kept here so the migration never
    # changes when the product's code does).
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    if isinstance(detail, str):
        detail = json.loads(detail)
    body = {"seq": seq, "request_id": request_id, "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "actor": actor, "action": action, "detail": detail}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _chain_existing() -> tuple[int, str]:
    bind = op.get_bind()
    events = sa.table(
        'audit_events', sa.column('id', sa.Integer), sa.column('request_id', sa.String),
        sa.column('at', sa.DateTime(timezone=True)), sa.column('actor', sa.String), sa.column('action', sa.String),
        sa.column('detail', sa.JSON), sa.column('seq', sa.Integer), sa.column('prev_hash', sa.String),
        sa.column('entry_hash', sa.String),
    )
    rows = bind.execute(
        sa.select(events.c.id, events.c.request_id, events.c.at, events.c.actor, events.c.action, events.c.detail)
        .order_by(events.c.id)
    ).all()
    seq, prev = 0, GENESIS
    for row in rows:
        seq += 1
        digest = hashlib.sha256(
            prev.encode("ascii") + b"\n" + _canonical(seq, row.request_id, row.at, row.actor, row.action, row.detail)
        ).hexdigest()
        bind.execute(
            events.update().where(events.c.id == row.id).values(seq=seq, prev_hash=prev, entry_hash=digest)
        )
        prev = digest
    return seq, prev


def _append_only_audit() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
    elif dialect in ("mysql", "mariadb"):
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                "FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_events is append-only'"
            )


def _drop_append_only_audit() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{verb}")


def downgrade() -> None:
    _drop_append_only_audit()
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_seq'), type_='unique')
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
    op.drop_table('audit_chain')
    _append_only_audit()
