"""What a plugin author meets: a public run context, clear errors for async operations and a
missing emulator, --json in either place, and docs that match the kit."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.core.corekit import TestPlugin

from connector_core import Host, NotFoundError, OperationError, PluginLoadError, RunContext
from connector_core.cli import main
from connector_core.aws.emulator import EmulatorMissing, run_emulator
from connector_core.testing import run_context

ROOT = Path(__file__).parents[2]
MANIFEST = """manifest_version: 1
id: test.kit
name: Kit
version: 1.0.0
operations:
  - id: ping
    label: Ping
    output:
      fields:
        - {key: by, label: By, type: string}
"""


@pytest.fixture
def manifest(tmp_path) -> Path:
    path = tmp_path / "kit.yaml"
    path.write_text(MANIFEST)
    return path


def test_run_context_is_what_host_run_hands_an_operation(manifest):
    seen: list[RunContext] = []

    def ping(connection, params, context):
        seen.append(context)
        return {"by": "ping"}

    host = Host(plugins=[TestPlugin("kit", [manifest], {"ping": ping})], settings={"x.y": 1})
    host.run(host.connect("test.kit", {}), "ping", {})
    direct = run_context(host, "test.kit", "ping")
    assert (direct.connector_id, direct.operation, dict(direct.settings)) == (
        seen[0].connector_id, seen[0].operation, dict(seen[0].settings))
    assert direct.shared("k", object) is seen[0].shared("k", object)  # the host's shared objects
    assert run_context(host, "test.kit", "ping", timeout=5).remaining() <= 5
    with pytest.raises(NotFoundError, match="no operation 'pong'"):
        run_context(host, "test.kit", "pong")


def test_host_context_is_the_public_way_to_the_context_an_operation_gets(manifest):
    """What the test kit's run_context stands on: Host.context, with run's progress, timeout and cancel."""
    import threading

    host = Host(plugins=[TestPlugin("kit", [manifest], {"ping": lambda c, p, ctx: {"by": "ping"}})])
    cancel, reported = threading.Event(), []
    context = host.context("test.kit", "ping", progress=lambda done, total, unit: reported.append((done, total, unit)),
                           timeout=30, cancel=cancel)
    assert (context.connector_id, context.operation) == ("test.kit", "ping")
    assert 0 < context.remaining() <= 30
    context.progress(1, 2, "files")
    assert reported == [(1, 2, "files")]
    cancel.set()
    with pytest.raises(OperationError, match="cancel"):
        context.check_cancelled()
    assert host.context("test.kit").operation is None  # host-side work outside any operation
    with pytest.raises(NotFoundError, match="operations: ping"):
        host.context("test.kit", "pong")
    with pytest.raises(NotFoundError):
        host.context("test.nothing")


async def _async_ping(connection, params, context):
    return {"by": "async"}


def test_an_async_operation_is_a_load_failure_that_says_operations_are_synchronous(manifest):
    host = Host(plugins=[TestPlugin("kit", [manifest], {"ping": _async_ping})])
    (failure,) = host.load_failures()
    assert (failure.kind, failure.connector_id) == ("async-operation", "test.kit")
    assert "`async def` (ping)" in failure.reason and "synchronous" in failure.reason
    assert "asyncio.run()" in failure.reason


def test_an_async_operation_named_by_string_fails_its_first_run_clearly(manifest):
    host = Host(plugins=[TestPlugin("kit", [manifest], {"ping": f"{__name__}:_async_ping"})])
    assert host.load_failures() == []
    with pytest.raises(PluginLoadError, match="is `async def`; operations are synchronous"):
        host.run(host.connect("test.kit", {}), "ping", {})


def test_an_operation_returning_a_coroutine_is_an_error_not_a_warning(manifest, recwarn):
    class AsyncCallable:
        async def __call__(self, connection, params, context):
            return {"by": "async"}

    host = Host(plugins=[TestPlugin("kit", [manifest], {"ping": AsyncCallable()})])
    with pytest.raises(OperationError, match="returned a coroutine; operations are synchronous"):
        host.run(host.connect("test.kit", {}), "ping", {})
    assert not [w for w in recwarn if "never awaited" in str(w.message)]


def test_a_missing_moto_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "moto.server", None)  # import fails as if not installed
    with pytest.raises(EmulatorMissing, match=r'add "moto\[server\]>=5.0" to your plugin\'s test extra'):
        with run_emulator():
            pass


@pytest.mark.parametrize("command", [["list"], ["plugins"], ["show", "aws.s3"]])
def test_json_works_before_and_after_the_command(command):
    before = CliRunner().invoke(main, ["--json", *command])
    after = CliRunner().invoke(main, [*command, "--json"])
    assert before.exit_code == after.exit_code == 0, before.output + after.output
    assert json.loads(before.stdout) == json.loads(after.stdout)


def test_the_docs_name_every_documentation_level_the_kit_checks():
    from connector_core.testing.checks import DOC_LEVELS

    row = next(line for line in (ROOT / "docs/writing-a-plugin.md").read_text().splitlines()
               if line.startswith("| `documentation` |"))
    assert [m for m in re.findall(r'`"(\w+)"`', row)] == list(DOC_LEVELS)
    assert f"all {['one', 'two', 'three', 'four', 'five'][len(DOC_LEVELS) - 1]} by default" in row


def test_the_plugin_guide_points_only_at_files_an_installed_package_has():
    text = (ROOT / "docs/writing-a-plugin.md").read_text()
    # Files the tutorial writes itself (```lang file=PATH) are the reader's own.
    own = set(re.findall(r"```\w* file=(\S+)", text))
    mentioned = set(re.findall(r"`(tests/[\w/.-]+\.py)`", text))
    assert mentioned - own == set(), "the guide points outsiders at this repository's test files"
