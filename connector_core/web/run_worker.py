"""One operation run in a worker thread, its events handed to the event loop in order.

The worker calls ``Host.run`` with a progress callback and the run's cancel event, pages
a streamed result (``page_size`` items a page), and ends with one ``result`` or
``error`` event. Events pass through a small asyncio queue: a slow reader slows the
worker instead of piling pages up in memory. Setting :attr:`RunWorker.cancel` (the client
went away, the deadline passed) stops the run at its next request, item or event.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any

from ..connection import Connection
from ..errors import ConnectorError
from ..host import Host

log = logging.getLogger(__name__)

#: Progress events at most this often (a transfer reports every few hundred KiB).
PROGRESS_INTERVAL = 0.1
_END = object()


class RunCancelled(Exception):
    """The reader is gone or cancelled the run: stop quietly."""


class RunWorker:
    def __init__(self, host: Host, connection: Connection, operation: str, params: Mapping[str, Any], *,
                 timeout: float, page_size: int = 100,
                 on_error: Callable[[ConnectorError], dict[str, Any]],
                 on_result: Callable[[dict[str, Any]], dict[str, Any]] = lambda r: r) -> None:
        self.host = host
        self.connection = connection
        self.operation = operation
        self.params = dict(params)
        self.timeout = timeout
        self.page_size = page_size
        self.on_error = on_error
        self.on_result = on_result
        self.cancel = threading.Event()
        self.outcome: dict[str, Any] | None = None  # the final event, once sent
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=8)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._progress_lock = threading.Lock()
        self._progress_at = 0.0
        self._progress_done = -1

    async def events(self) -> AsyncGenerator[dict[str, Any], None]:  # closed with aclosing()
        """Start the worker and yield its events; past the deadline, a ``timeout`` error."""
        self._loop = asyncio.get_running_loop()
        threading.Thread(target=self._work, name=f"run {self.operation}", daemon=True).start()
        deadline = time.monotonic() + self.timeout + 5  # the host's own timeout should end it first
        try:
            while True:
                try:
                    event = await asyncio.wait_for(self._queue.get(), max(0.0, deadline - time.monotonic()))
                except asyncio.TimeoutError:
                    self.outcome = {"type": "error", "error": "timeout",
                                    "message": f"the run took longer than {self.timeout:g} s and was cancelled"}
                    yield self.outcome
                    return
                if event is _END:
                    return
                yield event
        finally:
            self.cancel.set()  # the reader stopped (done, disconnected or timed out): so does the run

    # -- the worker thread ----------------------------------------------------------------

    def _work(self) -> None:
        try:
            result = self.host.run(self.connection, self.operation, self.params, progress=self._progress,
                                   timeout=self.timeout, cancel=self.cancel)
            if isinstance(result, Mapping):
                self._finish({"type": "result", "result": self.on_result(dict(result))})
            else:
                self._finish({"type": "result", "result": {"count": self._pages(result)}})
        except RunCancelled:
            pass
        except ConnectorError as exc:
            self._finish_quietly({"type": "error", **self.on_error(exc)})
        except Exception:
            log.exception("run of %s failed unexpectedly", self.operation)
            self._finish_quietly({"type": "error", "error": "internal_error",
                                  "message": "the run failed unexpectedly; the host's log has the details"})
        finally:
            try:
                self._emit(_END)
            except RunCancelled:
                pass

    def _pages(self, items: Any) -> int:
        page: list[Any] = []
        count = 0
        for item in items:
            if self.cancel.is_set():
                raise RunCancelled
            page.append(item)
            count += 1
            if len(page) >= self.page_size:
                self._emit({"type": "page", "items": page})
                page = []
        if page:
            self._emit({"type": "page", "items": page})
        return count

    def _progress(self, done: int, total: int | None, unit: str) -> None:
        with self._progress_lock:  # transfer threads report concurrently: send increasing, spaced
            now = time.monotonic()
            final = total is not None and done >= total
            if done <= self._progress_done or (now - self._progress_at < PROGRESS_INTERVAL and not final):
                return
            self._progress_at, self._progress_done = now, done
        self._emit({"type": "progress", "done": done, "total": total, "unit": unit})

    def _finish(self, event: dict[str, Any]) -> None:
        self.outcome = event
        self._emit(event)

    def _finish_quietly(self, event: dict[str, Any]) -> None:
        try:
            self._finish(event)
        except RunCancelled:
            pass

    def _emit(self, event: Any) -> None:
        """Hand an event to the loop, waiting while the queue is full; RunCancelled once cancelled."""
        if self._loop is None or self._loop.is_closed():
            raise RunCancelled
        try:
            future = asyncio.run_coroutine_threadsafe(self._queue.put(event), self._loop)
        except RuntimeError:  # the loop is shutting down
            raise RunCancelled from None
        while True:
            try:
                future.result(timeout=0.25)
                return
            except concurrent.futures.TimeoutError:
                if self.cancel.is_set():
                    future.cancel()
                    raise RunCancelled from None
