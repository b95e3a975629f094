"""The explicit botocore ``Config`` every toolkit client gets, and the cache key that names it.

botocore's defaults (60 s timeouts, legacy retries, no framework in the user agent) are
wrong for a host running many short operations: a dead endpoint would hold a worker for
minutes. The key is computed from plain values on every call, so the ``Config`` object
itself is built only when a client is.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

CONNECT_TIMEOUT = "aws.connect_timeout"
READ_TIMEOUT = "aws.read_timeout"
MAX_ATTEMPTS = "aws.max_attempts"

DEFAULTS = {CONNECT_TIMEOUT: 5, READ_TIMEOUT: 30, MAX_ATTEMPTS: 3}


@functools.lru_cache(maxsize=1)
def user_agent_extra() -> str:
    """``connector-core/<version>``: lets AWS support and CloudTrail tell our calls apart."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"connector-core/{version('connector-core')}"
    except PackageNotFoundError:
        return "connector-core/unknown"


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set)):
        return tuple(_freeze(v) for v in value)
    return value


def config_key(
    connection: Mapping[str, Any], settings: Mapping[str, Any], service: str, overrides: Mapping[str, Any]
) -> tuple:
    """Everything that makes two clients' configurations differ, as a hashable tuple."""
    return (
        settings.get(CONNECT_TIMEOUT, DEFAULTS[CONNECT_TIMEOUT]),
        settings.get(READ_TIMEOUT, DEFAULTS[READ_TIMEOUT]),
        settings.get(MAX_ATTEMPTS, DEFAULTS[MAX_ATTEMPTS]),
        connection.get("proxy_url") or None,
        service == "s3" and bool(connection.get("force_path_style")),
        _freeze(overrides) if overrides else (),
    )


def build_config(key: tuple, overrides: Mapping[str, Any] | None = None):
    """The botocore ``Config`` for a :func:`config_key`; ``overrides`` are Config arguments."""
    from botocore.config import Config

    connect_timeout, read_timeout, max_attempts, proxy_url, path_style, _ = key
    options: dict[str, Any] = {
        "connect_timeout": connect_timeout,
        "read_timeout": read_timeout,
        # total_max_attempts counts the first try too, as AWS_MAX_ATTEMPTS does: 3 means 3.
        "retries": {"mode": "standard", "total_max_attempts": max_attempts},
        "user_agent_extra": user_agent_extra(),
    }
    if proxy_url:
        options["proxies"] = {"http": proxy_url, "https": proxy_url}
    if path_style:
        options["s3"] = {"addressing_style": "path"}
    config = Config(**options)
    if overrides:
        config = config.merge(Config(**overrides))
    return config


__all__ = ["CONNECT_TIMEOUT", "DEFAULTS", "MAX_ATTEMPTS", "READ_TIMEOUT", "build_config", "config_key"]
