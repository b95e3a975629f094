"""Operations run as jobs over HTTP: submit, list, read, cancel (see docs/web.md#jobs).

``POST /api/jobs`` ``{"connection_id", "operation", "input", "idempotency_key"?,
"chunk_size"?}`` validates everything first and queues nothing when anything is wrong
(the same 404/422 replies as a run); otherwise it answers 202 with the job's summary.
An operation whose manifest declares ``fanout:`` is split into chunk jobs
(:class:`~connector_core.jobs.FanoutJobs`). ``GET /api/jobs`` lists the tenant's jobs,
newest first, a page at a time; ``GET /api/jobs/{id}`` is one job with its result and a
page of per-entry outcomes; ``POST /api/jobs/{id}/cancel`` cancels it. Another tenant's
job is the same 404 as one that never existed.

The web process owns one :class:`~connector_core.jobs.Jobs`, made on first use with the
runner ``CONNECTOR_CORE_JOBS_RUNNER`` names (the local runner by default: `connectors
serve` needs nothing else), and closes it when the app shuts down.

Jobs never touch the tenants' file areas: a job may run on another machine (Celery), so
an operation given a ``file_id`` (or one that must write a file) runs inline only.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..errors import ConnectorError, NotFoundError, UnavailableError
from ..host import Host
from ..jobs.records import JobStore
from ..store import ConnectionStore
from .audit import AuditLog
from .auth import principal
from .body import ApiError, json_object, json_response, public_words, scrub
from .connections_api import int_param
from .failures import store_failure
from .job_views import DEFAULT_OUTCOMES, DEFAULT_PAGE, MAX_OUTCOMES, MAX_PAGE, chunk_counts, job_detail, job_summary
from .ratelimit import RateLimiter

if TYPE_CHECKING:
    from ..jobs import JobRecord, Jobs
    from ..manifest import Operation

_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
_NO_FILES = "a job cannot read or write the host's files: run this operation without 'Run in background'"


class JobsApi:
    """The job routes, and the Jobs instance the web process owns."""

    def __init__(self, host: Host, store: ConnectionStore, audit: AuditLog, limiter: RateLimiter,
                 max_body: int, jobs: Jobs | None = None) -> None:
        self.host = host
        self.store = store
        self.records = JobStore(store.engine)  # the jobs table alone: listing and reading start no runner
        self.audit = audit
        self.limiter = limiter
        self.max_body = max_body
        self._jobs = jobs
        self._owned = jobs is None  # closed with the app only when the app made it
        self._lock = threading.Lock()

    @property
    def jobs(self) -> Jobs:
        """The host's Jobs, started on first use (so an app that runs no job starts no runner)."""
        with self._lock:
            if self._jobs is None:
                from ..jobs import Jobs

                self._jobs = Jobs(self.store)
            return self._jobs

    def close(self) -> None:
        """Stop the runner the app made, letting running deliveries finish (queued jobs stay in the store)."""
        with self._lock:
            jobs, self._jobs = (self._jobs, None) if self._owned else (None, self._jobs)
        if jobs is not None:
            jobs.close()

    # -- routes ---------------------------------------------------------------------------

    async def submit(self, request: Request) -> Response:
        who = principal(request)
        body = await json_object(request, self.max_body)
        connection_id, operation = _name(body, "connection_id"), _name(body, "operation")
        raw = body.get("input", {})
        if not isinstance(raw, dict):
            raise ApiError(422, "invalid", "`input` must be an object", errors={"input": ["must be an object"]})
        stored = await self._call(body, self.store.get, who.tenant, connection_id)
        manifest = self.host.manifest(stored.connector_id)
        if operation not in manifest.operation_ids:
            raise ApiError(404, "unknown_operation", f"{stored.connector_id} has no operation {operation[:100]!r}",
                           hint="operations: " + ", ".join(manifest.operation_ids))
        op = manifest.operation(operation)
        _refuse_files(op, raw)
        chunk_size = body.get("chunk_size")
        if chunk_size is not None and op.fanout is None:
            raise ApiError(422, "invalid", f"{operation} does not split into chunks",
                           errors={"chunk_size": ["only for operations that fan out"]})
        self.limiter.check(who.tenant, "run")
        key = body.get("idempotency_key")

        def submit() -> JobRecord:
            if op.fanout is not None:
                from ..jobs import FanoutJobs

                return FanoutJobs(self.jobs).submit(who.tenant, connection_id, operation, raw,
                                                    idempotency_key=key, chunk_size=chunk_size)
            return self.jobs.submit(who.tenant, connection_id, operation, raw, idempotency_key=key)

        record = await self._call(body, submit)
        await run_in_threadpool(self.audit.record, who, "job.submit", connection_id, connector_id=stored.connector_id,
                                operation=operation, job_id=record.id, ok=True)
        return json_response({"ok": True, "job": job_summary(record, self.host.mask)}, status=202)

    async def list(self, request: Request) -> Response:
        who = principal(request)
        limit = min(MAX_PAGE, max(1, int_param(request, "limit", DEFAULT_PAGE)))
        before = request.query_params.get("before") or None
        state = request.query_params.get("state") or None
        if state is not None and state not in _STATES:
            raise ApiError(400, "bad_query", "`state` must be one of " + ", ".join(_STATES))
        records, cursor = await self._call(None, self._page, who.tenant, limit, before, state)
        return json_response({"jobs": [job_summary(r, self.host.mask) for r in records], "next": cursor})

    async def get(self, request: Request) -> Response:
        who = principal(request)
        offset = int_param(request, "outcomes_offset", 0)
        limit = min(MAX_OUTCOMES, max(1, int_param(request, "outcomes_limit", DEFAULT_OUTCOMES)))
        failed_only = request.query_params.get("failed") in ("1", "true")
        record = await self._job(who.tenant, request.path_params["job_id"], "get")
        spec, chunks = await self._call(None, self._fanout, record)
        return json_response(job_detail(record, self.host.mask, spec, chunks, offset=offset, limit=limit,
                                        failed_only=failed_only))

    async def cancel(self, request: Request) -> Response:
        who = principal(request)
        record = await self._job(who.tenant, request.path_params["job_id"], "cancel")
        await run_in_threadpool(self.audit.record, who, "job.cancel", record.job.connection_id,
                                connector_id=record.job.connector_id, operation=record.job.operation,
                                job_id=record.id, ok=not record.finished or record.state == "cancelled")
        return json_response({"ok": True, "job": job_summary(record, self.host.mask)})

    # -- helpers --------------------------------------------------------------------------

    def _page(self, tenant: str, limit: int, before: str | None, state: str | None) -> tuple[Any, str | None]:
        records, cursor = self.records.summaries_page(tenant, limit=limit, before=before, state=state)
        # A running fan-out's parent is read through Jobs: that adds its chunks' progress
        # up, and merges and finishes it once they are all done (nothing else does).
        return [self._refreshed(r) for r in records], cursor

    def _refreshed(self, record: JobRecord) -> JobRecord:
        if record.state != "running" or self._spec(record) is None:
            return record
        return self.jobs.get(record.tenant, record.id)

    def _spec(self, record: JobRecord) -> Any:
        try:
            return self.host.manifest(record.job.connector_id).operation(record.job.operation).fanout
        except (NotFoundError, KeyError):  # a plugin or operation since removed
            return None

    def _fanout(self, record: JobRecord) -> tuple[Any, dict[str, Any] | None]:
        from ..jobs.fanout import plan_of

        spec, plan = self._spec(record), plan_of(record)
        chunks = chunk_counts(self.records, record.tenant, record.id, plan) if plan else None
        return spec, chunks

    async def _job(self, tenant: str, job_id: str, method: str) -> JobRecord:
        """``Jobs.get``/``cancel`` in a thread (the first call also starts the runner, which reads the store)."""
        try:
            return await self._call(None, lambda: getattr(self.jobs, method)(tenant, job_id))
        except ApiError as exc:
            if exc.status == 404:  # the same words for another tenant's job and a missing one
                raise ApiError(404, "not_found", "no such job for this tenant",
                               hint="list this tenant's jobs with GET /api/jobs") from None
            raise

    async def _call(self, submitted: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await run_in_threadpool(fn, *args, **kwargs)
        except UnavailableError as exc:
            raise ApiError(503, "unavailable", scrub(self.host.mask(exc.message), submitted),
                           hint=exc.hint) from None
        except ConnectorError as exc:
            raise store_failure(exc, submitted, public_words(self.host)) from None
        except OperationalError:
            raise ApiError(503, "store_unavailable", "the connection store is unavailable; retry shortly") from None


def _name(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ApiError(422, "invalid", f"`{key}` is required", errors={key: ["is required"]})
    return value


def _refuse_files(operation: Operation, raw: dict[str, Any]) -> None:
    """Refuse what would need the host's file area (see the module's docstring)."""
    if "file_path" not in operation.input.keys:
        return
    given = [k for k in ("file_id", "file_path") if k in raw]
    if given or operation.input.field("file_path").required:
        field = given[0] if given else "file_id"
        raise ApiError(422, "invalid", _NO_FILES, errors={field: [_NO_FILES]})
