"""Browser sessions: a signed, HttpOnly, SameSite=Strict cookie and a CSRF token bound to it.

The cookie holds a random session id and its HMAC-SHA256 under the host's session key,
so a forged cookie is refused without touching the database. The database keeps only a
SHA-256 of the id (a stolen table opens no session), the tenant, the token that signed in,
and the session's CSRF token; signing out deletes the row, so the cookie dies with it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, delete, insert, select

from .tables import web_sessions
from .tenants import Principal

COOKIE_NAME = "cc_session"
CSRF_HEADER = "x-csrf-token"
DEFAULT_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class Session:
    principal: Principal
    csrf_token: str
    cookie: str


class SessionStore:
    """Sessions in the store's database; ``key`` signs the cookies (32+ random bytes)."""

    def __init__(self, engine: Engine, key: bytes, lifetime: timedelta = DEFAULT_LIFETIME) -> None:
        if len(key) < 32:
            raise ValueError("the session key must be at least 32 bytes")
        self.engine = engine
        self._key = key
        self.lifetime = lifetime

    def create(self, principal: Principal) -> Session:
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = _now()
        with self.engine.begin() as db:
            db.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))  # housekeeping
            db.execute(insert(web_sessions).values(
                id_hash=_hash(session_id), tenant=principal.tenant, token_id=principal.token_id,
                csrf_token=csrf, created_at=now, expires_at=now + self.lifetime))
        return Session(principal, csrf, f"{session_id}.{self._sign(session_id)}")

    def get(self, cookie: str | None) -> Session | None:
        """The live session a cookie names, or None (forged, expired, signed out)."""
        session_id = self._verified_id(cookie)
        if session_id is None:
            return None
        with self.engine.connect() as db:
            row = db.execute(select(web_sessions).where(web_sessions.c.id_hash == _hash(session_id))).first()
        if row is None or _utc(row.expires_at) <= _now():
            return None
        return Session(Principal(row.tenant, row.token_id), row.csrf_token, cookie or "")

    def delete(self, cookie: str | None) -> None:
        session_id = self._verified_id(cookie)
        if session_id is not None:
            with self.engine.begin() as db:
                db.execute(delete(web_sessions).where(web_sessions.c.id_hash == _hash(session_id)))

    def _verified_id(self, cookie: str | None) -> str | None:
        if not cookie or cookie.count(".") != 1:
            return None
        session_id, signature = cookie.split(".")
        return session_id if hmac.compare_digest(signature, self._sign(session_id)) else None

    def _sign(self, session_id: str) -> str:
        mac = hmac.new(self._key, session_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def csrf_matches(session: Session, header: str | None) -> bool:
    return header is not None and header != "" and hmac.compare_digest(header.encode(), session.csrf_token.encode())


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
