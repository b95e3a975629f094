"""The local runner: a bounded thread pool in the host's process. The default; needs nothing else.

Jobs it was given live in memory until they run, but their state lives in the store: a
process that restarts finds its queued jobs there (:meth:`LocalRunner.start` enqueues
them again) and re-queues jobs whose lease expired. Delayed deliveries (retries, a look
again at a busy job) wait in one timer thread, not a thread each.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

from .settings import JobSettings

if TYPE_CHECKING:
    from .execute import JobExecutor

log = logging.getLogger(__name__)


class LocalRunner:
    """Runs jobs on ``workers`` threads of this process (``JobSettings.workers`` by default).

    ``recover``: on start, also run the jobs the store holds as queued and re-queue
    expired leases (a host's restart); a short-lived process (a CLI call) leaves them
    to the host.
    """

    name = "local"

    def __init__(self, workers: int | None = None, *, recover: bool = True) -> None:
        self.workers = workers
        self.recover = recover
        self._executor: JobExecutor | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._delayed: list[tuple[float, int, str, str]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, executor: JobExecutor) -> None:
        """Bind to the process's executor; pick up queued jobs and expired leases left in the store."""
        if self._executor is not None:
            return
        settings: JobSettings = executor.settings
        self._executor = executor
        self._pool = ThreadPoolExecutor(self.workers or settings.workers, thread_name_prefix="job")
        loops = [(self._timer_loop, "job-timer")] + ([(self._reaper_loop, "job-reaper")] if self.recover else [])
        for target, name in loops:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        after: tuple[datetime, str] | None = None
        while self.recover and (page := executor.records.queued(after=after)):
            for tenant, job_id, not_before, after in page:
                delay = (not_before.timestamp() - time.time()) if not_before else 0.0
                self.enqueue(tenant, job_id, delay=max(0.0, delay))

    def enqueue(self, tenant: str, job_id: str, *, delay: float = 0.0) -> None:
        if self._executor is None or self._pool is None:
            raise RuntimeError("LocalRunner.enqueue before start(): use it through Jobs")
        if self._closed.is_set():
            return
        if delay > 0:
            with self._wake:
                heapq.heappush(self._delayed, (time.monotonic() + delay, next(self._order), tenant, job_id))
                self._wake.notify()
            return
        self._submit(tenant, job_id)

    def close(self, wait: bool = True) -> None:
        """Stop taking jobs; ``wait``: let running deliveries finish (queued ones stay queued in the store)."""
        self._closed.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join()
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)

    # -- internals ----------------------------------------------------------------------

    def _submit(self, tenant: str, job_id: str) -> None:
        try:
            if self._pool is not None and not self._closed.is_set():
                self._pool.submit(self._deliver, tenant, job_id)
        except RuntimeError:  # shut down meanwhile: the job stays queued in the store
            pass

    def _deliver(self, tenant: str, job_id: str) -> None:
        assert self._executor is not None
        try:
            outcome = self._executor.deliver(tenant, job_id)
        except Exception:  # the store is down, say: the job stays queued (or its lease expires): try again later
            log.exception("job %s: delivery failed; trying again in %.0fs", job_id, self._executor.settings.lease_seconds)
            self.enqueue(tenant, job_id, delay=self._executor.settings.lease_seconds)
            return
        if outcome.kind in ("retry", "busy"):
            self.enqueue(tenant, job_id, delay=outcome.delay)

    def _timer_loop(self) -> None:
        with self._wake:
            while not self._closed.is_set():
                if not self._delayed:
                    self._wake.wait()
                    continue
                due, _, tenant, job_id = self._delayed[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                heapq.heappop(self._delayed)
                self._submit(tenant, job_id)

    def _reaper_loop(self) -> None:
        assert self._executor is not None
        interval = max(0.5, self._executor.settings.lease_seconds / 2)
        while not self._closed.wait(interval):
            try:
                for tenant, job_id in self._executor.reap():
                    self.enqueue(tenant, job_id)
            except Exception:
                log.exception("job reaper pass failed")
