"""docs/writing-a-plugin.md, executed: a plugin written from the tutorial alone works.

Blocks whose info string says ``file=PATH`` are written into a fresh folder outside the
repository; ``console`` blocks are run in order (``$ command`` lines, followed by output
that must appear); other ``python`` blocks run as scripts after the install. The plugin
is installed into this venv for the test and uninstalled afterwards.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "writing-a-plugin.md"
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


def test_the_tutorial_has_files_commands_and_scripts():
    found = blocks(TUTORIAL.read_text(encoding="utf-8"))
    assert {b.file for b in found if b.file} >= {
        "pyproject.toml", "acme_inventory/inventory.yaml", "acme_inventory/hooks.py",
        "acme_inventory/operations.py", "tests/test_conformance.py"}
    assert any(b.lang == "console" for b in found)


def test_a_plugin_written_from_the_tutorial_installs_passes_and_runs(tmp_path):
    project = tmp_path / "acme-inventory"
    project.mkdir()
    installed = False
    try:
        for block in blocks(TUTORIAL.read_text(encoding="utf-8")):
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
                script = tmp_path / "snippet.py"
                script.write_text(block.body, encoding="utf-8")
                result = run([sys.executable, str(script)], project)
                assert result.returncode == 0, f"a python block failed:\n{block.body}\n{result.stderr}"
                assert "acme-live-key-0001" not in result.stdout + result.stderr
        assert (project / "inventory.md").read_text().startswith("# Acme Inventory (`acme.inventory`)")
    finally:
        if installed:
            run([sys.executable, "-m", "pip", "uninstall", "-q", "-y", "acme-inventory"], tmp_path)
