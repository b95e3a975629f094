"""The kit's own tests: the widgets cases run once per session, in one pytest subprocess."""

from __future__ import annotations

import pytest

from .widgets import Outcome, run_cases


@pytest.fixture(scope="session")
def kit_results(tmp_path_factory) -> dict[str, dict[str, Outcome]]:
    """Each case's conformance tests: test name -> outcome and failure text."""
    return run_cases(tmp_path_factory.mktemp("kit-cases"))
