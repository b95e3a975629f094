"""`connectors new NAME`: the scaffolded plugin installs, passes its own tests, and is listed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector_core import ConfigurationError, ValidationError
from connector_core.authoring.scaffold import scaffold
from connector_core.cli import main

CONNECTORS = str(Path(sys.executable).with_name("connectors"))


def _run(args: list[str], cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def test_new_writes_a_complete_plugin_package(tmp_path):
    result = CliRunner().invoke(main, ["new", "acme-widgets", "--directory", str(tmp_path)])
    assert result.exit_code == 0, result.output
    root = tmp_path / "acme-widgets"
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == [
        "README.md", "acme_widgets/__init__.py", "acme_widgets/hooks.py", "acme_widgets/manifests/__init__.py",
        "acme_widgets/manifests/acme_widgets.yaml", "acme_widgets/operations.py", "pyproject.toml",
        "tests/test_conformance.py", "tests/test_greet.py",
    ]
    pyproject = (root / "pyproject.toml").read_text()
    assert '[project.entry-points.connector_core]\nacme_widgets = "acme_widgets.hooks"' in pyproject
    assert "id: acme.widgets" in (root / "acme_widgets/manifests/acme_widgets.yaml").read_text()
    assert "{{" not in "".join((root / f).read_text() for f in files)


def test_new_refuses_to_overwrite_and_to_take_a_bad_name(tmp_path):
    scaffold("acme-widgets", tmp_path)
    with pytest.raises(ConfigurationError, match="already exists"):
        scaffold("acme-widgets", tmp_path)
    with pytest.raises(ValidationError):
        scaffold("Acme Widgets!", tmp_path)


def test_a_scaffolded_plugin_installs_passes_its_tests_and_is_listed(tmp_path):
    scaffold("kit-scaffold-demo", tmp_path)
    root = tmp_path / "kit-scaffold-demo"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    installed = _run(pip + ["install", "--no-deps", "--no-build-isolation", str(root)], tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    try:
        tests = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], root)
        assert tests.returncode == 0, tests.stdout + tests.stderr
        assert "12 passed" in tests.stdout, tests.stdout  # 10 conformance checks + 2 of its own

        listed = _run([CONNECTORS, "list", "--json"], tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert "kit.scaffold.demo" in [c["id"] for c in json.loads(listed.stdout)]

        (tmp_path / "conn.json").write_text('{"api_key": "demo-key-1234"}')
        (tmp_path / "input.json").write_text('{"name": "Ada", "shout": true}')
        ran = _run([CONNECTORS, "run", "kit.scaffold.demo", "greet", "--connection", "conn.json",
                    "--input", "input.json", "--json"], tmp_path)
        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout) == {"message": "HELLO, ADA!", "length": 11}
    finally:
        _run(pip + ["uninstall", "-y", "kit-scaffold-demo"], tmp_path)
