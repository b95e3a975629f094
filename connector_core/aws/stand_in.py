"""A stand-in PutEvents endpoint on 127.0.0.1 for tests and benchmarks.

It speaks EventBridge's JSON protocol (``X-Amz-Target: AWSEvents.PutEvents``,
``application/x-amz-json-1.1``) well enough for botocore, answers each call after a
configurable latency (20 ms: a distant region), and records every entry it receives by
a key (its ``Detail`` text unless told otherwise) so that duplicates can be counted: the
receiving side of an at-least-once pipeline is where duplicates show.

Served from an event loop on a thread of this process (:class:`PutEventsStandIn`),
or in a child process (:func:`stand_in_process`) when its CPU should not share the GIL with
the client being measured; then ``GET /_stand_in/stats`` reports what it counted.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import orjson

#: A distant region's round trip.
DEFAULT_LATENCY = 0.020
#: ``reject(entry)`` returns ``(error_code, message)`` for an entry to refuse, else None.
Reject = Callable[[Mapping[str, Any]], "tuple[str, str] | None"]
#: ``refuse(entries)`` returns ``(http_status, error_code, message)`` to fail a whole call, else None.
Refuse = Callable[[list], "tuple[int, str, str] | None"]
STATS_PATH = "/_stand_in/stats"


def detail_key(entry: Mapping[str, Any]) -> str:
    """The default entry key: its Detail text (tests put a unique id in each detail)."""
    return str(entry.get("Detail"))


class PutEventsStandIn:
    """The endpoint, served from an event loop on a thread of this process; use as a context manager.

    ``received`` counts entries by key, ``requests`` counts calls. Entries that ``reject``
    refuses get its error code in the response, as EventBridge reports a failed entry; a
    call that ``refuse`` refuses fails whole (an AccessDeniedException, say) and its
    entries are not counted as received.
    """

    def __init__(self, latency: float = DEFAULT_LATENCY, *, key: Callable[[Mapping[str, Any]], str] = detail_key,
                 reject: Reject | None = None, refuse: Refuse | None = None) -> None:
        self.latency = latency
        self.key = key
        self.reject = reject
        self.refuse = refuse
        self.received: Counter[str] = Counter()
        self.requests = 0
        self._lock = threading.Lock()
        self._ids = uuid.uuid4().hex[:12]
        self._loop: asyncio.AbstractEventLoop
        self._server: asyncio.Server
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._connections: set[asyncio.Task] = set()

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> PutEventsStandIn:
        self._loop = asyncio.new_event_loop()
        started: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._run, args=(started,), name="putevents-stand-in", daemon=True)
        self._thread.start()
        self._port = started.result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    @property
    def url(self) -> str:
        assert self._port is not None, "use the stand-in as a context manager"
        return f"http://127.0.0.1:{self._port}"

    def _run(self, started: concurrent.futures.Future[int]) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=256))  # many workers connect at once
        except BaseException as exc:  # the caller's __enter__ raises it
            started.set_exception(exc)
            return
        started.set_result(self._server.sockets[0].getsockname()[1])
        loop.run_forever()
        loop.close()

    async def _stop(self) -> None:
        self._server.close()
        for task in self._connections:
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    # ------------------------------------------------------------------ what it saw
    def duplicates(self) -> dict[str, int]:
        """Entry keys received more than once, with how many times."""
        with self._lock:
            return {key: n for key, n in self.received.items() if n > 1}

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": self.requests, "entries": sum(self.received.values()),
                    "distinct": len(self.received), "cpu_seconds": time.process_time(),
                    "duplicates": {k: n for k, n in self.received.items() if n > 1}}

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self.requests = 0

    # ------------------------------------------------------------------ the protocol
    # HTTP/1.1 with keep-alive, as botocore's pool expects, on one event loop: a thread per
    # connection (http.server's way) spent ~0.5 ms of CPU per call, a quarter of a core at
    # Celery's rate, taken from the workers being measured on a 2-core machine.
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                    method, path, headers = _request_head(head)
                    body = await reader.readexactly(int(headers.get("content-length") or 0))
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
                    return  # the client went away (a killed worker: what tests do) or spoke no HTTP
                status, payload = await self._respond(method, path, headers, body)
                writer.write(_response(status, payload))  # one write: no Nagle/delayed-ACK stall between parts
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._connections.discard(task)
            writer.close()

    async def _respond(self, method: str, path: str, headers: Mapping[str, str], body: bytes
                       ) -> tuple[int, Mapping[str, Any]]:
        if method == "GET":
            return (200, self.stats()) if path == STATS_PATH else (404, {"__type": "NotFound", "message": path})
        target = headers.get("x-amz-target", "")
        if method != "POST" or target != "AWSEvents.PutEvents":
            return 400, {"__type": "UnknownOperationException",
                         "message": f"the stand-in answers PutEvents only, not {target or 'nothing'}"}
        try:
            entries = orjson.loads(body)["Entries"]
        except (ValueError, KeyError, TypeError):
            return 400, {"__type": "SerializationException", "message": "the body is not PutEvents JSON"}
        if self.latency:
            await asyncio.sleep(self.latency)
        refusal = self.refuse(entries) if self.refuse else None
        if refusal:
            return refusal[0], {"__type": refusal[1], "message": refusal[2]}
        return 200, self.answer(entries)

    def answer(self, entries: list[Mapping[str, Any]]) -> dict[str, Any]:
        """PutEvents' response for ``entries``, recording each one received."""
        keys = [self.key(e) for e in entries]
        with self._lock:
            self.requests += 1
            number = self.requests
            self.received.update(keys)
        results: list[dict[str, str]] = []
        failed = 0
        for i, entry in enumerate(entries):
            refusal = self.reject(entry) if self.reject else None
            if refusal:
                failed += 1
                results.append({"ErrorCode": refusal[0], "ErrorMessage": refusal[1]})
            else:
                results.append({"EventId": f"{self._ids}-{number}-{i}"})
        return {"FailedEntryCount": failed, "Entries": results}


