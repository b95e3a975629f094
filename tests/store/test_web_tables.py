"""The reference host's tables (tenants, tokens, sessions, audit) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

pytest.importorskip("argon2", reason="argon2-cffi (the `web` extra) is not installed")

from connector_core.errors import NotFoundError, ValidationError  # noqa: E402
from connector_core.web.audit import AuditLog  # noqa: E402
from connector_core.web.sessions import SessionStore  # noqa: E402
from connector_core.web.tenants import Principal, TenantDirectory  # noqa: E402


def test_tokens_verify_only_as_issued(store, monkeypatch):
    tenants = TenantDirectory(store.engine)
    tenants.create_tenant("acme")
    tenants.create_tenant("globex")
    with pytest.raises(ValidationError):
        tenants.create_tenant("acme")
    token = tenants.create_token("acme", "ci")
    other = tenants.create_token("globex")
    assert tenants.verify(token) == Principal("acme", token.split("_")[1])
    assert tenants.verify(other).tenant == "globex"
    fresh = TenantDirectory(store.engine)  # no cache: argon2 against the stored hash
    assert fresh.verify(token).tenant == "acme"
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), token + "x", "", "cct_", other.replace("cct_", "")):
        assert fresh.verify(wrong) is None
    with pytest.raises(NotFoundError):
        tenants.create_token("nobody")
    tenants.revoke_token(token.split("_")[1])
    assert tenants.verify(token) is None  # at once in the process that revoked it
    assert fresh.verify(token) is not None  # another process trusts its check for RECHECK_SECONDS
    monkeypatch.setattr("connector_core.web.tenants.RECHECK_SECONDS", 0.0)
    assert fresh.verify(token) is None


def test_sessions_live_until_deleted_or_expired(store):
    tenants = TenantDirectory(store.engine)
    tenants.create_tenant("acme")
    who = tenants.verify(tenants.create_token("acme"))
    sessions = SessionStore(store.engine, b"k" * 32)
    session = sessions.create(who)
    assert sessions.get(session.cookie).principal == who
    assert SessionStore(store.engine, b"x" * 32).get(session.cookie) is None  # another signing key
    sessions.delete(session.cookie)
    assert sessions.get(session.cookie) is None
    expired = SessionStore(store.engine, b"k" * 32, lifetime=timedelta(seconds=-1)).create(who)
    assert sessions.get(expired.cookie) is None


def test_audit_events_are_per_tenant_and_refuse_values(store):
    audit = AuditLog(store.engine)
    acme, globex = Principal("acme", "a" * 16), Principal("globex", "b" * 16)
    audit.record(acme, "connection.create", "c1", connector_id="aws.s3")
    audit.record(acme, "operation.run", "c1", operation="list_objects", ok=True)
    audit.record(globex, "connection.delete", "c2", connector_id="aws.s3")
    events = audit.events("acme")
    assert [e["action"] for e in events] == ["operation.run", "connection.create"]
    assert events[0]["actor"] == "token " + "a" * 16 and events[0]["detail"] == {"operation": "list_objects", "ok": True}
    assert [e["action"] for e in audit.events("acme", before=events[0]["id"])] == ["connection.create"]
    with pytest.raises(ValueError):
        audit.record(acme, "connection.create", "c1", values={"secret_access_key": "x"})
    with pytest.raises(ValueError):
        audit.record(acme, "connection.read", "c1")
