"""Cold start of the CLI as whole processes, as a ratio to importing the three core libraries.

``connectors list`` and ``connectors form aws.s3`` are each run REPEAT times in a fresh
interpreter; the figure is the median wall time, compared with the median of
``python -c "import pluggy, yaml, marshmallow"`` measured in the same run.
Target: at most 1.4x. The least CPU time of each is printed too (less load-dependent).
``BENCH_CALLGRIND=1`` also counts each command's instructions under ``valgrind --tool=callgrind``
(independent of the machine's load; informative, the target is on time).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
TARGET = 1.4  # issue 11: connectors list / form stay within 1.4x of the baseline
# The installed console script, run by this interpreter (exactly what `connectors` does).
_SCRIPT = Path(sys.executable).with_name("connectors")
CLI = [str(_SCRIPT)] if _SCRIPT.exists() else ["-c", "from connector_core.cli import main; main()"]

COMMANDS = {
    "baseline: import pluggy, yaml, marshmallow": ["-c", "import pluggy, yaml, marshmallow"],
    "connectors list": [*CLI, "list"],
    "connectors form aws.s3": [*CLI, "form", "aws.s3"],
    "connectors list --json": [*CLI, "list", "--json"],
}


def _time_all(commands: dict[str, list[str]]) -> dict[str, tuple[float, float]]:
    """Median wall time and least CPU time (user + system) of each ``python args``, over REPEAT rounds.

    Rounds interleave the commands, so that a machine getting busier or quieter during the
    run shifts every figure alike instead of skewing the ratios. One warm-up round first.
    The process's own CPU time (from ``wait4``) leaves out the time it waited for a core,
    which on a shared machine is most of the wall time's noise.
    """
    cwd = Path(__file__).parent.parent
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(REPEAT + 1):
        for name, args in commands.items():
            start = time.perf_counter()
            child = subprocess.Popen([sys.executable, *args], cwd=cwd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            if child.returncode:
                raise subprocess.CalledProcessError(child.returncode, args)
            if round_:
                walls[name].append(time.perf_counter() - start)
                cpus[name].append(usage.ru_utime + usage.ru_stime)
    return {name: (statistics.median(walls[name]), min(cpus[name])) for name in commands}


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


def instructions(args: list[str]) -> int:
    """Instructions one run of ``python args`` executes, counted by callgrind."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, *args],
                       check=True, capture_output=True, cwd=Path(__file__).parent.parent)
        return int(re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.M).group(1))


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
    load = os.getloadavg()[0]
    results = _time_all(COMMANDS)
    baseline, baseline_cpu = results.pop("baseline: import pluggy, yaml, marshmallow")
    print(f"{'baseline: import pluggy, yaml, marshmallow':45s} {baseline * 1000:7.1f} ms wall (median of {REPEAT}), "
          f"{baseline_cpu * 1000:6.1f} ms CPU (least)")
    worst = worst_cpu = 0.0
    for name, (seconds, cpu) in results.items():
        ratio, cpu_ratio = seconds / baseline, cpu / baseline_cpu
        worst, worst_cpu = max(worst, ratio), max(worst_cpu, cpu_ratio)
        print(f"{name:45s} {seconds * 1000:7.1f} ms wall {ratio:4.2f}x, {cpu * 1000:6.1f} ms CPU {cpu_ratio:4.2f}x")
    verdict = "met" if max(worst, worst_cpu) <= TARGET else "NOT met"
    print(f"worst ratio {worst:.2f}x wall, {worst_cpu:.2f}x CPU; target <= {TARGET}x: {verdict} "
          f"(load average {load:.1f} at the start)")
    if os.environ.get("BENCH_CALLGRIND") and shutil.which("valgrind"):  # a minute: one run of each under valgrind
        counts = {name: instructions(args) for name, args in COMMANDS.items()}
        base = counts.pop("baseline: import pluggy, yaml, marshmallow")
        print(f"\ninstructions (callgrind, load-independent): baseline {base / 1e6:.0f}M")
        for name, count in counts.items():
            print(f"{name:45s} {count / 1e6:7.0f}M {count / base:4.2f}x")
    if max(worst, worst_cpu) > TARGET or os.environ.get("BENCH_PROFILE"):
        print("\nlargest imports of `connectors form aws.s3` (cumulative ms, python -X importtime):")
        for micros, module in import_costs(COMMANDS["connectors form aws.s3"]):
            print(f"  {micros / 1000:7.1f}  {module}")


if __name__ == "__main__":
    main()
