"""Tenants and their API tokens: created from the CLI, verified on every API call.

A token reads ``cct_<id>_<secret>``. ``id`` is public and looks up exactly one row, so
verifying never scans; the whole token is checked against an argon2id hash (argon2-cffi),
so a copy of the database yields no usable token. A token is shown once, when created.

argon2 is slow on purpose and an API client sends its token every call, so a verified
token is remembered in memory (keyed by its SHA-256, with the hash it matched), and its
row is read again at most every :data:`RECHECK_SECONDS`: a token revoked through this
process stops at once, one revoked elsewhere within that many seconds.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import NotFoundError, ValidationError
from .tables import api_tokens, tenants

TOKEN_PREFIX = "cct_"
_TOKEN = re.compile(r"^cct_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_TENANT = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
_CACHE_SIZE = 4096
#: How long a verified token is trusted before its row is read again (revocation elsewhere).
RECHECK_SECONDS = 2.0


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant, and the token (by its public id) that proved it."""

    tenant: str
    token_id: str

    @property
    def actor(self) -> str:
        return f"token {self.token_id}"


def _hasher():
    from argon2 import PasswordHasher

    # OWASP's argon2id minimum (19 MiB, 2 passes): tokens are 256 random bits, so the
    # hash only has to make a stolen table useless, and 50 concurrent sign-ins must fit in RAM.
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class TenantDirectory:
    """Tenants and tokens in the store's database (thread-safe)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._hasher = _hasher()
        # sha256(token) -> (the stored hash it matched, its principal, when its row was read)
        self._verified: dict[bytes, tuple[str, Principal, float]] = {}
        self._lock = threading.Lock()

    def create_tenant(self, name: str) -> str:
        if not isinstance(name, str) or not _TENANT.match(name):
            raise ValidationError({"tenant": ["use 1 to 63 lowercase letters, digits, '.', '_' or '-', "
                                              "starting with a letter or digit"]})
        try:
            with self.engine.begin() as db:
                db.execute(insert(tenants).values(name=name, created_at=_now()))
        except IntegrityError:
            raise ValidationError({"tenant": [f"{name!r} exists already"]}) from None
        return name

    def tenant_exists(self, name: str) -> bool:
        with self.engine.connect() as db:
            return db.execute(select(tenants.c.name).where(tenants.c.name == name)).first() is not None

    def list_tenants(self) -> list[str]:
        with self.engine.connect() as db:
            return [r.name for r in db.execute(select(tenants.c.name).order_by(tenants.c.name))]

    def create_token(self, tenant: str, label: str = "") -> str:
        """A new token for ``tenant``: returned once, stored only as its hash."""
        if not self.tenant_exists(tenant):
            raise NotFoundError(f"no tenant {tenant!r}", hint="create it with `connectors tenant create NAME`")
        token_id = secrets.token_hex(8)
        token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        with self.engine.begin() as db:
            db.execute(insert(api_tokens).values(
                id=token_id, tenant=tenant, hash=self._hasher.hash(token), label=label[:200],
                created_at=_now(), revoked_at=None))
        return token

    def revoke_token(self, token_id: str) -> None:
        with self.engine.begin() as db:
            changed = db.execute(update(api_tokens).where(api_tokens.c.id == token_id,
                                                          api_tokens.c.revoked_at.is_(None))
                                 .values(revoked_at=_now())).rowcount
        if not changed:
            raise NotFoundError(f"no active token {token_id!r}")
        with self._lock:
            self._verified = {k: v for k, v in self._verified.items() if v[1].token_id != token_id}

    def recently_verified(self, token: str) -> Principal | None:
        """The principal of a token verified less than RECHECK_SECONDS ago; no I/O (event loop safe)."""
        if not isinstance(token, str):
            return None
        with self._lock:
            known = self._verified.get(hashlib.sha256(token.encode()).digest())
        if known is not None and time.monotonic() - known[2] < RECHECK_SECONDS:
            return known[1]
        return None

    def verify(self, token: str) -> Principal | None:
        """The token's principal, or None for anything that is not a live token."""
        match = _TOKEN.match(token) if isinstance(token, str) else None
        if match is None:
            return None
        recent = self.recently_verified(token)
        if recent is not None:
            return recent
        with self.engine.connect() as db:
            row = db.execute(select(api_tokens).where(api_tokens.c.id == match.group(1))).first()
        if row is None or row.revoked_at is not None:
            return None
        digest = hashlib.sha256(token.encode()).digest()
        with self._lock:
            known = self._verified.get(digest)
        if (known is None or known[0] != row.hash) and not self._matches(row.hash, token):
            return None
        principal = Principal(row.tenant, row.id)
        with self._lock:
            if len(self._verified) >= _CACHE_SIZE:
                self._verified.clear()
            self._verified[digest] = (row.hash, principal, time.monotonic())
        return principal

    def _matches(self, hashed: str, token: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return self._hasher.verify(hashed, token)
        except (VerificationError, InvalidHashError):
            return False


def _now() -> datetime:
    return datetime.now(timezone.utc)
