"""Fixtures for the EventBridge plugin's tests: moto's server on 127.0.0.1, a Host, connections.

Faults (partial failures, throttling) are injected with botocore's event system: a
``before-call.events.PutEvents`` handler that returns ``(http_response, parsed)``
replaces the service's answer, so the plugin's real retry path runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from connector_core import Host
from tests.conftest import emulator_values

SETTINGS = {"net.allow_loopback": True, "aws.max_attempts": 1}
ACCOUNT = "123456789012"  # moto's default account


@pytest.fixture
def endpoint(moto_endpoint) -> str:
    """The moto server, reset: every test starts with only the default bus."""
    return moto_endpoint


@pytest.fixture
def host() -> Host:
    """A fresh host with only the EventBridge plugin (and the toolkit's fragment)."""
    import connector_aws_eventbridge.hooks

    return Host(plugins=[connector_aws_eventbridge.hooks], settings=SETTINGS)


def values(endpoint: str, **extra: Any) -> dict[str, Any]:
    """Connection values as a user fills the form in."""
    return emulator_values(endpoint, **{"account_id": ACCOUNT, **extra})


@pytest.fixture
def conn(host, endpoint):
    """A connection to moto with the account ID set."""
    return host.connect("aws.eventbridge", values(endpoint), name="eb")


@pytest.fixture
def make_conn(host, endpoint) -> Callable[..., Any]:
    """A connection with some values changed (``account_id=None`` drops the field)."""
    def make(**changes: Any):
        given = {k: v for k, v in values(endpoint, **changes).items() if v is not None}
        return host.connect("aws.eventbridge", given)
    return make


@pytest.fixture
def events_client(host, conn):
    """The very clients the plugin uses (same cache), to register fault handlers on."""
    from connector_aws_eventbridge.common import events_client, put_events_client
    from connector_aws_eventbridge.events import DEFAULT_CONCURRENCY

    context = host._context("aws.eventbridge", None, None)
    return {"PutEvents": put_events_client(conn, context, DEFAULT_CONCURRENCY),
            None: events_client(conn, context)}


def event(i: int = 0, **extra: Any) -> dict[str, Any]:
    """A put_events entry."""
    return {"source": "com.example.orders", "detail_type": "OrderPlaced", "detail": {"n": i}, **extra}


class FakeHttp:
    """The little of botocore's HTTP response that a ``before-call`` short-circuit needs."""

    def __init__(self, status_code: int = 200) -> None:
        self.status_code = status_code
        self.headers: dict[str, str] = {}
        self.content = b""


class FakePutEvents:
    """A scripted PutEvents service: decides each entry's outcome from its detail's ``n``.

    ``script(n, attempt) -> None | error code`` (attempt counts sends of that entry from 1).
    Records every send, so tests can prove that no entry is lost or sent twice.
    """

    def __init__(self, script: Callable[[int, int], str | None], *, call_error: Callable[[int], str | None] | None = None,
                 delay: float = 0.0) -> None:
        import threading

        self.script = script
        self.call_error = call_error
        self.delay = delay
        self.sends: dict[int, int] = {}
        self.requests: list[list[dict[str, Any]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def __call__(self, params, **_: Any):
        import json
        import time

        # ``params`` is botocore's request dict: the JSON body holds the API parameters.
        body = params["body"]
        entries = json.loads(body.decode() if isinstance(body, bytes) else body)["Entries"]
        with self._lock:
            self.requests.append(entries)
            number = len(self.requests)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            code = self.call_error(number) if self.call_error else None
            if code:
                return FakeHttp(400), {"Error": {"Code": code, "Message": f"{code} (injected)"},
                                       "ResponseMetadata": {"HTTPStatusCode": 400}}
            results, failed = [], 0
            for entry in entries:
                n = json.loads(entry["Detail"])["n"]
                with self._lock:
                    self.sends[n] = self.sends.get(n, 0) + 1
                    attempt = self.sends[n]
                error = self.script(n, attempt)
                if error:
                    failed += 1
                    results.append({"ErrorCode": error, "ErrorMessage": f"{error} (injected)"})
                else:
                    results.append({"EventId": f"id-{n}"})
            return FakeHttp(200), {"FailedEntryCount": failed, "Entries": results,
                                   "ResponseMetadata": {"HTTPStatusCode": 200}}
        finally:
            with self._lock:
                self.in_flight -= 1


@pytest.fixture
def inject(events_client):
    """Install a fake PutEvents on the plugin's client for one test: ``inject(fake)``."""
    installed = []

    def install(handler, operation: str = "PutEvents"):
        client = events_client.get(operation) or events_client[None]
        name = f"before-call.eventbridge.{operation}"
        client.meta.events.register(name, handler, unique_id=f"test-{id(handler)}")
        installed.append((client, name, handler))
        return handler

    yield install
    for client, name, handler in installed:
        client.meta.events.unregister(name, handler, unique_id=f"test-{id(handler)}")

