"""The reference host's tables: tenants, API tokens, browser sessions, the audit log.

They extend the store's :data:`~connector_core.store.schema.metadata` (one database, one
Alembic history); revision ``0004_web_host`` creates them. Nothing here holds a secret
in clear: tokens and session ids are kept only as hashes.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Table
from sqlalchemy.dialects.postgresql import JSONB

from ..store.schema import metadata

tenants = Table(
    "tenants", metadata,
    Column("name", String(255), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    # The token's public lookup id (its prefix): verification reads one row, never scans.
    Column("id", String(32), primary_key=True),
    Column("tenant", String(255), ForeignKey("tenants.name", ondelete="CASCADE"), nullable=False),
    Column("hash", String(255), nullable=False),  # argon2id, parameters included
    Column("label", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index(None, "tenant"),
)

web_sessions = Table(
    "web_sessions", metadata,
    Column("id_hash", String(64), primary_key=True),  # sha256 of the session id in the cookie
    Column("tenant", String(255), ForeignKey("tenants.name", ondelete="CASCADE"), nullable=False),
    Column("token_id", String(32), ForeignKey("api_tokens.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index(None, "expires_at"),
)

audit_events = Table(
    "audit_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("tenant", String(255), nullable=False),
    Column("actor", String(64), nullable=False),  # "token <id>": which token acted
    Column("action", String(64), nullable=False),
    Column("connection_id", String(32), nullable=True),
    Column("detail", JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    Index(None, "tenant", "id"),
)
