"""When to try a request again, and how long to wait first.

- A request that never reached the server (the connection failed) may be retried
  whatever its method.
- Idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE) are retried on 5xx answers and on
  timeouts or dropped connections: sending them twice does no harm.
- Any method is retried on 429 and 503: the server says it did not do the work.
- The wait is exponential backoff with full jitter (a random wait up to
  ``base * 2**(attempt - 1)``, capped), so that many clients throttled together do not
  come back together. A ``Retry-After`` header wins over the backoff; one asking for
  longer than ``http.max_retry_after`` seconds is not waited for: the error is raised
  at once, naming the wait the server asked for.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
#: Statuses after which any method may be sent again: the server did not act on it.
RETRY_ANY_METHOD = frozenset({429, 503})
#: Statuses after which an idempotent request may be sent again.
RETRY_IDEMPOTENT = frozenset({500, 502, 503, 504, 429})


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """The wait a ``Retry-After`` header asks for (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts, and the backoff between them (from the ``http.*`` settings)."""

    max_attempts: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    max_retry_after: float = 60.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> RetryPolicy:
        return cls(
            max_attempts=max(1, int(settings.get("http.max_attempts", cls.max_attempts))),
            backoff_base=float(settings.get("http.backoff_base", cls.backoff_base)),
            backoff_max=float(settings.get("http.backoff_max", cls.backoff_max)),
            max_retry_after=float(settings.get("http.max_retry_after", cls.max_retry_after)),
        )

    def retries_status(self, method: str, status: int) -> bool:
        if status in RETRY_ANY_METHOD:
            return True
        return status in RETRY_IDEMPOTENT and method in IDEMPOTENT_METHODS

    @staticmethod
    def retries_failure(method: str, sent: bool) -> bool:
        """A transport failure: retry if nothing was sent, or if sending again is harmless."""
        return not sent or method in IDEMPOTENT_METHODS

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random wait in [0, min(max, base * 2**(attempt - 1))]."""
        return random.uniform(0.0, min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))

    def wait_for(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``; None: do not retry."""
        if attempt >= self.max_attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        return self.backoff(attempt)


__all__ = ["IDEMPOTENT_METHODS", "RetryPolicy", "retry_after_seconds"]
