"""Mail redactions staff changed: a redaction lifted, or a text added to black out.

The search decides what to black out of each message and stages it (encrypted); staff's
changes live here and apply when the next package is built, without searching again. A
lifted redaction names the target by its number; an added text is personal data and is
sealed with the data key like every other identifier in the store.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('redaction_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.String(length=32), nullable=False),
    sa.Column('system_id', sa.String(length=63), nullable=False),
    sa.Column('record_key', sa.String(length=255), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('target', sa.Integer(), nullable=True),
    sa.Column('text_sealed', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_redaction_changes_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redaction_changes'))
    )
    with op.batch_alter_table('redaction_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redaction_changes_request_id'), ['request_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('redaction_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redaction_changes_request_id'))
    op.drop_table('redaction_changes')
