"""Per system run, how many e-mails and phones the request didn't give were found in records
beside the person's own that were not released (a child's member row with a parent's mobile
the request left out).

Counts only, never values: staff are told to ask the person openly for every e-mail and phone
they use, without being shown these. Runs from before count none.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('system_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unattributed', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('system_runs', schema=None) as batch_op:
        batch_op.drop_column('unattributed')
