"""Fanned-out bulk work: one parent job, chunk jobs on any worker, outcomes merged in input order.

An operation whose manifest declares ``fanout:`` (see :mod:`connector_core.fanout_plan`)
and is given more items than one chunk holds is split: the parent job is recorded but
never queued, each chunk is an ordinary job (``parent_id``, ``chunk_index``) that any
runner's workers take, retry and re-run when their worker dies, like any other job.

``Jobs.submit`` splits by itself (:func:`fan_out`); the parent is finished once every chunk
has finished, by the worker whose delivery ended the last of them (:func:`finish_if_last`),
or else by whoever reads it next (``Jobs.get``/``wait`` call :func:`refresh`: a worker that
died between its chunk's end and the merge): its ``outcomes`` are the chunks'
per-item outcomes merged in input order (a chunk that failed as a whole gives each of its
items an outcome naming the error), its ``result`` the summed counts plus a ``fanout``
summary -- the chunks, which of them failed, and which ran more than once (their items
may have reached the service twice; no other item can have). Merging is idempotent and
guarded by the parent's token, so two workers or readers finishing it at once record it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import NotFoundError
from ..fanout_plan import ChunkOutcome, Fanout, chunk_ranges, merge, without_carried
from ..store.store import _now
from ..store.json_column import EncodedJSON
from ..store.values import split_secrets_chunked
from .model import JobRecord, JobState, Progress
from .service import _fingerprint, _fingerprint_text

if TYPE_CHECKING:
    from ..host import Host
    from .records import JobStore
    from .service import Jobs

#: The parent's params hold this marker in place of the split list (its items live in the chunks).
MARKER = "$fanout"
#: How many chunks :meth:`FanoutJobs.chunks` returns while a listing is still queueing them.
_CHUNKS_WHILE_LISTING = 10_000


class Merger(Protocol):
    """What reading and merging a parent needs: a :class:`~connector_core.jobs.Jobs` (its
    readers), or a worker's :class:`~connector_core.jobs.execute.JobExecutor` (its last chunk's end)."""

    records: JobStore
    host: Host


class FanoutJobs:
    """Fan-out seen from a :class:`~connector_core.jobs.Jobs`: the same calls, plus ``chunk_size``
    and :meth:`chunks`. (``Jobs.submit``/``get``/``wait``/``cancel`` fan out and merge by themselves.)"""

    def __init__(self, jobs: Jobs) -> None:
        self.jobs = jobs

    def submit(self, tenant: str, connection_id: str, operation: str, params: Mapping[str, Any],
               *, idempotency_key: str | None = None, chunk_size: int | None = None,
               max_attempts: int | None = None) -> JobRecord:
        """:meth:`Jobs.submit`, with ``chunk_size`` overriding the manifest's."""
        return self.jobs.submit(tenant, connection_id, operation, params, idempotency_key=idempotency_key,
                                max_attempts=max_attempts, chunk_size=chunk_size)

    def get(self, tenant: str, job_id: str) -> JobRecord:
        return self.jobs.get(tenant, job_id)

    def wait(self, tenant: str, job_id: str, timeout: float | None = None) -> JobRecord:
        return self.jobs.wait(tenant, job_id, timeout)

    def cancel(self, tenant: str, job_id: str) -> JobRecord:
        return self.jobs.cancel(tenant, job_id)

    def chunks(self, tenant: str, job_id: str) -> list[JobRecord]:
        """A parent's chunk jobs, in chunk order."""
        plan = plan_of(self.jobs.get(tenant, job_id))
        if plan is None:
            return []
        return self.jobs.list(tenant, parent_id=job_id, limit=plan.get("chunks", _CHUNKS_WHILE_LISTING))


def fan_out(jobs: Jobs, stored: Any, operation: str, clean: Mapping[str, Any], *, key: str | None,
            max_attempts: int | None, chunk_size: int | None) -> JobRecord | None:
    """Record a parent and queue one job per chunk when the operation declares a fan-out and
    ``clean`` (validated params) holds more items than one chunk; else None.

    With the same ``key`` again, the parent recorded first is returned and any chunk still
    missing (the first submitter died half way) is queued; the chunks' own keys keep every
    chunk queued once.
    """
    spec = _spec(jobs, stored.connector_id, operation)
    if spec is None:
        return None
    size = spec.chunk_size if chunk_size is None else chunk_size
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        from ..errors import ValidationError

        raise ValidationError({"chunk_size": ["must be a positive integer"]})
    if spec.listing is not None and clean.get(spec.split) is None:
        from .fanout_listing import queue_lister  # the items come from a listing a worker reads

        return queue_lister(jobs, stored, operation, clean, spec, size, key=key, max_attempts=max_attempts)
    if clean.get(spec.split) is None or len(clean[spec.split]) <= size:
        return None
    # Written as JSON once for the whole input, as one list text per chunk that is stored as
    # it is (never decoded back); each chunk's secret markers index the whole input's
    # secrets, which each chunk carries.
    ranges = chunk_ranges(len(clean[spec.split]), size, finer_tail=True)
    written = split_secrets_chunked(without_carried(spec, clean), spec.split, ranges)
    marker = {MARKER: {"items": len(clean[spec.split]), "chunk_size": size, "chunks": len(ranges),
                       "finer_tail": True}}
    whole = _fingerprint_text(stored.id, operation, written.whole, len(written.sealed))
    parent = jobs._queue(stored, operation, {**written.public(), spec.split: marker}, [], key=key,
                         max_attempts=max_attempts, fingerprint=whole, hold=True)
    # A chunk's work is the parent's (whose fingerprint was checked) and its place in it.
    # Without a key of the caller's the parent is new: none of its chunks can exist yet.
    jobs._queue_chunks(stored, operation, [EncodedJSON(written.head + items + written.tail) for items in written.chunks],
                       written.sealed, parent_id=parent.id, max_attempts=max_attempts, unused_keys=key is None,
                       fingerprints=[_fingerprint(stored.id, operation, [whole, index], len(written.sealed))
                                     for index in range(len(written.chunks))])
    return parent


