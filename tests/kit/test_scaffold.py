"""`connectors new NAME`: the scaffolded plugin installs, passes its own tests, and is listed."""

from __future__ import annotations

import json
import os
import re
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


PACKAGE = ["README.md", "acme_widgets/__init__.py", "acme_widgets/hooks.py", "acme_widgets/manifests/__init__.py",
           "acme_widgets/manifests/acme_widgets.yaml", "acme_widgets/operations.py", "pyproject.toml",
           "tests/__init__.py", "tests/test_conformance.py", "tests/test_operations.py"]


@pytest.mark.parametrize("args, extra_files, extends, dependency", [
    ([], ["tests/fake_api.py"], "http.credentials", '"connector-core[http]"'),
    (["--template", "http"], ["tests/fake_api.py"], "http.credentials", '"connector-core[http]"'),
    (["--template", "aws"], [], "aws.credentials", '"moto[server]>=5.0"'),
])
def test_new_writes_a_complete_plugin_package(tmp_path, args, extra_files, extends, dependency):
    result = CliRunner().invoke(main, ["new", "acme-widgets", "--directory", str(tmp_path), *args])
    assert result.exit_code == 0, result.output
    root = tmp_path / "acme-widgets"
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == sorted(PACKAGE + extra_files)
    pyproject = (root / "pyproject.toml").read_text()
    assert '[project.entry-points.connector_core]\nacme_widgets = "acme_widgets.hooks"' in pyproject
    assert dependency in pyproject
    manifest = (root / "acme_widgets/manifests/acme_widgets.yaml").read_text()
    assert "id: acme.widgets" in manifest and f"extends: [{extends}]" in manifest
    assert "{{" not in "".join((root / f).read_text() for f in files)


def test_new_refuses_to_overwrite_and_to_take_a_bad_name(tmp_path):
    scaffold("acme-widgets", tmp_path)
    with pytest.raises(ConfigurationError, match="already exists"):
        scaffold("acme-widgets", tmp_path)
    with pytest.raises(ValidationError):
        scaffold("Acme Widgets!", tmp_path)
    with pytest.raises(ValidationError, match="--template"):
        scaffold("acme-gadgets", tmp_path, template="soap")


def _install_and_test(tmp_path: Path, name: str, template: str, at_least: int) -> None:
    scaffold(name, tmp_path, template=template)
    root = tmp_path / name
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    installed = _run(pip + ["install", "--no-deps", "--no-build-isolation", str(root)], tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    try:
        tests = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], root, timeout=300)
        assert tests.returncode == 0, tests.stdout + tests.stderr
        passed = re.search(r"(\d+) passed", tests.stdout)
        assert passed and int(passed[1]) >= at_least and "failed" not in tests.stdout, tests.stdout

        listed = _run([CONNECTORS, "list", "--json"], tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert name.replace("-", ".") in [c["id"] for c in json.loads(listed.stdout)]
    finally:
        _run(pip + ["uninstall", "-y", name], tmp_path)


def test_a_scaffolded_http_plugin_installs_passes_its_tests_and_is_listed(tmp_path):
    # The conformance checks that apply (no dynamic options, no triggers) + 4 of its own.
    _install_and_test(tmp_path, "kit-scaffold-rest", "http", 13)


def test_a_scaffolded_aws_plugin_installs_passes_its_tests_against_moto_and_is_listed(tmp_path):
    pytest.importorskip("moto", reason="the AWS template's tests need moto[server] (its test extra)")
    _install_and_test(tmp_path, "kit-scaffold-queue", "aws", 11)
