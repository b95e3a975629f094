"""A run context for plugin tests that call an operation's function directly."""

from __future__ import annotations

import threading

from connector_core import Host, ProgressCallback, RunContext


def run_context(host: Host, connector_id: str, operation: str | None = None, *,
                progress: ProgressCallback | None = None, timeout: float | None = None,
                cancel: threading.Event | None = None) -> RunContext:
    """The :class:`~connector_core.RunContext` ``host.run`` would hand ``operation``.

    It carries the host's settings, its shared objects (client caches) and its log masker,
    so that a unit test can call ``my_operation(connection, params, run_context(host, ...))``
    and see what the operation sees under the host. Raises
    :class:`~connector_core.NotFoundError` for a connector or operation the host does not serve.
    """
    return host.context(connector_id, operation, progress=progress, timeout=timeout, cancel=cancel)
