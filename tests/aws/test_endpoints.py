"""The endpoint policy refuses metadata, link-local, private and loopback hosts before any socket opens."""

from __future__ import annotations

import socket

import pytest

from connector_core.aws.endpoints import check_endpoint, parse_ipv4_literal
from connector_core.errors import ConfigurationError

METADATA_FORMS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.169.254./",
    "http://2852039166/",
    "http://0xa9fea9fe/",
    "http://0xA9FEA9FE/",
    "http://0251.0376.0251.0376/",
    "http://0xa9.0xfe.0xa9.0xfe/",
    "http://169.254.43518/",
    "http://169.16689662/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[fd00:ec2::254]/",
    "http://[2002:a9fe:a9fe::1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[fe80::1]/",
    "http://169.254.170.2/v2/credentials",  # the ECS task-role endpoint
    "https://169.254.169.254:443/",
]
ALL_ALLOWED = {"net.allow_loopback": True, "net.allow_private": True}


@pytest.fixture
def socket_guard(monkeypatch):
    """Records every connect(): the policy must refuse before any socket is opened."""
    opened = []
    real_connect = socket.socket.connect

    def connect(self, address):
        opened.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", lambda self, address: opened.append(address) or 111)
    return opened


@pytest.fixture
def fake_dns(monkeypatch):
    """Names resolve from this table only (no real DNS in tests)."""
    table: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host.rstrip(".") in table:  # a trailing dot only makes the name absolute
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port or 0))
                for a in table[host.rstrip(".")]
            ]
        if host in ("localhost",):
            return real(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.mark.parametrize("url", METADATA_FORMS)
def test_metadata_and_link_local_forms_are_always_refused(url, socket_guard):
    with pytest.raises(ConfigurationError, match="never allowed") as info:
        check_endpoint(url, ALL_ALLOWED)
    assert "public endpoint" in info.value.hint
    assert socket_guard == []


def test_hostname_resolving_to_metadata_is_refused(fake_dns, socket_guard):
    fake_dns["metadata.attacker.example"] = ["169.254.169.254"]
    with pytest.raises(ConfigurationError, match="169.254.169.254"):
        check_endpoint("http://metadata.attacker.example./x", ALL_ALLOWED)
    assert socket_guard == []


def test_every_resolved_address_is_checked(fake_dns, socket_guard):
    fake_dns["mixed.example"] = ["52.95.110.1", "fd00:ec2::254"]
    with pytest.raises(ConfigurationError, match="never allowed"):
        check_endpoint("https://mixed.example", ALL_ALLOWED)
    assert socket_guard == []


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:4566", "http://localhost:9000", "http://[::1]:4566", "http://0.0.0.0:4566",
     "http://[::ffff:127.0.0.1]/"],
)
def test_loopback_refused_unless_allowed(url, socket_guard):
    with pytest.raises(ConfigurationError, match="net.allow_loopback"):
        check_endpoint(url, {})
    check_endpoint(url, {"net.allow_loopback": True})
    assert socket_guard == []


@pytest.mark.parametrize(
    "url", ["http://10.0.0.5:9000", "http://192.168.1.10/", "http://172.16.0.1/", "http://100.64.0.1/",
            "http://[fd12:3456::1]/"],
)
def test_private_refused_unless_allowed(url, socket_guard):
    with pytest.raises(ConfigurationError, match="net.allow_private"):
        check_endpoint(url, {"net.allow_loopback": True})
    check_endpoint(url, {"net.allow_private": True})
    assert socket_guard == []


@pytest.mark.parametrize(("url", "address"), [
    ("http://2130706433/", "127.0.0.1"), ("http://127.1/", "127.0.0.1"), ("http://012.0.0.1/", "10.0.0.1"),
    ("http://0x7f.1:4566/", "127.0.0.1"),
])
def test_ipv4_in_another_spelling_is_refused_even_when_allowed(url, address, socket_guard):
    """Parsers disagree about octal and short forms (012 is 10 to C, 12 to others)."""
    with pytest.raises(ConfigurationError, match=f"writes the address {address} as") as info:
        check_endpoint(url, {"net.allow_loopback": True, "net.allow_private": True})
    assert info.value.hint == f"write it as {address}"
    assert socket_guard == []


def test_private_hostname_refused(fake_dns):
    fake_dns["minio.internal"] = ["10.1.2.3"]
    with pytest.raises(ConfigurationError, match="10.1.2.3"):
        check_endpoint("http://minio.internal:9000", {})


def test_public_endpoint_allowed(fake_dns):
    fake_dns["s3.example.com"] = ["52.95.110.1"]
    check_endpoint("https://s3.example.com", {})
    check_endpoint("https://52.95.110.1", {})


@pytest.mark.parametrize("url", ["ftp://example.com", "file:///etc/passwd", "http://", "not-a-url", "http://[::1", "http://h:99999/"])
def test_malformed_urls_are_refused_with_a_fix(url):
    with pytest.raises(ConfigurationError) as info:
        check_endpoint(url, ALL_ALLOWED)
    assert "https://host" in info.value.hint


def test_unresolvable_host_says_so(fake_dns):
    with pytest.raises(ConfigurationError, match="does not resolve"):
        check_endpoint("https://nowhere.invalid", ALL_ALLOWED)


@pytest.mark.parametrize(
    ("literal", "address"),
    [("2852039166", "169.254.169.254"), ("0xa9fea9fe", "169.254.169.254"), ("169.254.43518", "169.254.169.254"),
     ("0251.0376.0251.0376", "169.254.169.254"), ("10.1", "10.0.0.1"), ("1.2.3.4", "1.2.3.4")],
)
def test_ipv4_literals_decode_like_inet_aton(literal, address):
    assert str(parse_ipv4_literal(literal)) == address
    assert socket.inet_ntoa(socket.inet_aton(literal)) == address


@pytest.mark.parametrize("name", ["example.com", "1.2.3.4.5", "256.1.1.1", "09.1.1.1", "1.2.3.256", "1.2.3.4a"])
def test_non_literals_are_not_decoded(name):
    assert parse_ipv4_literal(name) is None
