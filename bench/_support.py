"""Helpers shared by the benchmarks."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def host_with(manifest: str, implementations: Mapping[str, Callable[..., Any]],
              settings: Mapping[str, Any] | None = None) -> Iterator[Any]:
    """A Host with one plugin: ``manifest`` (YAML text) and its operations' implementations."""
    from connector_core import Host, hookimpl

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.yaml"
        path.write_text(manifest)

        class BenchPlugin:
            @hookimpl
            def connector_manifests(self):
                return [path]

            @hookimpl
            def connector_implementations(self):
                return dict(implementations)

        yield Host(plugins=[BenchPlugin()], settings=dict(settings or {}))


class StandInHandler(BaseHTTPRequestHandler):
    """A stand-in S3 endpoint's handler: silent, answering XML with the Date header botocore reads."""

    def log_message(self, *args: Any) -> None:
        pass

    def send_xml(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Date", format_datetime(datetime.now(timezone.utc), usegmt=True))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve_on_loopback(handler: type[BaseHTTPRequestHandler], port_out: Any) -> None:
    """Serve ``handler`` on a free port of 127.0.0.1 (put on ``port_out``) until the process ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port_out.put(server.server_address[1])
    server.serve_forever()
