"""Suite-wide safety: no test reaches a real AWS endpoint or any address outside loopback."""

from __future__ import annotations

import ipaddress
import logging
import socket
import urllib.request

import pytest

# pytester drives the plugin kit's own tests (tests/kit); it must be enabled at the root.
pytest_plugins = ["pytester"]


def _is_loopback(address) -> bool:
    if isinstance(address, tuple):
        host = address[0]
    else:  # AF_UNIX paths
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@pytest.fixture(autouse=True, scope="session")
def _loopback_only():
    """Refuse every outbound connection that is not to loopback, for the whole session."""
    original = socket.socket.connect

    def guarded_connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {address!r}")
        return original(self, address)

    socket.socket.connect = guarded_connect
    try:
        yield
    finally:
        socket.socket.connect = original


@pytest.fixture(autouse=True)
def _isolated_aws_environment(monkeypatch, tmp_path_factory):
    """Throwaway credentials and no shared config: nothing can pick up a real identity."""
    empty = tmp_path_factory.getbasetemp() / "aws-empty-config"
    empty.touch()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="session")
def moto_server():
    """moto's threaded server on 127.0.0.1, shared by the whole session; yields its URL."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{server._server.server_port}"
    server.stop()


@pytest.fixture
def moto_endpoint(moto_server) -> str:
    """The moto server, reset: every test starts with an empty account."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=5).read()
    return moto_server


def emulator_values(endpoint: str, **extra) -> dict:
    """Connection values with static throwaway keys, pointed at the emulator, as a user fills them in."""
    return {
        "auth_mode": "static",
        "access_key_id": "AKIAIOSFODNN7EXAMPLE",
        "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "region": "us-east-1",
        "endpoint_url": endpoint,
        **extra,
    }


def seed_s3_objects(bucket: str, keys: list[str], body: bytes = b"x") -> None:
    """Write many small objects straight into the moto server's in-process S3 (a PutObject over
    HTTP costs ~10 ms of this process's CPU: thousands would dominate a test). Read them back
    through the server like any others."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for key in keys:
        backend.put_object(bucket, key, body)
