"""The jobs API a host uses: submit (validated before anything is queued), read, wait, cancel.

``Jobs(store)`` runs jobs on the local runner; ``Jobs(store, CeleryRunner())`` (or
``CONNECTOR_CORE_JOBS_RUNNER=celery``) sends them to Celery workers. Either way the job's
state, result and progress are in the store, read with :meth:`Jobs.get`.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import ConnectorError, ValidationError
from ..store.json_column import EncodedJSON
from ..store.envelope import seal
from ..store.errors import ConflictError
from ..store.store import _now
from ..store.values import split_secrets_json
from .execute import JobExecutor, sealing_id
from .model import JobRecord, JobState
from .records import JobStore, held_lease
from .settings import ENV_RUNNER, JobSettings

if TYPE_CHECKING:
    from ..store import ConnectionStore

_MAX_KEY = 255


class Runner(Protocol):
    """Where jobs run. ``start`` binds the process's executor (a runner that runs jobs in
    this process uses it); ``enqueue`` hands over a job by id, after ``delay`` seconds."""

    name: str

    def start(self, executor: JobExecutor) -> None: ...

    def enqueue(self, tenant: str, job_id: str, *, delay: float = 0.0) -> None: ...

    def close(self, wait: bool = True) -> None: ...


class Jobs:
    """Jobs of every tenant in one store. Thread-safe; one per process.

    ``runner``: a :class:`~connector_core.jobs.LocalRunner` (the default) or a
    :class:`~connector_core.jobs.CeleryRunner`; ``settings`` default to the environment.
    """

    def __init__(self, store: ConnectionStore, runner: Runner | None = None, *,
                 settings: JobSettings | None = None) -> None:
        self.store = store
        self.host = store.host
        self.settings = settings or JobSettings.from_environment()
        self.records = JobStore(store.engine)
        self.executor = JobExecutor(store, self.records, self.settings)
        self.runner = runner or runner_from_environment()
        self.executor.enqueue = self.runner.enqueue  # jobs this process's deliveries create (listed chunks)
        self.runner.start(self.executor)

    def close(self, wait: bool = True) -> None:
        """Stop the runner; with ``wait``, once its running deliveries finished, also this
        process's heartbeat thread (without, they go on and keep their leases alive)."""
        self.runner.close(wait)
        if wait:
            self.executor.close()

    def __enter__(self) -> Jobs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the API ------------------------------------------------------------------------

    def submit(self, tenant: str, connection_id: str, operation: str, params: Mapping[str, Any] | None = None,
               *, idempotency_key: str | None = None, max_attempts: int | None = None,
               retry_delay: float | None = None, parent_id: str | None = None,
               chunk_index: int | None = None, chunk_size: int | None = None) -> JobRecord:
        """Validate and queue a job; its record (state ``queued``).

        An operation that declares ``fanout:`` given more items than a chunk holds
        (``chunk_size``, else the manifest's) is split into chunk jobs under a parent job,
        whose record this is (see :mod:`.fanout` and docs/jobs.md).

        Refused before anything is queued, with the error :meth:`Host.run` would raise:
        a connection of another tenant or deleted (NotFoundError), an unknown operation
        (NotFoundError), invalid params or connection values the operation requires
        (ValidationError). ``idempotency_key``: a job submitted again with the same key
        (a client retrying, a message re-delivered) is not queued again; the first job's
        record is returned, with its result once it finished. The same key for different
        work is a ConflictError.
        """
        stored = self.store.get(tenant, connection_id)
        clean = self.host.validate_input(stored.connector_id, operation, params or {}, stored.values)
        self._check_required(stored, operation)
        key = _idempotency_key(idempotency_key)
        if parent_id is None:  # a chunk is never split again
            from .fanout import fan_out

            parent = fan_out(self, stored, operation, clean, key=key, max_attempts=max_attempts,
                             chunk_size=chunk_size)
            if parent is not None:
                return parent
        public, secrets, text = split_secrets_json(clean)
        return self._queue(stored, operation, public, secrets, fingerprint=_fingerprint_text(
                               stored.id, operation, text, len(secrets)), key=key, max_attempts=max_attempts,
                           retry_delay=retry_delay, parent_id=parent_id, chunk_index=chunk_index)

    def _queue(self, stored: Any, operation: str, public: dict[str, Any], secrets: list[Any], *,
               key: str | None, max_attempts: int | None = None, retry_delay: float | None = None,
               parent_id: str | None = None, chunk_index: int | None = None, fingerprint: str | None = None,
               hold: bool = False) -> JobRecord:
        """Record and queue params already validated and split (JSON ``public`` with
        ``{"$secret": n}`` markers, ``secrets`` their values): :meth:`submit`, a fan-out's
        parent (:mod:`.fanout`) and a listing's chunks. ``hold``: a fan-out's parent,
        recorded running under a lease no runner holds (never claimed, never reaped) and
        never queued; its merge ends it."""
        fingerprint = fingerprint or _fingerprint(stored.id, operation, public, len(secrets))
        if key is not None:
            existing = self.records.by_key(stored.tenant, key)
            if existing is not None:
                return self._same_work(existing, fingerprint)
        row = self._new_row(stored, operation, public, secrets, key=key, max_attempts=max_attempts,
                            retry_delay=retry_delay, parent_id=parent_id, chunk_index=chunk_index,
                            fingerprint=fingerprint)
        if hold:
            row.update(state=JobState.RUNNING, attempts=1, started_at=row["created_at"], **held_lease())
        record, created = self.records.insert(row)
        if not created:  # the same key, submitted concurrently: the first insert won
            return self._same_work(self.records.row(stored.tenant, record.id), fingerprint)
        if not hold:
            self._enqueue(stored.tenant, row["id"])
        return record

    def _queue_chunks(self, stored: Any, operation: str, chunks: list[EncodedJSON], secrets: list[Any], *,
                      parent_id: str, fingerprints: list[str], max_attempts: int | None,
                      unused_keys: bool) -> None:
        """Record and queue a fan-out's chunks, whose params are JSON text cut from the whole
        input's (:mod:`.fanout`): stored as written, never decoded here. ``unused_keys``:
        nobody can have used the chunks' keys yet (the parent was just recorded): the chunks
        are inserted in transactions of 1, 2, 4... chunks, each batch queued once committed
        (workers start on the first chunk at once; 62 chunks take 6 transactions, not 62).
        Otherwise each chunk an earlier submit of the same work queued already is left as it is."""
        numbered = list(enumerate(zip(chunks, fingerprints, strict=True)))
        start, size = 0, 1
        while start < len(numbered):
            # A batch's rows (sealed secrets, params) are built as it is inserted, not all at once.
            rows = [self._new_row(stored, operation, params, secrets, key=f"fanout/{parent_id}/{index}",
                                  max_attempts=max_attempts, parent_id=parent_id, chunk_index=index,
                                  fingerprint=fingerprint)
                    for index, (params, fingerprint) in numbered[start:start + size]]
            start, size = start + size, size * 2
            if unused_keys:
                self.records.insert_encoded_many(rows)
            else:
                rows = [row for row in rows if self._chunk_is_new(stored.tenant, row)]
            for row in rows:
                self._enqueue(stored.tenant, row["id"])

    def _chunk_is_new(self, tenant: str, row: dict[str, Any]) -> bool:
        """Insert a chunk unless its key is taken (by an earlier or a concurrent submit of the
        same work, whose fingerprint must then match)."""
        key = row["idempotency_key"]
        existing = self.records.by_key(tenant, key)
        if existing is None:
            if self.records.insert_encoded(row):
                return True
            existing = self.records.by_key(tenant, key)  # a concurrent submit inserted it first
        if existing is not None:
            self._same_work(existing, row["fingerprint"])
        return False

    def _new_row(self, stored: Any, operation: str, params: Any, secrets: list[Any], *, key: str | None,
                 fingerprint: str, max_attempts: int | None, retry_delay: float | None = None,
                 parent_id: str | None, chunk_index: int | None) -> dict[str, Any]:
        """A queued job's row; secret params sealed under the job's own id."""
        job_id = uuid.uuid4().hex
        sealed = seal(self.store.keyring, stored.tenant, sealing_id(job_id), secrets) if secrets else None
        return {
            "id": job_id, "tenant": stored.tenant, "connection_id": stored.id, "connector_id": stored.connector_id,
            "operation": operation, "params": params, "idempotency_key": key or job_id,
            "fingerprint": fingerprint, "parent_id": parent_id, "chunk_index": chunk_index,
            "key_id": sealed.key_id if sealed else None, "wrapped_key": sealed.wrapped_key if sealed else None,
            "secrets": sealed.ciphertext if sealed else None, "state": JobState.QUEUED,
            "cancel_requested": False, "result": None, "outcomes": None, "progress": None, "error": None,
            "attempts": 0, "max_attempts": _positive(max_attempts, self.settings.max_attempts, "max_attempts"),
            "retry_delay": _delay(retry_delay, self.settings.retry_delay),
            "not_before": None, "lease_owner": None, "lease_token": None, "lease_expires_at": None,
            "heartbeat_at": None, "created_at": _now(), "started_at": None, "finished_at": None,
            "last_message": None,
        }

    def _enqueue(self, tenant: str, job_id: str) -> None:
        """Hand a recorded job to the runner; if the broker is down, forget it (nothing was queued)."""
        try:
            self.runner.enqueue(tenant, job_id)
        except Exception as exc:
            self.records.delete_unstarted(tenant, job_id)
            if isinstance(exc, ConnectorError):
                raise
            from ..errors import UnavailableError

            raise UnavailableError(f"the job could not be queued ({self.runner.name} runner): "
                                   f"{type(exc).__name__}: {self.host.mask(str(exc))}",
                                   hint="check the broker (CONNECTOR_CORE_BROKER_URL) and submit again") from None

    def get(self, tenant: str, job_id: str) -> JobRecord:
        """The job's record; NotFoundError for an unknown id or another tenant's job. A
        fan-out's parent is merged here once its chunks finished (see :mod:`.fanout`)."""
        record = self.records.get(tenant, job_id)
        if record.state == JobState.RUNNING and record.job.parent_id is None:
            from .fanout import refresh

            return refresh(self, record)
        return record

    def list(self, tenant: str, *, state: str | None = None, parent_id: str | None = None,
             limit: int = 100) -> list[JobRecord]:
        return self.records.list(tenant, state=state, parent_id=parent_id, limit=limit)

    def cancel(self, tenant: str, job_id: str) -> JobRecord:
        """Cancel: a queued job at once; a running one when its operation next checks
        (``context.check_cancelled()``, the HTTP toolkit before each request). A job that
        finished stays as it was. A fan-out's parent passes it on to its chunks."""
        record = self.records.request_cancel(tenant, job_id)
        if record.job.parent_id is None:  # a fan-out's chunks, even if its parent ended meanwhile
            self.records.request_cancel_chunks(tenant, job_id)
        return self.get(tenant, job_id)

    def wait(self, tenant: str, job_id: str, timeout: float | None = None) -> JobRecord:
        """The record once the job finished; after ``timeout`` seconds, as it is then."""
        from .fanout import chunks_running

        deadline = None if timeout is None else time.monotonic() + timeout
        pause = 0.002
        start = time.monotonic()
        seen = self.records.ends_seen()
        record = self.get(tenant, job_id)
        settled: float | None = None  # since when a fan-out's parent has had no chunk running
        next_poll = start + pause
        while not record.finished:
            if deadline is not None and time.monotonic() >= deadline:
                return self.get(tenant, job_id)
            # Woken at once when this process ends this job (a local runner's); a Celery
            # worker's end is seen at the next poll. A read by id is cheap enough to poll often;
            # a long wait polls less often, by a fortieth of the time waited so far (at most a
            # quarter second): that much later at most, and never more than 2.5% later. A local
            # runner's waiter polls once a second at most: its own ends wake it, and its polls
            # only look for what another process did (re-queued a job, merged a fan-out).
            until = next_poll if deadline is None else min(next_poll, deadline)
            self.records.wait_for_an_end(seen, max(0.0, until - time.monotonic()))
            latest = self.records.ends_seen()
            mine = self.records.ended_between(seen, latest, job_id)
            seen = latest
            if not mine and time.monotonic() < until:
                continue  # another job's end (one of a fan-out's chunks): nothing to read yet
            if self.runner.name == "local":
                pause = min(pause * 2, 1.0)
            else:
                pause = min(pause * 2, 0.05) if pause < 0.05 else min(max(0.05, (time.monotonic() - start) / 40), 0.25)
            next_poll = time.monotonic() + pause
            # A fan-out's parent is read once none of its chunks runs any more. The worker that
            # ended the last one merges it: read what it stored, and merge here only if it has
            # not within a lease (it died); at once, both would read and merge every chunk.
            if chunks_running(self, record):
                settled = None
                continue
            settled = settled or time.monotonic()
            if time.monotonic() - settled < self.settings.lease_seconds:
                record = self.records.get(tenant, job_id)
            else:
                record = self.get(tenant, job_id)
        return record

    # -- internals ----------------------------------------------------------------------

    def _check_required(self, stored: Any, operation: str) -> None:
        op = self.host.manifest(stored.connector_id).operation(operation)
        missing = [k for k in op.requires_connection
                   if k not in stored.secret_fields and stored.values.get(k) in (None, "")]
        if missing:
            raise ValidationError(
                {f"connection.{k}": [f"is required for {operation}"] for k in missing},
                hint="edit the connection and fill in " + ", ".join(missing), connector=stored.connector_id)

    def _same_work(self, row: Mapping[str, Any], fingerprint: str) -> JobRecord:
        if row["fingerprint"] != fingerprint:
            raise ConflictError(f"the idempotency key {row['idempotency_key'][:64]!r} was used for other work",
                                hint="use a new key for a different connection, operation or params")
        return self.records.get(row["tenant"], row["id"])


