"""Jobs in the store: insert once per idempotency key, claim with a lease, record the end.

A job's params live in ``job_params`` (see :mod:`.table`): written with the job in one
transaction, read with it only where a record is shown or run (never by a claim's,
heartbeat's or end's UPDATE, which would otherwise rewrite them with the row).

Every state change is one UPDATE guarded by what it expects (the state, the lease token),
so two deliveries of one job -- a broker re-delivering it, a reaper re-queueing it --
never both run it: the second finds the job running under a live lease (and waits), or
finished (and does nothing). Thread-safe; share one per process.
"""

from __future__ import annotations

import builtins  # `list` is a method of JobStore: annotations inside it say builtins.list
import json
import threading
import uuid
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import Engine, Row, and_, bindparam, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from ..errors import NotFoundError
from ..store.store import _now, _utc  # one notion of "now" and of stored times for the store
from ..store.engine import stores_encoded_json
from ..store.json_column import EncodedJSON
from ..store.schema import JSONType
from ..triggers.instances import _guarded
from .model import Job, JobRecord, JobState, Progress
from .table import job_params, jobs

#: How many expired leases one reaper pass re-queues.
REAP_BATCH = 500
#: How many of the jobs it ended last a process remembers, for waiters (:meth:`JobStore.ended_between`).
_ENDS_KEPT = 4096
#: Columns a page of job summaries leaves unread (megabytes for bulk work).
_HEAVY = ("result", "outcomes", "secrets", "wrapped_key", "key_id")


@dataclass(frozen=True)
class Claimed:
    """This delivery runs the job: only the holder of ``token`` may record its end."""

    record: JobRecord
    token: str
    sealed: tuple[str, bytes, bytes] | None  # (key id, wrapped key, ciphertext) of secret params


@dataclass(frozen=True)
class Busy:
    """Another delivery holds a live lease, or a retry is not due yet: look again in ``wait`` seconds."""

    record: JobRecord
    wait: float


@dataclass(frozen=True)
class Done:
    """Nothing to run: the job finished (now or earlier), was cancelled, or no longer exists."""

    record: JobRecord | None


