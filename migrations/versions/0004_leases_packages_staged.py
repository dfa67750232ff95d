"""Run leases, package numbers and states, what staging must hold, the sealing key's check.

A request's run takes a lease (one row per request) so a second run can't overlap it; a
package's number is reserved in the database before it is built (unique per request), and its
state says whether it was finished; a system's outcome records each staged file's size and
digest, so the answer can prove staging still holds what was found; ``store_meta`` keeps the
fingerprint of the data key the store is sealed with, checked before anything is written.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_leases",
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], name=op.f("fk_run_leases_request_id_requests")),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_run_leases")),
    )
    op.create_table(
        "store_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_store_meta")),
    )
    with op.batch_alter_table("packages") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("state", sa.String(length=12), nullable=False, server_default="built"))
        batch.create_unique_constraint(batch.f("uq_packages_request_id_number"), ["request_id", "number"])
    with op.batch_alter_table("system_runs") as batch:
        batch.add_column(sa.Column("staged", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("system_runs") as batch:
        batch.drop_column("staged")
    with op.batch_alter_table("packages") as batch:
        batch.drop_constraint(batch.f("uq_packages_request_id_number"), type_="unique")
        batch.drop_column("state")
        batch.drop_column("number")
    op.drop_table("store_meta")
    op.drop_table("run_leases")
