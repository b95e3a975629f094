"""Stored connections over the API: CRUD, write-only secrets, tenants apart, Test connection."""

from __future__ import annotations

import json

import pytest

from .conftest import SECRET, s3_values


def _no_secret(reply) -> None:
    assert SECRET not in reply.text


def test_create_list_get_update_delete(acme):
    created = acme.create(s3_values())
    assert created["connector_id"] == "aws.s3" and created["name"] == "reports"
    assert created["secrets_set"] == ["secret_access_key"]
    assert "secret_access_key" not in created["values"] and created["values"]["bucket"] == "reports-bucket"
    assert {"id", "manifest_version", "created_at", "updated_at"} <= set(created)

    listed = acme.client.get("/api/connections")
    assert [c["id"] for c in listed.json()["connections"]] == [created["id"]]
    got = acme.client.get(f"/api/connections/{created['id']}")
    assert got.json() == created
    for reply in (listed, got):
        _no_secret(reply)

    edited = acme.client.put(f"/api/connections/{created['id']}",
                             json={"name": "renamed", "values": s3_values(bucket="other-bucket", secret_access_key="")})
    assert edited.status_code == 200, edited.text
    assert edited.json()["name"] == "renamed" and edited.json()["values"]["bucket"] == "other-bucket"
    assert edited.json()["secrets_set"] == ["secret_access_key"]
    _no_secret(edited)

    assert acme.client.delete(f"/api/connections/{created['id']}").status_code == 204
    assert acme.client.get(f"/api/connections/{created['id']}").status_code == 404
    assert acme.client.get("/api/connections").json() == {"connections": []}


def test_an_edit_leaving_the_secret_blank_keeps_it(acme, store):
    created = acme.create(s3_values())
    for blank in ({"secret_access_key": ""}, {"secret_access_key": None}, {}):
        values = {k: v for k, v in s3_values(bucket="kept-bucket").items() if k != "secret_access_key"} | blank
        assert acme.client.put(f"/api/connections/{created['id']}", json={"values": values}).status_code == 200
        loaded = store.load_connection(acme.name, created["id"])
        assert loaded["secret_access_key"].reveal() == SECRET
    changed = acme.client.put(f"/api/connections/{created['id']}",
                              json={"values": s3_values(secret_access_key="a-new-secret-value-1234")})
    assert changed.status_code == 200 and "a-new-secret-value-1234" not in changed.text
    assert store.load_connection(acme.name, created["id"])["secret_access_key"].reveal() == "a-new-secret-value-1234"


def test_invalid_values_are_a_422_by_field_and_nothing_is_stored(acme, store):
    reply = acme.client.post("/api/connections", json={
        "connector_id": "aws.s3", "name": "bad", "values": {"auth_mode": "static", "secret_access_key": SECRET,
                                                           "region": SECRET}})
    assert reply.status_code == 422 and reply.json()["error"] == "invalid"
    assert {"access_key_id", "region"} <= set(reply.json()["errors"])
    _no_secret(reply)
    assert store.list(acme.name) == []


@pytest.mark.parametrize("body,status,error", [
    ({"connector_id": "nope", "name": "x", "values": {}}, 404, "unknown_connector"),
    ({"name": "x", "values": {}}, 422, "invalid"),
    ({"connector_id": ["aws.s3"], "name": "x", "values": {}}, 422, "invalid"),
    ({"connector_id": "aws.s3", "name": "", "values": s3_values()}, 422, "invalid"),
    ({"connector_id": "aws.s3", "name": "x" * 300, "values": s3_values()}, 422, "invalid"),
    ({"connector_id": "aws.s3", "name": "x", "values": [1]}, 422, "invalid"),
])
def test_bad_create_bodies(acme, store, body, status, error):
    reply = acme.client.post("/api/connections", json=body)
    assert reply.status_code == status and reply.json()["error"] == error
    _no_secret(reply)
    assert store.list(acme.name) == []


