"""An endpoint that redirects S3 without naming a region: a clear error, not RecursionError.

botocore answers such a redirect by HEADing the bucket to learn its region; when that
HEAD is redirected the same way it used to HEAD again, ~80 levels deep.
"""

from __future__ import annotations

import http.server
import threading

import pytest

from connector_core import Host
from connector_core.aws import client
from connector_core.aws.errors import aws_errors
from connector_core.connection import Connection
from connector_core.errors import WrongRegionError
from tests.conftest import emulator_values

from .conftest import static_values

SETTINGS = {"net.allow_loopback": True, "aws.max_attempts": 1}


class _Redirecting(http.server.BaseHTTPRequestHandler):
    status = 301
    region: str | None = None
    requests: list[str]

    def _answer(self) -> None:
        self.requests.append(f"{self.command} {self.path}")
        body = b"" if self.command == "HEAD" else b"<Error><Code>PermanentRedirect</Code><Message>m</Message></Error>"
        self.send_response(self.status)
        self.send_header("Location", "http://127.0.0.1:1/")
        if self.region:
            self.send_header("x-amz-bucket-region", self.region)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def redirecting():
    """``start(status)`` -> (endpoint URL, list of requests the server saw)."""
    servers = []

    def start(status: int, region: str | None = None):
        requests: list[str] = []
        handler = type("Handler", (_Redirecting,), {"status": status, "region": region, "requests": requests})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", requests

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("status", [301, 302, 307])
@pytest.mark.parametrize(("call", "expected_requests"), [
    (lambda s3: s3.head_bucket(Bucket="b"), 1),
    (lambda s3: s3.list_objects_v2(Bucket="b"), 2),  # the call, then botocore's HEAD for the region
    (lambda s3: s3.head_object(Bucket="b", Key="k"), 2),
    (lambda s3: s3.get_object(Bucket="b", Key="k"), 2),
])
def test_redirect_without_region_is_a_clear_error(status, call, expected_requests, redirecting, make_host):
    endpoint, requests = redirecting(status)
    s3 = client(Connection("aws.s3", static_values(endpoint)), make_host(SETTINGS).context(), "s3")
    with pytest.raises(WrongRegionError, match=f"the endpoint redirected \\(HTTP {status}\\) without naming a region"):
        with aws_errors(connector="aws.s3"):
            call(s3)
    assert len(requests) == expected_requests


def test_a_redirect_naming_the_region_is_still_followed_once(redirecting, make_host):
    """botocore's own region redirect keeps working: one retry in the named region, then the error."""
    endpoint, requests = redirecting(301, region="eu-west-1")
    s3 = client(Connection("aws.s3", static_values(endpoint)), make_host(SETTINGS).context(), "s3")
    with pytest.raises(WrongRegionError) as info:
        with aws_errors(connector="aws.s3"):
            s3.list_objects_v2(Bucket="b")
    assert info.value.region == "eu-west-1"
    assert len(requests) == 2


def test_through_the_s3_plugin(redirecting):
    import connector_aws_s3.hooks

    endpoint, requests = redirecting(307)
    host = Host(plugins=[connector_aws_s3.hooks], settings=SETTINGS)
    conn = host.connect("aws.s3", emulator_values(endpoint, force_path_style=True, bucket="redirected-bucket"))
    with pytest.raises(WrongRegionError, match="redirected .* without naming a region") as info:
        host.run(conn, "head_object", {"key": "report.csv"})
    assert "x-amz-bucket-region" in info.value.hint
    assert len(requests) <= 2
