"""Planted secrets never leave: not in a reply, an error, a log line or the audit log.

The leaky test plugin (tests/core/leaky_plugin.py) puts its secrets in every message,
log line and exception it can; every route of the host is driven with it, and its
secrets are searched for in everything that came back, the logs and the host's tables.
"""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from connector_core import Host
from connector_core.store.schema import connections
from connector_core.web.tables import api_tokens, audit_events, web_sessions
from tests.core import leaky_plugin
from tests.core.leaky_plugin import PASSWORD, VALUES, find_leaks

from .conftest import HOST_SETTINGS, Tenant


@pytest.fixture(scope="module")
def leaky_app(tmp_path_factory):
    from connector_core.store import ConnectionStore, Keyring, generate_master_key
    from connector_core.web.host_app import create_host_app

    folder = tmp_path_factory.mktemp("leaky")
    host = Host.discover([leaky_plugin], settings=HOST_SETTINGS)
    store = ConnectionStore.open(host, f"sqlite:///{folder / 'c.db'}", Keyring.from_text(generate_master_key(),
                                                                                         source="test"))
    app = create_host_app(host, store, files_dir=folder / "files")
    yield app, store
    app.state.jobs.close()
    store.close()


def test_no_route_leaks_a_planted_secret(leaky_app, caplog):
    app, store = leaky_app
    caplog.set_level(logging.DEBUG)
    acme = Tenant(app, "leaky-acme")
    client = acme.client
    replies = []

    def keep(reply):
        replies.append(f"{reply.status_code} {reply.headers} {reply.text}")
        return reply

    created = keep(client.post("/api/connections", json={"connector_id": "test.leaky", "name": "leaky", "values": VALUES}))
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    keep(client.get("/api/connections"))
    keep(client.get(f"/api/connections/{cid}"))
    keep(client.put(f"/api/connections/{cid}", json={"values": {**VALUES, "password": ""}}))
    keep(client.put(f"/api/connections/{cid}", json={"values": {**VALUES, "user": 5, "password": PASSWORD * 2}}))
    keep(client.post("/api/connectors/test.leaky/validate", json={**VALUES, "user": 5}))
    keep(client.post("/api/connectors/test.leaky/options/bucket", json={"connection": VALUES}))
    for user in ("alice", "raise", "crash"):
        keep(client.post("/api/connections/test", json={"connector_id": "test.leaky", "values": {**VALUES, "user": user}}))
        keep(client.post(f"/api/connections/{cid}/test", json={"values": {**VALUES, "user": user, "password": ""}}))
    keep(client.post(f"/api/connections/{cid}/test"))
    for operation in ("echo", "fail_plain", "fail_auth", "bad_output"):
        keep(client.post(f"/api/connections/{cid}/run/{operation}", json={"input": {}}))
        keep(client.post(f"/api/connections/{cid}/run/{operation}", json={"input": {}},
                         headers={"accept": "application/x-ndjson"}))
    audit = keep(client.get("/api/audit"))
    keep(client.delete(f"/api/connections/{cid}"))

    actions = [e["action"] for e in audit.json()["events"]]
    assert actions.count("operation.run") == 8 and actions.count("connection.test") == 7
    assert {"connection.create", "connection.update"} <= set(actions)
    assert any(e["detail"].get("error") for e in audit.json()["events"] if e["action"] == "operation.run")

    with store.engine.connect() as db:
        tables = [json.dumps([list(map(str, row)) for row in db.execute(select(t))])
                  for t in (audit_events, api_tokens, web_sessions, connections.c.public_values)]
    assert find_leaks(*replies) == []
    assert find_leaks(caplog.text) == []
    assert find_leaks(*tables) == []
    assert PASSWORD not in caplog.text


def test_a_jobs_result_error_and_outcomes_never_show_a_planted_secret(leaky_app):
    import time

    app, store = leaky_app
    acme = Tenant(app, "leaky-jobs")
    cid = acme.client.post("/api/connections", json={"connector_id": "test.leaky", "name": "leaky",
                                                     "values": VALUES}).json()["id"]
    replies, states = [], {}
    for operation in ("echo", "fail_plain", "fail_auth", "bad_output"):
        reply = acme.client.post("/api/jobs", json={"connection_id": cid, "operation": operation, "input": {}})
        assert reply.status_code == 202, reply.text
        job_id = reply.json()["job"]["id"]
        deadline = time.monotonic() + 60
        while (job := acme.client.get(f"/api/jobs/{job_id}")).json()["live"] and time.monotonic() < deadline:
            time.sleep(0.05)
        replies.append(job.text)
        states[operation] = job.json()["state"]
    replies.append(acme.client.get("/api/jobs").text)
    assert states == {"echo": "succeeded", "fail_plain": "failed", "fail_auth": "failed", "bad_output": "failed"}
    assert "****" in replies[2]  # fail_auth's message named the secret: it is shown masked
    assert find_leaks(*replies) == []
