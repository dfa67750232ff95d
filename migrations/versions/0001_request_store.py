"""Request store: requests, pauses, per-system outcomes, review items, packages, audit.

The audit table is append-only: triggers refuse UPDATE and DELETE on every dialect the
store supports, so not even a mistaken script can rewrite history.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 04:19:10.265089
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.String(length=32), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_request_id'), ['request_id'], unique=False)

    op.create_table('requests',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('controller_id', sa.String(length=63), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('subject_name_sealed', sa.Text(), nullable=False),
    sa.Column('subject_emails_sealed', sa.Text(), nullable=False),
    sa.Column('subject_phones_sealed', sa.Text(), nullable=False),
    sa.Column('subject_birthdate_sealed', sa.Text(), nullable=True),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.Column('requested_by_sealed', sa.Text(), nullable=True),
    sa.Column('mandate_sealed', sa.Text(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=24), nullable=False),
    sa.Column('password_channel', sa.String(length=16), nullable=False),
    sa.Column('verification_method', sa.String(length=24), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by', sa.String(length=64), nullable=True),
    sa.Column('promised_days', sa.Integer(), nullable=True),
    sa.Column('due_legal', sa.Date(), nullable=False),
    sa.Column('due_promised', sa.Date(), nullable=True),
    sa.Column('due_extended', sa.Date(), nullable=True),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('extension_months', sa.Integer(), nullable=False),
    sa.Column('extension_reason_sealed', sa.Text(), nullable=True),
    sa.Column('extension_notified_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requests'))
    )
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requests_controller_id'), ['controller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_requests_due'), ['due'], unique=False)
        batch_op.create_index(batch_op.f('ix_requests_received_on'), ['received_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_requests_status'), ['status'], unique=False)

    op.create_table('packages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.String(length=32), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_packages_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_packages'))
    )
    with op.batch_alter_table('packages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_packages_request_id'), ['request_id'], unique=False)

    op.create_table('pauses',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.String(length=32), nullable=False),
    sa.Column('asked_on', sa.Date(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('reason_sealed', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_pauses_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pauses'))
    )
    with op.batch_alter_table('pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pauses_request_id'), ['request_id'], unique=False)

    op.create_table('review_items',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.String(length=32), nullable=False),
    sa.Column('system_id', sa.String(length=63), nullable=False),
    sa.Column('record_ref', sa.String(length=255), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_review_items_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_items')),
    sa.UniqueConstraint('request_id', 'system_id', 'record_ref', name=op.f('uq_review_items_request_id_system_id_record_ref'))
    )
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_items_request_id'), ['request_id'], unique=False)

    op.create_table('system_runs',
    sa.Column('request_id', sa.String(length=32), nullable=False),
    sa.Column('system_id', sa.String(length=63), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('collections', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_system_runs_request_id_requests')),
    sa.PrimaryKeyConstraint('request_id', 'system_id', name=op.f('pk_system_runs'))
    )
    _append_only_audit()


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
    op.drop_table('system_runs')
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_items_request_id'))

    op.drop_table('review_items')
    with op.batch_alter_table('pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pauses_request_id'))

    op.drop_table('pauses')
    with op.batch_alter_table('packages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_packages_request_id'))

    op.drop_table('packages')
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requests_status'))
        batch_op.drop_index(batch_op.f('ix_requests_received_on'))
        batch_op.drop_index(batch_op.f('ix_requests_due'))
        batch_op.drop_index(batch_op.f('ix_requests_controller_id'))

    op.drop_table('requests')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_request_id'))

    op.drop_table('audit_events')
