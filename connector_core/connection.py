"""Connections: validated values for one connector, and the context an operation runs in."""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .secrets import Secret, SecretMasker


class Connection(Mapping[str, Any]):
    """Validated connection values for one connector. Read-only.

    Secret fields hold :class:`~connector_core.Secret` objects; call ``.reveal()``
    where the value is really needed. ``repr`` and :meth:`to_dict` never show a
    secret. Build one with :meth:`Host.connect`, never by hand.
    """

    __slots__ = ("connector_id", "name", "_values", "_fingerprint")

    def __init__(self, connector_id: str, values: Mapping[str, Any], name: str | None = None) -> None:
        self.connector_id = connector_id
        self.name = name
        self._values = dict(values)
        self._fingerprint: str | None = None

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def get(self, key: str, default: Any = None) -> Any:
        # Direct, not Mapping.get's try/except: clients are looked up per call.
        return self._values.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"Connection({self.connector_id!r}, name={self.name!r}, {shown})"

    def to_dict(self) -> dict[str, Any]:
        """The values with every secret replaced by its safe description (for display)."""
        return _describe(self._values)

    def to_storage(self) -> dict[str, Any]:
        """The values as a host stores them: secret references kept, literals revealed.

        The host is responsible for encrypting what it stores.
        """
        return _store(self._values)

    @property
    def fingerprint(self) -> str:
        """A stable, non-reversible identity of these values, for caches keyed by connection.

        Two connections built from the same stored values have the same fingerprint, so
        a host that rebuilds its ``Connection`` on every request still hits the caches.
        """
        if self._fingerprint is None:
            digest = hmac.new(_FINGERPRINT_KEY, self.connector_id.encode(), hashlib.sha256)
            digest.update(repr(sorted(_store(self._values).items())).encode())
            self._fingerprint = digest.hexdigest()[:32]
        return self._fingerprint


# A per-process key: fingerprints are for in-memory caches, never to be stored or compared
# across processes, and an HMAC keeps secrets from being guessed from them.
_FINGERPRINT_KEY = os.urandom(32)


def _describe(value: Any) -> Any:
    if isinstance(value, Secret):
        return value.describe()
    if isinstance(value, Mapping):
        return {k: _describe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_describe(v) for v in value]
    return value


def _store(value: Any) -> Any:
    if isinstance(value, Secret):
        return value.to_storage()
    if isinstance(value, Mapping):
        return {k: _store(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_store(v) for v in value]
    return value


ProgressCallback = Callable[[int, "int | None", str], None]


class RunContext:
    """What the host hands an operation, a test-connection or an options hook.

    - ``settings``: the host's settings (read-only), e.g. ``net.allow_private``.
    - :meth:`shared`: a host-scoped object built once per key (a client cache), thread-safe.
    - :meth:`progress`: report progress of long work; the CLI draws a bar from it.
    - :meth:`add_secret`: a value derived at run time (temporary credentials) that logs must mask.
    - :meth:`remaining` and :meth:`check_cancelled`: the run's deadline (``Host.run(timeout=...)``)
      and cancellation (``Host.run(cancel=event)``); toolkits bound their waits by them.
    - :meth:`token_refreshed`: tell the host an OAuth refresh token changed (it stores it).
    - ``trigger_instance``: during a poll run for a stored trigger instance, its id (None
      otherwise); a trigger that routes a shared source's messages tags them with it.
    """

    __slots__ = ("connector_id", "operation", "settings", "_shared", "_masker", "_progress",
                 "timeout", "deadline", "cancel_event", "_on_token", "trigger_instance")

    def __init__(
        self,
        connector_id: str,
        operation: str | None,
        settings: Mapping[str, Any],
        shared: SharedObjects,
        masker: SecretMasker,
        progress: ProgressCallback | None = None,
        *,
        timeout: float | None = None,
        cancel: threading.Event | None = None,
        on_token: Callable[[Connection, Mapping[str, Any]], None] | None = None,
        trigger_instance: str | None = None,
    ) -> None:
        self.connector_id = connector_id
        self.operation = operation
        self.settings = settings
        self._shared = shared
        self._masker = masker
        self._progress = progress
        #: The run's time limit in seconds (None: none), and when it ends (``time.monotonic()``).
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout if timeout is not None else None
        #: Set by the caller to cancel the run; waits and the HTTP toolkit check it.
        self.cancel_event = cancel
        self._on_token = on_token
        self.trigger_instance = trigger_instance

    def shared(self, key: str, factory: Callable[[], Any]) -> Any:
        return self._shared.get(key, factory)

    def progress(self, done: int, total: int | None = None, unit: str = "") -> None:
        if self._progress is not None:
            self._progress(done, total, unit)

    def add_secret(self, value: str) -> None:
        self._masker.add(value)

    def remaining(self) -> float | None:
        """Seconds left before the run's deadline (may be negative); None without a deadline."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event is not None and self.cancel_event.is_set()

    def check_cancelled(self) -> None:
        """Raise :class:`~connector_core.OperationError` if the caller cancelled the run."""
        if self.cancelled:
            from .errors import OperationError

            raise OperationError(f"{self.operation or 'the call'} was cancelled",
                                 hint="nothing more was sent; run it again when wanted",
                                 connector=self.connector_id)

    def token_refreshed(self, connection: Connection, token: Mapping[str, Any]) -> None:
        """Hand a refreshed OAuth token to the host's ``connector_token_refreshed`` hook."""
        if self._on_token is not None:
            self._on_token(connection, token)


class SharedObjects:
    """Host-scoped singletons keyed by name: built once, on first use, under a lock."""

    def __init__(self) -> None:
        self._objects: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: str, factory: Callable[[], Any]) -> Any:
        try:
            return self._objects[key]
        except KeyError:
            with self._lock:
                if key not in self._objects:
                    self._objects[key] = factory()
                return self._objects[key]
