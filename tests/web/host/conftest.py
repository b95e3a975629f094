"""Fixtures of the reference host's API tests: the app over a SQLite store, tenants, clients.

One app per test module (a store in the module's tmp folder); each test makes its own
tenants, so tests never see each other's connections. ``ApiClient`` is a TestClient
that signs every call with a tenant's Bearer token.
"""

from __future__ import annotations

import secrets

import pytest

from connector_core import Host
from connector_core.aws.emulator import EMULATOR_SETTINGS

from ..conftest import import_or_missing

#: The host serve builds, plus loopback for moto; generous limits (a test lowers them).
HOST_SETTINGS = {**EMULATOR_SETTINGS, "secrets.allow_references": False,
                 "web.rate_limit.test_per_minute": 6000, "web.rate_limit.test_burst": 1000,
                 "web.rate_limit.run_per_minute": 6000, "web.rate_limit.run_burst": 1000}
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
BASE_URL = "http://127.0.0.1"


@pytest.fixture(scope="module")
def hosted(tmp_path_factory):
    """(app, store) for one module."""
    import_or_missing("starlette", "Starlette (the `web` extra)")
    import_or_missing("argon2", "argon2-cffi (the `web` extra)")
    from connector_core.store import ConnectionStore, Keyring, generate_master_key
    from connector_core.web.host_app import create_host_app

    folder = tmp_path_factory.mktemp("host")
    host = Host.discover(settings=HOST_SETTINGS)
    store = ConnectionStore.open(host, f"sqlite:///{folder / 'connections.db'}",
                                 Keyring.from_text(generate_master_key(), source="test"))
    app = create_host_app(host, store, files_dir=folder / "files", max_body=64 * 1024)
    yield app, store
    app.state.jobs.close()
    store.close()


@pytest.fixture(scope="module")
def app(hosted):
    return hosted[0]


@pytest.fixture(scope="module")
def store(hosted):
    return hosted[1]


@pytest.fixture
def anonymous(app):
    from starlette.testclient import TestClient

    with TestClient(app, base_url=BASE_URL) as client:
        yield client


class Tenant:
    """A tenant with a token, and a client that sends it."""

    def __init__(self, app, name: str) -> None:
        from starlette.testclient import TestClient

        self.name = name
        app.state.tenants.create_tenant(name)
        self.token = app.state.tenants.create_token(name)
        self.client = TestClient(app, base_url=BASE_URL, headers={"authorization": f"Bearer {self.token}"})

    def create(self, values: dict, connector_id: str = "aws.s3", name: str = "reports") -> dict:
        reply = self.client.post("/api/connections", json={"connector_id": connector_id, "name": name,
                                                           "values": values})
        assert reply.status_code == 201, reply.text
        return reply.json()


@pytest.fixture
def make_tenant(app):
    made = []

    def make(prefix: str = "t") -> Tenant:
        tenant = Tenant(app, f"{prefix}-{secrets.token_hex(4)}")
        made.append(tenant)
        return tenant

    yield make
    for tenant in made:
        tenant.client.close()


@pytest.fixture
def acme(make_tenant) -> Tenant:
    return make_tenant("acme")


@pytest.fixture
def globex(make_tenant) -> Tenant:
    return make_tenant("globex")


def s3_values(endpoint: str = "http://127.0.0.1:9", **extra) -> dict:
    return {"auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": SECRET,
            "region": "us-east-1", "endpoint_url": endpoint, "bucket": "reports-bucket", **extra}
