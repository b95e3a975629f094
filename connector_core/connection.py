"""Connections: validated values for one connector, and the context an operation runs in."""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
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

    - ``settings``: the host's settings (read-only), e.g. ``aws.allow_private_endpoints``.
    - :meth:`shared`: a host-scoped object built once per key (a client cache), thread-safe.
    - :meth:`progress`: report progress of long work; the CLI draws a bar from it.
    - :meth:`add_secret`: a value derived at run time (temporary credentials) that logs must mask.
    """

    __slots__ = ("connector_id", "operation", "settings", "_shared", "_masker", "_progress")

    def __init__(
        self,
        connector_id: str,
        operation: str | None,
        settings: Mapping[str, Any],
        shared: SharedObjects,
        masker: SecretMasker,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.connector_id = connector_id
        self.operation = operation
        self.settings = settings
        self._shared = shared
        self._masker = masker
        self._progress = progress

    def shared(self, key: str, factory: Callable[[], Any]) -> Any:
        return self._shared.get(key, factory)

    def progress(self, done: int, total: int | None = None, unit: str = "") -> None:
        if self._progress is not None:
            self._progress(done, total, unit)

    def add_secret(self, value: str) -> None:
        self._masker.add(value)


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
