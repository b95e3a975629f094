"""Fixtures for the S3 plugin's tests: moto's server on 127.0.0.1, a Host, a connection.

Faults (AccessDenied, a bad key, a failing part of a multipart upload) are injected
with botocore ``before-call`` handlers: a handler that returns ``(http, parsed)``
replaces the request's response, so the plugin sees exactly what S3 would send.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from connector_core import Host
from tests.conftest import emulator_values

LOOPBACK = {"net.allow_loopback": True, "aws.max_attempts": 1}
_names = itertools.count()


@pytest.fixture
def endpoint(moto_endpoint) -> str:
    """The moto server, reset: every test starts with no buckets."""
    return moto_endpoint


@pytest.fixture
def host() -> Host:
    """A fresh host with only the S3 plugin (and the toolkit's fragment)."""
    import connector_aws_s3.hooks

    return Host(plugins=[connector_aws_s3.hooks], settings=LOOPBACK)


def values(endpoint: str, **extra: Any) -> dict[str, Any]:
    """Connection values as a user would fill the form in."""
    return emulator_values(endpoint, **{"force_path_style": True, **extra})


@pytest.fixture
def connect(host, endpoint) -> Callable[..., Any]:
    """``connect(bucket=..., region=...)``: a connection to moto with these values changed."""
    return lambda **extra: host.connect("aws.s3", values(endpoint, **extra), name="test")


@pytest.fixture
def bucket(host, endpoint) -> str:
    """A fresh bucket in us-east-1, created through the plugin."""
    name = f"test-bucket-{next(_names)}"
    conn = host.connect("aws.s3", values(endpoint))
    host.run(conn, "create_bucket", {"bucket": name})
    return name


@pytest.fixture
def raw(endpoint):
    """A plain boto3 client on the same moto server, to set up and inspect state."""
    import boto3

    return boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint,
                        aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x")


@pytest.fixture
def conn(host, endpoint, bucket):
    """A connection linked to the fresh bucket."""
    return host.connect("aws.s3", values(endpoint, bucket=bucket), name="test")


class _Http:
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.headers = headers or {}
        self.content = b""
        self.raw = None


class _Faults:
    """Per-test rules consulted by one botocore handler on every S3 call."""

    def __init__(self) -> None:
        self.rules: list[tuple[str, Callable[[dict], Any]]] = []

    def __call__(self, params: dict, model: Any = None, **_: Any) -> Any:
        for operation, rule in self.rules:
            if model is not None and model.name == operation:
                response = rule(params)
                if response is not None:
                    return response
        return None


@pytest.fixture(autouse=True)
def _faults(monkeypatch) -> _Faults:
    """Every S3 client built during a test consults this test's fault rules."""
    import botocore.handlers

    faults = _Faults()
    handlers = [*botocore.handlers.BUILTIN_HANDLERS, ("before-call.s3", faults)]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", handlers)
    return faults


@pytest.fixture
def inject(_faults) -> Callable[..., list]:
    """``inject("HeadBucket", "403")`` makes that S3 call fail as S3 would answer.

    ``when(params)`` narrows it to some calls; ``parsed=`` answers with a success of
    our choosing instead. Returns the list of the calls it answered.
    """

    def install(operation: str, code: str = "", status: int = 403, *, message: str = "injected",
                headers: dict[str, str] | None = None, when: Callable[[dict], bool] | None = None,
                parsed: dict | None = None) -> list:
        answered: list[dict] = []

        def rule(params: dict) -> Any:
            if when is not None and not when(params):
                return None
            answered.append(params)
            if parsed is not None:  # a successful response of our choosing
                return _Http(200, headers), {**parsed, "ResponseMetadata": {"HTTPStatusCode": 200}}
            error = {"Error": {"Code": code, "Message": message},
                     "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": dict(headers or {})}}
            return _Http(status, headers), error

        _faults.rules.append((operation, rule))
        return answered

    return install


@pytest.fixture
def count_calls(_faults) -> Callable[[str], list]:
    """``calls = count_calls("ListObjectsV2")``: one entry per request made, as it is made."""

    def install(operation: str) -> list:
        calls: list[dict] = []
        _faults.rules.append((operation, lambda params: calls.append(params)))
        return calls

    return install
