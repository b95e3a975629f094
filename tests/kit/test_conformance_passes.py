"""A well-behaved plugin passes every conformance check, one test per check."""

from __future__ import annotations

from .widgets import CHECKS


def test_a_good_plugin_passes_every_check(kit_results):
    outcomes = kit_results["a good plugin"]
    assert sorted(outcomes) == sorted(CHECKS)
    failed = {name: o.text for name, o in outcomes.items() if o.status != "passed"}
    assert not failed, failed
