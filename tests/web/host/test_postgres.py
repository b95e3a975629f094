"""The host's API on PostgreSQL (the store's other engine): sign-in, CRUD, audit, tenants apart."""

from __future__ import annotations

import os
import uuid

import pytest

from connector_core import Host
from tests.store import postgres

from .conftest import HOST_SETTINGS, SECRET, Tenant, s3_values


@pytest.fixture(scope="module")
def pg_app():
    import psycopg

    url = postgres.configured_url()
    why = postgres.reachable(url)
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI: {why}", pytrace=False)
        pytest.skip(f"no PostgreSQL at {url}: {why}")
    from sqlalchemy.engine import make_url

    from connector_core.store import ConnectionStore, Keyring, generate_master_key
    from connector_core.web.host_app import create_host_app

    name = f"cc_web_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database = make_url(url).set(drivername="postgresql+psycopg", database=name)
    host = Host.discover(settings=HOST_SETTINGS)
    store = ConnectionStore.open(host, database.render_as_string(hide_password=False),
                                 Keyring.from_text(generate_master_key(), source="test"))
    app = create_host_app(host, store)
    try:
        yield app, store
    finally:
        app.state.jobs.close()
        store.close()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_api_on_postgresql(pg_app):
    from starlette.testclient import TestClient

    app, store = pg_app
    acme, globex = Tenant(app, "pg-acme"), Tenant(app, "pg-globex")
    created = acme.create(s3_values())
    assert created["secrets_set"] == ["secret_access_key"]
    path = f"/api/connections/{created['id']}"
    edited = acme.client.put(path, json={"values": s3_values(bucket="pg-bucket", secret_access_key="")})
    assert edited.status_code == 200 and SECRET not in edited.text
    assert store.load_connection(acme.name, created["id"])["secret_access_key"].reveal() == SECRET
    assert globex.client.get(path).status_code == 404
    assert globex.client.delete(path).status_code == 404
    assert [e["action"] for e in acme.client.get("/api/audit").json()["events"]] == [
        "connection.update", "connection.create"]

    with TestClient(app, base_url="http://127.0.0.1") as browser:
        csrf = browser.post("/api/session", json={"token": acme.token}).json()["csrf_token"]
        assert browser.delete(path).status_code == 403
        assert browser.delete(path, headers={"x-csrf-token": csrf}).status_code == 204
        assert browser.delete("/api/session", headers={"x-csrf-token": csrf}).status_code == 204
        assert browser.get("/api/connections").status_code == 401


def test_jobs_on_postgresql(pg_app):
    """A fanned-out put_events job through the API on PostgreSQL, and another tenant's 404."""
    import time

    from connector_core.aws.stand_in import PutEventsStandIn

    app, _ = pg_app
    acme, globex = Tenant(app, "pg-jobs-acme"), Tenant(app, "pg-jobs-globex")
    with PutEventsStandIn(latency=0) as stand_in:
        values = {**s3_values(stand_in.url), "account_id": "123456789012"}
        del values["bucket"]
        bus = acme.create(values, connector_id="aws.eventbridge", name="bus")["id"]
        entries = [{"source": "com.example.pg", "detail_type": "T", "detail": {"n": n}} for n in range(25)]
        reply = acme.client.post("/api/jobs", json={"connection_id": bus, "operation": "put_events",
                                                    "input": {"entries": entries}, "chunk_size": 10})
        assert reply.status_code == 202, reply.text
        path = f"/api/jobs/{reply.json()['job']['id']}"
        deadline = time.monotonic() + 120
        while (job := acme.client.get(path).json())["live"] and time.monotonic() < deadline:
            time.sleep(0.05)
    assert job["state"] == "succeeded" and job["chunks"]["states"]["succeeded"] == 3
    assert [o["index"] for o in job["outcomes"]] == list(range(25)) and job["outcomes_failed"] == 0
    assert [j["id"] for j in acme.client.get("/api/jobs").json()["jobs"]] == [job["id"]]
    assert globex.client.get(path).status_code == 404 and globex.client.get("/api/jobs").json()["jobs"] == []
