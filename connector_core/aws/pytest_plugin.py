"""The AWS toolkit's pytest fixtures (``pytest11`` entry point ``connector_core_aws``).

- ``aws_emulator``: moto's server on 127.0.0.1 for the session (an :class:`AwsEmulator`).
- ``aws_connection_values``: connection values for ``aws.credentials`` pointed at it;
  a conformance class lays its connections over them with
  ``connection_base = "aws_connection_values"``.

Importing this module is cheap: moto and boto3 load only when a fixture needs them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .emulator import AwsEmulator, EmulatorMissing, run_emulator


@pytest.fixture(scope="session")
def aws_emulator() -> Iterator[AwsEmulator]:
    """moto's threaded server on 127.0.0.1 (a free port), with throwaway credentials."""
    try:
        emulator_context = run_emulator()
        emulator = emulator_context.__enter__()
    except EmulatorMissing as exc:
        pytest.fail(f"connector_core: {exc}", pytrace=False)
    try:
        yield emulator
    finally:
        emulator_context.__exit__(None, None, None)


@pytest.fixture
def aws_connection_values(aws_emulator: AwsEmulator) -> dict[str, Any]:
    """``aws.credentials`` connection values (static keys, us-east-1) pointed at the emulator."""
    return aws_emulator.connection_values()
