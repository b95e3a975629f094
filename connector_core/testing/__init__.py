"""The plugin author's test kit: pytest fixtures, a local AWS emulator, the conformance suite.

Installed with connector_core as the ``connector_core`` pytest plugin (``pytest11``
entry point), so its fixtures (``connector_host``, ``aws_emulator``,
``aws_connection_values``...) are available in any test. See docs/writing-a-plugin.md.
"""

from __future__ import annotations

from .checks import Problem, Subject
from .conformance import ConnectorConformance
from .context import run_context
from .emulator import EMULATOR_SETTINGS, AwsEmulator, EmulatorMissing, run_emulator

__all__ = ["EMULATOR_SETTINGS", "AwsEmulator", "ConnectorConformance", "EmulatorMissing", "Problem", "Subject",
           "run_context", "run_emulator"]
