"""The one-line message of "Test connection" reads right for one check and for several."""

from __future__ import annotations

from connector_core import Check, TestResult


def test_one_passed_check_is_not_spelt_as_a_plural():
    assert TestResult.from_checks([Check.passed("API", "ok")]).message == "the check passed"


def test_several_passed_checks_are_counted():
    checks = [Check.passed("API", "ok"), Check.passed("Warehouse", "ok")]
    assert TestResult.from_checks(checks).message == "all 2 checks passed"


def test_a_failed_check_names_itself_and_its_hint():
    result = TestResult.from_checks([Check.passed("API", "ok"), Check.failed("Warehouse", "unknown", "check the code")])
    assert result.message == "Warehouse failed: unknown (check the code)"
