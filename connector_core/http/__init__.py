"""The HTTP toolkit for REST connectors: cached clients, auth (OAuth 2.0 included), retries,
typed errors, pagination, all through the network policy.

Importing this package imports neither httpx2 nor Authlib: each name is loaded from its
module on first use, so a host that only lists connectors or draws forms stays fast.

.. code-block:: python

    from connector_core.http import client, paginate_cursor

    def list_widgets(connection, params, context):
        api = client(connection, context)
        yield from paginate_cursor(api, "/widgets", items="data", cursor="next_cursor")

    def create_widget(connection, params, context):
        return client(connection, context).json("POST", "/widgets", json=params)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy_exports import lazy_exports

# name -> module (relative to this package) that defines it.
_EXPORTS = {
    "HttpClient": "client",
    "client": "client",
    "ClientCache": "clients",
    "client_cache": "clients",
    "RetryPolicy": "retries",
    "retry_after_seconds": "retries",
    "EchoMasker": "errors",
    "error_for_response": "errors",
    "paginate_cursor": "pagination",
    "paginate_link": "pagination",
    "paginate_offset": "pagination",
    "paginate_page": "pagination",
    "authorization_url": "oauth",
    "exchange_code": "oauth",
    "AUTH_TYPES": "auth",
    "PolicyTransport": "transport",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from .auth import AUTH_TYPES
    from .client import HttpClient, client
    from .clients import ClientCache, client_cache
    from .errors import EchoMasker, error_for_response
    from .oauth import authorization_url, exchange_code
    from .pagination import paginate_cursor, paginate_link, paginate_offset, paginate_page
    from .retries import RetryPolicy, retry_after_seconds
    from .transport import PolicyTransport


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
