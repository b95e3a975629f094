"""Connections (never a secret in any output), API destinations, archives and replays."""

from __future__ import annotations

import json

import pytest

from connector_core import NotFoundError, ValidationError

from .conftest import ACCOUNT, FakeHttp

SECRETS = ("s3cr3t-api-key-value", "Pass1234!", "client-secret-xyz", "hidden-body-value")


def _no_secret_in(output) -> None:
    text = json.dumps(output, default=str)
    for secret in SECRETS:
        assert secret not in text


OAUTH = {
    "name": "oauth-conn",
    "description": "A connection description",
    "authorization_type": "OAUTH_CLIENT_CREDENTIALS",
    "oauth": {
        "authorization_endpoint": "https://auth.example.com/token",
        "http_method": "POST",
        "client_parameters": {"client_id": "1234567890", "client_secret": "client-secret-xyz"},
        "oauth_http_parameters": {
            "body": [{"key": "scope", "value": "read", "is_value_secret": False},
                     {"key": "aud", "value": "hidden-body-value", "is_value_secret": True}],
            "header": [{"key": "x-tenant", "value": "acme", "is_value_secret": False}],
        },
    },
    "invocation_http_parameters": {"query_string": [{"key": "v", "value": "2", "is_value_secret": False}]},
}


def test_create_and_describe_an_oauth_connection_without_secrets(host, conn):
    created = host.run(conn, "create_connection", OAUTH)
    assert created["arn"].startswith(f"arn:aws:events:us-east-1:{ACCOUNT}:connection/oauth-conn/")
    assert created["state"] == "AUTHORIZED" and created["secret_arn"].startswith("arn:aws:secretsmanager:")
    described = host.run(conn, "describe_connection", {"name": "oauth-conn"})
    # moto echoes every authorization parameter back, secrets included: none may pass
    _no_secret_in(created)
    _no_secret_in(described)
    oauth = described["auth_parameters"]["oauth"]
    assert oauth["client_parameters"] == {"client_id": "1234567890"}
    assert oauth["oauth_http_parameters"]["body"] == [
        {"key": "scope", "value": "read", "is_value_secret": False},
        {"key": "aud", "is_value_secret": True}]
    assert described["auth_parameters"]["invocation_http_parameters"]["query_string"][0]["value"] == "2"


@pytest.mark.parametrize("auth_type, block", [
    ("API_KEY", {"api_key": {"key": "x-signature", "value": "s3cr3t-api-key-value"}}),
    ("BASIC", {"basic": {"username": "user", "password": "Pass1234!"}}),
])
def test_api_key_and_basic_connections(host, conn, auth_type, block):
    created = host.run(conn, "create_connection", {"name": "c1", "authorization_type": auth_type, **block})
    described = host.run(conn, "describe_connection", {"name": "c1"})
    assert described["authorization_type"] == auth_type and described["arn"] == created["arn"]
    _no_secret_in([created, described])
    assert [c["name"] for c in host.run(conn, "list_connections", {})] == ["c1"]


def test_exactly_the_auth_block_of_the_authorization_type(host, conn):
    basic = {"username": "u", "password": "Pass1234!"}
    with pytest.raises(ValidationError) as caught:  # the BASIC block is missing
        host.run(conn, "create_connection", {"name": "c", "authorization_type": "BASIC",
                                             "api_key": {"key": "k", "value": "v"}})
    assert list(caught.value.errors) == ["basic"]  # the API key block does not apply: ignored
    with pytest.raises(ValidationError) as caught:
        host.run(conn, "create_connection", {"name": "n" * 65, "authorization_type": "BASIC", "basic": basic})
    assert "name" in caught.value.errors
    with pytest.raises(ValidationError):
        host.run(conn, "create_connection", {"name": "c", "description": "d" * 513,
                                             "authorization_type": "BASIC", "basic": basic})
    with pytest.raises(ValidationError):  # OAuth endpoints are https only
        host.run(conn, "create_connection", {**OAUTH, "oauth": {**OAUTH["oauth"],
                                                                "authorization_endpoint": "http://x.example.com"}})


