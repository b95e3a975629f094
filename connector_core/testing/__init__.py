"""The plugin author's test kit: pytest fixtures and the conformance suite.

Installed with connector_core as the ``connector_core`` pytest plugin (``pytest11``
entry point), so its fixtures (``connector_plugin``, ``connector_host``,
``connector_settings``...) are available in any test. Toolkits add their own (a local
stand-in of their service). See docs/writing-a-plugin.md.
"""

from __future__ import annotations

from .checks import Problem, Subject
from .conformance import ConnectorConformance
from .context import run_context
from .plugin import TEST_SETTINGS

__all__ = ["TEST_SETTINGS", "ConnectorConformance", "Problem", "Subject", "run_context"]