class JobStore:
    """The ``jobs`` table. Every tenant-facing read is filtered by tenant."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._stores_encoded = stores_encoded_json(engine)
        # Jobs this process ended so far: a waiter in this process (Jobs.wait) wakes when one
        # ends rather than at its next poll. Other processes' ends are seen by polling.
        self._ends = threading.Condition()
        self._ended = 0
        self._ended_ids: deque[str] = deque(maxlen=_ENDS_KEPT)  # the last ones, newest last

    # -- submitting and reading ---------------------------------------------------------

    def insert(self, row: Mapping[str, Any]) -> tuple[JobRecord, bool]:
        """Insert a new job; (the record, True), or (the job already stored under its key, False)."""
        if not self._insert(row):
            existing = self._row_by_key(row["tenant"], row["idempotency_key"])
            if existing is None:  # pragma: no cover - a primary key clash of two uuid4s
                raise RuntimeError(f"job {row['id']} could not be inserted")
            return record_of(existing), False
        return record_of(row), True

    def insert_encoded(self, row: Mapping[str, Any]) -> bool:
        """:meth:`insert` of a job whose ``params`` are :class:`EncodedJSON` (a fan-out's
        chunk), without decoding them for a record; False if its key is taken."""
        if not self._stores_encoded:
            row = {**row, "params": json.loads(row["params"].text)}
        return self._insert(row)

    def insert_encoded_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """:meth:`insert_encoded` of a new fan-out's chunks, in one transaction: their keys
        are new (their parent was just recorded), so a taken key is an error here."""
        if not self._stores_encoded:
            rows = [{**row, "params": json.loads(row["params"].text)} for row in rows]
        with self._write() as db:
            db.execute(insert(jobs), [{k: v for k, v in row.items() if k != "params"} for row in rows])
            db.execute(insert(job_params), [{"job_id": row["id"], "tenant": row["tenant"], "params": row["params"]}
                                            for row in rows])

    def _insert(self, row: Mapping[str, Any]) -> bool:
        job = {k: v for k, v in row.items() if k != "params"}
        try:
            with self._write() as db:
                db.execute(insert(jobs).values(**job))
                db.execute(insert(job_params).values(job_id=row["id"], tenant=row["tenant"], params=row["params"]))
        except IntegrityError:
            return False
        return True

    def get(self, tenant: str, job_id: str) -> JobRecord:
        return record_of(self.row(tenant, job_id))

    def row(self, tenant: str, job_id: str) -> dict[str, Any]:
        if not isinstance(job_id, str):
            raise _not_found(job_id)
        with self._read() as db:
            row = db.execute(_with_params().where(jobs.c.tenant == tenant, jobs.c.id == job_id)).first()
        if row is None:
            raise _not_found(job_id)
        return dict(row._mapping)

    def by_key(self, tenant: str, idempotency_key: str) -> dict[str, Any] | None:
        return self._row_by_key(tenant, idempotency_key)

    def list(self, tenant: str, *, state: str | None = None, parent_id: str | None = None,
             limit: int = 100, chunks: bool = True) -> list[JobRecord]:
        """The tenant's jobs, newest first (a fan-out's chunks: in chunk order; ``chunks=False``
        leaves every fan-out's chunks out, as a user's list of what they submitted)."""
        query = _with_params().where(jobs.c.tenant == tenant)
        if state is not None:
            query = query.where(jobs.c.state == state)
        if parent_id is not None:
            query = query.where(jobs.c.parent_id == parent_id).order_by(jobs.c.chunk_index)
        else:
            if not chunks:
                query = query.where(jobs.c.parent_id.is_(None))
            query = query.order_by(jobs.c.created_at.desc(), jobs.c.id)
        with self._read() as db:
            return [record_of(r._mapping) for r in db.execute(query.limit(limit))]

    def summaries_page(self, tenant: str, *, limit: int, before: str | None = None,
                       state: str | None = None) -> tuple[builtins.list[JobRecord], str | None]:
        """A page of the tenant's jobs, newest first, without fan-out chunks and without the
        heavy columns (their records hold empty params and no result); and the cursor
        (the last job's id) for the next page, or None at the end; database errors as they
        are (see :meth:`_plain_read`)."""
        j = jobs
        columns = [c for c in j.c if c.name not in _HEAVY]
        query = select(*columns).where(j.c.tenant == tenant, j.c.parent_id.is_(None))
        if state is not None:
            query = query.where(j.c.state == state)
        with self._plain_read() as db:
            if before is not None:
                anchor = db.execute(select(j.c.created_at, j.c.id).where(j.c.tenant == tenant, j.c.id == before)).first()
                if anchor is None:
                    return [], None
                query = query.where(tuple_(j.c.created_at, j.c.id) < tuple_(anchor.created_at, anchor.id))
            rows = db.execute(query.order_by(j.c.created_at.desc(), j.c.id.desc()).limit(limit + 1)).all()
        records = [record_of({**r._mapping, "params": {}, "result": None, "outcomes": None}) for r in rows[:limit]]
        return records, (records[-1].id if len(rows) > limit else None)

    # -- running (workers) ---------------------------------------------------------------

    def claim(self, tenant: str, job_id: str, owner: str, lease_seconds: float,
              now: datetime | None = None) -> Claimed | Busy | Done:
        """Start a delivery of the job, or say why this delivery must not run it."""
        now = now or _now()
        token = uuid.uuid4().hex
        with self._write() as db:
            row = db.execute(_CLAIM, {"c_tenant": tenant, "c_id": job_id, "c_now": now, "c_owner": owner[:64],
                                      "c_token": token, "c_expires": now + timedelta(seconds=lease_seconds)}).first()
            if row is not None:  # this delivery runs the job: it alone reads the params
                row = {**row._mapping, "params": _params(db, tenant, job_id)}
        if row is not None:
            sealed = (row["key_id"], bytes(row["wrapped_key"]), bytes(row["secrets"])) if row["key_id"] else None
            return Claimed(record_of(row), token, sealed)
        return self._why_not(tenant, job_id, now)

    def heartbeat_many(self, tokens: builtins.list[str], lease_seconds: float, progress: Mapping[str, Progress],
                       now: datetime | None = None) -> dict[str, bool]:
        """Extend the leases held by ``tokens`` and store changed progress, in one transaction.

        Returns {token: cancellation requested} for the leases still held; a token missing
        from it lost its lease.
        """
        now = now or _now()
        j = jobs
        with self._write() as db:
            if progress:
                db.execute(update(j).where(j.c.lease_token == bindparam("b_token"))
                           .values(progress=bindparam("b_progress", type_=JSONType)),
                           [{"b_token": t, "b_progress": {"done": p.done, "total": p.total, "unit": p.unit}}
                            for t, p in progress.items()])
            rows = db.execute(update(j).where(j.c.lease_token.in_(tokens))
                              .values(heartbeat_at=now, lease_expires_at=now + timedelta(seconds=lease_seconds))
                              .returning(j.c.lease_token, j.c.cancel_requested))
            return {row.lease_token: bool(row.cancel_requested) for row in rows}

    def finish(self, job_id: str, token: str, state: str, *, result: Any = None, outcomes: Any = None,
               error: Mapping[str, Any] | None = None, progress: Progress | None = None,
               now: datetime | None = None) -> bool:
        """Record the end of the leased delivery; False if the lease was lost meanwhile.

        ``result`` may be :class:`EncodedJSON` (a delivery's output, written once)."""
        if isinstance(result, EncodedJSON) and not self._stores_encoded:
            result = json.loads(result.text)
        values: dict[str, Any] = {"state": state, "result": result, "outcomes": outcomes,
                                  "error": dict(error) if error else None, "finished_at": now or _now()}
        if progress is not None:
            values["progress"] = {"done": progress.done, "total": progress.total, "unit": progress.unit}
        return self._end_lease(job_id, token, **values)

    def retry_later(self, job_id: str, token: str, error: Mapping[str, Any], delay: float,
                    now: datetime | None = None) -> bool:
        """Back to ``queued``, not before ``delay`` seconds from now; the error kept for operators."""
        now = now or _now()
        return self._end_lease(job_id, token, state=JobState.QUEUED, error=dict(error),
                               not_before=now + timedelta(seconds=delay),
                               last_message=f"retrying in {delay:.1f}s: {error.get('message', '')}"[:2000])

    def record_outcomes(self, tenant: str, job_id: str, outcomes: builtins.list[Any]) -> None:
        """Store per-entry outcomes (a fan-out merging its chunks' results, in input order)."""
        with self._write() as db:
            changed = db.execute(update(jobs).where(jobs.c.tenant == tenant, jobs.c.id == job_id)
                                 .values(outcomes=outcomes)).rowcount
        if not changed:
            raise _not_found(job_id)

    def delete_unstarted(self, tenant: str, job_id: str) -> None:
        """Forget a job that could not be queued (so its idempotency key may be used again)."""
        with self._write() as db:
            db.execute(delete(jobs).where(jobs.c.tenant == tenant, jobs.c.id == job_id,
                                          jobs.c.state == JobState.QUEUED, jobs.c.attempts == 0))

    # -- cancelling and reaping ----------------------------------------------------------

    def request_cancel(self, tenant: str, job_id: str, now: datetime | None = None) -> JobRecord:
        """A queued job is cancelled at once; a running one is flagged (its worker stops it)."""
        now = now or _now()
        j = jobs
        with self._write() as db:
            db.execute(update(j).where(j.c.tenant == tenant, j.c.id == job_id, j.c.state == JobState.QUEUED)
                       .values(state=JobState.CANCELLED, cancel_requested=True, finished_at=now,
                               not_before=None))
            db.execute(update(j).where(j.c.tenant == tenant, j.c.id == job_id, j.c.state == JobState.RUNNING)
                       .values(cancel_requested=True))
        self._count_end(job_id)
        return self.get(tenant, job_id)

    def request_cancel_chunks(self, tenant: str, parent_id: str, now: datetime | None = None) -> None:
        """:meth:`request_cancel` for every unfinished chunk of a fan-out's parent, in one transaction."""
        now = now or _now()
        j = jobs
        mine = and_(j.c.tenant == tenant, j.c.parent_id == parent_id)
        with self._write() as db:
            db.execute(update(j).where(mine, j.c.state == JobState.QUEUED)
                       .values(state=JobState.CANCELLED, cancel_requested=True, finished_at=now, not_before=None))
            db.execute(update(j).where(mine, j.c.state == JobState.RUNNING).values(cancel_requested=True))

    def reap(self, now: datetime | None = None, limit: int = REAP_BATCH) -> builtins.list[tuple[str, str]]:
        """Re-queue running jobs whose lease expired (their worker died): their (tenant, id)s.

        The caller enqueues each again; a delivery that already carries the job (a broker
        re-delivery) and this one race for the claim, and only one runs it.
        """
        now = now or _now()
        j = jobs
        expired = (select(j.c.id).where(j.c.state == JobState.RUNNING, j.c.lease_expires_at < now)
                   .order_by(j.c.lease_expires_at).limit(limit).with_for_update(skip_locked=True))
        requeue = (update(j).where(j.c.id.in_(expired.scalar_subquery()))
                   .values(state=JobState.QUEUED, lease_owner=None, lease_token=None, not_before=None,
                           last_message="its worker stopped sending heartbeats; re-queued")
                   .returning(j.c.tenant, j.c.id))
        with self._write() as db:
            return [(r.tenant, r.id) for r in db.execute(requeue)]

    def queued(self, limit: int = REAP_BATCH, after: tuple[datetime, str] | None = None
               ) -> builtins.list[tuple[str, str, datetime | None, tuple[datetime, str]]]:
        """Queued jobs, oldest first, ``limit`` at a time from ``after`` (the previous page's
        last position): (tenant, id, not_before, position); for an in-process runner's restart."""
        j = jobs
        query = select(j.c.tenant, j.c.id, j.c.not_before, j.c.created_at).where(j.c.state == JobState.QUEUED)
        if after is not None:
            query = query.where(or_(j.c.created_at > after[0], and_(j.c.created_at == after[0], j.c.id > after[1])))
        query = query.order_by(j.c.created_at, j.c.id).limit(limit)
        with self._read() as db:
            return [(r.tenant, r.id, _utc(r.not_before) if r.not_before else None, (r.created_at, r.id))
                    for r in db.execute(query)]

    # -- a fan-out's chunks (see :mod:`.fanout`) -------------------------------------------

    def any_chunk_running(self, parent_id: str) -> bool:
        """Whether a fan-out's parent still has a chunk that has not finished (one count, no rows)."""
        j = jobs
        # By parent alone (a parent's chunks are its tenant's): the count reads one index, no row.
        query = select(func.count()).select_from(j).where(
            j.c.parent_id == parent_id, j.c.state.not_in(sorted(JobState.FINISHED)))
        with self._read() as db:
            return bool(db.execute(query).scalar())

    def chunk_states(self, tenant: str, parent_id: str) -> dict[int, dict[str, Any]]:
        """Each chunk's id, state, attempts and progress by chunk index, without its params or
        result (cheap to poll)."""
        j = jobs
        query = select(j.c.id, j.c.chunk_index, j.c.state, j.c.attempts, j.c.progress).where(
            j.c.tenant == tenant, j.c.parent_id == parent_id)
        with self._read() as db:
            return {r.chunk_index: dict(r._mapping) for r in db.execute(query)}

    def chunks_to_merge(self, tenant: str, parent_id: str, *, with_params: bool
                        ) -> tuple[dict[int, Mapping[str, Any]], str | None]:
        """Each chunk's state, attempts, result and error by chunk index (and its params with
        ``with_params``), and the parent's lease token: None once another worker or reader
        finished it."""
        j = jobs
        p = job_params
        columns = [j.c.chunk_index, j.c.state, j.c.attempts, j.c.result, j.c.error] + ([p.c.params] if with_params else [])
        query = select(*columns)
        if with_params:
            query = query.join(p, and_(p.c.job_id == j.c.id, p.c.tenant == j.c.tenant))
        with self._read() as db:
            rows = {r.chunk_index: r._mapping for r in db.execute(
                query.where(j.c.tenant == tenant, j.c.parent_id == parent_id))}
            token = db.execute(select(j.c.lease_token).where(j.c.id == parent_id)).scalar()
        return rows, token

    def chunks_for_summary(self, tenant: str, parent_id: str) -> builtins.list[Row[Any]]:
        """Each chunk's index, state, attempts, progress and error, in chunk order, without its
        params (a chunk's items may be ~100 KB)."""
        j = jobs
        query = (select(j.c.chunk_index, j.c.state, j.c.attempts, j.c.progress, j.c.error)
                 .where(j.c.tenant == tenant, j.c.parent_id == parent_id).order_by(j.c.chunk_index))
        with self._read() as db:
            return db.execute(query).all()

    def chunk_state_counts(self, tenant: str, parent_id: str) -> dict[str, int]:
        """How many of a fan-out parent's chunks are in each state (states with none left out);
        database errors as they are (see :meth:`_plain_read`)."""
        j = jobs
        query = (select(j.c.state, func.count()).where(j.c.tenant == tenant, j.c.parent_id == parent_id)
                 .group_by(j.c.state))
        with self._plain_read() as db:
            return {state: count for state, count in db.execute(query)}

    def last_chunk(self, tenant: str, parent_id: str) -> Row[Any] | None:
        """The chunk of highest index queued so far under a parent (id, chunk_index, state,
        params), or None."""
        j, p = jobs, job_params
        query = (select(j.c.id, j.c.chunk_index, j.c.state, p.c.params)
                 .join(p, and_(p.c.job_id == j.c.id, p.c.tenant == j.c.tenant))
                 .where(j.c.tenant == tenant, j.c.parent_id == parent_id)
                 .order_by(j.c.chunk_index.desc()).limit(1))
        with self._read() as db:
            return db.execute(query).first()

    def hold_for_chunks(self, job_id: str, token: str, params: Mapping[str, Any], progress: Progress) -> bool:
        """A listed parent waits for its chunks: running under a new lease no runner holds (never
        reaped, never claimed), with its plan in its params; False if ``token`` lost the lease."""
        j = jobs
        with self._write() as db:
            held = db.execute(update(j).where(j.c.id == job_id, j.c.lease_token == token).values(
                **held_lease(),
                progress={"done": progress.done, "total": progress.total, "unit": progress.unit})).rowcount == 1
            if held:  # in the same transaction: the plan is stored only by the delivery holding the lease
                db.execute(update(job_params).where(job_params.c.job_id == job_id).values(params=params))
            return held

    # -- internals ----------------------------------------------------------------------

    def _why_not(self, tenant: str, job_id: str, now: datetime) -> Busy | Done:
        try:
            row = self.row(tenant, job_id)
        except NotFoundError:
            return Done(None)
        record = record_of(row)
        if record.finished or (row["state"] == JobState.RUNNING and row["lease_expires_at"] is None):
            return Done(record)  # finished, or a fan-out's parent waiting for its chunks: nothing to run
        lease_live = row["state"] == JobState.RUNNING and _utc(row["lease_expires_at"]) >= now
        if lease_live:
            return Busy(record, max(0.05, (_utc(row["lease_expires_at"]) - now).total_seconds()))
        if row["cancel_requested"]:
            return Done(self._end_abandoned(tenant, job_id, JobState.CANCELLED, None, now))
        if row["attempts"] >= row["max_attempts"]:
            reason = row["last_message"] or "its worker stopped"
            error = {"error": "OperationError", "retryable": False, "hint": "submit it again when wanted",
                     "message": f"gave up after {row['attempts']} attempts (last: {reason})"}
            return Done(self._end_abandoned(tenant, job_id, JobState.FAILED, error, now))
        wait = (_utc(row["not_before"]) - now).total_seconds() if row["not_before"] else 0.05
        return Busy(record, max(0.05, wait))

    def _end_abandoned(self, tenant: str, job_id: str, state: str, error: dict | None, now: datetime) -> JobRecord:
        j = jobs
        live = and_(j.c.state == JobState.RUNNING, j.c.lease_expires_at >= now)
        with self._write() as db:
            db.execute(update(j).where(j.c.tenant == tenant, j.c.id == job_id,
                                       j.c.state.in_([JobState.QUEUED, JobState.RUNNING]), ~live)
                       .values(state=state, error=error, finished_at=now, lease_owner=None, lease_token=None))
        self._count_end(job_id)
        return self.get(tenant, job_id)

    def _end_lease(self, job_id: str, token: str, **values: Any) -> bool:
        with self._write() as db:
            ended = db.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.lease_token == token)
                               .values(lease_owner=None, lease_token=None, lease_expires_at=None,
                                       **values)).rowcount == 1
        if ended:
            self._count_end(job_id)
        return ended

    def ends_seen(self) -> int:
        """How many jobs this process has ended (finished, or re-queued for a retry) so far."""
        return self._ended

    def wait_for_an_end(self, seen: int, timeout: float) -> None:
        """Sleep up to ``timeout`` seconds, less if this process ends a job after ``seen`` (:meth:`ends_seen`)."""
        with self._ends:
            if self._ended == seen:
                self._ends.wait(timeout)

    def ended_between(self, seen: int, latest: int, job_id: str) -> bool:
        """Whether ``job_id`` was among the ends this process counted after ``seen`` up to
        ``latest`` (two :meth:`ends_seen`); True too when it has forgotten some of them (the
        caller then looks in the store)."""
        with self._ends:
            newer = self._ended - latest  # ended after ``latest``: skipped
            if self._ended - seen > len(self._ended_ids):
                return True
            return job_id in islice(reversed(self._ended_ids), newer, newer + latest - seen)

    def _count_end(self, job_id: str) -> None:
        with self._ends:
            self._ended += 1
            self._ended_ids.append(job_id)
            self._ends.notify_all()

    def _row_by_key(self, tenant: str, key: str) -> dict[str, Any] | None:
        with self._read() as db:
            row = db.execute(_with_params().where(jobs.c.tenant == tenant, jobs.c.idempotency_key == key)).first()
        return dict(row._mapping) if row is not None else None

    def _read(self):
        return _guarded(self.engine, self.engine.connect)

    def _write(self):
        return _guarded(self.engine, self.engine.begin)

    def _plain_read(self):
        # Database errors as they are, for the web API's reads: it answers an OperationalError
        # with its own 503 ``store_unavailable``.
        return self.engine.connect()