def test_http_parameter_limits_name_the_item(host, conn):
    basic = {"username": "u", "password": "Pass1234!"}
    many = [{"key": f"h{i}", "value": "v", "is_value_secret": False} for i in range(101)]
    with pytest.raises(ValidationError):
        host.run(conn, "create_connection", {"name": "c", "authorization_type": "BASIC", "basic": basic,
                                             "invocation_http_parameters": {"header": many}})
    bad_header = [{"key": "ok", "value": "v"}, {"key": "bad header:", "value": "v"}]
    with pytest.raises(ValidationError) as caught:
        host.run(conn, "create_connection", {"name": "c", "authorization_type": "BASIC", "basic": basic,
                                             "invocation_http_parameters": {"header": bad_header}})
    assert list(caught.value.errors) == ["invocation_http_parameters.header[1].key"]


def test_update_delete_and_missing_connections(host, conn):
    host.run(conn, "create_connection", {"name": "c", "authorization_type": "API_KEY",
                                         "api_key": {"key": "x-k", "value": "s3cr3t-api-key-value"}})
    updated = host.run(conn, "update_connection", {"name": "c", "description": "new",
                                                   "api_key": {"value": "s3cr3t-api-key-value"}})
    _no_secret_in(updated)
    assert host.run(conn, "describe_connection", {"name": "c"})["description"] == "new"
    assert host.run(conn, "delete_connection", {"name": "c"})["name"] == "c"
    with pytest.raises(NotFoundError):
        host.run(conn, "describe_connection", {"name": "c"})


def test_deauthorize_connection(host, conn, inject):
    # moto does not emulate DeauthorizeConnection: a stand-in answers like the service.
    arn = f"arn:aws:events:us-east-1:{ACCOUNT}:connection/c/0000"
    sent = []

    def service(params, **_):
        sent.append(json.loads(params["body"]))
        return FakeHttp(200), {"ConnectionArn": arn, "ConnectionState": "DEAUTHORIZING",
                               "ResponseMetadata": {"HTTPStatusCode": 200}}

    inject(service, "DeauthorizeConnection")
    assert host.run(conn, "deauthorize_connection", {"name": "c"}) == {
        "name": "c", "arn": arn, "state": "DEAUTHORIZING"}
    assert sent == [{"Name": "c"}]


def test_api_destination_lifecycle(host, conn):
    connection_arn = host.run(conn, "create_connection", {
        "name": "c", "authorization_type": "BASIC", "basic": {"username": "u", "password": "Pass1234!"}})["arn"]
    created = host.run(conn, "create_api_destination", {
        "name": "hook", "connection_arn": connection_arn, "invocation_endpoint": "https://hooks.example.com/in",
        "http_method": "POST", "invocation_rate_limit_per_second": 20})
    assert created["arn"].startswith(f"arn:aws:events:us-east-1:{ACCOUNT}:api-destination/hook/")
    host.run(conn, "update_api_destination", {"name": "hook", "invocation_rate_limit_per_second": 50})
    described = host.run(conn, "describe_api_destination", {"name": "hook"})
    assert described["invocation_rate_limit_per_second"] == 50
    assert described["connection_arn"] == connection_arn and described["http_method"] == "POST"
    assert [d["name"] for d in host.run(conn, "list_api_destinations", {})] == ["hook"]
    assert host.run(conn, "delete_api_destination", {"name": "hook"})["deleted"] is True
    assert list(host.run(conn, "list_api_destinations", {})) == []


