"""Sign-in: Bearer tokens, the session cookie, CSRF bound to the session, sign-out."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from connector_core.web.tables import api_tokens, web_sessions

from .conftest import s3_values

PROTECTED = [("GET", "/api/connectors"), ("GET", "/api/connectors/aws.s3/form"),
             ("POST", "/api/connectors/aws.s3/validate"), ("GET", "/api/connections"),
             ("POST", "/api/connections"), ("POST", "/api/connections/test"),
             ("GET", "/api/connections/abc"), ("PUT", "/api/connections/abc"),
             ("DELETE", "/api/connections/abc"), ("POST", "/api/connections/abc/test"),
             ("POST", "/api/connections/abc/run/list_objects"), ("POST", "/api/files"),
             ("GET", "/api/files/" + "0" * 32), ("GET", "/api/audit"), ("GET", "/api/nothing")]


@pytest.mark.parametrize("method,path", PROTECTED)
def test_every_api_route_needs_a_caller(anonymous, method, path):
    reply = anonymous.request(method, path, json={})
    assert reply.status_code == 401
    assert reply.json()["error"] == "unauthenticated"


@pytest.mark.parametrize("authorization", ["Bearer nope", "Bearer cct_0123456789abcdef_" + "A" * 43,
                                           "Basic dXNlcjpwYXNz", "Bearer "])
def test_a_wrong_token_is_refused(anonymous, acme, authorization):
    reply = anonymous.get("/api/connections", headers={"authorization": authorization})
    assert reply.status_code == 401 and reply.json()["error"] == "unauthenticated"


def test_a_token_of_another_tenant_with_this_ones_id_is_refused(anonymous, acme, globex):
    token_id = acme.token.split("_")[1]
    forged = globex.token.replace(globex.token.split("_")[1], token_id)
    assert anonymous.get("/api/connections", headers={"authorization": f"Bearer {forged}"}).status_code == 401


def test_tokens_are_stored_argon2_hashed(store, acme):
    with store.engine.connect() as db:
        rows = db.execute(select(api_tokens).where(api_tokens.c.tenant == acme.name)).all()
    assert len(rows) == 1
    assert rows[0].hash.startswith("$argon2id$")
    assert acme.token not in repr(tuple(rows[0])) and acme.token.split("_", 2)[2] not in rows[0].hash


def test_sign_in_sets_a_strict_http_only_cookie(anonymous, acme):
    reply = anonymous.post("/api/session", json={"token": acme.token})
    assert reply.status_code == 200
    assert reply.json()["tenant"] == acme.name and len(reply.json()["csrf_token"]) >= 32
    cookie = reply.headers["set-cookie"]
    assert cookie.startswith("cc_session=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert acme.token not in cookie
    again = anonymous.get("/api/session")
    assert again.json() == reply.json()


def test_sign_in_with_a_wrong_token_is_a_401_and_no_cookie(anonymous, acme):
    reply = anonymous.post("/api/session", json={"token": acme.token[:-1] + "x"})
    assert reply.status_code == 401 and "set-cookie" not in reply.headers
    assert anonymous.get("/api/session").status_code == 401


def test_session_reads_freely_but_writes_only_with_its_csrf_token(anonymous, acme, store):
    csrf = anonymous.post("/api/session", json={"token": acme.token}).json()["csrf_token"]
    assert anonymous.get("/api/connections").status_code == 200
    body = {"connector_id": "aws.s3", "name": "x", "values": s3_values()}
    for headers in ({}, {"x-csrf-token": "wrong"}, {"x-csrf-token": csrf[:-1]}):
        reply = anonymous.post("/api/connections", json=body, headers=headers)
        assert reply.status_code == 403 and reply.json()["error"] == "csrf"
    assert store.list(acme.name) == []
    assert anonymous.post("/api/connections", json=body, headers={"x-csrf-token": csrf}).status_code == 201


def test_a_csrf_token_replayed_from_another_session_is_refused(app, acme):
    from starlette.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1") as first, TestClient(app, base_url="http://127.0.0.1") as other:
        first.post("/api/session", json={"token": acme.token})
        stolen = other.post("/api/session", json={"token": acme.token}).json()["csrf_token"]
        reply = first.post("/api/connections/test", json={"connector_id": "aws.s3", "values": {}},
                           headers={"x-csrf-token": stolen})
        assert reply.status_code == 403 and reply.json()["error"] == "csrf"


def test_sign_out_ends_the_session_even_for_a_copied_cookie(anonymous, acme, store):
    csrf = anonymous.post("/api/session", json={"token": acme.token}).json()["csrf_token"]
    cookie = anonymous.cookies.get("cc_session")
    assert anonymous.delete("/api/session").status_code == 403  # sign-out needs the CSRF token too
    assert anonymous.delete("/api/session", headers={"x-csrf-token": csrf}).status_code == 204
    anonymous.cookies.set("cc_session", cookie)
    assert anonymous.get("/api/connections").status_code == 401
    assert anonymous.get("/api/session").status_code == 401


def test_the_session_row_holds_no_cookie_value(anonymous, acme, store):
    anonymous.post("/api/session", json={"token": acme.token})
    session_id = anonymous.cookies.get("cc_session").split(".")[0]
    with store.engine.connect() as db:
        rows = [tuple(r) for r in db.execute(select(web_sessions).where(web_sessions.c.tenant == acme.name))]
    assert rows and session_id not in repr(rows)


@pytest.mark.parametrize("cookie", ["x", "x.y", "a.b.c", "", "A" * 43 + "." + "B" * 43])
def test_a_forged_cookie_is_refused(anonymous, cookie):
    anonymous.cookies.set("cc_session", cookie)
    assert anonymous.get("/api/connections").status_code == 401


def test_a_revoked_token_stops_working(app, anonymous, acme):
    assert acme.client.get("/api/connections").status_code == 200
    app.state.tenants.revoke_token(acme.token.split("_")[1])
    assert acme.client.get("/api/connections").status_code == 401
    assert anonymous.post("/api/session", json={"token": acme.token}).status_code == 401


def test_sign_in_body_errors_are_clear_4xx(anonymous):
    assert anonymous.post("/api/session", content=b"token=x",
                          headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 415
    assert anonymous.post("/api/session", content=b"{", headers={"content-type": "application/json"}).status_code == 400
    assert anonymous.post("/api/session", json={"token": 5}).status_code == 401
