"""Fixtures of the host UI's browser tests: the reference host as `connectors serve` builds it
(``hosting.build``: a SQLite store, keys and tenant files in a tmp data folder), served by
uvicorn on 127.0.0.1 in a thread, and moto on 127.0.0.1 as the AWS it talks to.

Chromium and Playwright come from ../conftest.py (skipped with the reason when missing;
a failure under CI=true). Each test gets a fresh browser context (no cookies) and signs in.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest

from connector_core.aws.emulator import EMULATOR_SETTINGS

from ..conftest import import_or_missing, serve_in_thread


@dataclass
class ServedHost:
    url: str
    app: object
    token: str  # the sign-in token `serve --sign-in-token acme` printed

    def new_tenant(self, prefix: str) -> tuple[str, str]:
        """Another tenant and its token."""
        name = f"{prefix}-{secrets.token_hex(3)}"
        self.app.state.tenants.create_tenant(name)
        return name, self.app.state.tenants.create_token(name)


@pytest.fixture(scope="module")
def served_host(tmp_path_factory) -> ServedHost:
    import_or_missing("uvicorn", "uvicorn (the `web` extra)")
    import_or_missing("argon2", "argon2-cffi (the `web` extra)")

    from connector_core import Host
    from connector_core.web import hosting
    from connector_core.web.host_app import TENANT_SAFE_SETTINGS

    folder = tmp_path_factory.mktemp("served-host")
    host = Host.discover(settings={**EMULATOR_SETTINGS, **TENANT_SAFE_SETTINGS})
    hosted = hosting.build(host, development=True, sign_in_tenant="acme",
                           environ={"CONNECTOR_CORE_DATA_DIR": str(folder)})
    try:
        with serve_in_thread(hosted.app) as url:
            yield ServedHost(url, hosted.app, hosted.sign_in_token)
    finally:
        hosted.app.state.jobs.close()
        hosted.store.close()


@pytest.fixture
def host_page(browser, served_host, artifacts):
    """A HostPage in a fresh browser context (no session cookie yet)."""
    from .hostpage import HostPage

    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = HostPage(context.new_page(), served_host.url, artifacts)
    yield page
    context.close()


@pytest.fixture
def signed_in(host_page, served_host):
    host_page.sign_in(served_host.token)
    return host_page


@pytest.fixture
def s3_client(aws_emulator):
    """boto3 straight to moto: what the test does behind the UI's back (make a bucket)."""
    import boto3

    return boto3.client("s3", endpoint_url=aws_emulator.endpoint_url, region_name=aws_emulator.region,
                        aws_access_key_id=aws_emulator.access_key_id,
                        aws_secret_access_key=aws_emulator.secret_access_key)


def call_api(base_url: str, token: str, method: str, path: str, body: object = None) -> tuple[int, object]:
    """The host's API as an API client calls it (Bearer token): (status, JSON or None)."""
    import json
    import urllib.error
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base_url}{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            raw = reply.read()
            return reply.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")
