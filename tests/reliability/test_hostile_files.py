"""No file crashes or hangs the CLI or the manifest loader: one line on stderr, exit 1.

Every case of the hostile-file corpus (hostile.py) runs in-process through click's
CliRunner in a worker thread with a hang guard: a case that does not finish within
HANG_GUARD seconds fails as a hang (a guard against hangs, not a performance figure).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.conftest import emulator_values

from .counts import record
from .hostile import EVIL_PATTERNS, data_cases, manifest_cases

HANG_GUARD = 60.0
LOOPBACK = ["--setting", "aws.allow_loopback_endpoints=true"]
DATA = data_cases()
MANIFESTS = manifest_cases()


def invoke(args: list[str]) -> Result:
    """``connectors ARGS`` in-process; fails the test if it has not finished within the guard."""
    from connector_core.cli import main

    outcome: list[Result] = []
    worker = threading.Thread(target=lambda: outcome.append(CliRunner().invoke(main, args)), daemon=True)
    worker.start()
    worker.join(HANG_GUARD)
    if worker.is_alive():
        pytest.fail(f"`connectors {' '.join(args)[:200]}` hung (still running after {HANG_GUARD:.0f} s)")
    return outcome[0]


def assert_one_line_and_exit_1(result: Result) -> str:
    """The promise: exit 1, one line on stderr, no traceback, nothing raised past the CLI."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr[:2000]
    assert "Traceback" not in result.output
    assert len(lines[0]) < 1000, lines[0][:300]
    return lines[0]


def _write_all(folder: Path, cases: dict[str, bytes], suffix: str) -> dict[str, Path]:
    paths = {}
    for n, (name, raw) in enumerate(cases.items()):
        paths[name] = folder / f"case{n}{suffix}"
        paths[name].write_bytes(raw)
    return paths


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    paths = _write_all(tmp_path_factory.mktemp("hostile"), DATA, ".data")
    paths["good connection"] = paths["null"].with_name("good.json")
    paths["good connection"].write_text(json.dumps(emulator_values("http://127.0.0.1:9", account_id="123456789012")))
    return paths


@pytest.mark.parametrize("command", ["check", "test", "run"])
def test_no_connection_file_crashes_or_hangs_a_command(files, command):
    args = {"check": ["check", "aws.eventbridge"], "test": ["test", "aws.eventbridge"],
            "run": ["run", "aws.eventbridge", "put_events"]}[command]
    failures = []
    for name in DATA:
        try:
            line = assert_one_line_and_exit_1(invoke([*LOOPBACK, *args, "-c", str(files[name])]))
            assert str(files[name]) in line, line  # the message names the file
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
    record(f"CLI `{command}`: a hostile connection file is one line and exit 1", len(DATA), len(failures))
    assert failures == []


def test_no_input_file_crashes_or_hangs_run(files):
    failures = []
    for name in DATA:
        args = [*LOOPBACK, "run", "aws.eventbridge", "put_events", "-c", str(files["good connection"]),
                "-i", str(files[name])]
        try:
            line = assert_one_line_and_exit_1(invoke(args))
            assert str(files[name]) in line, line
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
    record("CLI `run --input`: a hostile input file is one line and exit 1", len(DATA), len(failures))
    assert failures == []


def test_a_hostile_input_on_standard_input_is_one_line_too():
    from connector_core.cli import main

    result = CliRunner().invoke(main, ["check", "aws.s3", "-c", "-"], input=DATA["alias bomb 10 wide, 8 deep (the put_events hang)"])
    assert "anchors (&l0) are not allowed" in assert_one_line_and_exit_1(result)


@pytest.fixture(scope="module")
def manifest_files(tmp_path_factory) -> dict[str, Path]:
    return _write_all(tmp_path_factory.mktemp("hostile-manifests"), MANIFESTS, ".yaml")


