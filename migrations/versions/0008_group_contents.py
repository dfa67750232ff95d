"""Per group found in a system run, a sealed digest of its records.

A staff decision names a group by its first record (``medlem/1``). When the records behind
that name change between runs (a re-exported file whose line 1 is now another person's),
the decision must not carry over. Runs from before hold no digests: their decisions stand.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('system_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contents_sealed', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('system_runs', schema=None) as batch_op:
        batch_op.drop_column('contents_sealed')
