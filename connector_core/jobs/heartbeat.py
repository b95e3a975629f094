"""Heartbeats of the jobs running in one process: one thread, one UPDATE per round.

Every ``check_interval`` the thread extends the leases of all running deliveries at once
(``WHERE lease_token IN (...)``: tokens are unique per claim), stores the progress that
changed, and reads back each job's cancellation flag. A delivery whose token is gone lost
its lease (another delivery took the job over): it is told to stop. A job shorter than
one interval costs no heartbeat at all; a thousand running jobs cost one statement.
"""

from __future__ import annotations

import logging
import threading

from ..errors import ConnectorError
from .model import Progress
from .records import JobStore

log = logging.getLogger(__name__)


class RunningJob:
    """One delivery's link to the heartbeat: its cancel event, last progress, and fate."""

    def __init__(self, job_id: str, token: str) -> None:
        self.job_id = job_id
        self.token = token
        self.cancel = threading.Event()
        self.cancelled_by_request = False
        self.lost = False
        self.last: Progress | None = None
        self.stored: Progress | None = None

    def report(self, done: int, total: int | None, unit: str) -> None:
        """The operation's progress callback: kept in memory, stored by the next heartbeat."""
        self.last = Progress(int(done), None if total is None else int(total), str(unit or ""))


class Heartbeats:
    """The process's heartbeat thread, started on the first job."""

    def __init__(self, records: JobStore, lease_seconds: float, interval: float) -> None:
        self.records = records
        self.lease_seconds = lease_seconds
        self.interval = interval
        self._running: dict[str, RunningJob] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._stop = threading.Event()

    def add(self, job_id: str, token: str) -> RunningJob:
        import os

        running = RunningJob(job_id, token)
        with self._lock:
            self._running[token] = running
            if self._thread is None or self._pid != os.getpid():  # a forked pool process has no thread
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._loop, name="job-heartbeats", daemon=True)
                self._thread.start()
        return running

    def remove(self, running: RunningJob) -> None:
        with self._lock:
            self._running.pop(running.token, None)

    def close(self) -> None:
        """Stop the thread (a host app shutting down its Jobs); a worker process never needs to."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                running = list(self._running.values())
            if running:
                self._beat(running)

    def _beat(self, running: list[RunningJob]) -> None:
        progress = {r.token: r.last for r in running if r.last is not None and r.last != r.stored}
        try:
            flags = self.records.heartbeat_many([r.token for r in running], self.lease_seconds, progress)
        except ConnectorError as exc:  # the store is down: the jobs go on; try again next round
            log.warning("job heartbeats failed: %s", exc.message)
            return
        except Exception:
            log.exception("job heartbeats failed")
            return
        for r in running:
            if r.token not in flags:
                with self._lock:
                    if r.token not in self._running:
                        continue  # it finished meanwhile: its end cleared the token
                r.lost = True
                r.cancel.set()
                continue
            r.stored = progress.get(r.token, r.stored)
            if flags[r.token] and not r.cancel.is_set():
                r.cancelled_by_request = True
                r.cancel.set()
