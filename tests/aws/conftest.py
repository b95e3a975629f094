"""Fixtures for the AWS toolkit's tests: a moto server on 127.0.0.1, connections, contexts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from connector_core.connection import Connection, RunContext, SharedObjects
from connector_core.secrets import Secret, SecretMasker

LOOPBACK_SETTINGS = {"net.allow_loopback": True}


@pytest.fixture
def moto_reset(moto_endpoint):
    """A clean moto state for one test."""
    return moto_endpoint


class HostLike:
    """What the Host hands the toolkit: one masker, one set of shared objects, settings."""

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        self.settings = dict(LOOPBACK_SETTINGS if settings is None else settings)
        self.shared = SharedObjects()
        self.masker = SecretMasker()

    def context(self, connector_id: str = "aws.test", operation: str | None = None) -> RunContext:
        return RunContext(connector_id, operation, self.settings, self.shared, self.masker)


@pytest.fixture
def host() -> HostLike:
    return HostLike()


@pytest.fixture
def make_host() -> Callable[..., HostLike]:
    return HostLike


def static_values(endpoint: str | None, **extra: Any) -> dict[str, Any]:
    """Values of a static-keys connection as the host produces them (defaults filled)."""
    values = {
        "auth_mode": "static",
        "access_key_id": "AKIAIOSFODNN7EXAMPLE",
        "secret_access_key": Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        "role_session_name": "connector-core",
        "session_duration": 3600,
        "region": "us-east-1",
    }
    if endpoint:
        values["endpoint_url"] = endpoint
    values.update(extra)
    return values


@pytest.fixture
def static_connection(moto_reset) -> Connection:
    return Connection("aws.test", static_values(moto_reset))


@pytest.fixture
def installed_masker(host):
    """The host's masker installed process-wide, as the Host does."""
    host.masker.install()
    yield host.masker
    host.masker.uninstall()


@pytest.fixture
def debug_logs():
    """Every log record at DEBUG, formatted, after the masker ran (botocore included)."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Collect(level=logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield records
    root.removeHandler(handler)
    root.setLevel(old_level)
