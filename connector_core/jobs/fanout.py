"""Fanned-out bulk work: one parent job, chunk jobs on any worker, outcomes merged in input order.

An operation whose manifest declares ``fanout:`` (see :mod:`connector_core.fanout_plan`)
and is given more items than one chunk holds is split: the parent job is recorded but
never queued, each chunk is an ordinary job (``parent_id``, ``chunk_index``) that any
runner's workers take, retry and re-run when their worker dies, like any other job.

The parent is finished by whoever reads it once every chunk has finished
(:meth:`FanoutJobs.get`, :meth:`FanoutJobs.wait`): its ``outcomes`` are the chunks'
per-item outcomes merged in input order (a chunk that failed as a whole gives each of its
items an outcome naming the error), its ``result`` the summed counts plus a ``fanout``
summary -- the chunks, which of them failed, and which ran more than once (their items
may have reached the service twice; no other item can have). Merging is idempotent and
guarded by the parent's token, so two readers finishing it at once record it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..errors import NotFoundError
from ..fanout_plan import ChunkOutcome, Fanout, chunk_params, chunk_ranges, merge
from ..store.values import split_secrets
from .model import JobRecord, JobState, Progress, to_json_value
from .service import _fingerprint, _idempotency_key
from .table import jobs as jobs_table

if TYPE_CHECKING:
    from .service import Jobs

#: The parent's params hold this marker in place of the split list (its items live in the chunks).
MARKER = "$fanout"


class FanoutJobs:
    """Fan-out on top of a :class:`~connector_core.jobs.Jobs` (its store, runner and settings)."""

    def __init__(self, jobs: Jobs) -> None:
        self.jobs = jobs
        self.records = jobs.records

    def spec(self, connector_id: str, operation: str) -> Fanout | None:
        return self.jobs.host.manifest(connector_id).operation(operation).fanout

    def submit(self, tenant: str, connection_id: str, operation: str, params: Mapping[str, Any],
               *, idempotency_key: str | None = None, chunk_size: int | None = None,
               max_attempts: int | None = None) -> JobRecord:
        """Validate the whole input once, record the parent, queue one job per chunk.

        Without a ``fanout:`` declaration, or with no more items than one chunk, this is a
        plain :meth:`Jobs.submit`. With the same ``idempotency_key`` again, the parent
        submitted first is returned and any chunk missing (the first submitter died half
        way) is queued; the chunks' own keys keep every chunk queued once.
        """
        stored = self.jobs.store.get(tenant, connection_id)
        spec = self.spec(stored.connector_id, operation)
        key = _idempotency_key(idempotency_key)
        clean = self.jobs.host.validate_input(stored.connector_id, operation, params)
        size = chunk_size or (spec.chunk_size if spec else 0)
        if spec is None or len(clean[spec.split]) <= size:
            return self.jobs.submit(tenant, connection_id, operation, clean, idempotency_key=key,
                                    max_attempts=max_attempts)
        if size < 1:
            raise ValueError("chunk_size must be positive")
        self.jobs._check_required(stored, operation)
        # Validated, split and made JSON once for the whole input; each chunk is a slice of it
        # (its secret markers index the whole input's secrets, which each chunk carries).
        public, secrets = split_secrets(clean)
        public = to_json_value(public)
        items = len(public[spec.split])
        ranges = chunk_ranges(items, size)
        marker = {MARKER: {"items": items, "chunk_size": size, "chunks": len(ranges)}}
        parent = self.jobs._queue(
            stored, operation, {**public, spec.split: marker}, [], key=key, max_attempts=max_attempts,
            fingerprint=_fingerprint(stored.id, operation, public, len(secrets)), hold=True)
        for index, positions in enumerate(ranges):
            self.jobs._queue(stored, operation, chunk_params(public, spec, positions), secrets,
                             key=f"fanout/{parent.id}/{index}", max_attempts=max_attempts,
                             parent_id=parent.id, chunk_index=index)
        return parent

    def get(self, tenant: str, job_id: str) -> JobRecord:
        """The job's record; a parent is merged and finished here once all its chunks finished,
        and until then shows its chunks' progress added up."""
        record = self.jobs.get(tenant, job_id)
        plan = _plan(record)
        if plan is None or record.finished:
            return record
        chunks = self._chunk_states(tenant, job_id)
        if record.cancel_requested:
            for index, state in chunks.items():
                if state["state"] not in JobState.FINISHED:
                    self.jobs.cancel(tenant, state["id"])
        if len(chunks) == plan["chunks"] and all(c["state"] in JobState.FINISHED for c in chunks.values()):
            return self._finish(record, plan)
        done = sum((c["progress"] or {}).get("done", 0) if c["state"] not in JobState.FINISHED
                   else _chunk_length(plan, i) for i, c in chunks.items())
        spec = self.spec(record.job.connector_id, record.job.operation)
        return replace(record, progress=Progress(done, plan["items"], spec.split if spec else ""))

    def wait(self, tenant: str, job_id: str, timeout: float | None = None, interval: float = 0.1) -> JobRecord:
        """The record once the job (and, for a parent, every chunk) finished; after
        ``timeout`` seconds, as it is then."""
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            record = self.get(tenant, job_id)
            if record.finished or (deadline is not None and time.monotonic() >= deadline):
                return record
            time.sleep(interval)

    def cancel(self, tenant: str, job_id: str) -> JobRecord:
        """Cancel a job; for a parent, every chunk not yet finished too."""
        self.jobs.cancel(tenant, job_id)
        return self.get(tenant, job_id)

    def chunks(self, tenant: str, job_id: str) -> list[JobRecord]:
        """A parent's chunk jobs, in chunk order."""
        plan = _plan(self.jobs.get(tenant, job_id))
        return self.jobs.list(tenant, parent_id=job_id, limit=plan["chunks"] if plan else 1)

    # -- internals ----------------------------------------------------------------------

    def _chunk_states(self, tenant: str, parent_id: str) -> dict[int, dict[str, Any]]:
        """Each chunk's state and progress, without its params or result (cheap to poll)."""
        j = jobs_table
        query = select(j.c.id, j.c.chunk_index, j.c.state, j.c.attempts, j.c.progress).where(
            j.c.tenant == tenant, j.c.parent_id == parent_id)
        with self.records._read() as db:
            return {r.chunk_index: dict(r._mapping) for r in db.execute(query)}

    def _finish(self, record: JobRecord, plan: Mapping[str, Any]) -> JobRecord:
        spec = self.spec(record.job.connector_id, record.job.operation)
        if spec is None:  # the manifest changed under a running fan-out
            raise NotFoundError(f"operation {record.job.operation!r} no longer declares a fan-out",
                                hint="restore the manifest's fanout: declaration to merge this job")
        need_items = any(v == "$item" for v in spec.failed_outcome.values())
        j = jobs_table
        columns = [j.c.chunk_index, j.c.state, j.c.attempts, j.c.result, j.c.error] + ([j.c.params] if need_items else [])
        with self.records._read() as db:
            rows = {r.chunk_index: r._mapping for r in db.execute(
                select(*columns).where(j.c.tenant == record.tenant, j.c.parent_id == record.id))}
            token = db.execute(select(j.c.lease_token).where(j.c.id == record.id)).scalar()
        outcomes, failed, rerun = [], [], []
        for index, positions in enumerate(chunk_ranges(plan["items"], plan["chunk_size"])):
            row = rows[index]
            items = row["params"][spec.split] if need_items else [None] * len(positions)
            ok = row["state"] == JobState.SUCCEEDED
            error = None if ok else (row["error"] or {"error": row["state"].capitalize(),
                                                      "message": f"the chunk job was {row['state']}"})
            outcomes.append(ChunkOutcome(positions.start, items, row["result"] if ok else None, error))
            if not ok:
                failed.append({"chunk": index, "first": positions.start, "count": len(positions),
                               "state": row["state"], "error": error})
            if row["attempts"] > 1:
                rerun.append({"chunk": index, "first": positions.start, "count": len(positions),
                              "attempts": row["attempts"]})
        merged = merge(spec, outcomes)
        per_item = merged.pop(spec.outcomes)
        merged["fanout"] = {"chunks": plan["chunks"], "chunk_size": plan["chunk_size"], "items": plan["items"],
                            "failed_chunks": failed, "rerun_chunks": rerun}
        state, error = JobState.SUCCEEDED, None
        if failed and record.cancel_requested:
            state, error = JobState.CANCELLED, {"error": "Cancelled", "message": "cancelled before every chunk ran",
                                               "hint": None, "retryable": False}
        elif len(failed) == plan["chunks"]:
            state, error = JobState.FAILED, failed[0]["error"]
        progress = Progress(plan["items"], plan["items"], spec.split)
        if token is not None:  # None: another reader finished it a moment ago
            self.records.finish(record.id, token, state, result=merged, outcomes=per_item, error=error,
                                progress=progress)
        return self.jobs.get(record.tenant, record.id)


def _plan(record: JobRecord) -> dict[str, Any] | None:
    """The fan-out marker of a parent's params, or None for any other job."""
    if record.job.parent_id is not None:
        return None
    for value in record.job.params.values():
        if isinstance(value, Mapping) and isinstance(value.get(MARKER), Mapping):
            return dict(value[MARKER])
    return None


def _chunk_length(plan: Mapping[str, Any], index: int) -> int:
    return max(0, min(plan["chunk_size"], plan["items"] - index * plan["chunk_size"]))
