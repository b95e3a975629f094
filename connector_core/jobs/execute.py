"""One delivery of a job, as every runner performs it: claim, load, run, record.

The worker loads the connection from the store and decrypts it itself (the job carries
no secret), runs the operation through :meth:`Host.run` with a cancel event and a
progress callback, and records the end under its lease. The process's heartbeat thread
(:mod:`.heartbeat`) extends the lease every ``check_interval``, stores the last progress,
and sets the cancel event when someone asked to cancel (or the lease was lost).
"""

from __future__ import annotations

import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ConnectorError
from ..store.envelope import Sealed, open_sealed
from ..store.values import join_secrets
from .fanout_listing import list_into_chunks, listing_plan
from .heartbeat import Heartbeats, RunningJob
from .model import JobRecord, JobState, error_record, json_result
from .records import Busy, Claimed, Done, JobStore
from .settings import JobSettings

if TYPE_CHECKING:
    from ..store import ConnectionStore

log = logging.getLogger(__name__)


def sealing_id(job_id: str) -> str:
    """The record id a job's secret params are sealed under (never a connection's id)."""
    return f"job/{job_id}"


@dataclass(frozen=True)
class Outcome:
    """What a delivery did, and what its runner must do next.

    ``kind``: ``"done"`` (finished now or before: nothing to do), ``"retry"`` (a retryable
    failure: deliver again after ``delay``), ``"busy"`` (another delivery holds it, or a
    retry is not due: look again after ``delay``), ``"lost"`` (the lease was taken over
    while running: the other delivery records the end).
    """

    kind: str
    delay: float = 0.0
    record: JobRecord | None = None


