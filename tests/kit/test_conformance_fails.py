"""Every conformance check fails on a plugin broken for it, with a message naming the fix.

Each case (tests/kit/widgets.py) breaks the well-behaved widgets plugin in one way and
runs its conformance suite in a pytest subprocess: the check meant to catch the break
fails, and its report names the plugin, the operation or field, and what to do.
"""

from __future__ import annotations

import fnmatch

import pytest

from .widgets import CASES, module_name

BROKEN = sorted(c for c in CASES if CASES[c].get("check"))


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_plugin_fails_its_check_with_a_clear_message(kit_results, case):
    spec = CASES[case]
    module = module_name(case)
    outcome = kit_results[case][spec["check"]]
    assert outcome.status == "failed", f"{spec['check']} did not fail for {case!r}"
    lines = outcome.text.splitlines()
    header = f"conformance check * failed for plugin '{module}', connector 'acme.widgets' (*"
    for pattern in [header] + [p.replace("widgets_plugin", module) for p in spec["expect"]]:
        assert any(fnmatch.fnmatch(line, pattern) for line in lines), (
            f"no line matches {pattern!r} in the report of {spec['check']}:\n{outcome.text}")


def test_every_check_is_proven_able_to_fail():
    from .widgets import CHECKS

    assert {CASES[c]["check"] for c in BROKEN} == set(CHECKS)


def test_a_missing_plugin_attribute_says_what_to_set(kit_results):
    outcome = kit_results["a test class without its plugin"]["test_manifest_loads"]
    assert outcome.status == "error"  # raised by the fixture, before any check runs
    assert "TestWidgets: set the class attributes `plugin` (your hooks module) and `connector_id`" in outcome.text
