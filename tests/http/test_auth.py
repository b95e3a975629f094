"""Each auth type against a local server: what the server receives."""

from __future__ import annotations

import base64

import pytest

from connector_core import AuthenticationError

from .server import token_endpoint

OK = (200, {}, {"ok": True})


def _get(api, connection, context):
    return api.get("/whoami").json()


def test_no_auth_sends_no_credentials_and_a_user_agent(server, run):
    server.route("GET", "/whoami", OK)
    assert run({"base_url": server.url}, _get) == {"ok": True}
    seen = server.seen("/whoami")[0]
    assert "authorization" not in seen.headers
    assert seen.headers["user-agent"].startswith("connector-core/")


def test_api_key_in_a_header(server, run):
    server.route("GET", "/whoami", OK)
    run({"base_url": server.url, "auth_type": "api_key", "api_key": {"key": "X-Api-Token", "value": "k-123456"}}, _get)
    assert server.seen("/whoami")[0].headers["x-api-token"] == "k-123456"


def test_api_key_in_the_query(server, run):
    server.route("GET", "/whoami", OK)
    run({"base_url": server.url, "auth_type": "api_key",
         "api_key": {"key": "api_key", "value": "k-654321", "placement": "query"}}, _get)
    seen = server.seen("/whoami")[0]
    assert seen.query == {"api_key": ["k-654321"]} and "x-api-key" not in seen.headers


def test_basic(server, run):
    server.route("GET", "/whoami", OK)
    run({"base_url": server.url, "auth_type": "basic", "basic": {"username": "ada", "password": "pw-secret-1"}}, _get)
    assert server.seen("/whoami")[0].headers["authorization"] == "Basic " + base64.b64encode(b"ada:pw-secret-1").decode()


def test_bearer(server, run):
    server.route("GET", "/whoami", OK)
    run({"base_url": server.url, "auth_type": "bearer", "bearer": {"token": "tok-abcdef"}}, _get)
    assert server.seen("/whoami")[0].headers["authorization"] == "Bearer tok-abcdef"


def _oauth(server, grant="oauth_client_credentials", secret="cs-secret-1", **extra):
    return {"base_url": server.url, "auth_type": grant,
            "oauth": {"authorization_endpoint": f"{server.url}/oauth/token",
                      "client_parameters": {"client_id": "cid", "client_secret": secret}, **extra}}


def test_client_credentials_token_is_fetched_once_and_reused(server, run, host):
    issued = token_endpoint(server, client_id="cid", client_secret="cs-secret-1")
    server.route("GET", "/whoami", OK)
    values = _oauth(server, scope="read write")
    for _ in range(3):
        run(values, _get)
    assert len(issued) == 1
    assert [r.headers["authorization"] for r in server.seen("/whoami")] == [f"Bearer {issued[0]}"] * 3
    token_request = server.seen("/oauth/token")[0].form()
    assert token_request["grant_type"] == "client_credentials" and token_request["scope"] == "read write"


def test_client_credentials_token_is_fetched_again_before_it_expires(server, run):
    # expires_in 30 s is inside the 60 s leeway: every call needs a fresh token.
    issued = token_endpoint(server, client_id="cid", client_secret="cs-secret-1", expires_in=30)
    server.route("GET", "/whoami", OK)
    run(_oauth(server), _get)
    run(_oauth(server), _get)
    assert len(issued) == 2
    assert server.seen("/whoami")[1].headers["authorization"] == f"Bearer {issued[1]}"


def test_a_401_fetches_a_new_token_once(server, run):
    issued = token_endpoint(server, client_id="cid", client_secret="cs-secret-1")
    calls = []

    def whoami(seen):
        calls.append(seen.headers["authorization"])
        return (401, {}, {"message": "token revoked"}) if len(calls) == 1 else OK

    server.route("GET", "/whoami", whoami)
    assert run(_oauth(server), _get) == {"ok": True}
    assert calls == [f"Bearer {issued[0]}", f"Bearer {issued[1]}"]


def test_a_wrong_client_secret_is_an_authentication_error_naming_the_token_endpoint(server, run):
    token_endpoint(server, client_id="cid", client_secret="cs-secret-1")
    with pytest.raises(AuthenticationError, match="token endpoint refused") as caught:
        run(_oauth(server, secret="wrong-secret-9"), _get)
    assert "wrong-secret-9" not in str(caught.value)


def test_authorization_code_refreshes_and_the_host_stores_the_rotated_token(server, run, plugin):
    issued = token_endpoint(server, client_id="cid", client_secret="cs-secret-1", rotate_refresh=True)
    server.route("GET", "/whoami", OK)
    values = {**_oauth(server, grant="oauth_authorization_code"), "refresh_token": "refresh-original"}
    run(values, _get)
    form = server.seen("/oauth/token")[0].form()
    assert form["grant_type"] == "refresh_token" and form["refresh_token"] == "refresh-original"
    assert server.seen("/whoami")[0].headers["authorization"] == f"Bearer {issued[0]}"
    assert [(name, token["refresh_token"]) for name, token in plugin.refreshed] == [("c1", "refresh-1")]


def test_a_revoked_refresh_token_says_to_authorize_again(server, run):
    token_endpoint(server, client_id="cid", client_secret="cs-secret-1")
    values = {**_oauth(server, grant="oauth_authorization_code"), "refresh_token": "revoked-token"}
    with pytest.raises(AuthenticationError, match="invalid_grant") as caught:
        run(values, _get)
    assert "authorize the connection again" in str(caught.value)


def test_the_code_exchange_returns_tokens(server, host):
    from connector_core.http import authorization_url, exchange_code

    token_endpoint(server, client_id="cid", client_secret="cs-secret-1")
    connection = host.connect("test.rest", {**_oauth(server, grant="oauth_authorization_code"),
                                            "authorize_url": "https://auth.example.com/authorize",
                                            "refresh_token": "refresh-placeholder"})
    context = _context(host)
    url, state = authorization_url(connection, context, "https://host.example/callback")
    assert url.startswith("https://auth.example.com/authorize?") and f"state={state}" in url and "client_id=cid" in url
    token = exchange_code(connection, context, "good-code", "https://host.example/callback")
    assert token["refresh_token"] == "refresh-1" and token["access_token"].startswith("access-")
    with pytest.raises(AuthenticationError, match="authorization code"):
        exchange_code(connection, context, "bad-code", "https://host.example/callback")


def _context(host):
    # What an operation receives; the code exchange runs outside operations (in the host's UI flow).
    return host._context("test.rest", None, None)
