"""Store fixtures: every store test runs on SQLite and on a real PostgreSQL server.

Each test gets a fresh store: a SQLite file in its tmp_path, or a schema of its own in a
database created for this run (random names, dropped at the end), so runs never see
each other's data. Without a reachable PostgreSQL the PostgreSQL half is skipped with the
reason, or fails under CI=true.
"""

from __future__ import annotations

import os
import uuid

import pytest

from connector_core import Host
from connector_core.store import ConnectionStore, Keyring, generate_master_key

from tests.conftest import emulator_values
from . import postgres

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def s3_values(bucket: str = "reports-bucket", **extra) -> dict:
    return emulator_values("http://127.0.0.1:9", bucket=bucket, **{"secret_access_key": SECRET, **extra})


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required under CI: {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL: {reason}")


@pytest.fixture(scope="session")
def postgres_admin_url():
    """A server URL where databases may be created: the configured one, or a private one."""
    url = postgres.configured_url()
    why = postgres.reachable(url)
    if why is None:
        yield url
        return
    try:
        server = postgres.PrivateServer()
        url = server.start()
    except Exception as exc:  # no binaries, initdb failed...
        _unavailable(f"{postgres.configured_url()} is unreachable ({why}) and starting one failed: {exc}")
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_database(postgres_admin_url):
    """A database of this run's own, dropped at the end."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"cc_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield make_url(postgres_admin_url.replace("postgresql://", "postgresql+psycopg://", 1)).set(database=name)
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A URL for an empty store, on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'connections.db'}"
        return
    import psycopg

    database = request.getfixturevalue("postgres_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = database.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as db:
        db.execute(f'CREATE SCHEMA "{schema}"')
    yield database.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as db:
        db.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def host():
    return Host.discover()


@pytest.fixture
def master_key() -> str:
    return generate_master_key()


@pytest.fixture
def store(store_url, host, master_key):
    with ConnectionStore.open(host, store_url, Keyring.from_text(master_key, source="test")) as s:
        yield s
