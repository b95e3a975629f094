"""The ``jobs`` table: one row per job, in the connection store's database.

Created by the Alembic revision ``0003_jobs``. Jobs are looked up by (tenant, id); the
idempotency key is unique per tenant, so a re-submitted job finds the first one. Leases
work as for trigger instances: a running job's worker holds ``lease_token`` until
``lease_expires_at`` and extends it with each heartbeat; an expired lease means the
worker died, and the job may be taken over.

A job's params live in ``job_params`` (revision ``0006_job_params``), written once with
the job and read only by the delivery that runs it and by whoever shows it: a chunk's
params are ~100 KB, and SQLite rewrites a whole row (overflow pages included) on every
UPDATE -- the claim, each heartbeat, the end -- while the ``jobs`` row stays small.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Table, Text,
)

from ..store.schema import JSONType, metadata

jobs = Table(
    "jobs", metadata,
    Column("id", String(32), primary_key=True),
    Column("tenant", String(255), nullable=False),
    Column("connection_id", String(32), nullable=False),  # no FK: a job outlives a deleted connection
    Column("connector_id", String(200), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # what the key was first used for
    Column("parent_id", String(32), nullable=True),  # fan-out: the job this chunk belongs to
    Column("chunk_index", Integer, nullable=True),
    # Secret inputs, sealed like a connection's (envelope; tenant and job id bound in).
    Column("key_id", String(32), nullable=True),
    Column("wrapped_key", LargeBinary, nullable=True),
    Column("secrets", LargeBinary, nullable=True),
    Column("state", String(16), nullable=False),
    Column("cancel_requested", Boolean, nullable=False),
    Column("result", JSONType, nullable=True),
    Column("outcomes", JSONType, nullable=True),
    Column("progress", JSONType, nullable=True),
    Column("error", JSONType, nullable=True),  # masked
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("retry_delay", Float, nullable=False),  # seconds before the first retry; doubles
    Column("not_before", DateTime(timezone=True), nullable=True),  # a retry's earliest start
    Column("lease_owner", String(64), nullable=True),
    Column("lease_token", String(32), nullable=True),
    Column("lease_expires_at", DateTime(timezone=True), nullable=True),
    Column("heartbeat_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("last_message", Text, nullable=True),  # why it was re-queued, for operators
    Index(None, "tenant", "idempotency_key", unique=True),
    Index(None, "state", "lease_expires_at"),  # the reaper's scan
    Index(None, "tenant", "created_at"),
    Index(None, "parent_id"),
    Index(None, "parent_id", "state"),  # a fan-out's running chunks, counted from the index alone
    Index(None, "lease_token"),  # heartbeats and ends of leases
)

job_params = Table(
    "job_params", metadata,
    Column("job_id", String(32), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("tenant", String(255), nullable=False),  # every read is keyed by tenant too
    Column("params", JSONType, nullable=False),  # validated; secrets replaced by {"$secret": n}
)
