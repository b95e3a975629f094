"""trigger_instances: polled triggers per tenant, their cursors, due times and leases

Revision ID: 0002_trigger_instances
Revises: 0001_connections
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002_trigger_instances"
down_revision = "0001_connections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json = sa.JSON().with_variant(JSONB(), "postgresql")
    op.create_table(
        "trigger_instances",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("tenant", sa.String(255), nullable=False),
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("connector_id", sa.String(200), nullable=False),
        sa.Column("trigger_id", sa.String(64), nullable=False),
        sa.Column("params", json, nullable=False),
        sa.Column("cursor", json, nullable=True),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_token", sa.String(32), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE",
                                name=op.f("fk_trigger_instances_connection_id_connections")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_instances")),
    )
    op.create_index(op.f("ix_trigger_instances_next_due_at"), "trigger_instances", ["next_due_at"])
    op.create_index(op.f("ix_trigger_instances_tenant_connection_id"), "trigger_instances",
                    ["tenant", "connection_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_trigger_instances_tenant_connection_id"), table_name="trigger_instances")
    op.drop_index(op.f("ix_trigger_instances_next_due_at"), table_name="trigger_instances")
    op.drop_table("trigger_instances")
