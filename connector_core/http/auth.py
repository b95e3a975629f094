"""Authentication of HTTP requests, from the ``http.credentials`` fragment's fields.

Each auth type is an :class:`httpx2.Auth`, applied to every request the client sends:

- ``api_key``: a header (default) or a query parameter carrying the key;
- ``basic``: HTTP Basic (httpx2's own);
- ``bearer``: a fixed token in ``Authorization: Bearer``;
- ``oauth_client_credentials``: a token from the token endpoint (RFC 6749 §4.4), cached
  and fetched again shortly before it expires, or when the API answers 401;
- ``oauth_authorization_code``: a token refreshed from the connection's refresh token
  (RFC 6749 §6), again before expiry or on 401. A refresh may return a new refresh
  token: the host is told through the ``connector_token_refreshed`` hook, so it can store
  it (the old one may stop working).

The token endpoint is spoken to with Authlib's httpx(2) integration, through the same
policy-checked transport as the API itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Mapping
from typing import Any

import httpx2

from .. import errors as E
from ..secrets import Secret
from .errors import EchoMasker, error_for_failure, error_for_response

AUTH_TYPES = ("none", "api_key", "basic", "bearer", "oauth_client_credentials", "oauth_authorization_code")
#: Seconds before expiry at which a token is fetched again, so no request carries a dying token.
TOKEN_LEEWAY = 60

TokenCallback = Callable[[Mapping[str, Any]], None]


def authlib_client() -> type:
    """Authlib's httpx2 ``OAuth2Client``, imported on first use.

    Authlib speaks httpx2 when it is installed (the ``http`` extra installs it) and falls
    back to the older httpx otherwise; the toolkit's transport is an httpx2 one.
    """
    from authlib.integrations.httpx_client import OAuth2Client

    if not issubclass(OAuth2Client, httpx2.Client):
        raise E.ConfigurationError("Authlib is not using httpx2", hint="pip install 'connector-core[http]'")
    return OAuth2Client


def _reveal(value: Any) -> str:
    return value.reveal() if isinstance(value, Secret) else str(value)


class ApiKeyAuth(httpx2.Auth):
    """An API key in a header (``X-API-Key: KEY``) or a query parameter (``?api_key=KEY``)."""

    def __init__(self, name: str, value: str, placement: str = "header") -> None:
        self.name, self._value, self.placement = name, value, placement

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        if self.placement == "query":
            request.url = request.url.copy_merge_params({self.name: self._value})
        else:
            request.headers[self.name] = self._value
        yield request


class BearerAuth(httpx2.Auth):
    """A fixed token in ``Authorization: Bearer TOKEN``."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class TokenSource:
    """OAuth 2.0 access tokens for one connection: fetched once, shared by threads, renewed before expiry."""

    def __init__(
        self,
        *,
        grant: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str | None,
        refresh_token: str | None,
        extra: Mapping[str, Mapping[str, str]],
        transport: httpx2.BaseTransport,
        timeout: httpx2.Timeout,
        masker: EchoMasker,
        on_secret: Callable[[str], None],
        on_refresh: TokenCallback | None,
        connector: str | None,
        user_agent: str,
    ) -> None:
        OAuth2Client = authlib_client()
        self.grant = grant
        self.token_url = token_url
        self._refresh_token = refresh_token
        self._extra = extra
        self._masker = masker
        self._on_secret = on_secret
        self._on_refresh = on_refresh
        self._connector = connector
        self._lock = threading.Lock()
        self._token: Any = None
        masker.add(client_secret, usernames=[client_id])  # as sent: a Basic header to the token endpoint
        #: How many tokens were obtained (fetched or refreshed): for tests and diagnostics.
        self.tokens_obtained = 0
        self._oauth = OAuth2Client(
            client_id=client_id, client_secret=client_secret, scope=scope or None,
            transport=transport, timeout=timeout, trust_env=False, follow_redirects=False,
            headers={**extra.get("header", {}), "User-Agent": user_agent},
            leeway=TOKEN_LEEWAY,
        )

    def access_token(self, stale: str | None = None) -> str:
        """A valid access token; ``stale``: the one the API just refused, so get another."""
        with self._lock:
            token = self._token
            if token is None or token.is_expired(leeway=TOKEN_LEEWAY) or token["access_token"] == stale:
                token = self._token = self._obtain()
            return token["access_token"]

    def _obtain(self) -> Any:
        params = {**self._extra.get("body", {}), **self._extra.get("query_string", {})}
        try:
            if self.grant == "oauth_client_credentials":
                token = self._oauth.fetch_token(self.token_url, grant_type="client_credentials", **params)
            else:
                token = self._oauth.refresh_token(self.token_url, refresh_token=self._refresh_token, **params)
        except E.ConnectorError:
            raise
        except Exception as exc:
            raise self._error(exc) from None
        self.tokens_obtained += 1
        for key in ("access_token", "refresh_token", "id_token"):
            if token.get(key):
                self._masker.add(token[key])
                self._on_secret(token[key])
        new_refresh = token.get("refresh_token")
        if self.grant == "oauth_authorization_code" and new_refresh and new_refresh != self._refresh_token:
            self._refresh_token = new_refresh
        if self.grant == "oauth_authorization_code" and self._on_refresh is not None:
            self._on_refresh(dict(token))
        return token

    def _error(self, exc: Exception) -> E.ConnectorError:
        from authlib.integrations.base_client import OAuthError

        if isinstance(exc, OAuthError):
            detail = self._masker.mask(f"{exc.error}: {exc.description or ''}".rstrip(": "))
            return E.AuthenticationError(
                f"the token endpoint refused the request ({detail})",
                hint="check the client ID and secret, the scope" +
                (" and the refresh token (authorize the connection again)" if self.grant != "oauth_client_credentials"
                 else ""), connector=self._connector)
        if isinstance(exc, httpx2.HTTPStatusError):
            return error_for_response(exc.response, self._masker, connector=self._connector)
        if isinstance(exc, httpx2.HTTPError) and getattr(exc, "_request", None) is not None:
            return error_for_failure(exc, exc.request, self._masker, timeout=None, connector=self._connector)
        if isinstance(exc, ValueError):  # a body that is not a token
            return E.AuthenticationError("the token endpoint did not answer with a token",
                                         hint="check the token endpoint URL", connector=self._connector)
        return E.OperationError(f"fetching an OAuth token failed: {type(exc).__name__}",
                                hint="see the host's logs", connector=self._connector)

    def close(self) -> None:
        self._oauth.close()