class JobExecutor:
    """Runs deliveries of jobs for one process. Thread-safe; one per process."""

    def __init__(self, store: ConnectionStore, records: JobStore, settings: JobSettings,
                 *, owner: str | None = None) -> None:
        self.store = store
        self.host = store.host
        self.records = records
        self.settings = settings
        self.owner = owner or f"{socket.gethostname()[:40]}:{os.getpid()}"
        self._rand = random.Random()
        self._heartbeats = Heartbeats(records, settings.lease_seconds, settings.check_interval)
        #: How this process queues a job it creates (a fan-out's chunks): ``enqueue(tenant, job_id,
        #: delay=0.0)``, set by the runner whose workers use this executor.
        self.enqueue: Callable[..., None] | None = None

    def close(self) -> None:
        """Stop the heartbeat thread, once no delivery of this process is running."""
        self._heartbeats.close()

    def deliver(self, tenant: str, job_id: str) -> Outcome:
        owner = f"{self.owner}:{uuid.uuid4().hex[:8]}"
        claim = self.records.claim(tenant, job_id, owner, self.settings.lease_seconds)
        if isinstance(claim, Done):
            # A chunk this delivery gave up on (its lease expired past its attempts, or after a
            # cancel), or a re-delivery of one whose worker died before merging its parent.
            if claim.record is not None and claim.record.finished and claim.record.job.parent_id:
                self._finish_parent(claim.record.job.tenant, claim.record.job.parent_id)
            return Outcome("done", record=claim.record)
        if isinstance(claim, Busy):
            return Outcome("busy", claim.wait, claim.record)
        outcome = self._run(claim)
        job = claim.record.job
        if outcome.kind == "done" and job.parent_id is not None:  # a chunk ended (succeeded, failed, cancelled)
            self._finish_parent(job.tenant, job.parent_id)
        return outcome

    def reap(self) -> list[tuple[str, str]]:
        """Re-queue jobs whose worker died; the (tenant, id)s the caller must enqueue again."""
        reaped = self.records.reap()
        for tenant, job_id in reaped:
            log.warning("job %s of tenant %s: its worker stopped sending heartbeats; re-queued", job_id, tenant)
        return reaped

    # -- internals ----------------------------------------------------------------------

    def _run(self, claim: Claimed) -> Outcome:
        job = claim.record.job
        beat = self._heartbeats.add(job.id, claim.token)
        try:
            connection = self.store.load_connection(job.tenant, job.connection_id, self.host)
            params = self._params(claim)
            spec = self.host.manifest(job.connector_id).operation(job.operation).fanout
            plan = None if job.parent_id else listing_plan(job.params, spec)
            if spec is not None and plan is not None:  # a fan-out's parent whose items come from a listing
                held = list_into_chunks(self, claim, beat, connection, params, spec, plan)
                self._heartbeats.remove(beat)
                if held:  # its last chunk may have ended before the listing did: nobody else would merge
                    self._finish_parent(job.tenant, job.id)
                return Outcome("done" if held else "lost", record=claim.record)
            # A chunk cut from input the host validated whole at submit is not validated again
            # (a listing's chunks carry items nobody has checked yet).
            checked = job.parent_id is not None and spec is not None and spec.listing is None
            result = self.host.run(connection, job.operation, params, progress=beat.report, cancel=beat.cancel,
                                   checked_input=checked, copy_result=False)  # written as JSON below
            if not isinstance(result, Mapping):  # a streaming operation: its items, collected
                result = {"items": list(result)}
            result = json_result(result)
        except Exception as exc:  # recorded with the job, masked; nothing escapes the delivery
            self._heartbeats.remove(beat)
            return self._failed(claim, exc, beat)
        self._heartbeats.remove(beat)
        if beat.lost:
            return Outcome("lost", record=claim.record)
        if not self.records.finish(job.id, claim.token, JobState.SUCCEEDED, result=result, progress=beat.last):
            return Outcome("lost", record=claim.record)
        return Outcome("done", record=claim.record)

    def _finish_parent(self, tenant: str, parent_id: str) -> None:
        """Merge a fan-out's parent here if its last chunk just ended, so that it finishes
        in the store though nobody reads it. Never fails the delivery: a merge that fails is
        left to the parent's next reader, who merges it the same way."""
        from .fanout import finish_if_last  # fanout imports the jobs service, which imports this module

        try:
            finish_if_last(self, tenant, parent_id)
        except Exception as exc:
            log.warning("fan-out job %s: merging its chunks failed, its next reader merges them: %s",
                        parent_id, self.host.mask(f"{type(exc).__name__}: {exc}"))

    def _params(self, claim: Claimed) -> dict[str, Any]:
        job = claim.record.job
        if claim.sealed is None:
            return dict(job.params)
        secrets = open_sealed(self.store.keyring, job.tenant, sealing_id(job.id), Sealed(*claim.sealed))
        return join_secrets(job.params, secrets)

    def _failed(self, claim: Claimed, exc: Exception, beat: RunningJob) -> Outcome:
        record, token = claim.record, claim.token
        if not isinstance(exc, ConnectorError):
            log.error("job %s failed unexpectedly: %s", record.id, self.host.mask(f"{type(exc).__name__}: {exc}"))
        if beat.lost:
            return Outcome("lost", record=record)
        error = error_record(exc, self.host.mask)
        if beat.cancelled_by_request:
            self.records.finish(record.id, token, JobState.CANCELLED, error=error, progress=beat.last)
            return Outcome("done", record=record)
        retryable = isinstance(exc, ConnectorError) and exc.retryable
        if retryable and record.attempts < record.max_attempts:
            delay = self.settings.backoff(record.retry_delay, record.attempts, self._rand.random())
            if self.records.retry_later(record.id, token, error, delay):
                log.info("job %s: retryable failure (attempt %d of %d), retrying in %.1fs",
                         record.id, record.attempts, record.max_attempts, delay)
                return Outcome("retry", delay, record)
            return Outcome("lost", record=record)
        self.records.finish(record.id, token, JobState.FAILED, error=error, progress=beat.last)
        return Outcome("done", record=record)
