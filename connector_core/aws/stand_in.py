"""A stand-in PutEvents endpoint on 127.0.0.1 for tests and benchmarks.

It speaks EventBridge's JSON protocol (``X-Amz-Target: AWSEvents.PutEvents``,
``application/x-amz-json-1.1``) well enough for botocore, answers each call after a
configurable latency (20 ms: a distant region), and records every entry it receives by
a key (its ``Detail`` text unless told otherwise) so that duplicates can be counted: the
receiving side of an at-least-once pipeline is where duplicates show.

Threaded (a thread per kept-alive connection), in this process (:class:`PutEventsStandIn`)
or in a child process (:func:`stand_in_process`) when its CPU should not share the GIL with
the client being measured; then ``GET /_stand_in/stats`` reports what it counted.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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
    """The endpoint, served from threads of this process; use as a context manager.

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
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> PutEventsStandIn:
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="putevents-stand-in", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        assert self._server is not None, "use the stand-in as a context manager"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many workers connect at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):  # a killed client is what tests do
            super().handle_error(request, client_address)


def _handler_for(stand_in: PutEventsStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as botocore's pool expects
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            target = self.headers.get("X-Amz-Target", "")
            if target != "AWSEvents.PutEvents":
                self._send(400, {"__type": "UnknownOperationException",
                                 "message": f"the stand-in answers PutEvents only, not {target or 'nothing'}"})
                return
            try:
                entries = json.loads(body)["Entries"]
            except (ValueError, KeyError, TypeError):
                self._send(400, {"__type": "SerializationException", "message": "the body is not PutEvents JSON"})
                return
            if stand_in.latency:
                time.sleep(stand_in.latency)
            refusal = stand_in.refuse(entries) if stand_in.refuse else None
            if refusal:
                self._send(refusal[0], {"__type": refusal[1], "message": refusal[2]})
                return
            self._send(200, stand_in.answer(entries))

        def do_GET(self) -> None:  # noqa: N802
            if self.path == STATS_PATH:
                self._send(200, stand_in.stats())
            else:
                self._send(404, {"__type": "NotFound", "message": self.path})

        def _send(self, status: int, payload: Mapping[str, Any]) -> None:
            data = json.dumps(payload, separators=(",", ":")).encode()
            head = (f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                    "Content-Type: application/x-amz-json-1.1\r\n"
                    f"x-amzn-RequestId: {uuid.uuid4()}\r\nContent-Length: {len(data)}\r\n\r\n").encode()
            self.wfile.write(head + data)  # one write: no Nagle/delayed-ACK stall between parts

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # a benchmark's 10,000 calls are not worth a log line each

    return Handler


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
