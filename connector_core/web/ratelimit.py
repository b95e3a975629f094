"""Per-tenant rate limits on "Test connection" and runs: token buckets in memory.

Each (tenant, kind) has a bucket of ``burst`` tokens refilled at ``per_minute``/60 a
second; a call takes one or is refused with how long until one is back (``Retry-After``).
The limits are host settings, e.g. ``connectors --setting web.rate_limit.test_per_minute=10 serve``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .body import ApiError

#: Settings and their defaults: ``web.rate_limit.{test,run}_{per_minute,burst}``.
DEFAULTS = {"test": (30.0, 10.0), "run": (120.0, 30.0)}


@dataclass(frozen=True)
class Limit:
    per_minute: float
    burst: float


class RateLimiter:
    """Thread-safe buckets; ``clock`` is injectable so tests need no sleeping."""

    def __init__(self, limits: Mapping[str, Limit], clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = dict(limits)
        self._clock = clock
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # (tokens, at)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], **kwargs: Any) -> RateLimiter:
        limits = {}
        for kind, (per_minute, burst) in DEFAULTS.items():
            limits[kind] = Limit(float(settings.get(f"web.rate_limit.{kind}_per_minute", per_minute)),
                                 float(settings.get(f"web.rate_limit.{kind}_burst", burst)))
        return cls(limits, **kwargs)

    def take(self, tenant: str, kind: str) -> float:
        """0 if allowed (a token is taken), else seconds until the next token."""
        limit = self.limits[kind]
        if limit.per_minute <= 0:
            return 0.0  # 0 per minute: unlimited
        rate = limit.per_minute / 60.0
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get((tenant, kind), (limit.burst, now))
            tokens = min(limit.burst, tokens + (now - at) * rate)
            if tokens >= 1:
                self._buckets[(tenant, kind)] = (tokens - 1, now)
                return 0.0
            self._buckets[(tenant, kind)] = (tokens, now)
            return (1 - tokens) / rate

    def check(self, tenant: str, kind: str) -> None:
        """Take a token or raise the API's 429 ``rate_limited`` with ``Retry-After``."""
        wait = self.take(tenant, kind)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ApiError(429, "rate_limited", f"too many {kind} requests for this tenant; retry in {seconds} s",
                           retry_after=seconds, headers={"retry-after": str(seconds)})
