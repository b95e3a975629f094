"""The audit log: who created, edited, deleted, tested or ran what (inline or as a job), per tenant.

An event holds the tenant, the actor (``token <id>``), the action, the connection id and
a small ``detail`` of names and outcomes: connector id, operation, which fields an edit
sent, ok/failed and an error code. Never a value, so never a secret: callers pass only
those keys, and :meth:`AuditLog.record` refuses any other.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, insert, select

from .tables import audit_events
from .tenants import Principal

ACTIONS = frozenset({"connection.create", "connection.update", "connection.delete", "connection.test",
                     "operation.run", "job.submit", "job.cancel"})
#: The only detail keys an event may carry: identifiers and outcomes, not values.
DETAIL_KEYS = frozenset({"connector_id", "operation", "fields", "ok", "error", "draft", "streamed", "job_id"})
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, who: Principal, action: str, connection_id: str | None = None, **detail: Any) -> None:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        unknown = set(detail) - DETAIL_KEYS
        if unknown:
            raise ValueError(f"audit detail may not carry {sorted(unknown)}: names and outcomes only")
        with self.engine.begin() as db:
            db.execute(insert(audit_events).values(
                at=datetime.now(timezone.utc), tenant=who.tenant, actor=who.actor, action=action,
                connection_id=connection_id, detail=detail))

    def events(self, tenant: str, limit: int = DEFAULT_LIMIT, before: int | None = None) -> list[dict[str, Any]]:
        """The tenant's newest events first; ``before`` (an event id) pages further back."""
        query = select(audit_events).where(audit_events.c.tenant == tenant)
        if before is not None:
            query = query.where(audit_events.c.id < before)
        query = query.order_by(audit_events.c.id.desc()).limit(max(1, min(limit, MAX_LIMIT)))
        with self.engine.connect() as db:
            return [{"id": r.id, "at": _utc(r.at).isoformat(), "tenant": r.tenant, "actor": r.actor,
                     "action": r.action, "connection_id": r.connection_id, "detail": r.detail}
                    for r in db.execute(query)]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