def held_lease() -> dict[str, Any]:
    """The lease of a fan-out parent waiting for its chunks: held by no runner, so never
    reaped and never claimed; the merge ends it (:func:`connector_core.jobs.fanout.refresh`)."""
    return {"lease_owner": "fanout", "lease_token": uuid.uuid4().hex, "lease_expires_at": None,
            "last_message": "waiting for its chunks"}


def _with_params() -> Any:
    """The job rows with their params (for whoever shows or runs a job, never a state change)."""
    return select(jobs, job_params.c.params).join(
        job_params, and_(job_params.c.job_id == jobs.c.id, job_params.c.tenant == jobs.c.tenant))


def _params(db: Any, tenant: str, job_id: str) -> Any:
    return db.execute(_PARAMS, {"p_tenant": tenant, "p_id": job_id}).scalar_one()


def _claim_statement() -> Any:
    """The claim's UPDATE, built once: it runs per delivery, and building it cost as much
    as running it."""
    j, now = jobs, bindparam("c_now", type_=jobs.c.heartbeat_at.type)
    runnable = and_(
        j.c.tenant == bindparam("c_tenant"), j.c.id == bindparam("c_id"), j.c.attempts < j.c.max_attempts,
        j.c.cancel_requested.is_(False),
        or_(and_(j.c.state == JobState.QUEUED, or_(j.c.not_before.is_(None), j.c.not_before <= now)),
            and_(j.c.state == JobState.RUNNING, j.c.lease_expires_at < now)))
    return (update(j).where(runnable)
            .values(state=JobState.RUNNING, lease_owner=bindparam("c_owner"), lease_token=bindparam("c_token"),
                    lease_expires_at=bindparam("c_expires", type_=j.c.lease_expires_at.type), heartbeat_at=now,
                    attempts=j.c.attempts + 1, not_before=None, started_at=func.coalesce(j.c.started_at, now))
            .returning(*j.c))