def runner_from_environment() -> Runner:
    """The runner ``CONNECTOR_CORE_JOBS_RUNNER`` names: ``local`` (default) or ``celery``."""
    import os

    from ..errors import ConfigurationError

    name = os.environ.get(ENV_RUNNER, "local").strip() or "local"
    if name == "local":
        from .local import LocalRunner

        return LocalRunner()
    if name == "celery":
        from .celery_runner import CeleryRunner

        return CeleryRunner()
    raise ConfigurationError(f"{ENV_RUNNER}={name!r} is not a runner", hint="write local or celery")


def _fingerprint(connection_id: str, operation: str, params: Any, secrets: int) -> str:
    text = json.dumps([connection_id, operation, params, secrets], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fingerprint_text(connection_id: str, operation: str, params_text: str, secrets: int) -> str:
    """:func:`_fingerprint` from the params' canonical JSON already written (no second encoding)."""
    head = json.dumps([connection_id, operation], separators=(",", ":"))[:-1]
    return hashlib.sha256(f"{head},{params_text},{secrets}]".encode("utf-8")).hexdigest()


def _idempotency_key(key: Any) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not key.strip() or len(key) > _MAX_KEY:
        raise ValidationError({"idempotency_key": [f"must be a non-empty string of at most {_MAX_KEY} characters"]},
                              hint="use the id of the request or message that asks for the work")
    return key


def _delay(value: float | None, default: float) -> float:
    if value is None:
        return default
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 3600:
        raise ValidationError({"retry_delay": ["must be a number of seconds from 0 to 3600"]})
    return float(value)


def _positive(value: int | None, default: int, name: str) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
        raise ValidationError({name: ["must be an integer from 1 to 100"]})
    return value
