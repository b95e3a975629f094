"""HTTP answers and failures as the framework's typed errors, with nothing secret in them.

A server's error body is the most useful thing to show a user ("field 'email' is
invalid") and the most dangerous: some services echo the request, credentials
included. Every excerpt is masked with :class:`EchoMasker`, which knows the
connection's secrets in each form a server may echo them (as sent, URL-encoded,
JSON-escaped, base64 as in a Basic header), before it reaches a message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import httpx2

from .. import errors as E
from ..secrets import MASK, Secret, SecretMasker

# A credential in an echoed Authorization header that no masker knew (a token minted elsewhere).
_AUTH_VALUE_RE = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
#: How much of an error body a message quotes.
EXCERPT_CHARS = 300
_MESSAGE_KEYS = ("message", "error_description", "detail", "error", "title", "description")


class EchoMasker:
    """Masks the connection's secrets in every encoding a server may echo them in.

    A :class:`~connector_core.SecretMasker` of its own (the forms are those of
    :mod:`connector_core.secret_forms`), plus ``Bearer``/``Basic`` values no one told it about.
    """

    def __init__(self) -> None:
        self._masker = SecretMasker()

    def add(self, value: str, usernames: Iterable[str] = ()) -> None:
        """Remember ``value``; ``usernames`` pair with it in a Basic header (a user, a client id)."""
        self._masker.add(value, usernames)

    def add_secrets_of(self, values: Any) -> None:
        """Every :class:`Secret` in a connection's values (nested ones too)."""
        for secret in _secrets(values):
            try:
                self.add(secret.reveal())
            except E.ConnectorError:  # an unreadable reference: it was never sent either
                pass

    def mask(self, text: str) -> str:
        """The text with known secrets masked, and any ``Bearer``/``Basic`` value a server echoed."""
        return _AUTH_VALUE_RE.sub(lambda m: f"{m[1]} {MASK}", self._masker.mask(text))


def _secrets(value: Any) -> Iterable[Secret]:
    if isinstance(value, Secret):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _secrets(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _secrets(item)


def excerpt(response: httpx2.Response, masker: EchoMasker) -> str:
    """The start of the body, on one line, masked."""
    try:
        text = response.text
    except Exception:  # undecodable: say so rather than fail while failing
        return "<binary body>"
    text = masker.mask(" ".join(text.split()))  # mask before cutting: a cut secret is not found
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "..."


def server_message(response: httpx2.Response, masker: EchoMasker) -> str:
    """The server's own explanation: a JSON ``message``/``error``/``detail`` field, else the body excerpt."""
    try:
        body = response.json()
    except Exception:
        return excerpt(response, masker)
    found = _find_message(body)
    if found:
        return masker.mask(found)[:EXCERPT_CHARS]
    return excerpt(response, masker)


def _find_message(body: Any) -> str | None:
    if isinstance(body, str):
        return body
    if isinstance(body, Mapping):
        for key in _MESSAGE_KEYS:
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, Mapping):
                nested = _find_message(value)
                if nested:
                    return nested
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            parts = [_find_message(e) or json.dumps(e) for e in errors[:5]]
            return "; ".join(p for p in parts if p)
        if isinstance(errors, Mapping) and errors:
            return "; ".join(f"{k}: {v}" for k, v in list(errors.items())[:5])
    return None


def error_for_response(response: httpx2.Response, masker: EchoMasker, *, connector: str | None = None,
                       retry_after: float | None = None) -> E.ConnectorError:
    """The typed error for a 4xx/5xx answer."""
    status = response.status_code
    request = response.request
    what = f"{request.method} {_safe_url(request.url, masker)}"
    kw: dict[str, Any] = {"connector": connector}
    if status == 401:
        return E.AuthenticationError(
            f"the server refused the credentials ({what} -> 401): {excerpt(response, masker)}",
            hint="check the connection's credentials (key, password, token or client secret)", **kw)
    if status == 403:
        return E.AccessDeniedError(
            f"access denied ({what} -> 403): {excerpt(response, masker)}",
            hint="the credentials are valid but lack a permission; ask the service's admin to grant it", **kw)
    if status == 404:
        return E.NotFoundError(f"not found ({what} -> 404)",
                               hint="check the name or id, and the connection's base URL", **kw)
    if status in (409, 422):
        message = server_message(response, masker)
        return E.ValidationError({"request": [message]}, message=f"the server rejected the request ({what} -> "
                                 f"{status}): {message}", hint="correct the input as the server says", **kw)
    if status == 429:
        wait = f"; it asked to wait {retry_after:g} s" if retry_after is not None else ""
        error = E.ThrottledError(f"the server is throttling requests ({what} -> 429{wait})",
                                 hint="retry later or lower the request rate", **kw)
        error.retry_after = retry_after  # type: ignore[attr-defined]
        return error
    if status >= 500:
        return E.UnavailableError(
            f"the server failed or is unavailable ({what} -> {status}): {excerpt(response, masker)}",
            hint="retry later; if it persists, check the service's status page", **kw)
    return E.OperationError(f"the server answered {status} ({what}): {excerpt(response, masker)}",
                            hint="see the service's API documentation for this status", **kw)


def error_for_failure(exc: Exception, request: httpx2.Request, masker: EchoMasker, *, timeout: float | None,
                      connector: str | None = None) -> E.ConnectorError:
    """The typed error for a request that got no answer (timeout, refused, TLS, protocol)."""
    where = _safe_url(request.url, masker)
    host = request.url.host
    kw: dict[str, Any] = {"connector": connector}
    seconds = f" within {timeout:g} s" if timeout is not None else ""
    if isinstance(exc, httpx2.ConnectTimeout):
        return E.UnavailableError(f"could not connect to {host}{seconds} ({request.method} {where})",
                                  hint="check the base URL and the network; raise http.connect_timeout if the "
                                  "server is slow to accept", **kw)
    if isinstance(exc, httpx2.PoolTimeout):
        return E.UnavailableError(f"no free connection to {host}{seconds}; too many requests in flight",
                                  hint="raise http.max_connections or run fewer requests at once", **kw)
    if isinstance(exc, httpx2.TimeoutException):
        return E.UnavailableError(f"{host} did not answer{seconds} ({request.method} {where})",
                                  hint="retry later; raise http.read_timeout or the operation's timeout if "
                                  "the server is slow", **kw)
    if isinstance(exc, httpx2.ConnectError):
        tls = "certificate" in str(exc).lower() or "ssl" in str(exc).lower()
        if tls:
            return E.UnavailableError(f"TLS failed talking to {host} ({request.method} {where})",
                                      hint="check the base URL's scheme and the server's certificate", **kw)
        return E.UnavailableError(f"cannot connect to {host} ({request.method} {where})",
                                  hint="check the base URL and that the server is up; retry later", **kw)
    if isinstance(exc, httpx2.TransportError):
        return E.UnavailableError(f"the connection to {host} failed: {type(exc).__name__} "
                                  f"({request.method} {where})", hint="retry later", **kw)
    return E.OperationError(f"unexpected {type(exc).__name__} calling {host}", hint="see the host's logs", **kw)


def _safe_url(url: httpx2.URL, masker: EchoMasker) -> str:
    """The URL without its query string (an API key may ride there), masked."""
    return masker.mask(str(url.copy_with(query=None, fragment=None)))


__all__ = ["EchoMasker", "error_for_failure", "error_for_response", "excerpt", "server_message"]
