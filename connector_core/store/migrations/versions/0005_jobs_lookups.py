"""jobs: indexes for a fan-out's chunk states and for heartbeats by lease token

A chunk's row holds its params (tens of kilobytes: SQLite keeps them in overflow pages,
read through before any later column): counting a parent's running chunks read every
chunk's whole row, and a heartbeat's ``lease_token IN (...)`` scanned the table. With
(parent_id, state) the count reads the index alone; lease_token finds its row at once.

Revision ID: 0005_jobs_lookups
Revises: 0004_web_host
Create Date: 2026-12-01
"""

from alembic import op

revision = "0005_jobs_lookups"
down_revision = "0004_web_host"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_jobs_parent_id_state"), "jobs", ["parent_id", "state"])
    op.create_index(op.f("ix_jobs_lease_token"), "jobs", ["lease_token"])


def downgrade() -> None:
    op.drop_index(op.f("ix_jobs_lease_token"), table_name="jobs")
    op.drop_index(op.f("ix_jobs_parent_id_state"), table_name="jobs")
