"""The AWS toolkit's clients open sockets only through the policy: DNS rebinding, proxies."""

from __future__ import annotations

import http.server
import threading

import pytest

from connector_core.aws import client
from connector_core.aws.errors import aws_errors
from connector_core.connection import Connection
from connector_core.errors import ConfigurationError, UnavailableError
from tests.aws.conftest import HostLike, static_values

from .corpus import PUBLIC

# Three attempts: a refusal must not be retried like a network error.
SETTINGS = {"aws.max_attempts": 3, "aws.connect_timeout": 1}


def _rebinding(fake_dns, name: str, later: str) -> list[str]:
    """``name`` resolves to a public address once (the URL check), then to ``later``."""
    lookups: list[str] = []

    def answer():
        lookups.append(name)
        return [PUBLIC] if len(lookups) == 1 else [later]

    fake_dns[name] = answer
    return lookups


@pytest.mark.parametrize(("service", "call"), [
    ("s3", lambda api: api.list_objects_v2(Bucket="bucket")),
    ("events", lambda api: api.list_event_buses()),
])
@pytest.mark.parametrize(("later", "shown"), [
    ("169.254.169.254", "169.254.169.254, a link-local"), ("fd00:ec2::254", "fd00:ec2::254, a link-local"),
    ("::ffff:169.254.169.254", "::ffff:a9fe:a9fe (carrying 169.254.169.254)"), ("127.0.0.1", "127.0.0.1, a loopback"),
])
def test_dns_rebinding_is_refused_when_the_socket_opens(service, call, later, shown, fake_dns, connects):
    lookups = _rebinding(fake_dns, "rebind.example", later)
    connection = Connection(f"aws.{service}", static_values("http://rebind.example:8080", force_path_style=True))
    api = client(connection, HostLike(SETTINGS).context(), service)  # the URL check passes: public
    with pytest.raises(ConfigurationError) as info:
        with aws_errors(connector=connection.connector_id):
            call(api)
    assert shown in info.value.message
    assert connects == []
    assert len(lookups) == 2, "checked once when built, once when connecting; not retried"
    assert info.value.message.startswith("refused to connect: rebind.example resolved to")


def test_a_proxy_name_that_rebinds_is_refused(fake_dns, connects):
    fake_dns["public.example"] = [PUBLIC]
    _rebinding(fake_dns, "proxy.example", "169.254.169.254")
    values = static_values("http://public.example", proxy_url="http://proxy.example:3128")
    api = client(Connection("aws.events", values), HostLike(SETTINGS).context(), "events")
    with pytest.raises(ConfigurationError, match="169.254.169.254"):
        with aws_errors(connector="aws.events"):
            api.list_event_buses()
    assert connects == []


@pytest.fixture
def proxy():
    """A forward proxy on 127.0.0.1 that answers every request itself; yields (url, request lines)."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append(f"{self.command} {self.path}")
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b'{"EventBuses": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_an_allowed_proxy_is_the_only_address_connected_to(proxy, fake_dns, connects):
    """The socket goes to the proxy (checked and allowed); the endpoint's name is the proxy's to resolve."""
    proxy_url, seen = proxy
    fake_dns["events.public.example"] = [PUBLIC]
    values = static_values("http://events.public.example", proxy_url=proxy_url)
    host = HostLike({**SETTINGS, "net.allow_loopback": True})
    assert client(Connection("aws.events", values), host.context(), "events").list_event_buses()["EventBuses"] == []
    port = int(proxy_url.rsplit(":", 1)[1])
    assert connects == [("127.0.0.1", port)]
    assert seen == ["POST http://events.public.example/"]


def test_a_loopback_proxy_needs_the_setting(proxy, connects):
    with pytest.raises(ConfigurationError, match="net.allow_loopback"):
        client(Connection("aws.events", static_values(None, proxy_url=proxy[0])), HostLike(SETTINGS).context(), "events")
    assert connects == []


def test_aws_own_endpoints_may_resolve_to_private_addresses(fake_dns, connects):
    """Inside a VPC, AWS's private DNS answers s3.<region>.amazonaws.com with an interface
    endpoint's private address: allowed without a setting; metadata still is not."""
    fake_dns["amazonaws.com"] = ["10.0.12.34"]
    api = client(Connection("aws.s3", static_values(None)), HostLike(SETTINGS).context(), "s3")
    with pytest.raises(UnavailableError):  # the suite's guard refuses every non-loopback connect
        with aws_errors(connector="aws.s3"):
            api.list_buckets()
    assert {a[0] for a in connects} == {"10.0.12.34"}  # attempted (and retried): the policy allowed it

    connects.clear()
    fake_dns["amazonaws.com"] = ["169.254.169.254"]
    api = client(Connection("aws.events", static_values(None)), HostLike(SETTINGS).context(), "events")
    with pytest.raises(ConfigurationError, match="never allowed"):
        with aws_errors(connector="aws.events"):
            api.list_event_buses()
    assert connects == []
