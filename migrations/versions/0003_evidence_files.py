"""Review evidence, staged file counts and suggested identifiers.

A held group of records carries the evidence staff decide on (which identifiers matched, how
closely, what conflicts — never values); a system's outcome counts the files staged with its
records; a request keeps, sealed, the e-mails and phones found in the person's released
records that the request didn't give.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_items") as batch:
        batch.add_column(sa.Column("evidence", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("system_runs") as batch:
        batch.add_column(sa.Column("files", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("files_missing", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("suggestions_sealed", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("suggestions_sealed")
    with op.batch_alter_table("system_runs") as batch:
        batch.drop_column("files_missing")
        batch.drop_column("files")
    with op.batch_alter_table("review_items") as batch:
        batch.drop_column("evidence")
