"""The OAuth 2.0 authorization code grant: the steps a host's UI runs once per connection.

1. :func:`authorization_url`: where to send the user's browser (with ``state`` and, for
   PKCE, a code challenge).
2. The provider redirects back to the host with ``code``; :func:`exchange_code` trades it
   at the token endpoint for tokens. The host stores ``token["refresh_token"]`` as the
   connection's ``refresh_token`` (a secret field of ``http.credentials``).
3. From then on the client refreshes access tokens itself; when the provider rotates the
   refresh token, the host's ``connector_token_refreshed`` hook receives the new one.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import httpx2

from .. import errors as E
from .auth import authlib_client, oauth_settings
from .clients import client_cache
from .transport import PolicyTransport


def _oauth_client(connection: Any, context: Any, redirect_uri: str):
    OAuth2Client = authlib_client()
    session = client_cache(context).get(connection)
    values = oauth_settings(connection)
    session.check_url(httpx2.URL(values["token_url"]), what="token endpoint")
    client = OAuth2Client(client_id=values["client_id"], client_secret=values["client_secret"],
                          scope=values["scope"] or None, redirect_uri=redirect_uri,
                          transport=PolicyTransport(session.policy, max_connections=1), timeout=session.timeout,
                          trust_env=False, follow_redirects=False, headers={"User-Agent": session.user_agent})
    return session, values, client


def authorization_url(connection: Any, context: Any, redirect_uri: str, *, state: str | None = None,
                      code_verifier: str | None = None) -> tuple[str, str]:
    """``(url, state)``: the provider's authorize page for this connection; keep ``state`` to check the callback.

    Give a ``code_verifier`` (43-128 characters, kept by the host until the exchange) to
    use PKCE (RFC 7636, S256).
    """
    authorize = connection.get("authorize_url")
    if not authorize:
        raise E.ConfigurationError("the connection has no authorization URL",
                                   hint="fill in Authorization URL (the provider's authorize page)",
                                   connector=connection.connector_id)
    _session, _values, client = _oauth_client(connection, context, redirect_uri)
    with client:
        extra = {"code_verifier": code_verifier} if code_verifier else {}
        if code_verifier:
            client.code_challenge_method = "S256"
        url, state = client.create_authorization_url(str(authorize), state=state or secrets.token_urlsafe(24),
                                                     **extra)
    return url, state


def exchange_code(connection: Any, context: Any, code: str, redirect_uri: str, *,
                  code_verifier: str | None = None) -> Mapping[str, Any]:
    """Trade an authorization code for tokens (``access_token``, ``refresh_token``, ``expires_at``...).

    Raises :class:`~connector_core.AuthenticationError` when the token endpoint refuses
    the code (expired, used twice, wrong redirect URI).
    """
    from authlib.integrations.base_client import OAuthError

    session, values, client = _oauth_client(connection, context, redirect_uri)
    extra = {"code_verifier": code_verifier} if code_verifier else {}
    params = {**values["extra"].get("body", {}), **values["extra"].get("query_string", {})}
    with client:
        try:
            token = client.fetch_token(values["token_url"], grant_type="authorization_code", code=code,
                                       redirect_uri=redirect_uri, **extra, **params)
        except OAuthError as exc:
            raise E.AuthenticationError(
                f"the token endpoint refused the authorization code ({session.masker.mask(str(exc.error))})",
                hint="start the authorization again: a code is valid once and for a short time",
                connector=connection.connector_id) from None
        except httpx2.HTTPError as exc:
            raise E.UnavailableError(f"cannot reach the token endpoint: {type(exc).__name__}",
                                     hint="check the token endpoint URL and the network",
                                     connector=connection.connector_id) from None
    for key in ("access_token", "refresh_token", "id_token"):
        if token.get(key):
            context.add_secret(token[key])
    return dict(token)


__all__ = ["authorization_url", "exchange_code"]
