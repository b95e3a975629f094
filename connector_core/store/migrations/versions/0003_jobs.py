"""jobs: background runs of operations, their state, results, progress, attempts and leases

Revision ID: 0003_jobs
Revises: 0002_trigger_instances
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003_jobs"
down_revision = "0002_trigger_instances"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json = sa.JSON().with_variant(JSONB(), "postgresql")
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("tenant", sa.String(255), nullable=False),
        sa.Column("connection_id", sa.String(32), nullable=False),
        sa.Column("connector_id", sa.String(200), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("params", json, nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("parent_id", sa.String(32), nullable=True),
        sa.Column("chunk_index", sa.Integer(), nullable=True),
        sa.Column("key_id", sa.String(32), nullable=True),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("secrets", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("result", json, nullable=True),
        sa.Column("outcomes", json, nullable=True),
        sa.Column("progress", json, nullable=True),
        sa.Column("error", json, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("retry_delay", sa.Float(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_token", sa.String(32), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_tenant_idempotency_key"), "jobs", ["tenant", "idempotency_key"], unique=True)
    op.create_index(op.f("ix_jobs_state_lease_expires_at"), "jobs", ["state", "lease_expires_at"])
    op.create_index(op.f("ix_jobs_tenant_created_at"), "jobs", ["tenant", "created_at"])
    op.create_index(op.f("ix_jobs_parent_id"), "jobs", ["parent_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_jobs_parent_id"), table_name="jobs")
    op.drop_index(op.f("ix_jobs_tenant_created_at"), table_name="jobs")
    op.drop_index(op.f("ix_jobs_state_lease_expires_at"), table_name="jobs")
    op.drop_index(op.f("ix_jobs_tenant_idempotency_key"), table_name="jobs")
    op.drop_table("jobs")
