"""Refreshable temporary credentials, shared by every session-credential mode.

AssumeRole (:mod:`.credentials`) and IAM Roles Anywhere (:mod:`.rolesanywhere`) both
build them here, so neither module imports the other both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any


def _now() -> datetime:
    """The clock refreshable credentials read (tests move it instead of sleeping)."""
    return datetime.now(timezone.utc)


def _session_timeouts(duration: int) -> tuple[int, int]:
    # botocore refreshes 15 min (advisory) / 10 min (mandatory) before expiry: with a
    # 15 min session that would mean refreshing on every call. Scale them down.
    return min(15 * 60, duration // 4), min(10 * 60, duration // 6)


def refreshable(fetch: Callable[[], dict], method: str, duration: int):
    """Refreshable credentials that call ``fetch()`` first when used and then before expiry."""
    from botocore.credentials import DeferredRefreshableCredentials

    advisory, mandatory = _session_timeouts(duration)

    class SessionCredentials(DeferredRefreshableCredentials):
        _advisory_refresh_timeout = advisory
        _mandatory_refresh_timeout = mandatory

    # The lambda reads _now at call time, so a patched clock takes effect.
    return SessionCredentials(refresh_using=fetch, method=method, time_fetcher=lambda: _now())


def temporary_metadata(access_key: str, secret_key: str, token: str, expiration: Any, context: Any) -> dict:
    """The dict refreshable credentials want, with the secrets registered for masking."""
    context.add_secret(secret_key)
    context.add_secret(token)
    if isinstance(expiration, datetime):
        expiration = expiration.isoformat()
    return {"access_key": access_key, "secret_key": secret_key, "token": token, "expiry_time": expiration}