@pytest.mark.parametrize("content,headers,status,error", [
    (b'{"connector_id": ', {"content-type": "application/json"}, 400, "malformed_json"),
    (b"[]", {"content-type": "application/json"}, 400, "not_an_object"),
    (b"\xff\xfe", {"content-type": "application/json"}, 400, "malformed_json"),
    (json.dumps({"connector_id": "aws.s3"}).encode(), {"content-type": "text/plain"}, 415, "unsupported_media_type"),
    (json.dumps({"connector_id": "aws.s3"}).encode(), {}, 415, "unsupported_media_type"),
    (b'{"name": "' + b"x" * 70000 + b'"}', {"content-type": "application/json"}, 413, "body_too_large"),
])
def test_malformed_bodies_are_clear_4xx(acme, store, content, headers, status, error):
    for method, path in (("POST", "/api/connections"), ("POST", "/api/connections/test")):
        reply = acme.client.request(method, path, content=content, headers=headers)
        assert reply.status_code == status and reply.json()["error"] == error
    assert store.list(acme.name) == []


def test_secret_references_are_refused_for_tenants(acme, store, monkeypatch):
    monkeypatch.setenv("CC_HOST_ONLY_SECRET", "the-hosts-own-secret-value")
    for reference in ({"$env": "CC_HOST_ONLY_SECRET"}, {"$file": "/etc/hostname"}):
        reply = acme.client.post("/api/connections", json={
            "connector_id": "aws.s3", "name": "x", "values": s3_values(secret_access_key=reference)})
        assert reply.status_code == 422, reply.text
        assert "secret_access_key" in reply.json()["errors"]
        assert "the-hosts-own-secret-value" not in reply.text
    assert store.list(acme.name) == []


def test_another_tenants_ids_are_not_found_on_every_route(acme, globex, store):
    theirs = acme.create(s3_values())
    path = f"/api/connections/{theirs['id']}"
    replies = [
        globex.client.get(path),
        globex.client.put(path, json={"name": "taken", "values": s3_values(bucket="stolen-bucket")}),
        globex.client.delete(path),
        globex.client.post(f"{path}/test", json={}),
        globex.client.post(f"{path}/run/list_objects", json={"input": {}}),
    ]
    for reply in replies:
        assert reply.status_code == 404, reply.text
        assert reply.json()["error"] == "not_found"
        assert "reports-bucket" not in reply.text and theirs["name"] not in reply.text.replace("not_found", "")
    assert globex.client.get("/api/connections").json() == {"connections": []}
    assert acme.client.get(path).json() == theirs  # untouched
    assert all(e["tenant"] == globex.name for e in globex.client.get("/api/audit").json()["events"])


def test_unknown_ids_are_not_found(acme):
    for connection_id in ("0" * 32, "../../etc/passwd", "x" * 500, "%00"):
        assert acme.client.get(f"/api/connections/{connection_id}").status_code == 404


def test_draft_test_fails_a_check_then_passes_once_the_bucket_exists(acme, aws_emulator):
    values = aws_emulator.connection_values(bucket="draft-test-bucket")
    aws_emulator.reset()
    failing = acme.client.post("/api/connections/test", json={"connector_id": "aws.s3", "values": values})
    assert failing.status_code == 200, failing.text
    assert failing.json()["ok"] is False
    failed = [c for c in failing.json()["checks"] if not c["ok"]]
    assert failed and failed[0]["hint"] and failed[0]["label"]
    assert aws_emulator.secret_access_key not in failing.text

    from connector_core import Host
    from connector_core.aws.emulator import EMULATOR_SETTINGS

    host = Host.discover(settings=EMULATOR_SETTINGS)
    host.run(host.connect("aws.s3", values), "create_bucket", {"bucket": "draft-test-bucket"})
    passing = acme.client.post("/api/connections/test", json={"connector_id": "aws.s3", "values": values})
    assert passing.json()["ok"] is True
    assert all(c["ok"] for c in passing.json()["checks"])


