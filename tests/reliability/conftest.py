"""The reliability suite: each promise of README.md tried on many hostile inputs, counted."""

from __future__ import annotations

from .counts import COUNTS


def pytest_terminal_summary(terminalreporter) -> None:
    if not COUNTS:
        return
    terminalreporter.section("reliability: cases tried per promise")
    for promise, (cases, failures) in sorted(COUNTS.items()):
        terminalreporter.write_line(f"{promise}: {cases} cases, {failures} failures")
