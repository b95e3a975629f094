"""Derived values: who the connection is (STS GetCallerIdentity), and the account check."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from ..errors import ConnectorError
from ..results import Check
from .clients import client
from .credentials import identity_of
from .errors import aws_errors
from .regions import partition_of, region_of

SHARED_KEY = "aws.identities"
_MAX_REMEMBERED = 1024


class _Identities:
    """GetCallerIdentity answers per credential identity (they never change for one)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_identity: dict[tuple, dict[str, str]] = {}


def caller_identity(connection: Mapping[str, Any], context: Any) -> dict[str, str]:
    """``{"account", "arn", "user_id"}`` of the connection's credentials, asked once per identity.

    Raises the mapped :class:`~connector_core.errors.ConnectorError` when STS refuses.
    """
    cache: _Identities = context.shared(SHARED_KEY, _Identities)
    # The same keys may name different accounts at another endpoint (LocalStack) or partition.
    key = (identity_of(connection), connection.get("endpoint_url") or None, partition_of(region_of(connection)))
    found = cache.by_identity.get(key)
    if found is not None:
        return dict(found)
    connector = getattr(connection, "connector_id", None)
    with aws_errors(connector=connector, action="sts:GetCallerIdentity"):
        answer = client(connection, context, "sts").get_caller_identity()
    result = {"account": answer["Account"], "arn": answer["Arn"], "user_id": answer["UserId"]}
    with cache.lock:
        if len(cache.by_identity) >= _MAX_REMEMBERED:
            cache.by_identity.clear()
        cache.by_identity[key] = result
    return dict(result)


def check_account(
    connection: Mapping[str, Any], context: Any, expected: str | None, name: str = "account ID matches"
) -> Check:
    """A "Test connection" check that the credentials belong to the ``expected`` account.

    Skipped when no account ID is expected; failed, with what to do, on a mismatch or when
    the identity cannot be read.
    """
    if not expected:
        return Check.skipped(name, "the connection names no AWS account ID")
    try:
        account = caller_identity(connection, context)["account"]
    except ConnectorError as exc:
        return Check.failed(name, f"could not read the caller identity: {exc.message}", exc.hint)
    if account != str(expected).strip():
        return Check.failed(
            name,
            f"the credentials belong to account {account}, not {expected}",
            "correct AWS Account ID, or use credentials of that account",
        )
    return Check.passed(name, f"account {account}")


__all__ = ["caller_identity", "check_account"]
