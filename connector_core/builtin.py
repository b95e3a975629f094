"""The host's own plugin: the default ``connector_run`` and ``connector_poll``.

Shared fragments, settings and choice sources come from toolkit plugins, registered
like any other plugin; the host's own plugin brings in the vendor-neutral HTTP toolkit.
"""

from __future__ import annotations

from typing import Any

from .hookspecs import hookimpl


class CorePlugin:
    """Registered by every :class:`~connector_core.Host` under the name ``connector_core.core``."""

    def __init__(self, run_implementation, poll_implementation=None) -> None:
        self._run_implementation = run_implementation
        self._poll_implementation = poll_implementation

    @hookimpl
    def connector_requires(self):
        # HTTP is no vendor: every host has the HTTP toolkit (http.credentials, http.*).
        # Vendor toolkits are brought in by the connectors that need them.
        return ["connector_core.http.plugin"]

    @hookimpl(trylast=True)
    def connector_run(self, connector_id, operation, connection, params, context) -> Any:
        return self._run_implementation(connector_id, operation, connection, params, context)

    @hookimpl(trylast=True)
    def connector_poll(self, connector_id, trigger, connection, params, cursor, context) -> Any:
        return self._poll_implementation(connector_id, trigger, connection, params, cursor, context)
