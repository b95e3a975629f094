"""Cached boto3 clients: one session per credential identity, one client per configuration.

A new boto3 session plus client costs tens of milliseconds and megabytes; a host running
operations from many threads must not pay that per call. :class:`ClientCache` (one per
host, held in ``context.shared("aws.clients")``) keys clients by credential identity,
service, region, endpoint and config, builds each exactly once however many threads ask
at the same moment, keeps at most ``aws.max_clients`` (least recently used goes first),
and drops an identity's session and clients when AWS says its token expired or is invalid,
so the next call rebuilds them with fresh credentials.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from .config import build_config, config_key
from .credentials import credentials_for, identity_of, session_with
from .endpoints import network_policy
from .regions import region_of
from .transport import apply_policy, socket_policy

MAX_CLIENTS = "aws.max_clients"
DEFAULT_MAX_CLIENTS = 128
SHARED_KEY = "aws.clients"

#: Error codes after which an identity's session is rebuilt: its credentials are stale.
STALE_CREDENTIAL_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "RequestExpired", "TokenRefreshRequired"}
)


class _SessionEntry:
    __slots__ = ("session", "lock")

    def __init__(self, session: Any) -> None:
        self.session = session
        # botocore sessions are not documented as safe for concurrent client creation.
        self.lock = threading.Lock()


class ClientCache:
    """A bounded, thread-safe cache of boto3 clients and the sessions behind them."""

    def __init__(self, max_clients: int = DEFAULT_MAX_CLIENTS) -> None:
        if max_clients < 1:
            raise ValueError("max_clients must be at least 1")
        self.max_clients = max_clients
        self._lock = threading.Lock()
        self._clients: OrderedDict[tuple, Any] = OrderedDict()
        self._sessions: OrderedDict[str, _SessionEntry] = OrderedDict()
        self._building: dict[Any, threading.Lock] = {}
        #: How many clients and sessions were built (for tests and diagnostics).
        self.clients_built = 0
        self.sessions_built = 0

    def __len__(self) -> int:
        return len(self._clients)

    def get(
        self, connection: Mapping[str, Any], context: Any, service: str, overrides: Mapping[str, Any] | None = None
    ) -> Any:
        """The client for this connection and service, built on first use."""
        overrides = overrides or {}
        identity = identity_of(connection)
        endpoint = connection.get("endpoint_url") or None
        key = (
            identity,
            service,
            region_of(connection),
            endpoint,
            config_key(connection, context.settings, service, overrides),
        )
        with self._lock:
            found = self._clients.get(key)
            if found is not None:
                self._clients.move_to_end(key)
                return found
            build_lock = self._building.setdefault(key, threading.Lock())
        with build_lock:
            try:
                with self._lock:
                    found = self._clients.get(key)
                    if found is not None:
                        return found
                return self._build(key, connection, context, overrides)
            finally:
                with self._lock:
                    if self._building.get(key) is build_lock:
                        del self._building[key]

    def _build(self, key: tuple, connection: Mapping[str, Any], context: Any, overrides: Mapping[str, Any]) -> Any:
        identity, service, region, endpoint, cfg_key = key
        # The URLs are checked before the client exists (a clear error early); every socket
        # the client opens later is checked again where it opens (apply_policy).
        policy = network_policy(context.settings)
        if endpoint:
            policy.check_url(endpoint)
        if connection.get("proxy_url"):
            policy.check_url(connection["proxy_url"], what="proxy")
        entry = self._session(identity, connection, context)
        config = build_config(cfg_key, overrides)
        with entry.lock:
            built = entry.session.client(service, region_name=region, endpoint_url=endpoint, config=config)
        apply_policy(built, socket_policy(policy, custom_route=bool(endpoint or connection.get("proxy_url"))))
        built.meta.events.register("after-call", self._make_stale_check(identity))
        with self._lock:
            self._clients[key] = built
            self.clients_built += 1
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
        return built

    def _session(self, identity: str, connection: Mapping[str, Any], context: Any) -> _SessionEntry:
        with self._lock:
            entry = self._sessions.get(identity)
            if entry is not None:
                self._sessions.move_to_end(identity)
                return entry
            build_lock = self._building.setdefault(("session", identity), threading.Lock())
        with build_lock:
            try:
                with self._lock:
                    entry = self._sessions.get(identity)
                    if entry is not None:
                        return entry
                entry = _SessionEntry(session_with(credentials_for(connection, context)))
                with self._lock:
                    self._sessions[identity] = entry
                    self.sessions_built += 1
                    while len(self._sessions) > self.max_clients:
                        self._sessions.popitem(last=False)
                return entry
            finally:
                with self._lock:
                    if self._building.get(("session", identity)) is build_lock:
                        del self._building[("session", identity)]

    def session(self, connection: Mapping[str, Any], context: Any) -> Any:
        """The boto3 session of the connection's credential identity."""
        return self._session(identity_of(connection), connection, context).session

    def _make_stale_check(self, identity: str):
        # botocore emits after-call for error responses too, before raising them.
        def after_call(parsed: Any = None, **_: Any) -> None:
            if parsed and parsed.get("Error", {}).get("Code") in STALE_CREDENTIAL_CODES:
                self.invalidate(identity)

        return after_call

    def invalidate(self, identity: str) -> None:
        """Forget an identity's session and clients; the next call rebuilds them."""
        with self._lock:
            self._sessions.pop(identity, None)
            for key in [k for k in self._clients if k[0] == identity]:
                del self._clients[key]

    def clear(self) -> None:
        with self._lock:
            self._clients.clear()
            self._sessions.clear()


def client_cache(context: Any) -> ClientCache:
    """The host's client cache (one per host, shared by every plugin)."""
    return context.shared(
        SHARED_KEY, lambda: ClientCache(int(context.settings.get(MAX_CLIENTS, DEFAULT_MAX_CLIENTS)))
    )


def client(connection: Mapping[str, Any], context: Any, service: str, **config_overrides: Any) -> Any:
    """A cached boto3 client for ``service``, configured from the connection and host settings.

    Honours the region rule, ``endpoint_url`` (checked against the endpoint policy),
    ``proxy_url``, S3 ``force_path_style``; ``config_overrides`` are extra botocore
    ``Config`` arguments (e.g. ``max_pool_connections=32``). Raises
    :class:`~connector_core.errors.ConfigurationError` when the policy or the auth
    mode refuses the connection.
    """
    return client_cache(context).get(connection, context, service, config_overrides)


def session_for(connection: Mapping[str, Any], context: Any) -> Any:
    """The cached boto3 session of the connection's credential identity."""
    return client_cache(context).session(connection, context)


__all__ = ["ClientCache", "STALE_CREDENTIAL_CODES", "client", "client_cache", "session_for"]
