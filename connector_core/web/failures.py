"""Framework errors as API replies: the right status, the connector's masked message.

Every message passes through the host's masker (secret values it has seen) and
:func:`~.body.scrub` (strings the client sent), and through ``extra_mask`` (e.g. the
server's file area path) before it leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from ..errors import ConnectorError, NotFoundError, UnavailableError, ValidationError
from ..store.errors import ConflictError, DecryptionError, MasterKeyError, MigrationError
from .body import ApiError, invalid, scrub


def store_failure(exc: ConnectorError, submitted: Any = None, public: Collection[str] = ()) -> ApiError:
    """An error of the store's calls: not found, invalid values, migration, conflict, down."""
    if isinstance(exc, ValidationError):
        return invalid(exc, submitted, public=public)
    if isinstance(exc, NotFoundError):
        return ApiError(404, "not_found", "no such connection for this tenant",
                        hint="list this tenant's connections with GET /api/connections")
    if isinstance(exc, MigrationError):
        return ApiError(409, "migration_failed", scrub(exc.message, submitted), hint=exc.hint)
    if isinstance(exc, ConflictError):
        return ApiError(409, "conflict", exc.message, hint=exc.hint)
    if isinstance(exc, (DecryptionError, MasterKeyError)):
        return ApiError(500, "store_error", "the stored connection cannot be decrypted",
                        hint="the host's master keys are missing or wrong; tell its operator")
    if isinstance(exc, UnavailableError):
        return ApiError(503, "store_unavailable", "the connection store is unavailable; retry shortly")
    return connector_failure(exc, submitted)


def connector_failure(exc: ConnectorError, submitted: Any = None,
                      mask: Callable[[str], str] = lambda text: text) -> ApiError:
    """A connector's failure while testing or running: 422 for bad input, else 502/503."""
    if isinstance(exc, ValidationError):
        return invalid(exc, submitted)
    status = 503 if exc.retryable else 502
    message = mask(scrub(exc.message, submitted))
    hint = mask(scrub(exc.hint, submitted)) if exc.hint else None
    return ApiError(status, "connector_error", message, hint=hint, kind=type(exc).__name__,
                    connector=exc.connector, retryable=exc.retryable)
