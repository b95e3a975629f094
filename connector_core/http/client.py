"""One operation's view of a cached session: requests with policy, retries, timeouts, cancellation.

:func:`client` is what an operation calls. The :class:`HttpClient` it returns is cheap
(the pooled session behind it is cached per connection) and bound to this run's context:
its deadline bounds every timeout, its cancellation is checked before each attempt and
during every wait, and its errors name the connector.

Redirects are followed here, not by httpx2, so that each hop's URL goes through the
network policy before anything is sent to it: a redirect to a forbidden address (the
metadata service, a private host) is refused with an error, not followed. Credentials
are sent to the base URL's origin only.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

import httpx2

from .. import errors as E
from ..errors import ConfigurationError
from .clients import HttpSession, client_cache
from .errors import error_for_failure, error_for_response
from .retries import RetryPolicy, retry_after_seconds

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# A path of RFC 3986 characters, not "//" (a network-path reference names another host).
_PLAIN_PATH = re.compile(r"/(?!/)[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*")
# Failures that happen before the request is sent: any method may be tried again.
_NOT_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)


class HttpClient:
    """Send requests for one operation run. Paths are relative to the connection's base URL."""

    def __init__(self, session: HttpSession, context: Any, retry: RetryPolicy) -> None:
        self.session = session
        self.context = context
        self.retry = retry

    # -- the verbs ----------------------------------------------------------------------

    def get(self, url: str, **kwargs: Any) -> httpx2.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx2.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx2.Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx2.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx2.Response:
        return self.request("DELETE", url, **kwargs)

    def json(self, method: str, url: str, **kwargs: Any) -> Any:
        """The decoded JSON body of a successful request (None for an empty body)."""
        response = self.request(method, url, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise E.OperationError(
                f"{method} {url} answered {response.headers.get('content-type') or 'a body'} that is not JSON",
                hint="check the base URL: it may point at a web page instead of the API",
                connector=self.session.connector_id) from None

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        allow_status: tuple[int, ...] = (),
    ) -> httpx2.Response:
        """Send one request (retried as :mod:`.retries` says); the response, its body read.

        A status of 400 or more raises the typed error for it (see :mod:`.errors`),
        except those in ``allow_status`` (``allow_status=(404,)`` to test existence).
        ``timeout`` (seconds) bounds this request's connect and read; the operation's
        deadline, if the host set one, bounds it too.
        """
        with self.session:  # an evicted session is closed only after its last request
            return self._request(method.upper(), url, params=params, json=json, data=data, content=content,
                                 headers=headers, timeout=timeout, allow_status=allow_status)

    def _request(self, method: str, url: str, *, params: Any, json: Any, data: Any, content: Any,
                 headers: Any, timeout: float | None, allow_status: tuple[int, ...]) -> httpx2.Response:
        request = self.session.client.build_request(method, self._absolute(url), params=params, json=json,
                                                    data=data, content=content, headers=headers)
        attempt = 0
        while True:
            attempt += 1
            limits = self._timeout(timeout, request)
            try:
                response = self._send(request, limits)
            except httpx2.TransportError as exc:
                waited = self.retry.retries_failure(method, sent=not isinstance(exc, _NOT_SENT)) and \
                    self._wait(self.retry.wait_for(attempt, None))
                if waited:
                    continue
                seconds = _seconds(exc, limits)
                remaining = _remaining(self.context)
                if seconds is not None and remaining is not None and remaining <= 0.05:
                    seconds = self.context.timeout  # the operation's deadline is what ran out: name it
                raise error_for_failure(exc, request, self.session.masker, timeout=seconds,
                                        connector=self.session.connector_id) from None
            status = response.status_code
            if status < 400 or status in allow_status:
                return response
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            if self.retry.retries_status(method, status) and self._wait(self.retry.wait_for(attempt, retry_after)):
                continue
            raise error_for_response(response, self.session.masker, connector=self.session.connector_id,
                                     retry_after=retry_after)

    # -- internals ----------------------------------------------------------------------

    def _absolute(self, url: Any) -> Any:
        """A plain path as the absolute URL httpx2 would make of it (the base URL's path, then
        the path without its "/"), spelt out so that it is parsed once, not twice; anything
        else is left to httpx2."""
        prefix = self.session.path_prefix
        if prefix is not None and isinstance(url, str) and _PLAIN_PATH.fullmatch(url):
            return prefix + url[1:]
        return url

    def _send(self, request: httpx2.Request, limits: dict[str, float | None]) -> httpx2.Response:
        """Send, following redirects by hand: every hop is checked by the policy before it is sent."""
        session = self.session
        for _hop in range(session.max_redirects + 1):
            origin = session.check_url(request.url)
            request.extensions["timeout"] = limits
            response = session.client.send(request, auth=session.auth_for(origin))
            if response.status_code not in _REDIRECTS or "location" not in response.headers:
                return response
            request = self._next_hop(request, response)
        raise E.OperationError(f"more than {session.max_redirects} redirects from {request.url.host}",
                               hint="check the base URL; raise http.max_redirects if the service needs more",
                               connector=session.connector_id)

    def _next_hop(self, request: httpx2.Request, response: httpx2.Response) -> httpx2.Request:
        session = self.session
        target = request.url.join(response.headers["location"])
        try:
            session.check_url(target, what="redirect target")
        except ConfigurationError as exc:
            raise ConfigurationError(
                f"refused to follow a redirect ({response.status_code}) from {request.url.host} to "
                f"{session.masker.mask(str(target.copy_with(query=None)))}: {exc.message}",
                hint=exc.hint, connector=session.connector_id) from None
        method = request.method
        keep_body = response.status_code in (307, 308)
        if response.status_code == 303 and method != "HEAD" or response.status_code in (301, 302) and method == "POST":
            method = "GET"
        drop = {"host", "content-length", "transfer-encoding"}
        if not keep_body:
            drop.add("content-type")
        if (target.scheme, target.host, target.port) != (request.url.scheme, request.url.host, request.url.port):
            drop |= {"authorization", "cookie", "proxy-authorization"}
            api_key = getattr(session.auth, "name", None)
            if api_key:
                drop.add(api_key.lower())
        headers = {k: v for k, v in request.headers.items() if k.lower() not in drop}
        response.close()
        return session.client.build_request(method, target, headers=headers,
                                            content=request.content if keep_body else None)

    def _timeout(self, seconds: float | None, request: httpx2.Request) -> dict[str, float | None]:
        """This attempt's connect/read/write/pool timeouts, capped by the run's deadline."""
        self._check_cancelled()
        session = self.session
        remaining = _remaining(self.context)
        if seconds is None and remaining is None:
            return session.timeouts  # the common case, computed once per session
        limits = dict(session.timeouts)
        if seconds is not None:
            limits.update(read=seconds, write=seconds, connect=min(seconds, limits["connect"] or seconds))
        if remaining is None:
            return limits
        if remaining <= 0:
            raise E.UnavailableError(
                f"the operation ran out of time before {request.method} "
                f"{session.masker.mask(str(request.url.copy_with(query=None)))}",
                hint="raise the operation's timeout, or retry later", connector=session.connector_id)
        return {phase: remaining if value is None else min(value, remaining) for phase, value in limits.items()}

    def _wait(self, seconds: float | None) -> bool:
        """Wait before a retry; False if there is no retry or it would outlive the deadline."""
        if seconds is None:
            return False
        remaining = _remaining(self.context)
        if remaining is not None and seconds >= remaining:
            return False
        cancel = getattr(self.context, "cancel_event", None)
        if cancel is not None:
            if cancel.wait(seconds):
                self._check_cancelled()
        elif seconds > 0:
            time.sleep(seconds)
        return True

    def _check_cancelled(self) -> None:
        cancel = getattr(self.context, "cancel_event", None)
        if cancel is not None and cancel.is_set():
            self.context.check_cancelled()


def _remaining(context: Any) -> float | None:
    if getattr(context, "deadline", None) is None:
        return None
    return context.remaining()


def _seconds(exc: Exception, limits: dict[str, float | None]) -> float | None:
    if isinstance(exc, httpx2.ConnectTimeout):
        return limits["connect"]
    if isinstance(exc, httpx2.PoolTimeout):
        return limits["pool"]
    if isinstance(exc, httpx2.WriteTimeout):
        return limits["write"]
    if isinstance(exc, httpx2.TimeoutException):
        return limits["read"]
    return None


def client(connection: Any, context: Any) -> HttpClient:
    """The HTTP client for this connection and run: pooled and cached per connection identity.

    Raises :class:`~connector_core.ConfigurationError` when the network policy refuses
    the connection's base URL (before any socket is opened).
    """
    return HttpClient(client_cache(context).get(connection), context, _retry_policy(context))


def _retry_policy(context: Any) -> RetryPolicy:
    return context.shared("http.retry_policy", lambda: RetryPolicy.from_settings(context.settings))


__all__ = ["HttpClient", "client"]
