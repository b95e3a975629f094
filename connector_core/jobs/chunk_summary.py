"""A fan-out parent's chunks at a glance: counts by state, failed and re-run chunks, progress.

What ``connectors jobs show`` prints under a parent (see docs/jobs.md). Read straight from
the chunks' rows, without their params (a chunk's items may be ~100 KB): a parent still
running has no merged ``result["fanout"]`` yet, and this works the same before and after
the merge. Errors are the chunks' stored errors, masked when they were recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .fanout import MARKER, plan_of, plan_ranges
from .model import JobRecord, JobState, Progress
from .records import JobStore

#: States in the order the summary counts them.
STATES = (JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True)
class ChunkSummary:
    """``planned``: the parent's chunk count (None while a listing still queues chunks);
    ``failed``/``rerun``: dicts as in ``result["fanout"]`` (chunk, first, count, error / attempts)."""

    planned: int | None
    counts: dict[str, int]
    progress: Progress
    listed: int | None = None  # items a listing found so far, while it still runs
    failed: list[dict[str, Any]] = field(default_factory=list)
    rerun: list[dict[str, Any]] = field(default_factory=list)

    @property
    def all_finished(self) -> bool:
        return self.planned is not None and sum(self.counts[s] for s in JobState.FINISHED) == self.planned


def summarize(records: JobStore, record: JobRecord) -> ChunkSummary | None:
    """The summary of a fan-out parent's chunks; None for any other job."""
    plan = plan_of(record)
    if plan is None:
        return None
    rows = records.chunks_for_summary(record.tenant, record.id)
    listing = "items" not in plan  # every chunk a listing queued so far is full
    size = int(plan["chunk_size"])
    ranges = None if listing else plan_ranges(plan)
    counts = dict.fromkeys(STATES, 0)
    failed, rerun, done = [], [], 0
    for row in rows:
        positions = range(row.chunk_index * size, (row.chunk_index + 1) * size) if ranges is None \
            else ranges[row.chunk_index]
        count = len(positions)
        where = {"chunk": row.chunk_index, "first": positions.start, "count": count}
        counts[row.state] = counts.get(row.state, 0) + 1
        if row.state == JobState.FAILED:
            failed.append({**where, "error": row.error})
        if row.attempts > 1:
            rerun.append({**where, "attempts": row.attempts})
        # As the parent's own progress adds them up: a finished chunk counts whole.
        done += count if row.state in JobState.FINISHED else (row.progress or {}).get("done", 0)
    unit = next((name for name, value in record.job.params.items() if isinstance(value, dict) and MARKER in value), "")
    progress = record.progress if record.finished and record.progress else Progress(
        done, None if listing else plan["items"], unit)
    listed = record.progress.done if listing and record.progress else None
    return ChunkSummary(None if listing else plan["chunks"], counts, progress, listed, failed, rerun)


def summary_lines(summary: ChunkSummary, *, shown: int = 10) -> list[str]:
    """The summary as the CLI prints it: at most ``shown`` failed and re-run chunks each."""
    total = sum(summary.counts.values())
    planned = f"{summary.planned}" if summary.planned is not None else f"{total} so far, still listing"
    states = ", ".join(f"{summary.counts[s]} {s}" for s in STATES)
    lines = [f"  chunks: {planned}: {states}"]
    if summary.listed is not None:
        lines.append(f"  listed so far: {summary.listed} {summary.progress.unit}".rstrip())
    if summary.failed:
        lines.append(f"  failed chunks ({len(summary.failed)}):")
        for chunk in summary.failed[:shown]:
            error = chunk["error"] or {}
            lines.append(f"    chunk {chunk['chunk']}: {_items(chunk)}: "
                         f"{error.get('error', 'failed')}: {error.get('message', '')}".rstrip(": "))
    if summary.rerun:
        lines.append(f"  re-run chunks ({len(summary.rerun)}; their items may have reached the service twice):")
        lines += [f"    chunk {chunk['chunk']}: {_items(chunk)}, {chunk['attempts']} attempts"
                  for chunk in summary.rerun[:shown]]
    if len(summary.failed) > shown or len(summary.rerun) > shown:
        lines.append(f"  (the first {shown} of each; `connectors jobs list --chunks-of ID` lists every chunk)")
    return lines


def _items(chunk: dict[str, Any]) -> str:
    first, count = chunk["first"], chunk["count"]
    if count < 2:
        return f"item {first}" if count else "no items"
    return f"items {first}-{first + count - 1} ({count})"
