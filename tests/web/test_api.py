"""The form page's JSON API: catalog, forms, options, validation, and clear 4xx replies."""

from __future__ import annotations

import json

import pytest

from connector_core import Host
from connector_core.aws.emulator import EMULATOR_SETTINGS

from .conftest import import_or_missing

STATIC_KEYS = {"auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
               "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}


@pytest.fixture(scope="module")
def client():
    import_or_missing("starlette", "Starlette (the `web` extra)")
    from starlette.testclient import TestClient

    from connector_core.web import create_app

    app = create_app(Host.discover(settings=EMULATOR_SETTINGS), max_body=4096)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


def test_catalog_lists_connectors_and_their_operations(client):
    reply = client.get("/api/connectors")
    assert reply.status_code == 200
    connectors = {c["id"]: c for c in reply.json()["connectors"]}
    assert set(connectors) == {"aws.s3", "aws.eventbridge"}
    assert "put_object" in [op["id"] for op in connectors["aws.s3"]["operations"]]
    assert reply.json()["failures"] == []


def test_forms_are_the_hosts_forms(client):
    host = Host.discover(settings=EMULATOR_SETTINGS)
    assert client.get("/api/connectors/aws.s3/form").json() == host.form("aws.s3")
    reply = client.get("/api/connectors/aws.eventbridge/form", params={"operation": "put_events"})
    assert reply.json() == host.form("aws.eventbridge", "put_events")


def test_validate_accepts_a_connection_and_never_returns_its_secret(client):
    reply = client.post("/api/connectors/aws.s3/validate", json=STATIC_KEYS)
    assert reply.status_code == 200
    assert reply.json()["ok"] is True
    assert STATIC_KEYS["secret_access_key"] not in reply.text
    assert reply.json()["values"]["access_key_id"] == "AKIAIOSFODNN7EXAMPLE"


def test_validate_reports_every_bad_field_by_path(client):
    reply = client.post("/api/connectors/aws.s3/validate", json={"auth_mode": "static", "region": "nowhere"})
    assert reply.status_code == 422
    errors = reply.json()["errors"]
    assert {"access_key_id", "secret_access_key", "region"} <= set(errors)
    assert reply.json()["error"] == "invalid"


def test_validate_an_operations_input(client):
    url = "/api/connectors/aws.s3/validate?operation=presign_url"
    assert client.post(url, json={"key": "a.txt"}).status_code == 200
    reply = client.post(url, json={"key": "a.txt", "expires_in": 10**9})
    assert reply.status_code == 422 and "expires_in" in reply.json()["errors"]


def test_a_secret_in_the_wrong_place_is_not_echoed(client):
    secret = "s3cr3t-VALUE-never-shown"
    bodies = [{**STATIC_KEYS, "secret_access_key": secret, "region": secret},
              {"auth_mode": secret}, {"access_key_id": secret}, {"endpoint_url": secret}]
    for body in bodies:
        reply = client.post("/api/connectors/aws.s3/validate", json=body)
        assert reply.status_code == 422
        assert secret not in reply.text


@pytest.mark.parametrize("path", ["/api/connectors/nope/form", "/api/connectors/nope"])
def test_unknown_connector_is_a_404_naming_the_known_ones(client, path):
    reply = client.get(path)
    assert reply.status_code == 404
    assert reply.json()["error"] == "unknown_connector"
    assert "aws.s3" in reply.json()["message"]


def test_unknown_operation_is_a_404(client):
    reply = client.get("/api/connectors/aws.s3/form", params={"operation": "nope"})
    assert reply.status_code == 404 and reply.json()["error"] == "unknown_operation"
    assert client.post("/api/connectors/aws.s3/validate?operation=nope", json={}).status_code == 404


def test_malformed_json_is_a_400(client):
    reply = client.post("/api/connectors/aws.s3/validate", content=b'{"region": ',
                        headers={"content-type": "application/json"})
    assert reply.status_code == 400
    assert reply.json()["error"] == "malformed_json"


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"null"])
def test_a_body_that_is_not_an_object_is_a_400(client, body):
    reply = client.post("/api/connectors/aws.s3/validate", content=body, headers={"content-type": "application/json"})
    assert reply.status_code == 400 and reply.json()["error"] == "not_an_object"


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_wrong_content_type_is_a_415(client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    reply = client.post("/api/connectors/aws.s3/validate", content=json.dumps(STATIC_KEYS), headers=headers)
    assert reply.status_code == 415
    assert "application/json" in reply.json()["message"]


def test_oversized_body_is_a_413(client):
    reply = client.post("/api/connectors/aws.s3/validate", json={"bucket": "x" * 5000})
    assert reply.status_code == 413 and reply.json()["error"] == "body_too_large"


def test_oversized_body_without_a_length_is_a_413(client):
    def chunks():
        for _ in range(10):
            yield b" " * 1000

    reply = client.post("/api/connectors/aws.s3/validate", content=chunks(),
                        headers={"content-type": "application/json"})
    assert reply.status_code == 413


def test_wrong_method_and_unknown_paths_answer_json(client):
    assert client.get("/api/connectors/aws.s3/validate").json()["error"] == "method_not_allowed"
    assert client.get("/api/nothing").json()["error"] == "not_found"


def test_only_loopback_host_names_are_served(client):
    assert client.get("/api/connectors", headers={"host": "attacker.example"}).status_code == 400


def test_the_page_and_its_bundle_are_served_with_a_strict_policy(client):
    page = client.get("/")
    assert page.status_code == 200 and "/static/app.js" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    script = client.get("/static/app.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")


def test_options_of_a_field_without_dynamic_options_is_a_404(client):
    reply = client.post("/api/connectors/aws.s3/options/region", json={"connection": STATIC_KEYS})
    assert reply.status_code == 404 and reply.json()["error"] == "no_dynamic_options"


def test_options_need_a_valid_draft_connection(client):
    secret = "another-s3cret-value"
    reply = client.post("/api/connectors/aws.s3/options/bucket",
                        json={"connection": {"auth_mode": "static", "secret_access_key": secret}})
    assert reply.status_code == 422
    assert "access_key_id" in reply.json()["errors"]
    assert secret not in reply.text


def test_options_list_the_accounts_buckets(client, aws_connection_values):
    host = Host.discover(settings=EMULATOR_SETTINGS)
    host.run(host.connect("aws.s3", aws_connection_values), "create_bucket", {"bucket": "form-page-options"})
    reply = client.post("/api/connectors/aws.s3/options/bucket", json={"connection": aws_connection_values})
    assert reply.status_code == 200, reply.text
    assert {"value": "form-page-options", "caption": "form-page-options"} in reply.json()["options"]
    assert aws_connection_values["secret_access_key"] not in reply.text


def test_options_of_an_operation_field(client, aws_connection_values):
    reply = client.post("/api/connectors/aws.s3/options/put_object.bucket", json={"connection": aws_connection_values})
    assert reply.status_code == 200, reply.text
