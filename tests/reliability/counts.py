"""Cases tried per promise of the reliability suite, printed at the end of the run.

README.md quotes these figures; ``python -m pytest tests/reliability`` prints them.
"""

from __future__ import annotations

#: promise -> [cases tried, failures]
COUNTS: dict[str, list[int]] = {}


def record(promise: str, cases: int, failures: int = 0) -> None:
    tally = COUNTS.setdefault(promise, [0, 0])
    tally[0] += cases
    tally[1] += failures
