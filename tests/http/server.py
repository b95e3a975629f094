"""A scriptable HTTP server on 127.0.0.1 for the HTTP toolkit's tests (and its OAuth token endpoint).

Each test registers routes: ``server.route("GET", "/items", handler)`` where the handler
gets the parsed :class:`Seen` request and returns ``(status, headers, body)``. Every
request is recorded in ``server.requests``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def json(self) -> Any:
        return json.loads(self.body)


Response = tuple[int, dict[str, str], Any]


@dataclass
class LocalServer:
    httpd: ThreadingHTTPServer
    routes: dict[tuple[str, str], Callable[[Seen], Response]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def route(self, method: str, path: str, handler: Callable[[Seen], Response] | Response) -> None:
        self.routes[(method, path)] = handler if callable(handler) else (lambda seen: handler)

    def seen(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]


def _handler(server: LocalServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real APIs

        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(self.command, parts.path, parse_qs(parts.query),
                        {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            server.requests.append(seen)
            route = server.routes.get((self.command, parts.path))
            status, headers, body = route(seen) if route else (404, {}, {"message": "no such route"})
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                headers = {"Content-Type": "application/json", **headers}
            elif isinstance(body, str):
                body = body.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    return Handler


def start() -> LocalServer:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
    server = LocalServer(httpd)
    httpd.RequestHandlerClass = _handler(server)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return server


def token_endpoint(server: LocalServer, *, client_id: str, client_secret: str, expires_in: int = 3600,
                   rotate_refresh: bool = False) -> list[str]:
    """Serve ``POST /oauth/token`` (client credentials, authorization code, refresh); returns the tokens issued."""
    import base64

    issued: list[str] = []

    def handle(seen: Seen) -> Response:
        form = seen.form()
        auth = seen.headers.get("authorization", "")
        given = base64.b64decode(auth.split()[1]).decode() if auth.startswith("Basic ") else \
            f"{form.get('client_id')}:{form.get('client_secret')}"
        if given != f"{client_id}:{client_secret}":
            return 401, {}, {"error": "invalid_client", "error_description": "client authentication failed"}
        grant = form.get("grant_type")
        if grant == "refresh_token" and not form.get("refresh_token", "").startswith("refresh-"):
            return 400, {}, {"error": "invalid_grant", "error_description": "refresh token revoked"}
        if grant == "authorization_code" and form.get("code") != "good-code":
            return 400, {}, {"error": "invalid_grant", "error_description": "bad code"}
        token = f"access-{len(issued) + 1}-{time.monotonic_ns()}"
        issued.append(token)
        body = {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}
        if grant != "client_credentials":
            body["refresh_token"] = f"refresh-{len(issued)}" if rotate_refresh or grant == "authorization_code" \
                else form.get("refresh_token")
        return 200, {}, body

    server.route("POST", "/oauth/token", handle)
    return issued