def test_saved_test_uses_the_stored_secret_and_unsaved_edits(acme, aws_emulator):
    aws_emulator.reset()
    saved = acme.create(aws_emulator.connection_values(bucket="saved-test-bucket"))
    path = f"/api/connections/{saved['id']}/test"
    assert acme.client.post(path).json()["ok"] is False  # no such bucket yet
    from connector_core import Host
    from connector_core.aws.emulator import EMULATOR_SETTINGS

    host = Host.discover(settings=EMULATOR_SETTINGS)
    host.run(host.connect("aws.s3", aws_emulator.connection_values()), "create_bucket", {"bucket": "saved-test-bucket"})
    assert acme.client.post(path, json={}).json()["ok"] is True
    edited = {k: v for k, v in aws_emulator.connection_values(bucket="missing-bucket").items()
              if k != "secret_access_key"}
    reply = acme.client.post(path, json={"values": edited})
    assert reply.json()["ok"] is False  # the edit is tested, with the stored secret, and not saved
    assert acme.client.get(f"/api/connections/{saved['id']}").json()["values"]["bucket"] == "saved-test-bucket"


def test_a_422_names_the_choice_its_rule_quotes_though_the_client_sent_it(acme, store):
    # "static" was sent by the client, but it is a choice every form shows: masked, the
    # message read "is required when auth_mode is '****'".
    values = {"auth_mode": "static", "secret_access_key": SECRET, "region": "us-east-1"}
    for path, body in (("/api/connections", {"connector_id": "aws.s3", "name": "x", "values": values}),
                       ("/api/connections/test", {"connector_id": "aws.s3", "values": values})):
        reply = acme.client.post(path, json=body)
        assert reply.status_code == 422, reply.text
        assert reply.json()["errors"]["access_key_id"] == ["is required when auth_mode is 'static'"]
        _no_secret(reply)


def test_draft_test_with_invalid_values_is_a_422(acme):
    reply = acme.client.post("/api/connections/test", json={"connector_id": "aws.s3",
                                                            "values": {"secret_access_key": SECRET}})
    assert reply.status_code == 422 and "access_key_id" in reply.json()["errors"]
    _no_secret(reply)


def test_list_filters_by_connector(acme):
    acme.create(s3_values())
    assert acme.client.get("/api/connections", params={"connector_id": "aws.eventbridge"}).json()["connections"] == []
    assert len(acme.client.get("/api/connections", params={"connector_id": "aws.s3"}).json()["connections"]) == 1


def test_a_tenant_cannot_borrow_the_hosts_own_aws_identity(acme, store):
    values = {k: v for k, v in s3_values(auth_mode="default_chain").items()
              if k not in ("access_key_id", "secret_access_key")}
    reply = acme.client.post("/api/connections", json={"connector_id": "aws.s3", "name": "x", "values": values})
    assert reply.status_code == 422 and "auth_mode" in reply.json()["errors"]
    form = acme.client.get("/api/connectors/aws.s3/form").text
    assert "default_chain" not in form
    assert store.list(acme.name) == []


def test_a_tenant_endpoint_on_the_hosts_network_is_refused_by_the_network_policy(app, store):
    """The module's host allows loopback for moto; serve's default host does not."""
    from starlette.testclient import TestClient

    from connector_core import Host
    from connector_core.store import ConnectionStore
    from connector_core.web.host_app import create_host_app

    host = Host.discover(settings={"secrets.allow_references": False})
    strict = create_host_app(host, ConnectionStore(store.engine, host, store.keyring))
    strict.state.tenants.create_tenant("netpolicy")
    token = strict.state.tenants.create_token("netpolicy")
    with TestClient(strict, base_url="http://127.0.0.1", headers={"authorization": f"Bearer {token}"}) as client:
        for endpoint in ("http://127.0.0.1:9", "http://169.254.169.254", "http://10.0.0.1"):
            reply = client.post("/api/connections/test", json={"connector_id": "aws.s3",
                                                               "values": s3_values(endpoint)})
            assert reply.status_code == 200, reply.text
            failed = [c["message"] for c in reply.json()["checks"] if not c["ok"]]
            assert reply.json()["ok"] is False and "the endpoint points at" in failed[0]
