"""Jobs as the host's API shows them: a light summary for lists, a detail page for one job.

A summary is what a list row needs (state, progress, timing, masked error), read without
the job's params, result or outcomes, which can be megabytes for bulk work. The detail
adds the result and one page of per-entry outcomes; for a fan-out, the merged outcomes
(moved out of the result when a job fitted in one chunk, so both look the same) and how
many chunks are in each state. Every text passes through the host's masker on the way
out, on top of the masking the job's error got when it was recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

from ..fanout_plan import Fanout
from ..jobs.model import JobRecord, JobState, masked
from ..jobs.records import JobStore

Mask = Callable[[str], str]

#: Jobs a list page holds at most, and by default.
MAX_PAGE, DEFAULT_PAGE = 200, 50
#: Outcomes a detail page holds at most, and by default.
MAX_OUTCOMES, DEFAULT_OUTCOMES = 5000, 1000
#: A list in a result (a streamed operation's items) is cut to this many entries.
RESULT_ITEMS = 1000


def job_summary(record: JobRecord, mask: Mask) -> dict[str, Any]:
    return {
        "id": record.id, "connection_id": record.job.connection_id, "connector_id": record.job.connector_id,
        "operation": record.job.operation, "state": record.state, "live": not record.finished,
        "cancel_requested": record.cancel_requested,
        "progress": asdict(record.progress) if record.progress else None,
        "attempts": record.attempts, "max_attempts": record.max_attempts,
        "created_at": record.created_at.isoformat(),
        "started_at": record.started_at.isoformat() if record.started_at else None,
        "finished_at": record.finished_at.isoformat() if record.finished_at else None,
        "duration": record.duration,
        "error": masked(record.error, mask) if record.error else None,
    }


def job_detail(record: JobRecord, mask: Mask, spec: Fanout | None, chunks: Mapping[str, Any] | None, *,
               offset: int = 0, limit: int = DEFAULT_OUTCOMES, failed_only: bool = False) -> dict[str, Any]:
    """The summary plus the result, a page of outcomes (``offset``/``limit``, optionally
    only failed ones) with their counts, and ``chunks`` for a fan-out's parent."""
    out = job_summary(record, mask)
    result = dict(record.result) if isinstance(record.result, Mapping) else None
    outcomes = record.outcomes
    if outcomes is None and spec is not None and result is not None and isinstance(result.get(spec.outcomes), list):
        outcomes = result.pop(spec.outcomes)  # a fan-out that fitted in one chunk: shown like a merged one
    if result is not None:
        for key, value in list(result.items()):
            if isinstance(value, list) and len(value) > RESULT_ITEMS:
                result[key] = value[:RESULT_ITEMS]
                out["result_truncated"] = True
    out["result"] = masked(result, mask) if result is not None else None
    out["chunks"] = dict(chunks) if chunks is not None else None
    if isinstance(outcomes, list):
        failed_key = _failed_key(spec)
        failed = [o for o in outcomes if isinstance(o, Mapping) and o.get(failed_key)]
        chosen = failed if failed_only else outcomes
        out["outcomes"] = masked(chosen[offset:offset + limit], mask)
        out["outcomes_page"] = {"offset": offset, "limit": limit, "matching": len(chosen), "failed_only": failed_only}
        out["outcomes_total"], out["outcomes_failed"] = len(outcomes), len(failed)
    else:
        out["outcomes"] = None
    return out


def _failed_key(spec: Fanout | None) -> str:
    """The outcome key that holds an entry's error: the one ``chunk_failed`` fills with ``$error``."""
    if spec is not None:
        for key, value in spec.failed_outcome.items():
            if value == "$error":
                return key
    return "error_code"


def chunk_counts(records: JobStore, tenant: str, parent_id: str, plan: Mapping[str, Any]) -> dict[str, Any]:
    """A fan-out parent's chunks: how many, of what size, and how many are in each state (while a
    listing still queues them: those queued so far, ``listing`` true, ``items`` None)."""
    states = records.chunk_state_counts(tenant, parent_id)
    listing = "chunks" not in plan
    return {"total": sum(states.values()) if listing else plan["chunks"], "chunk_size": plan["chunk_size"],
            "items": plan.get("items"), "listing": listing,
            "states": {s: states.get(s, 0) for s in (JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED,
                                                     JobState.FAILED, JobState.CANCELLED)}}