def refresh(jobs: Merger, record: JobRecord) -> JobRecord:
    """A running parent as it stands: merged and finished once all its chunks finished (a
    cancellation passed on to them first), else with their progress added up. Any other
    job's record comes back as it is."""
    plan = plan_of(record)
    if plan is None or record.finished:
        return record
    listing = "chunks" not in plan  # a worker is still listing the items and queueing chunks
    chunks = jobs.records.chunk_states(record.tenant, record.id)
    if record.cancel_requested and any(c["state"] not in JobState.FINISHED for c in chunks.values()):
        jobs.records.request_cancel_chunks(record.tenant, record.id)
        chunks = jobs.records.chunk_states(record.tenant, record.id)
    if listing:
        return record
    spec = _spec(jobs, record.job.connector_id, record.job.operation)
    if spec is None:  # the manifest changed under a running fan-out
        raise NotFoundError(f"operation {record.job.operation!r} no longer declares a fan-out",
                            hint="restore the manifest's fanout: declaration to merge this job")
    if len(chunks) == plan["chunks"] and all(c["state"] in JobState.FINISHED for c in chunks.values()):
        return _finish(jobs, spec, record, plan)
    ranges = plan_ranges(plan)
    done = sum((c["progress"] or {}).get("done", 0) if c["state"] not in JobState.FINISHED
               else len(ranges[i]) for i, c in chunks.items())
    return replace(record, progress=Progress(done, plan["items"], spec.split))


def chunks_running(jobs: Merger, record: JobRecord) -> bool:
    """Whether a fan-out's parent still has a chunk to wait for (one count, no rows); False
    for any other job, whose record is read instead."""
    if plan_of(record) is None:
        return False
    return jobs.records.any_chunk_running(record.id)


def finish_if_last(jobs: Merger, tenant: str, parent_id: str) -> None:
    """Merge and finish a parent if no chunk of it is left running: called in the worker's
    process by the delivery that just recorded one of its chunks' end (or the listing that
    just held it). One count while chunks still run; then the parent is read and merged as
    a reader would (:func:`refresh`): not while its listing still runs, nor before every
    chunk of its plan exists, and once however many workers and readers get here at once."""
    if jobs.records.any_chunk_running(parent_id):
        return
    record = jobs.records.get(tenant, parent_id)
    if record.state == JobState.RUNNING:
        refresh(jobs, record)


def _spec(jobs: Merger, connector_id: str, operation: str) -> Fanout | None:
    return jobs.host.manifest(connector_id).operation(operation).fanout


def _finish(jobs: Merger, spec: Fanout, record: JobRecord, plan: Mapping[str, Any]) -> JobRecord:
    """Merge the chunks and end the parent (once: the parent's token guards the update)."""
    # A failed chunk's outcomes name its items: read from its params.
    need_items = any(v == "$item" for v in spec.failed_outcome.values())
    rows, token = jobs.records.chunks_to_merge(record.tenant, record.id, with_params=need_items)
    outcomes, failed, rerun = [], [], []
    for index, positions in enumerate(plan_ranges(plan)):
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
    if "complete" in plan:
        merged["fanout"]["listed_all"] = plan["complete"]
    state, error = JobState.SUCCEEDED, None
    if plan.get("complete") is False:
        state, error = JobState.CANCELLED, {"error": "Cancelled", "hint": None, "retryable": False,
                                           "message": f"cancelled while listing: only the {plan['items']} items "
                                                      f"listed by then were queued, in {plan['chunks']} chunks"}
    elif failed and record.cancel_requested:
        state, error = JobState.CANCELLED, {"error": "Cancelled", "message": "cancelled before every chunk ran",
                                           "hint": None, "retryable": False}
    elif failed and len(failed) == plan["chunks"]:
        state, error = JobState.FAILED, failed[0]["error"]
    progress = Progress(plan["items"], plan["items"], spec.split)
    now = _now()
    # token None: another worker or reader finished it a moment ago (or does now): read what it recorded.
    if token is not None and jobs.records.finish(record.id, token, state, result=merged, outcomes=per_item,
                                                 error=error, progress=progress, now=now):
        # What was just stored, without reading back (and decoding again) every item's outcome.
        return replace(record, state=state, result=merged, outcomes=per_item, error=error, progress=progress,
                       finished_at=now, lease_owner=None, lease_expires_at=None)
    return jobs.records.get(record.tenant, record.id)




def plan_of(record: JobRecord) -> dict[str, Any] | None:
    """The fan-out marker of a parent's params, or None for any other job."""
    if record.job.parent_id is not None:
        return None
    for value in record.job.params.values():
        if isinstance(value, Mapping) and isinstance(value.get(MARKER), Mapping):
            return dict(value[MARKER])
    return None


def plan_ranges(plan: Mapping[str, Any]) -> list[range]:
    """The input positions of each of a parent's ``plan["chunks"]`` chunks (a listing that
    found nothing queued one empty chunk)."""
    ranges = chunk_ranges(plan["items"], plan["chunk_size"], finer_tail=bool(plan.get("finer_tail")))
    return ranges + [range(plan["items"], plan["items"])] * (plan["chunks"] - len(ranges))
