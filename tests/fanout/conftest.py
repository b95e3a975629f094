"""Fan-out fixtures: the stand-in PutEvents endpoint, an EventBridge connection to it, Jobs."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from connector_core import Host
from connector_core.store import ConnectionStore, Keyring, generate_master_key

# The store's engines: the fan-out job tests run on SQLite and on PostgreSQL.
from tests.store.conftest import postgres_admin_url, postgres_database, store_url  # noqa: E402,F401

TENANT = "acme"
OTHER_TENANT = "globex"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYfanoutSECRET"


def connection_values(endpoint: str) -> dict:
    return {"auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": SECRET_KEY,
            "region": "us-east-1", "endpoint_url": endpoint, "account_id": "123456789012"}


def entries(count: int, start: int = 0) -> list[dict]:
    """Events whose detail names their input position: the stand-in counts them by it."""
    return [{"source": "com.example.fanout", "detail_type": "Tick", "detail": {"n": n}}
            for n in range(start, start + count)]


def position_of(detail_text: str) -> int:
    return json.loads(detail_text)["n"]


def stored_when_finished(jobs, job_id: str, wait: float):
    """A job as stored once finished: read from the store (``jobs.records``), never through
    ``Jobs.get``/``wait``, which would merge a fan-out's parent themselves."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        record = jobs.records.get(TENANT, job_id)
        if record.finished:
            return record
        time.sleep(0.05)
    raise AssertionError(f"the job is still {record.state} in the store")


@pytest.fixture(scope="session")
def fanout_host() -> Host:
    return Host.discover(settings={"net.allow_loopback": True, "aws.max_attempts": 1})


@pytest.fixture
def fanout_store(store_url, fanout_host):
    with ConnectionStore.open(fanout_host, store_url, Keyring.from_text(generate_master_key(), source="test")) as s:
        yield s


def fast_settings(**overrides):
    from connector_core.jobs import JobSettings

    values = {"lease_seconds": 2.0, "check_interval": 0.1, "retry_delay": 0.05, "max_retry_delay": 0.5,
              "max_attempts": 3, "workers": 4}
    return JobSettings(**{**values, **overrides})


@pytest.fixture(scope="module")
def redis_server():
    """Redis for the Celery fan-out tests (see tests/jobs/celerykit.py)."""
    from tests.jobs import celerykit

    yield from celerykit.redis_url()


@pytest.fixture
def postgres_store_url(postgres_database):
    """A schema of this test's own in the run's PostgreSQL database (workers share it)."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = postgres_database.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as db:
        db.execute(f'CREATE SCHEMA "{schema}"')
    yield postgres_database.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)
    with psycopg.connect(plain, autocommit=True) as db:
        db.execute(f'DROP SCHEMA "{schema}" CASCADE')
