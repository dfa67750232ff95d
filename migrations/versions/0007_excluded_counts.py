"""Records excluded as clearly somebody else's, counted per system run by reason.

Before, they were counted with the held records, so a system said "12 til vurdering" where
staff had two decisions to make. Runs from before keep an empty count.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('system_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('excluded', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('system_runs', schema=None) as batch_op:
        batch_op.drop_column('excluded')
