"""A well-behaved plugin passes every conformance check, one test per check."""

from __future__ import annotations

from .conftest import CHECKS


def test_a_good_plugin_passes_every_check(widgets):
    widgets.write()
    result = widgets.run("-v")
    result.assert_outcomes(passed=len(CHECKS))
    for check in CHECKS:
        result.stdout.fnmatch_lines([f"*TestWidgets::{check} PASSED*"])