_CLAIM = _claim_statement()
_PARAMS = select(job_params.c.params).where(job_params.c.tenant == bindparam("p_tenant"),
                                            job_params.c.job_id == bindparam("p_id"))


def record_of(row: Mapping[str, Any]) -> JobRecord:
    job = Job(id=row["id"], tenant=row["tenant"], connection_id=row["connection_id"],
              connector_id=row["connector_id"], operation=row["operation"], params=dict(row["params"]),
              idempotency_key=row["idempotency_key"], parent_id=row["parent_id"], chunk_index=row["chunk_index"])
    progress = row["progress"]

    def when(key: str) -> datetime | None:
        return _utc(row[key]) if row.get(key) else None

    return JobRecord(
        job=job, state=row["state"], cancel_requested=bool(row["cancel_requested"]), result=row["result"],
        outcomes=row["outcomes"], progress=Progress(**progress) if progress else None, error=row["error"],
        attempts=row["attempts"], max_attempts=row["max_attempts"], retry_delay=row["retry_delay"],
        created_at=_utc(row["created_at"]),
        started_at=when("started_at"), finished_at=when("finished_at"), not_before=when("not_before"),
        lease_owner=row["lease_owner"], lease_expires_at=when("lease_expires_at"))


def _not_found(job_id: Any) -> NotFoundError:
    # The same words whether the id is unknown or another tenant's: nothing to probe.
    return NotFoundError(f"no job {str(job_id)[:64]!r}", hint="list this tenant's jobs")