def test_no_manifest_crashes_or_hangs_the_loader(manifest_files, monkeypatch, tmp_path):
    monkeypatch.setenv("CONNECTOR_CORE_CACHE_DIR", str(tmp_path / "cache"))
    failures = []
    for name, path in manifest_files.items():
        try:
            line = assert_one_line_and_exit_1(invoke(["validate-manifest", str(path)]))
            # file:line: key path: message (hint)
            assert re.match(rf"error: {re.escape(str(path))}:\d+: .+ \(.+\)$", line), line
            if name.startswith("ReDoS"):
                assert "exponential time" in line, line
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
    record("manifest loader: a hostile manifest is a ManifestError with file, line and hint",
           len(MANIFESTS), len(failures))
    assert failures == []


def test_every_evil_pattern_is_refused_and_the_projects_own_patterns_are_not():
    from connector_core.pattern_safety import UnsafePattern, check_pattern

    for pattern in EVIL_PATTERNS:
        with pytest.raises(UnsafePattern):
            check_pattern(pattern)
    own = set()
    for manifest in Path(__file__).parents[2].joinpath("manifests").glob("*.yaml"):
        own.update(m.group(1).replace("''", "'")
                   for m in re.finditer(r"pattern: '((?:[^']|'')*)'", manifest.read_text(encoding="utf-8")))
    assert len(own) > 10
    for pattern in own:
        check_pattern(pattern)  # none refused
    record("manifest loader: exponential patterns refused (own patterns accepted)", len(EVIL_PATTERNS) + len(own))


def test_form_never_prints_nan(tmp_path, monkeypatch):
    from connector_core import ManifestError
    from connector_core.manifest_loader import parse_manifest

    monkeypatch.setenv("CONNECTOR_CORE_CACHE_DIR", "")
    with pytest.raises(ManifestError, match=r":\d+: connection.fields\[0\].minimum: .nan is not a finite number"):
        parse_manifest(MANIFESTS["minimum .nan"].decode(), "m.yaml")


# -- the CLI's other inputs: plugins -------------------------------------------------------

BROKEN_PLUGINS = {
    "no_such_module": None,
    "plugin_import_raises": "raise RuntimeError('plugin exploded at import')\n",
    "plugin_syntax_error": "def broken(:\n",
    "plugin_test_raises": (
        "from pathlib import Path\n"
        "from connector_core import hookimpl\n"
        "@hookimpl\n"
        "def connector_manifests():\n"
        "    return [Path(__file__).with_name('raising.yaml')]\n"
        "@hookimpl\n"
        "def connector_implementations():\n"
        "    return {}\n"
        "@hookimpl\n"
        "def connector_test_connection(connection):\n"
        "    raise RuntimeError('the test hook exploded')\n"),
}


@pytest.mark.parametrize("plugin", sorted(BROKEN_PLUGINS))
def test_a_broken_plugin_is_one_line_and_exit_1_in_a_real_process(tmp_path, plugin):
    source = BROKEN_PLUGINS[plugin]
    if source is not None:
        (tmp_path / f"{plugin}.py").write_text(source)
    (tmp_path / "raising.yaml").write_text(
        "manifest_version: 1\nid: test.raising\nname: Raising\nversion: 1.0.0\n"
        "connection:\n  fields:\n    - {key: region, label: Region, type: string}\n")
    (tmp_path / "conn.json").write_text("{}")
    argv = [sys.executable, "-c", "from connector_core.cli import main; main()", "--plugin", plugin,
            "test", "test.raising", "-c", "conn.json"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**_env(), "PYTHONPATH": str(tmp_path)})
    assert done.returncode == 1, done
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    if plugin == "plugin_test_raises":
        assert "FAIL test: the connector's test failed unexpectedly: RuntimeError" in done.stdout
    else:
        assert f"cannot import plugin module {plugin!r}" in lines[0]
    record("CLI: a broken --plugin is one line and exit 1", 1)


def _env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
