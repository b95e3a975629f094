"""Cold start of the CLI as whole processes, as a ratio to importing the three core libraries.

``connectors list`` and ``connectors form aws.s3`` are each run REPEAT times in a fresh
interpreter; the figure is the median wall time, compared with the median of
``python -c "import pluggy, yaml, marshmallow"`` measured in the same run.
Target: at most 1.5x.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
TARGET = 1.5
# The installed console script, run by this interpreter (exactly what `connectors` does).
_SCRIPT = Path(sys.executable).with_name("connectors")
CLI = [str(_SCRIPT)] if _SCRIPT.exists() else ["-c", "from connector_core.cli import main; main()"]

COMMANDS = {
    "baseline: import pluggy, yaml, marshmallow": ["-c", "import pluggy, yaml, marshmallow"],
    "connectors list": [*CLI, "list"],
    "connectors form aws.s3": [*CLI, "form", "aws.s3"],
    "connectors list --json": [*CLI, "list", "--json"],
}


def _time_all(commands: dict[str, list[str]]) -> dict[str, float]:
    """Median wall time of each ``python args``, over REPEAT rounds.

    Rounds interleave the commands, so that a machine getting busier or quieter during the
    run shifts every figure alike instead of skewing the ratios. One warm-up round first.
    """
    cwd = Path(__file__).parent.parent
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(REPEAT + 1):
        for name, args in commands.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, *args], capture_output=True, check=True, cwd=cwd)
            if round_:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def import_costs(args: list[str], top: int = 12) -> list[tuple[int, str]]:
    """The top-level imports of one run by cumulative microseconds (``python -X importtime``)."""
    done = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True, check=True)
    costs = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if cumulative.isdigit() and not name.startswith(" ") and "." not in name.strip():
            costs.append((int(cumulative), name.strip()))
    return sorted(costs, reverse=True)[:top]


def compile_sources() -> None:
    """Byte-compile the project's packages, as installing its wheel does.

    The baseline's libraries were byte-compiled when pip installed them. The project is
    installed in editable mode, and where PYTHONDONTWRITEBYTECODE is set (it is on the
    development machine) its modules would otherwise be compiled from source on every
    start: a cost no installed user pays.
    """
    root = Path(__file__).parent.parent
    targets = [str(root / name) for name in ("connector_core", "plugins")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *targets], check=True, capture_output=True)


def main() -> None:
    compile_sources()
    results = _time_all(COMMANDS)
    baseline = results.pop("baseline: import pluggy, yaml, marshmallow")
    print(f"{'baseline: import pluggy, yaml, marshmallow':45s} {baseline * 1000:7.1f} ms  (median of {REPEAT})")
    worst = 0.0
    for name, seconds in results.items():
        ratio = seconds / baseline
        worst = max(worst, ratio)
        print(f"{name:45s} {seconds * 1000:7.1f} ms  {ratio:4.2f}x baseline")
    print(f"worst ratio {worst:.2f}x; target <= {TARGET}x: {'met' if worst <= TARGET else 'NOT met'}")
    if worst > TARGET or os.environ.get("BENCH_PROFILE"):
        print("\nlargest imports of `connectors form aws.s3` (cumulative ms, python -X importtime):")
        for micros, module in import_costs(COMMANDS["connectors form aws.s3"]):
            print(f"  {micros / 1000:7.1f}  {module}")


if __name__ == "__main__":
    main()
