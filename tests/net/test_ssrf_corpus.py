"""The SSRF corpus, checked twice: by the policy, and end to end through real S3 and
EventBridge clients with a recorder of every connect a socket attempts.

End to end runs each URL as a connection's endpoint and as its proxy, first as a user
would (the URL check refuses it when the client is built), then with that check switched
off, to prove the second wall on its own: the connection class refuses to open a socket
to any address the policy refuses, whatever botocore and urllib3 made of the URL.
"""

from __future__ import annotations

import ipaddress

import pytest

from connector_core.aws import client
from connector_core.aws.errors import aws_errors
from connector_core.connection import Connection
from connector_core.errors import ConfigurationError, ConnectorError
from connector_core.net import NetworkPolicy, classify
from tests.aws.conftest import HostLike, static_values

from .corpus import CORPUS, DNS, LOOPBACK, NEVER, PRIVATE

STRICT = NetworkPolicy()
SETTINGS = {"net.allow_loopback": False, "net.allow_private": False, "aws.max_attempts": 1, "aws.connect_timeout": 1}
IDS = [repr(url)[1:-1][:60] for url, _ in CORPUS]


def test_the_corpus_is_large_and_distinct():
    urls = [url for url, _ in CORPUS]
    assert len(set(urls)) == len(urls) >= 100


@pytest.fixture
def dns(fake_dns):
    fake_dns.update(DNS)
    return fake_dns


@pytest.mark.parametrize(("url", "refused_unless"), CORPUS, ids=IDS)
def test_policy_refuses(url, refused_unless, dns, connects):
    with pytest.raises(ConfigurationError) as info:
        STRICT.check_url(url)
    assert info.value.hint, "every refusal says what to do"
    permissive = NetworkPolicy(allow_loopback=True, allow_private=True)
    if refused_unless == NEVER:
        with pytest.raises(ConfigurationError):
            permissive.check_url(url)
        with pytest.raises(ConfigurationError):
            permissive.check_url(url, what="proxy")
    else:
        assert refused_unless in info.value.hint
        allowed = NetworkPolicy(allow_loopback=refused_unless == LOOPBACK, allow_private=refused_unless == PRIVATE)
        scheme, host, port = allowed.check_url(url)
        assert (scheme, port) in {("http", 4566), ("http", 9000), ("https", 443)}
    assert connects == []


@pytest.fixture(scope="module")
def shared_host() -> HostLike:
    """One host for the module: its boto3 session (0.3 s to build) serves every client."""
    return HostLike(SETTINGS)


def _call(service: str, values: dict, host: HostLike) -> None:
    """One real API call through the toolkit's cached client, as a plugin makes it."""
    connection = Connection(f"aws.{service}", values)
    with aws_errors(connector=connection.connector_id):
        api = client(connection, host.context(), service)
        if service == "s3":
            api.list_objects_v2(Bucket="bucket")
        else:
            api.list_event_buses()


def _refused_connects(attempts: list) -> list:
    """Connect attempts to an address the strict policy refuses."""
    refused = []
    for address in attempts:
        ip = ipaddress.ip_address(address[0])
        if classify(ip) != "public":
            refused.append(address)
    return refused


@pytest.mark.parametrize("field", ["endpoint_url", "proxy_url"])
@pytest.mark.parametrize("service", ["s3", "events"])
@pytest.mark.parametrize(("url", "refused_unless"), CORPUS, ids=IDS)
def test_clients_never_connect_to_a_refused_address(
    url, refused_unless, service, field, dns, connects, monkeypatch, shared_host
):
    values = static_values(None, force_path_style=True, **{field: url})
    with pytest.raises(ConfigurationError):
        _call(service, values, HostLike(SETTINGS))
    assert connects == [], "refused when the client is built, before any socket"

    # The second wall alone: the URL check lets everything through.
    monkeypatch.setattr(NetworkPolicy, "check_url", lambda self, url, what="endpoint": None)
    with pytest.raises(ConnectorError):
        _call(service, values, shared_host)
    assert _refused_connects(connects) == []
