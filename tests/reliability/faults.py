"""A fault-injecting HTTP proxy on 127.0.0.1, in front of moto or the PutEvents stand-in.

The connectors talk to it as to AWS; it forwards each request upstream unless its rule
says otherwise, so faults happen on the wire, where botocore, s3transfer and our code
all see them as they would in production. Nothing of ours is mocked. A rule is called
twice per request: with ``stage="headers"`` before the body is read (so a reset can cut
an upload mid-body), then with ``stage="body"``. It returns ``None`` (forward) or a
:class:`Fault`:

- ``Fault.status(code, body)``: answer with that status and body instead of forwarding;
- ``Fault.reset()``: reset the TCP connection (RST) without answering; at the headers
  stage half the body is read first, so the client is cut off mid-upload;
- ``Fault.lose_response()``: forward, then reset instead of answering (the service did
  the work, the client never learns it: the case that makes duplicates).
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "content-length"}


@dataclass(frozen=True)
class Fault:
    kind: str  # "status", "reset", "lose_response"
    code: int = 0
    body: bytes = b""
    content_type: str = "application/xml"

    @staticmethod
    def status(code: int, body: bytes | str, content_type: str = "application/xml") -> Fault:
        return Fault("status", code, body.encode() if isinstance(body, str) else body, content_type)

    @staticmethod
    def reset() -> Fault:
        return Fault("reset")

    @staticmethod
    def lose_response() -> Fault:
        return Fault("lose_response")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Any
    body: bytes | None = None  # None at the headers stage

    def has(self, name: str) -> bool:
        return name in self.query


Rule = Callable[[Request, str], "Fault | None"]


def s3_error(code: str, status: int = 500) -> Fault:
    """S3's XML error body, as botocore parses it."""
    return Fault.status(status, f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code>"
                                f"<Message>injected {code}</Message><RequestId>fault</RequestId></Error>")


def json_error(code: str, status: int) -> Fault:
    """The JSON protocol's error body (EventBridge)."""
    return Fault.status(status, f'{{"__type":"{code}","message":"injected {code}"}}', "application/x-amz-json-1.1")


@dataclass
class FaultProxy:
    upstream: str
    rule: Rule
    injected: Counter = field(default_factory=Counter)

    def __enter__(self) -> FaultProxy:
        parts = urlsplit(self.upstream)
        assert parts.hostname == "127.0.0.1", "the proxy forwards to loopback only"
        self._upstream = (parts.hostname, parts.port)
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def count(self, kind: str) -> None:
        with self._lock:
            self.injected[kind] += 1

    def forward(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, list, bytes]:
        connection = http.client.HTTPConnection(*self._upstream, timeout=60)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
            connection.request(method, path, body=body if body or method in ("PUT", "POST") else None, headers=sent)
            response = connection.getresponse()
            data = response.read()
            return response.status, response.getheaders(), data
        finally:
            connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # resets are what this server is for


def _reset(connection: socket.socket) -> None:
    """Close with RST (SO_LINGER 0): the client sees 'connection reset by peer'."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            assert "chunked" not in (self.headers.get("Transfer-Encoding") or ""), "chunked bodies are not proxied"
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            request = Request(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True), self.headers)
            fault = proxy.rule(request, "headers")
            if fault is not None and fault.kind == "reset":
                self.rfile.read(length // 2)  # mid-body
                return self._cut("reset")
            request.body = self.rfile.read(length) if length else b""
            fault = fault or proxy.rule(request, "body")
            if fault is not None and fault.kind == "reset":
                return self._cut("reset")
            if fault is not None and fault.kind == "status":
                proxy.count(f"status {fault.code}")
                return self._reply(fault.code, [("Content-Type", fault.content_type)], fault.body)
            status, headers, data = proxy.forward(self.command, self.path, self.headers, request.body)
            if fault is not None and fault.kind == "lose_response":
                return self._cut("lose_response")
            self._reply(status, headers, data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle  # noqa: N815 - http.server's naming

        def _cut(self, kind: str) -> None:
            proxy.count(kind)
            self.close_connection = True
            _reset(self.connection)

        def _reply(self, status: int, headers: list, data: bytes) -> None:
            self.send_response_only(status)
            length = None
            for name, value in headers:
                if name.lower() == "content-length":
                    length = value
                elif name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", length if self.command == "HEAD" and length else str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler
