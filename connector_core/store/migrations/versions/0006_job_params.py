"""jobs: params in a table of their own, ``job_params``

A chunk's params are ~100 KB of JSON, and SQLite rewrites a whole row (overflow pages
included) on every UPDATE: the claim, each heartbeat and the end of every chunk paid for
copying them. In ``job_params`` they are written once with the job and read only by the
delivery that runs it and by whoever shows it. Existing jobs' params move across.

Revision ID: 0006_job_params
Revises: 0005_jobs_lookups
Create Date: 2026-12-01
"""

import sqlite3

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006_job_params"
down_revision = "0005_jobs_lookups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        raise RuntimeError(f"the connection store needs SQLite 3.35 or newer (ALTER TABLE ... DROP COLUMN); "
                           f"this Python links SQLite {sqlite3.sqlite_version}: use a Python built against a "
                           "newer SQLite, or PostgreSQL (CONNECTOR_CORE_DATABASE_URL)")
    json = sa.JSON().with_variant(JSONB(), "postgresql")
    op.create_table(
        "job_params",
        sa.Column("job_id", sa.String(32), nullable=False),
        sa.Column("tenant", sa.String(255), nullable=False),
        sa.Column("params", json, nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE",
                                name=op.f("fk_job_params_job_id_jobs")),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_params")),
    )
    op.execute("INSERT INTO job_params (job_id, tenant, params) SELECT id, tenant, params FROM jobs")
    # A plain ALTER (SQLite >= 3.35), never a batch copy: dropping the old ``jobs`` table
    # under foreign keys would cascade into the rows just moved.
    op.drop_column("jobs", "params")


def downgrade() -> None:
    json = sa.JSON().with_variant(JSONB(), "postgresql")
    op.add_column("jobs", sa.Column("params", json, nullable=True))
    op.execute("UPDATE jobs SET params = (SELECT p.params FROM job_params p WHERE p.job_id = jobs.id)")
    if op.get_context().dialect.name == "postgresql":  # SQLite cannot add NOT NULL without a copy
        op.alter_column("jobs", "params", existing_type=json, nullable=False)
    op.drop_table("job_params")
