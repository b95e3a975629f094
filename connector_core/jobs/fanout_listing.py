"""Fan-out whose items come from a listing: a worker lists, queueing a chunk job per page.

An operation whose ``fanout:`` declares ``list:`` (see :mod:`connector_core.fanout_plan`)
and is submitted without its ``split`` input (delete every object under a prefix) cannot
be cut up at submit time: nobody knows the items yet, and there may be millions. So the
parent is queued as an ordinary job, and the worker that takes it (any runner's) runs the
declared streaming operation and queues a chunk job each time ``chunk_size`` items have
arrived, the items in the chunk's ``split`` input (and the fields the declaration's
``carry`` names, such as each object's size and ETag, in their own inputs). Memory holds one chunk of items and
the listing's current page, never the whole listing. When the listing ends, the parent
is *held* (running under a lease no runner holds, as a list-split parent is from the
start) and merged once its chunks finished, by the worker that ends the last of them
(:func:`.fanout.finish_if_last`), or by this listing's worker when they all ended first.

Re-delivery is harmless: a worker that dies while listing loses its lease; the job runs
again and resumes after the last item of the last chunk it finds (the declared
``resume`` input), sending that chunk's message again if it may never have left (a
duplicate message is harmless: the chunk runs once). Every chunk but the last is full, so the parent's plan is (items, chunk_size,
chunks) as for a list split. Cancelling stops the listing at the next item: no chunk is
queued after that, chunks not started are cancelled, and the parent ends ``cancelled``
(``result.fanout.listed_all`` false).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..fanout_plan import Fanout, listed_chunk
from ..store.values import split_secrets_json
from .model import JobRecord, JobState, Progress

if TYPE_CHECKING:
    from .execute import JobExecutor
    from .heartbeat import RunningJob
    from .records import Claimed
    from .service import Jobs

#: The ``unit`` of a listing parent's progress (items listed and queued so far).
LISTED = "listed"


def queue_lister(jobs: Jobs, stored: Any, operation: str, clean: Mapping[str, Any], spec: Fanout, size: int, *,
                 key: str | None, max_attempts: int | None) -> JobRecord:
    """Queue the parent as an ordinary job; the worker that takes it lists (:func:`list_into_chunks`)."""
    from .fanout import MARKER

    public, secrets, _ = split_secrets_json(clean)
    params = {**public, spec.split: {MARKER: {"listing": True, "chunk_size": size}}}
    return jobs._queue(stored, operation, params, secrets, key=key, max_attempts=max_attempts)


def listing_plan(params: Mapping[str, Any], spec: Fanout | None) -> dict[str, Any] | None:
    """The marker of a parent whose items are still to be listed, else None."""
    from .fanout import MARKER

    if spec is None or spec.listing is None:
        return None
    value = params.get(spec.split)
    plan = value.get(MARKER) if isinstance(value, Mapping) else None
    return dict(plan) if isinstance(plan, Mapping) and plan.get("listing") else None


def list_into_chunks(executor: JobExecutor, claim: Claimed, beat: RunningJob, connection: Any,
                     params: Mapping[str, Any], spec: Fanout, plan: Mapping[str, Any]) -> bool:
    """List the items, queue a chunk job per ``chunk_size`` of them, then hold the parent.

    False when the lease was lost meanwhile (another delivery took the job over).
    Raises what the listing raised; the executor retries or fails the job as for any run.
    """
    from .service import Jobs

    assert spec.listing is not None
    record, listing, size = claim.record, spec.listing, int(plan["chunk_size"])
    if executor.enqueue is None:
        raise RuntimeError("this runner gave its executor no way to queue jobs")
    jobs = Jobs(executor.store, _Forward(executor.enqueue), settings=executor.settings)
    stored = executor.store.get(record.tenant, record.job.connection_id)
    public, secrets, _ = split_secrets_json({k: v for k, v in params.items() if k != spec.split})

    def queue(index: int, listed: list[Mapping[str, Any]]) -> None:
        jobs._queue(stored, record.job.operation, {**public, **listed_chunk(listing, spec.split, listed)}, secrets,
                    key=f"fanout/{record.id}/{index}", max_attempts=record.max_attempts, parent_id=record.id,
                    chunk_index=index)

    index, items, last = 0, 0, _last_chunk(executor, record, spec)
    done = last is not None and len(last["items"]) < size  # the listing had ended: only the hold was missing
    if last is not None:  # an earlier run of this job queued chunks up to this one: go on after it
        if last["state"] == JobState.QUEUED:  # its message may never have left: a second one is harmless
            executor.enqueue(record.tenant, last["id"])
        index, items = last["index"] + 1, last["index"] * size + len(last["items"])
    list_params = {name: params[source] for name, source in listing.params.items() if params.get(source) is not None}
    if last is not None and last["items"]:
        list_params[listing.resume] = last["items"][-1]
    page: list[Mapping[str, Any]] = []  # the listed items' fields a chunk carries
    fields = (listing.item, *listing.carry)
    try:
        for listed in () if done else executor.host.run(connection, listing.operation, list_params,
                                                         cancel=beat.cancel):
            if beat.cancel.is_set():
                break
            page.append({name: listed.get(name) for name in fields})
            if len(page) == size:
                queue(index, page)
                index, items, page = index + 1, items + len(page), []
                beat.report(items, None, LISTED)
    except Exception:
        if not beat.cancel.is_set():  # a listing stopped by the cancel (or a lost lease) ends below
            raise
    if beat.lost:
        return False
    complete = not beat.cancel.is_set()
    if not complete:  # cancelled: chunks queued so far that did not start never will
        executor.records.request_cancel_chunks(record.tenant, record.id)
    if complete and (page or index == 0):  # the last, partial chunk (or one empty chunk: outputs to merge)
        queue(index, page)
        index, items = index + 1, items + len(page)
    from .fanout import MARKER

    marker = {MARKER: {"items": items, "chunk_size": size, "chunks": index, "complete": complete}}
    return executor.records.hold_for_chunks(record.id, claim.token, {**record.job.params, spec.split: marker},
                                            Progress(items, None, LISTED))


class _Forward:
    """A runner for the chunks a listing queues: hands them to the runner the listing runs on."""

    name = "worker"

    def __init__(self, enqueue: Any) -> None:
        self._enqueue = enqueue

    def start(self, executor: Any) -> None:
        """Nothing to start: the process's runner already runs."""

    def enqueue(self, tenant: str, job_id: str, *, delay: float = 0.0) -> None:
        self._enqueue(tenant, job_id, delay=delay)

    def close(self, wait: bool = True) -> None:
        """Nothing to close: the process's runner outlives the listing."""


def _last_chunk(executor: JobExecutor, record: JobRecord, spec: Fanout) -> dict[str, Any] | None:
    """The last chunk an earlier run of this parent queued (id, index, state, items), or None."""
    row = executor.records.last_chunk(record.tenant, record.id)
    if row is None:
        return None
    return {"id": row.id, "index": row.chunk_index, "state": row.state, "items": list(row.params[spec.split])}
