"""Cached HTTP sessions: one pooled httpx2 client per connection identity.

Building a client (TLS context, connection pool, auth, an OAuth token) costs far more
than a request to a warm connection; a host running operations from many threads must
not pay it per call, and must not open a new TCP/TLS connection per call either. The
:class:`ClientCache` (one per host, in ``context.shared("http.clients")``) keys sessions
by the connection's fingerprint (its values, secrets included, hashed), so a host that
rebuilds its ``Connection`` per request still reuses the pooled session; it builds each
exactly once however many threads ask, and keeps at most ``http.max_clients`` (least
recently used are closed first).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import httpx2

from .. import __version__
from ..connection import Connection
from ..errors import ConfigurationError
from .auth import TokenSource, build_auth, oauth_settings
from .errors import EchoMasker
from .transport import PolicyTransport

SHARED_KEY = "http.clients"
DEFAULT_USER_AGENT = f"connector-core/{__version__} (+httpx2/{httpx2.__version__})"
_MAX_CHECKED_ORIGINS = 256


def _setting(settings: Mapping[str, Any], name: str, default: Any) -> Any:
    value = settings.get(name)
    return default if value is None else value


class HttpSession:
    """What one connection identity keeps between calls: the pooled client, auth, masker, policy."""

    def __init__(self, connection: Connection, settings: Mapping[str, Any],
                 on_secret: Callable[[str], None], on_token: Callable[[Connection, Mapping[str, Any]], None]) -> None:
        from ..net import NetworkPolicy

        self.connector_id = connection.connector_id
        self.policy = NetworkPolicy.from_settings(settings)
        base_url = str(connection.get("base_url") or "")
        if not base_url:
            raise ConfigurationError("the connection has no base URL", hint="fill in Base URL",
                                     connector=self.connector_id)
        # The base URL is checked before any client exists, so before any socket can open.
        self.policy.check_url(base_url, what="base URL")
        base = httpx2.URL(base_url)
        self.origin = (base.raw_scheme, base.raw_host.lower(), base.port)
        self._checked = {self.origin}
        self._checked_lock = threading.Lock()
        self._in_flight = 0
        self._retired = False
        self.timeout = httpx2.Timeout(
            connect=float(_setting(settings, "http.connect_timeout", 5)),
            read=float(_setting(settings, "http.read_timeout", 30)),
            write=float(_setting(settings, "http.read_timeout", 30)),
            pool=float(_setting(settings, "http.connect_timeout", 5)),
        )
        #: The per-request timeouts as httpcore2 takes them (a request's ``timeout`` extension).
        self.timeouts: dict[str, float | None] = self.timeout.as_dict()
        self.max_redirects = int(_setting(settings, "http.max_redirects", 5))
        self.user_agent = str(_setting(settings, "http.user_agent", DEFAULT_USER_AGENT))
        self.masker = EchoMasker()
        self.masker.add_secrets_of(connection)
        self._transport = PolicyTransport(self.policy,
                                          max_connections=int(_setting(settings, "http.max_connections", 20)))
        self.token_source: TokenSource | None = None

        def token_source(grant: str) -> TokenSource:
            values = oauth_settings(connection)
            self.check_url(httpx2.URL(values["token_url"]), what="token endpoint")
            self.token_source = TokenSource(
                grant=grant, transport=PolicyTransport(self.policy, max_connections=2), timeout=self.timeout,
                masker=self.masker, on_secret=on_secret, connector=self.connector_id, user_agent=self.user_agent,
                on_refresh=lambda token: on_token(connection, token), **values)
            return self.token_source

        self.auth = build_auth(connection, masker=self.masker, token_source=token_source)
        # trust_env=False: proxies from the environment would bypass the policy-checked transport.
        self.client = httpx2.Client(base_url=base_url, transport=self._transport, timeout=self.timeout,
                                   headers={"User-Agent": self.user_agent}, follow_redirects=False,
                                   trust_env=False)
        #: The base URL as text when a plain path may simply be appended to it (see
        #: HttpClient._absolute): no query or fragment of its own; it ends with "/".
        merged = self.client.base_url
        text = str(merged)
        self.path_prefix = None if merged.query or merged.fragment else text if text.endswith("/") else text + "/"

    def check_url(self, url: httpx2.URL, *, what: str = "URL") -> tuple[bytes, bytes, int | None]:
        """The URL's origin, checked against the network policy (each origin once per session).

        The policy's address check runs again on every connect (in the transport), so a
        name that resolves elsewhere later (DNS rebinding) is still caught.
        """
        # raw_scheme/raw_host are the parsed bytes: cheaper than the decoded properties.
        origin = (url.raw_scheme, url.raw_host.lower(), url.port)
        if origin in self._checked:
            return origin
        self.policy.check_url(str(url), what=what)
        with self._checked_lock:
            if len(self._checked) >= _MAX_CHECKED_ORIGINS:
                self._checked = {self.origin}
            self._checked.add(origin)
        return origin

    def auth_for(self, origin: tuple[bytes, bytes, int | None]) -> httpx2.Auth | None:
        """Credentials go to the base URL's origin only, never to a host a redirect or a link names."""
        return self.auth if origin == self.origin else None

    def __enter__(self) -> HttpSession:
        with self._checked_lock:
            self._in_flight += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._checked_lock:
            self._in_flight -= 1
            close = self._retired and self._in_flight == 0
        if close:
            self.close()

    def retire(self) -> None:
        """Close now if idle, else when the last request in flight ends (the cache dropped it)."""
        with self._checked_lock:
            self._retired = True
            close = self._in_flight == 0
        if close:
            self.close()

    def close(self) -> None:
        self.client.close()
        if self.token_source is not None:
            self.token_source.close()