class OAuthAuth(httpx2.Auth):
    """``Authorization: Bearer`` with a token from a :class:`TokenSource`; one retry with a new token on 401."""

    def __init__(self, source: TokenSource) -> None:
        self.source = source

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        token = self.source.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:  # revoked early, or the server's clock disagrees
            request.headers["Authorization"] = f"Bearer {self.source.access_token(stale=token)}"
            yield request


def build_auth(connection: Mapping[str, Any], *, masker: EchoMasker, token_source: Callable[..., TokenSource]
               ) -> httpx2.Auth | None:
    """The :class:`httpx2.Auth` for the connection's ``auth_type``; None for ``none``."""
    auth_type = connection.get("auth_type") or "none"
    if auth_type == "none":
        return None
    if auth_type == "api_key":
        block = connection["api_key"]
        value = _reveal(block["value"])
        masker.add(value)
        return ApiKeyAuth(block.get("key") or "X-API-Key", value, block.get("placement") or "header")
    if auth_type == "basic":
        block = connection["basic"]
        username, password = str(block["username"]), _reveal(block["password"])
        masker.add(password, usernames=[username])
        return httpx2.BasicAuth(username, password)
    if auth_type == "bearer":
        token = _reveal(connection["bearer"]["token"])
        masker.add(token)
        return BearerAuth(token)
    if auth_type in ("oauth_client_credentials", "oauth_authorization_code"):
        return OAuthAuth(token_source(auth_type))
    raise E.ConfigurationError(f"unknown auth_type {auth_type!r}", hint="choose one of: " + ", ".join(AUTH_TYPES))


def oauth_settings(connection: Mapping[str, Any]) -> dict[str, Any]:
    """The OAuth block's values, revealed, for a :class:`TokenSource` or a code exchange."""
    block = connection["oauth"]
    client = block["client_parameters"]
    extra: dict[str, dict[str, str]] = {}
    for kind, pairs in (block.get("oauth_http_parameters") or {}).items():
        extra[kind] = {p["key"]: _reveal(p["value"]) for p in pairs or ()}
    refresh = connection.get("refresh_token")
    return {
        "token_url": str(block["authorization_endpoint"]),
        "client_id": str(client["client_id"]),
        "client_secret": _reveal(client["client_secret"]),
        "scope": block.get("scope"),
        "refresh_token": _reveal(refresh) if refresh is not None else None,
        "extra": extra,
    }


__all__ = ["AUTH_TYPES", "ApiKeyAuth", "BearerAuth", "OAuthAuth", "TokenSource", "build_auth", "oauth_settings"]
