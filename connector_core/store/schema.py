"""The store's tables, as one SQLAlchemy ``MetaData`` that later parts extend.

Jobs and trigger instances (cursors, leases) add their tables to :data:`metadata` in their
own modules and a new Alembic revision under ``connector_core/store/migrations/versions``
whose ``down_revision`` is the current head; the store runs every revision on open.
Every table carries ``tenant``, and everything tenant-owned is looked up by (tenant, id).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON, Column, DateTime, Index, Integer, LargeBinary, MetaData, String, Table,
)
from sqlalchemy.dialects.postgresql import JSONB

# Stable constraint names, so Alembic revisions can refer to them on every engine.
metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

#: JSON on SQLite, JSONB on PostgreSQL (indexable, and queried with the same expressions).
JSONType = JSON().with_variant(JSONB(), "postgresql")

#: Alembic's bookkeeping table, named so it never collides with a host application's own.
VERSION_TABLE = "connector_core_alembic_version"

connections = Table(
    "connections", metadata,
    Column("id", String(32), primary_key=True),  # uuid4 hex: unguessable, opaque
    Column("tenant", String(255), nullable=False),
    Column("connector_id", String(200), nullable=False),
    Column("manifest_version", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    # Non-secret values, queryable; each secret's place holds {"$secret": n}.
    Column("public_values", JSONType, nullable=False),
    # Envelope encryption (see envelope.py): which master key wrapped the data key.
    Column("key_id", String(32), nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("secrets", LargeBinary, nullable=False),
    Column("revision", Integer, nullable=False),  # +1 per write: compare-and-set for save-backs
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "tenant", "connector_id"),
    Index(None, "key_id"),  # rotation finds what is left by key
)