def _request_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    """(method, path, headers by lower-case name) of a request's head; ValueError if malformed."""
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, path, _version = request_line.split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return method, path, headers


def _response(status: int, payload: Mapping[str, Any]) -> bytes:
    data = orjson.dumps(payload)  # orjson: the stand-in's CPU is taken from the clients measured beside it
    head = (f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
            "Content-Type: application/x-amz-json-1.1\r\n"
            f"x-amzn-RequestId: {_RUN}-{next(_requests)}\r\nContent-Length: {len(data)}\r\n\r\n").encode()
    return head + data


_RUN = uuid.uuid4().hex[:12]
_requests = itertools.count(1)  # next() on a count is atomic: stand-ins on several threads share it


@contextlib.contextmanager
def stand_in_process(latency: float = DEFAULT_LATENCY) -> Iterator[str]:
    """The stand-in in a child process (default keys, no rejections); yields its URL.

    :func:`fetch_stats` reads what it counted.
    """
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", __name__, "--latency", str(latency)],
                               stdout=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()  # type: ignore[union-attr]
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the stand-in process did not start (exit code {process.poll()})")
        yield url
    finally:
        process.terminate()
        process.wait(10)


def main(argv: list[str] | None = None) -> None:
    """``python -m connector_core.aws.stand_in [--latency SECONDS]``: serve until terminated."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=DEFAULT_LATENCY, help="seconds before each answer")
    args = parser.parse_args(argv)
    with PutEventsStandIn(args.latency) as stand_in:
        print(stand_in.url, flush=True)
        threading.Event().wait()


def fetch_stats(url: str) -> dict[str, Any]:
    """What a stand-in (in any process) has counted: requests, entries, distinct, duplicates,
    and ``cpu_seconds``, the CPU time its process has used so far.

    Only a stand-in's own URL (``http://127.0.0.1:PORT``) is read; anything else is refused.
    """
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1" or not parts.port or parts.path not in ("", "/"):
        raise ValueError(f"not a stand-in URL: {url!r} (expected http://127.0.0.1:PORT)")
    connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=10)
    try:
        connection.request("GET", STATS_PATH)
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


if __name__ == "__main__":
    main()
