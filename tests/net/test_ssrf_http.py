"""The SSRF corpus through the HTTP toolkit: each URL as a connection's base URL, with and
without the URL check, while a recorder sees every connect a socket attempts."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

httpx2 = pytest.importorskip("httpx2", reason="the HTTP toolkit needs the `http` extra: pip install -e '.[http]'")

from connector_core.connection import Connection, RunContext, SharedObjects  # noqa: E402
from connector_core.errors import ConfigurationError, ConnectorError  # noqa: E402
from connector_core.net import NetworkPolicy  # noqa: E402
from connector_core.secrets import SecretMasker  # noqa: E402

from .corpus import CORPUS, DNS  # noqa: E402
from .test_ssrf_corpus import IDS, _refused_connects  # noqa: E402

SETTINGS = {"net.allow_loopback": False, "net.allow_private": False, "http.max_retries": 0,
            "http.connect_timeout": 1}


def _unchecked(self, url, what="endpoint"):
    """check_url switched off: urllib's reading of the URL, no refusal."""
    try:
        parts = urlsplit(url)
        return parts.scheme, parts.hostname or "", parts.port or 80
    except ValueError:
        return "http", "", 80


def _get(base_url: str) -> None:
    from connector_core.http import client

    context = RunContext("test.rest", "call", SETTINGS, SharedObjects(), SecretMasker())
    client(Connection("test.rest", {"base_url": base_url, "auth_type": "none"}), context).request("GET", "/status")


@pytest.mark.parametrize(("url", "refused_unless"), CORPUS, ids=IDS)
def test_http_client_never_connects_to_a_refused_address(url, refused_unless, fake_dns, connects, monkeypatch):
    fake_dns.update(DNS)
    with pytest.raises(ConfigurationError):
        _get(url)
    assert connects == [], "refused when the client is built, before any socket"

    monkeypatch.setattr(NetworkPolicy, "check_url", _unchecked)
    with pytest.raises((ConnectorError, ValueError, httpx2.InvalidURL)):  # httpx2 refuses some URLs itself
        _get(url)
    assert _refused_connects(connects) == []