class ClientCache:
    """A bounded, thread-safe cache of :class:`HttpSession` by connection identity."""

    def __init__(self, settings: Mapping[str, Any], on_secret: Callable[[str], None] = lambda value: None,
                 on_token: Callable[[Connection, Mapping[str, Any]], None] = lambda c, t: None) -> None:
        self.settings = settings
        self.max_clients = int(_setting(settings, "http.max_clients", 64))
        if self.max_clients < 1:
            raise ValueError("http.max_clients must be at least 1")
        self._on_secret = on_secret
        self._on_token = on_token
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, HttpSession] = OrderedDict()
        self._building: dict[str, threading.Lock] = {}
        #: How many sessions were built (for tests and diagnostics).
        self.built = 0

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, connection: Connection) -> HttpSession:
        key = connection.fingerprint
        with self._lock:
            found = self._sessions.get(key)
            if found is not None:
                self._sessions.move_to_end(key)
                return found
            build_lock = self._building.setdefault(key, threading.Lock())
        with build_lock:
            try:
                with self._lock:
                    found = self._sessions.get(key)
                    if found is not None:
                        return found
                session = HttpSession(connection, self.settings, self._on_secret, self._on_token)
                evicted = []
                with self._lock:
                    self._sessions[key] = session
                    self.built += 1
                    while len(self._sessions) > self.max_clients:
                        evicted.append(self._sessions.popitem(last=False)[1])
                for old in evicted:  # requests in flight on it finish first
                    old.retire()
                return session
            finally:
                with self._lock:
                    if self._building.get(key) is build_lock:
                        del self._building[key]

    def clear(self) -> None:
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), OrderedDict()
        for session in sessions:
            session.retire()


def client_cache(context: Any) -> ClientCache:
    """The host's HTTP client cache (one per host, shared by every plugin)."""
    return context.shared(SHARED_KEY, lambda: ClientCache(
        context.settings, on_secret=context.add_secret,
        on_token=getattr(context, "token_refreshed", lambda connection, token: None)))


__all__ = ["ClientCache", "DEFAULT_USER_AGENT", "HttpSession", "client_cache"]
