"""connections: per-tenant connection values, secrets sealed (envelope encryption)

Revision ID: 0001_connections
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_connections"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("tenant", sa.String(255), nullable=False),
        sa.Column("connector_id", sa.String(200), nullable=False),
        sa.Column("manifest_version", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("public_values", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("secrets", sa.LargeBinary(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
    )
    op.create_index(op.f("ix_connections_tenant_connector_id"), "connections", ["tenant", "connector_id"])
    op.create_index(op.f("ix_connections_key_id"), "connections", ["key_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_connections_key_id"), table_name="connections")
    op.drop_index(op.f("ix_connections_tenant_connector_id"), table_name="connections")
    op.drop_table("connections")