def test_api_destination_limits(host, conn):
    base = {"name": "d", "connection_arn": f"arn:aws:events:us-east-1:{ACCOUNT}:connection/c/abc-123",
            "invocation_endpoint": "https://x.example.com", "http_method": "POST"}
    for bad in ({"invocation_rate_limit_per_second": 301}, {"invocation_rate_limit_per_second": 0},
                {"invocation_endpoint": "http://x.example.com"}, {"http_method": "TRACE"},
                {"connection_arn": "not-an-arn"}):
        with pytest.raises(ValidationError) as caught:
            host.run(conn, "create_api_destination", {**base, **bad})
        assert set(bad) <= set(caught.value.errors)


def test_archives_and_replays(host, conn):
    created = host.run(conn, "create_archive", {"name": "all-orders", "event_pattern": {"source": ["x"]},
                                                "retention_days": 7})
    assert created["arn"] == f"arn:aws:events:us-east-1:{ACCOUNT}:archive/all-orders"
    described = host.run(conn, "describe_archive", {"name": "all-orders"})
    assert described["event_source_arn"].endswith(":event-bus/default")
    assert described["retention_days"] == 7 and described["event_pattern"] == {"source": ["x"]}
    assert [a["name"] for a in host.run(conn, "list_archives", {})] == ["all-orders"]

    replay = host.run(conn, "start_replay", {"name": "r1", "archive": "all-orders",
                                             "event_start_time": "2026-01-01T00:00:00Z",
                                             "event_end_time": "2026-01-02T00:00:00Z"})
    assert replay["arn"].endswith(":replay/r1")
    assert host.run(conn, "describe_replay", {"name": "r1"})["archive_arn"] == created["arn"]
    assert [r["name"] for r in host.run(conn, "list_replays", {"archive": "all-orders"})] == ["r1"]
    assert host.run(conn, "cancel_replay", {"name": "r1"})["state"] == "CANCELLING"
    with pytest.raises(ValidationError, match="after event_start_time"):
        host.run(conn, "start_replay", {"name": "r2", "archive": "all-orders",
                                        "event_start_time": "2026-01-02T00:00:00Z",
                                        "event_end_time": "2026-01-01T00:00:00Z"})
    assert host.run(conn, "delete_archive", {"name": "all-orders"})["deleted"] is True
    with pytest.raises(NotFoundError):
        host.run(conn, "describe_archive", {"name": "all-orders"})


def test_the_request_carries_every_terraform_argument(host, conn, inject):
    # What reaches the service: secrets revealed only here, the KMS key, the private API
    # connectivity and per-parameter secrecy, in the API's shape.
    sent = []
    arn = f"arn:aws:events:us-east-1:{ACCOUNT}:connection/c/0000"

    def service(params, **_):
        sent.append(json.loads(params["body"]))
        return FakeHttp(200), {"ConnectionArn": arn, "ConnectionState": "AUTHORIZING",
                               "ResponseMetadata": {"HTTPStatusCode": 200}}

    inject(service, "CreateConnection")
    rcfg = f"arn:aws:vpc-lattice:us-east-1:{ACCOUNT}:resourceconfiguration/rcfg-0123456789abcdef0"
    out = host.run(conn, "create_connection", {
        **OAUTH, "kms_key_identifier": "alias/events",
        "invocation_connectivity_parameters": {"resource_parameters": {"resource_configuration_arn": rcfg}}})
    assert out["arn"] == arn and out["state"] == "AUTHORIZING"
    request = sent[0]
    assert request["KmsKeyIdentifier"] == "alias/events"
    assert request["InvocationConnectivityParameters"] == {"ResourceParameters": {"ResourceConfigurationArn": rcfg}}
    oauth = request["AuthParameters"]["OAuthParameters"]
    assert oauth["ClientParameters"] == {"ClientID": "1234567890", "ClientSecret": "client-secret-xyz"}
    assert oauth["OAuthHttpParameters"]["BodyParameters"][1] == {
        "Key": "aud", "Value": "hidden-body-value", "IsValueSecret": True}
    assert request["AuthParameters"]["InvocationHttpParameters"] == {
        "QueryStringParameters": [{"Key": "v", "Value": "2", "IsValueSecret": False}]}
