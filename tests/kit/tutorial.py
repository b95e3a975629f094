"""Run a Markdown tutorial: write its files, run its commands and scripts, check the output.

Blocks whose info string says ``file=PATH`` are written into a fresh folder outside the
repository; ``console`` blocks are run in order (``$ command`` lines, followed by output
that must appear); other ``python`` blocks run as scripts after the install. A package
the tutorial installs into this venv is uninstalled afterwards.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
BIN = Path(sys.executable).parent
_FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```\s*$", re.S | re.M)


@dataclass
class Block:
    lang: str
    file: str | None
    body: str


def blocks(text: str) -> list[Block]:
    out = []
    for lang, info, body in _FENCE.findall(text):
        match = re.search(r"file=(\S+)", info)
        out.append(Block(lang, match.group(1) if match else None, body))
    return out


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for each ``$ `` line of a console block."""
    out: list[tuple[str, list[str]]] = []
    for line in block.body.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif line.strip() and out:
            out[-1][1].append(line.strip())
    return out


def argv(command: str) -> list[str]:
    words = shlex.split(command)
    if words[0] == "pip":
        # Offline and fast: the venv already has the dependencies and the build backend.
        return [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *words[1:2],
                "--no-deps", "--no-build-isolation", *words[2:]]
    if words[0] == "pytest":
        return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *words[1:]]
    return [str(BIN / words[0]), *words[1:]]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=180, env=env)



def execute(tutorial: Path, project: Path, *, distribution: str, never_shown: str) -> None:
    """Follow ``tutorial`` in ``project``; ``never_shown`` (a secret) must appear in no script output."""
    installed = False
    try:
        for block in blocks(tutorial.read_text(encoding="utf-8")):
            if block.file:
                path = project / block.file
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(block.body, encoding="utf-8")
            elif block.lang == "console":
                for command, expected in commands(block):
                    result = run(argv(command), project)
                    installed = installed or command.startswith("pip install")
                    assert result.returncode == 0, f"`{command}` failed:\n{result.stdout}\n{result.stderr}"
                    lines = [line.strip() for line in result.stdout.splitlines()]
                    for line in expected:
                        assert any(line in actual for actual in lines), (
                            f"`{command}` did not print {line!r}; it printed:\n{result.stdout}")
            elif block.lang == "python":
                script = project.parent / "snippet.py"
                script.write_text(block.body, encoding="utf-8")
                result = run([sys.executable, str(script)], project)
                assert result.returncode == 0, f"a python block failed:\n{block.body}\n{result.stderr}"
                assert never_shown not in result.stdout + result.stderr
    finally:
        if installed:
            run([sys.executable, "-m", "pip", "uninstall", "-q", "-y", distribution], project.parent)
