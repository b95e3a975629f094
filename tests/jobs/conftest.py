"""Job fixtures: a host with the job-test plugin (and the built-in AWS ones), a store, Jobs.

The store-backed tests run on SQLite and on PostgreSQL (a schema of this run's own), as
the store's own tests do.
"""

from __future__ import annotations

import pytest

from connector_core import Host
from connector_core.store import ConnectionStore, Keyring, generate_master_key

from tests.jobs import jobkit

# The store's engines: every store-backed job test runs on SQLite and on PostgreSQL.
from tests.store.conftest import postgres_admin_url, postgres_database, store_url  # noqa: E402,F401

TENANT = "acme"
OTHER_TENANT = "globex"
TOKEN = "tok-3f9a7c1e5b2d4e6f8a0b-connection-secret"
API_KEY = "key-9d8c7b6a5f4e3d2c1b0a-input-secret"
LOOPBACK = {"net.allow_loopback": True, "aws.max_attempts": 1}


@pytest.fixture(autouse=True)
def _jobkit_state(tmp_path, monkeypatch):
    state = tmp_path / "jobkit"
    state.mkdir()
    monkeypatch.setenv(jobkit.ENV_STATE, str(state))
    return state


@pytest.fixture(scope="session")
def jobs_host() -> Host:
    return Host.discover([jobkit], settings=LOOPBACK)


@pytest.fixture
def master_key() -> str:
    return generate_master_key()


@pytest.fixture
def job_store(store_url, jobs_host, master_key):
    with ConnectionStore.open(jobs_host, store_url, Keyring.from_text(master_key, source="test")) as store:
        yield store


@pytest.fixture
def connection_id(job_store) -> str:
    return job_store.create(TENANT, "test.jobs", "jobs", {"token": TOKEN, "account": "A-1"}).id


def fast_settings(**overrides):
    from connector_core.jobs import JobSettings

    values = {"lease_seconds": 2.0, "check_interval": 0.1, "retry_delay": 0.05, "max_retry_delay": 0.5,
              "max_attempts": 3, "workers": 4}
    return JobSettings(**{**values, **overrides})


@pytest.fixture
def jobs(job_store):
    from connector_core.jobs import Jobs, LocalRunner

    with Jobs(job_store, LocalRunner(), settings=fast_settings()) as j:
        yield j
