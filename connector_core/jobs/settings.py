"""Job settings: defaults, and the environment variables that change them (see docs/jobs.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from ..errors import ConfigurationError

ENV_BROKER_URL = "CONNECTOR_CORE_BROKER_URL"
ENV_RUNNER = "CONNECTOR_CORE_JOBS_RUNNER"
_ENV_PREFIX = "CONNECTOR_CORE_JOBS_"


@dataclass(frozen=True)
class JobSettings:
    """How jobs run. Every field is also ``CONNECTOR_CORE_JOBS_<FIELD>`` in the environment.

    - ``lease_seconds``: a running job's lease; a worker silent for this long is taken
      for dead and its job re-queued. Heartbeats extend it every ``check_interval``.
    - ``check_interval``: how often a running job's worker stores progress, extends the
      lease and looks for a cancellation request (seconds).
    - ``max_attempts``: runs of one job at most (retries of retryable errors and
      re-runs after a worker died count alike).
    - ``retry_delay``/``max_retry_delay``: the first retry's wait (a job may set its own
      at submit), doubled per attempt (with jitter), capped.
    - ``workers``: the local runner's threads.
    - ``queue``: the Celery queue's name.
    """

    lease_seconds: float = 30.0
    check_interval: float = 1.0
    max_attempts: int = 5
    retry_delay: float = 2.0
    max_retry_delay: float = 300.0
    workers: int = 4
    queue: str = "connector_core.jobs"

    def __post_init__(self) -> None:
        if self.check_interval <= 0 or self.lease_seconds < 2 * self.check_interval:
            raise ConfigurationError("jobs: lease_seconds must be at least twice check_interval (both > 0)",
                                     hint="e.g. CONNECTOR_CORE_JOBS_LEASE_SECONDS=30, ..._CHECK_INTERVAL=1")
        if self.max_attempts < 1 or self.workers < 1:
            raise ConfigurationError("jobs: max_attempts and workers must be at least 1")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> JobSettings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}  # each parsed with its field's type
        for f in fields(cls):
            raw = env.get(_ENV_PREFIX + f.name.upper(), "").strip()
            if not raw:
                continue
            kind = {"float": float, "int": int, "str": str}[str(f.type)]
            try:
                values[f.name] = kind(raw)
            except ValueError:
                raise ConfigurationError(f"{_ENV_PREFIX}{f.name.upper()}={raw!r} is not a {f.type}",
                                         hint=f"write a number, e.g. {getattr(cls, f.name)}") from None
        return replace(cls(**values), **overrides) if overrides else cls(**values)

    def backoff(self, first: float, attempt: int, rand: float) -> float:
        """The wait before retry number ``attempt`` (1-based) when the first waits ``first``
        seconds (the job's own ``retry_delay``); ``rand`` in [0, 1) is the jitter."""
        full = min(self.max_retry_delay, first * 2 ** max(0, attempt - 1))
        return full / 2 + full / 2 * rand  # "equal jitter": never less than half the full wait
