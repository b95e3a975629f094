"""What a job is, and what the store records about it.

A :class:`Job` is (tenant, connection id, operation, validated params, idempotency key):
plain JSON, and never a secret. The connection's secrets stay sealed in the connection
store (a worker loads and decrypts the connection itself); a secret *input* (an API key
an operation stores elsewhere) is sealed in the job's row the same way, and the job's
params hold a ``{"$secret": n}`` marker in its place. A :class:`JobRecord` is the job
plus what running it produced: state, result, per-entry outcomes, progress, masked
error, attempts and timing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from .. import json_codec
from ..secrets import json_default
from ..store.json_column import EncodedJSON


class JobState:
    """A job's states. ``queued -> running -> succeeded | failed | cancelled``; a retry goes
    back to ``queued`` (with ``not_before``), and so does a job whose worker died."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    #: States that never change again: re-delivering such a job is a no-op.
    FINISHED = frozenset({SUCCEEDED, FAILED, CANCELLED})


@dataclass(frozen=True)
class Job:
    """The unit of work a runner carries: no secret, only ids and JSON params.

    ``params`` are the operation's validated input (defaults applied) with each secret
    replaced by a ``{"$secret": n}`` marker; ``parent_id``/``chunk_index`` tie the
    chunks of fanned-out bulk work to the job that split it.
    """

    id: str
    tenant: str
    connection_id: str
    connector_id: str
    operation: str
    params: dict[str, Any]
    idempotency_key: str
    parent_id: str | None = None
    chunk_index: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Job:
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Progress:
    """The last progress an operation reported (``context.progress(done, total, unit)``)."""

    done: int
    total: int | None = None
    unit: str = ""


@dataclass(frozen=True)
class JobRecord:
    """A job as the store holds it: what was asked, and what happened so far.

    ``error`` is the failure's ``to_dict()`` (type, message, hint, retryable), with every
    secret the host knows masked. ``result`` is the operation's validated output (a
    streaming operation's items as ``{"items": [...]}``). ``outcomes`` are per-entry
    outcomes of bulk work, in input order, when the job's producer records them.
    """

    job: Job
    state: str
    cancel_requested: bool
    result: dict[str, Any] | None
    outcomes: list[Any] | None
    progress: Progress | None
    error: dict[str, Any] | None
    attempts: int
    max_attempts: int
    retry_delay: float
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    not_before: datetime | None
    lease_owner: str | None
    lease_expires_at: datetime | None

    @property
    def id(self) -> str:
        return self.job.id

    @property
    def tenant(self) -> str:
        return self.job.tenant

    @property
    def finished(self) -> bool:
        return self.state in JobState.FINISHED

    @property
    def duration(self) -> float | None:
        """Seconds from the first start to the end (None until finished)."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        """For APIs and the CLI: JSON-ready, no secret (params keep their markers)."""
        out = {k: v for k, v in asdict(self.job).items()}
        out.update(
            state=self.state, cancel_requested=self.cancel_requested, result=self.result,
            outcomes=self.outcomes, progress=asdict(self.progress) if self.progress else None,
            error=self.error, attempts=self.attempts, max_attempts=self.max_attempts, retry_delay=self.retry_delay,
            duration=self.duration, lease_owner=self.lease_owner,
        )
        for key in ("created_at", "started_at", "finished_at", "not_before", "lease_expires_at"):
            value = getattr(self, key)
            out[key] = value.isoformat() if value else None
        return out


def json_result(value: Any) -> EncodedJSON:
    """``value`` written as JSON for a result column, once: secrets as their safe
    description, times as ISO text, bytes as text (see :func:`connector_core.secrets.json_default`)."""
    return EncodedJSON(json_codec.dumps(value, default=json_default))


def error_record(exc: BaseException, mask: Any) -> dict[str, Any]:
    """A failure as stored with the job: the error's own dict, every text masked."""
    from ..errors import ConnectorError

    if isinstance(exc, ConnectorError):
        data = exc.to_dict()
    else:
        data = {"error": type(exc).__name__, "message": str(exc), "hint": None, "retryable": False}
    return {k: masked(v, mask) for k, v in data.items()}


def masked(value: Any, mask: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, Mapping):
        return {str(k): masked(v, mask) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked(v, mask) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return mask(str(value))


def mapping_or_none(value: Any) -> dict[str, Any] | None:
    return dict(value) if isinstance(value, Mapping) else None
