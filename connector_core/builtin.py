"""The host's own plugin: shared fragments, and the default ``connector_run`` and ``connector_poll``."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from .hookspecs import hookimpl


class CorePlugin:
    """Registered by every :class:`~connector_core.Host` under the name ``connector_core.core``."""

    def __init__(self, run_implementation, poll_implementation=None) -> None:
        self._run_implementation = run_implementation
        self._poll_implementation = poll_implementation

    @hookimpl
    def connector_manifests(self):
        # Shared fragments any connector may `extends`, e.g. aws.credentials.
        return [files("connector_manifests") / "aws_credentials.yaml",
                files("connector_manifests") / "http_credentials.yaml"]

    @hookimpl(trylast=True)
    def connector_run(self, connector_id, operation, connection, params, context) -> Any:
        return self._run_implementation(connector_id, operation, connection, params, context)

    @hookimpl(trylast=True)
    def connector_poll(self, connector_id, trigger, connection, params, cursor, context) -> Any:
        return self._poll_implementation(connector_id, trigger, connection, params, cursor, context)
