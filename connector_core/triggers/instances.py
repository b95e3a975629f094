"""Trigger instances in the store: params, cursor, when the next poll is due, and its lease.

One row per trigger instance (a tenant's connection + a trigger + params). Due polls are
found by time through the index on ``next_due_at`` and **claimed** in batches: claiming
moves ``next_due_at`` to the lease's expiry and records a lease token, in one statement
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent pollers never claim one row
twice; SQLite runs the single UPDATE under its write lock). A poller that dies simply
lets its lease expire: the row is due again then. A commit or failure from a poller
whose lease was taken over changes nothing (the token no longer matches).
"""

from __future__ import annotations

import builtins  # `list` is a method of TriggerInstances: annotations inside it say builtins.list
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger, Boolean, Column, bindparam, DateTime, Engine, ForeignKey, Index, Integer, String, Table, Text,
    delete, insert, select, text, update,
)
from sqlalchemy.exc import OperationalError

from ..errors import NotFoundError, ValidationError
from ..store import engine as engines
from ..store.schema import JSONType, connections, metadata
from ..store.store import _now, _utc  # one notion of "now" and of stored times for the store

#: The longest wait after repeated failures of one instance.
MAX_BACKOFF = timedelta(hours=1)

trigger_instances = Table(
    "trigger_instances", metadata,
    Column("id", String(32), primary_key=True),
    Column("tenant", String(255), nullable=False),
    Column("connection_id", String(32), ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("connector_id", String(200), nullable=False),
    Column("trigger_id", String(64), nullable=False),
    Column("params", JSONType, nullable=False),
    Column("cursor", JSONType, nullable=True),
    Column("interval_seconds", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("next_due_at", DateTime(timezone=True), nullable=False),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_token", String(32), nullable=True),
    Column("failures", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("last_polled_at", DateTime(timezone=True), nullable=True),
    Column("delivered", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "next_due_at"),
    Index(None, "tenant", "connection_id"),
)


@dataclass(frozen=True)
class TriggerInstance:
    """One polled trigger of one tenant's connection."""

    id: str
    tenant: str
    connection_id: str
    connector_id: str
    trigger_id: str
    params: dict[str, Any]
    cursor: Any
    interval_seconds: int
    enabled: bool
    next_due_at: datetime
    failures: int
    last_error: str | None
    last_polled_at: datetime | None
    delivered: int

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for key in ("next_due_at", "last_polled_at"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


@dataclass(frozen=True)
class Claim:
    """A leased instance: only the holder of ``token`` may commit its cursor, until ``expires_at``."""

    instance: TriggerInstance
    owner: str
    token: str
    expires_at: datetime


class TriggerInstances:
    """Trigger instances per tenant, and the claiming of due polls. Thread-safe."""

    def __init__(self, engine: Engine, host: Any) -> None:
        self.engine = engine
        self.host = host

    # -- per tenant ---------------------------------------------------------------------

    def create(self, tenant: str, connection_id: str, trigger_id: str, params: Mapping[str, Any] | None = None,
               *, interval_seconds: int | None = None, now: datetime | None = None) -> TriggerInstance:
        """Watch ``trigger_id`` of a tenant's connection; the first poll is due at once."""
        with self._read() as db:
            connector_id = db.execute(select(connections.c.connector_id).where(
                connections.c.tenant == tenant, connections.c.id == connection_id)).scalar()
        if connector_id is None:
            raise NotFoundError(f"no connection {str(connection_id)[:64]!r}",
                                hint="create the trigger on one of this tenant's connections")
        spec, clean = self.host.trigger_params(connector_id, trigger_id, params or {})
        secret = [f.key for f in spec.input.fields if f.is_secret and f.key in clean]
        if secret:  # stored params are plain JSON, readable by every poller: no secret goes there
            raise ValidationError({k: ["a secret cannot be stored with a trigger instance"] for k in secret},
                                  hint="put the secret in the connection, which the store encrypts")
        interval = spec.poll_interval if interval_seconds is None else int(interval_seconds)
        if interval < 1:
            raise ValidationError({"interval_seconds": ["must be at least 1"]}, hint="poll at most once a second")
        now = now or _now()
        row = {"id": uuid.uuid4().hex, "tenant": tenant, "connection_id": connection_id,
               "connector_id": connector_id, "trigger_id": trigger_id, "params": clean, "cursor": None,
               "interval_seconds": interval, "enabled": True, "next_due_at": now, "lease_owner": None,
               "lease_token": None, "failures": 0, "last_error": None, "last_polled_at": None,
               "delivered": 0, "created_at": now}
        with self._write() as db:
            db.execute(insert(trigger_instances).values(**row))
        return _instance(row)

    def get(self, tenant: str, instance_id: str) -> TriggerInstance:
        with self._read() as db:
            row = db.execute(select(trigger_instances).where(
                trigger_instances.c.tenant == tenant, trigger_instances.c.id == instance_id)).first()
        if row is None:
            raise _not_found(instance_id)
        return _instance(row._mapping)

    def list(self, tenant: str, connection_id: str | None = None) -> list[TriggerInstance]:
        query = select(trigger_instances).where(trigger_instances.c.tenant == tenant)
        if connection_id is not None:
            query = query.where(trigger_instances.c.connection_id == connection_id)
        with self._read() as db:
            return [_instance(r._mapping) for r in db.execute(query.order_by(trigger_instances.c.created_at))]

    def set_enabled(self, tenant: str, instance_id: str, enabled: bool) -> None:
        self._change(tenant, instance_id, enabled=bool(enabled))

    def delete(self, tenant: str, instance_id: str) -> None:
        with self._write() as db:
            deleted = db.execute(delete(trigger_instances).where(
                trigger_instances.c.tenant == tenant, trigger_instances.c.id == instance_id)).rowcount
        if not deleted:
            raise _not_found(instance_id)

    # -- for pollers (across tenants) ----------------------------------------------------

    def claim_due(self, owner: str, *, limit: int = 50, lease_seconds: float = 300,
                  now: datetime | None = None) -> builtins.list[Claim]:
        """Lease up to ``limit`` due instances, the longest overdue first."""
        now = now or _now()
        expires = now + timedelta(seconds=lease_seconds)
        token = uuid.uuid4().hex
        t = trigger_instances
        due = (select(t.c.id).where(t.c.enabled.is_(True), t.c.next_due_at <= now)
               .order_by(t.c.next_due_at).limit(limit).with_for_update(skip_locked=True))
        claim = (update(t).where(t.c.id.in_(due.scalar_subquery()))
                 .values(lease_owner=owner[:64], lease_token=token, next_due_at=expires)
                 .returning(*t.c))
        with self._write() as db:
            rows = [r._mapping for r in db.execute(claim)]
        return [Claim(_instance(r), owner, token, expires) for r in rows]

    def commit(self, claim: Claim, cursor: Any, delivered: int, *, now: datetime | None = None) -> bool:
        """Store the new cursor and schedule the next poll; False if the lease was lost."""
        return self._finish(claim, **_committed(claim, cursor, delivered, now or _now()))

    def commit_many(self, done: builtins.list[tuple[Claim, Any, int]], *, now: datetime | None = None) -> set[str]:
        """:meth:`commit` for several polls in one transaction; the ids whose lease still held."""
        now = now or _now()
        t = trigger_instances
        by_id = {claim.instance.id: (claim, cursor, delivered) for claim, cursor, delivered in done}
        with self._write() as db:
            _no_flush_wait(db)
            # Two round trips for the whole batch: lock the rows whose lease still holds, then
            # one executemany (psycopg pipelines it) with each row's own values.
            held = [row.id for row in db.execute(
                select(t.c.id, t.c.lease_token).where(t.c.id.in_(list(by_id))).with_for_update())
                if row.lease_token == by_id[row.id][0].token]
            if held:
                db.execute(
                    update(t).where(t.c.id == bindparam("b_id"))
                    .values(cursor=bindparam("b_cursor", type_=JSONType), next_due_at=bindparam("b_due"),
                            delivered=t.c.delivered + bindparam("b_n"), failures=0, last_error=None,
                            last_polled_at=now, lease_owner=None, lease_token=None),
                    [{"b_id": i, "b_cursor": by_id[i][1], "b_n": by_id[i][2],
                      "b_due": now + timedelta(seconds=by_id[i][0].instance.interval_seconds)} for i in held])
        return set(held)

    def fail(self, claim: Claim, error: str, *, now: datetime | None = None) -> bool:
        """Keep the cursor, record the (masked) error, retry after a growing wait."""
        now = now or _now()
        failures = claim.instance.failures + 1
        wait = min(timedelta(seconds=claim.instance.interval_seconds * 2 ** min(failures, 12)), MAX_BACKOFF)
        return self._finish(claim, failures=failures, last_error=error[:2000], last_polled_at=now,
                            next_due_at=now + wait)

    def by_ids(self, instance_ids: builtins.list[str]) -> dict[str, TriggerInstance]:
        """Instances by id across tenants (for a dispatcher routing messages); unknown ids are absent."""
        if not instance_ids:
            return {}
        t = trigger_instances
        with self._read() as db:
            rows = db.execute(select(t).where(t.c.id.in_(sorted(set(instance_ids))))).fetchall()
        return {r.id: _instance(r._mapping) for r in rows}

    def of_trigger(self, connector_id: str, trigger_id: str) -> builtins.list[TriggerInstance]:
        """The enabled instances of one trigger across tenants (to find the shared sources to dispatch)."""
        t = trigger_instances
        query = select(t).where(t.c.connector_id == connector_id, t.c.trigger_id == trigger_id,
                                t.c.enabled.is_(True)).order_by(t.c.created_at)
        with self._read() as db:
            return [_instance(r._mapping) for r in db.execute(query)]

    def record_dispatch(self, instance_id: str, delivered: int, error: str | None = None, *,
                        now: datetime | None = None) -> None:
        """What a dispatcher did for an instance: items handled, or the (masked) error of a failed handler.

        No lease: a dispatcher never moves the cursor (its source acknowledges messages
        itself), so this only keeps the counters a host shows.
        """
        t = trigger_instances
        values: dict[str, Any] = {"last_polled_at": now or _now()}
        if error is None:
            values.update(delivered=t.c.delivered + delivered, failures=0, last_error=None)
        else:
            values.update(failures=t.c.failures + 1, last_error=error[:2000])
        with self._write() as db:
            _no_flush_wait(db)
            db.execute(update(t).where(t.c.id == instance_id).values(**values))

    def next_due_at(self) -> datetime | None:
        """When the earliest enabled instance is due (for a scheduler's sleep)."""
        t = trigger_instances
        with self._read() as db:
            value = db.execute(select(t.c.next_due_at).where(t.c.enabled.is_(True))
                               .order_by(t.c.next_due_at).limit(1)).scalar()
        return _utc(value) if value is not None else None

    # -- internals ----------------------------------------------------------------------

    def _finish(self, claim: Claim, **values: Any) -> bool:
        with self._write() as db:
            _no_flush_wait(db)
            return db.execute(self._finishing(claim, **values)).rowcount == 1

    @staticmethod
    def _finishing(claim: Claim, **values: Any) -> Any:
        """The UPDATE that ends a lease, for its holder only (the token must still match)."""
        t = trigger_instances
        return (update(t).where(t.c.id == claim.instance.id, t.c.lease_token == claim.token)
                .values(lease_owner=None, lease_token=None, **values))

    def _change(self, tenant: str, instance_id: str, **values: Any) -> None:
        t = trigger_instances
        with self._write() as db:
            changed = db.execute(update(t).where(t.c.tenant == tenant, t.c.id == instance_id).values(**values)).rowcount
        if not changed:
            raise _not_found(instance_id)

    def _read(self):
        return _guarded(self.engine, self.engine.connect)

    def _write(self):
        return _guarded(self.engine, self.engine.begin)


class _guarded:
    """A connection or transaction whose database errors say what to do."""

    def __init__(self, engine: Engine, opener) -> None:
        self._engine, self._opener, self._cm = engine, opener, None

    def __enter__(self):
        try:
            self._cm = self._opener()
            return self._cm.__enter__()
        except OperationalError as exc:
            raise engines.unavailable(self._engine, exc) from None

    def __exit__(self, *exc_info):
        try:
            return self._cm.__exit__(*exc_info)
        except OperationalError as exc:
            raise engines.unavailable(self._engine, exc) from None


def _committed(claim: Claim, cursor: Any, delivered: int, now: datetime) -> dict[str, Any]:
    return {"cursor": cursor, "failures": 0, "last_error": None, "last_polled_at": now,
            "next_due_at": now + timedelta(seconds=claim.instance.interval_seconds),
            "delivered": trigger_instances.c.delivered + delivered}


def _no_flush_wait(db: Any) -> None:
    """Cursor commits do not wait for PostgreSQL's WAL flush.

    A server crash may forget the last few cursor commits; those polls then repeat
    (duplicates, never a loss). Claims stay synchronous, so a lease is never forgotten
    while its poll runs.
    """
    if db.dialect.name == "postgresql":
        db.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _instance(row: Mapping[str, Any]) -> TriggerInstance:
    return TriggerInstance(
        id=row["id"], tenant=row["tenant"], connection_id=row["connection_id"], connector_id=row["connector_id"],
        trigger_id=row["trigger_id"], params=dict(row["params"]), cursor=row["cursor"],
        interval_seconds=row["interval_seconds"], enabled=bool(row["enabled"]), next_due_at=_utc(row["next_due_at"]),
        failures=row["failures"], last_error=row["last_error"],
        last_polled_at=_utc(row["last_polled_at"]) if row["last_polled_at"] else None, delivered=row["delivered"])


def _not_found(instance_id: Any) -> NotFoundError:
    # The same words whether the id is unknown or another tenant's: nothing to probe.
    return NotFoundError(f"no trigger instance {str(instance_id)[:64]!r}",
                         hint="list this tenant's trigger instances")

