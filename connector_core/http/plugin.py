"""The HTTP toolkit as a plugin of the core: the ``http.credentials`` fragment and ``http.*`` settings.

HTTP is no vendor, so every host brings this plugin in (the host's own plugin names it
in ``connector_requires``); it reaches the core through the same hooks as any toolkit.
Importing it is cheap: no HTTP client is imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from connector_manifests import FOLDER as MANIFESTS

from ..extensions import Setting
from ..hookspecs import hookimpl

SETTINGS: Mapping[str, Setting] = {
    "http.connect_timeout": Setting(5, "Seconds to wait for a connection (and for a pooled one)."),
    "http.read_timeout": Setting(30, "Seconds to wait for a response (or to send a request body)."),
    "http.max_attempts": Setting(3, "Attempts per idempotent request (and per 429/503), retries included."),
    "http.backoff_base": Setting(0.5, "Seconds of the first retry's full-jitter backoff; doubles each attempt."),
    "http.backoff_max": Setting(20, "The longest backoff between two attempts, in seconds."),
    "http.max_retry_after": Setting(60, "A Retry-After longer than this many seconds is not waited for."),
    "http.max_redirects": Setting(5, "Redirects followed per request, each checked by the network policy."),
    "http.max_clients": Setting(64, "HTTP clients kept per host (least recently used are closed)."),
    "http.max_connections": Setting(20, "Pooled connections per client."),
    "http.user_agent": Setting(None, "The User-Agent header (default: connector-core/VERSION)."),
}


@hookimpl
def connector_manifests() -> Iterable[Any]:
    """The shared ``http.credentials`` fragment: base URL and auth type."""
    return [MANIFESTS / "http_credentials.yaml"]


@hookimpl
def connector_settings() -> Mapping[str, Setting]:
    return SETTINGS
