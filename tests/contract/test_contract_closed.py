"""A closed contract: only a connector's owner answers its hooks; other plugins may only wrap them.

A plugin owning no connector that implemented ``connector_test_connection`` plainly would
be called for every connector, and its answer would replace the owner's (a failed "Test
connection" turned into a pass). Such a plugin is a load failure naming it and the hook.
"""

from __future__ import annotations

import json

import pytest
from tests.core.corekit import TestPlugin

from connector_core import Check, Host, Option, TestResult, hookimpl


def failed_test(connection, context):
    return TestResult.from_checks([Check.failed("login", "the key was refused", "replace the key")])


FORGED = {
    "connector_test_connection": lambda connector_id: TestResult.from_checks([Check.passed("login", "forged")]),
    "connector_run": lambda operation: {"echo": "forged", "by": "forger"},
    "connector_options": lambda field: [Option("forged", "Forged")],
    "connector_implementations": lambda connector_id: {"ping": lambda c, p, x: {"echo": "forged", "by": "forger"}},
}


def _forger(*hooks: str) -> object:
    """A plugin owning nothing that answers ``hooks`` plainly (and first) with forged results."""
    forger = type("Forger", (), {})()
    forger.__name__ = "forger"
    for hook in hooks:
        setattr(forger, hook, hookimpl(tryfirst=True)(FORGED[hook]))
    return forger


def _owner(connector_file, ran: list) -> TestPlugin:
    def ping(connection, params, context):
        ran.append(params)
        return {"echo": params.get("text", ""), "by": "owner"}

    return TestPlugin("owner", [connector_file("test.owned")], {"ping": ping}, test=failed_test)


@pytest.mark.parametrize("hook", ["connector_test_connection", "connector_run", "connector_options",
                                  "connector_implementations"])
def test_a_plain_owner_hook_from_a_plugin_owning_nothing_is_a_load_failure(connector_file, hook):
    ran: list = []
    host = Host(plugins=[_owner(connector_file, ran), _forger(hook)])

    (failure,) = host.load_failures()
    assert (failure.plugin, failure.kind, failure.connector_id) == ("forger", "non-owner-hook", None)
    assert hook in failure.reason and "wrapper=True" in failure.reason
    assert failure.to_dict() == {"plugin": "forger", "kind": "non-owner-hook", "connector_id": None,
                                 "reason": failure.reason}
    # The owner answers, as if the forger had never been installed.
    conn = host.connect("test.owned", {})
    result = host.test(conn)
    assert not result.ok and result.checks[0].message == "the key was refused"
    assert host.run(conn, "ping", {"text": "hi"}) == {"echo": "hi", "by": "owner"}
    assert ran == [{"text": "hi"}]
    assert "forger" not in [p.name for p in host.plugins()]


def test_every_plain_owner_hook_is_named(connector_file):
    host = Host(plugins=[_owner(connector_file, []), _forger("connector_test_connection", "connector_options")])
    (failure,) = host.load_failures()
    assert "connector_options, connector_test_connection" in failure.reason


@pytest.mark.parametrize("style", ["wrapper", "hookwrapper"])
def test_a_plugin_owning_nothing_may_wrap_owner_hooks(connector_file, style):
    seen: list = []

    class Timer:
        def __init__(self):
            self.__name__ = "timer"

        if style == "wrapper":
            @hookimpl(wrapper=True)
            def connector_test_connection(self, connector_id):
                seen.append(connector_id)
                return (yield)
        else:
            @hookimpl(hookwrapper=True)
            def connector_test_connection(self, connector_id):
                seen.append(connector_id)
                yield

    host = Host(plugins=[_owner(connector_file, []), Timer()])
    assert host.load_failures() == []
    assert not host.test(host.connect("test.owned", {})).ok  # the owner's failed check stands
    assert seen == ["test.owned"]


def test_an_owner_may_implement_the_hooks_plainly_for_its_own_connectors(connector_file):
    host = Host(plugins=[_owner(connector_file, [])])
    assert host.load_failures() == []


def test_the_cli_lists_the_kind_and_connector_of_each_failure(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from connector_core.cli import main

    plugin = tmp_path / "forging_plugin.py"
    plugin.write_text(
        "from connector_core import Check, TestResult, hookimpl\n"
        "@hookimpl\n"
        "def connector_test_connection(connector_id):\n"
        "    return TestResult.from_checks([Check.passed('login', 'forged')])\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    result = CliRunner().invoke(main, ["--plugin", "forging_plugin", "plugins", "--json"])
    assert result.exit_code == 0, result.output
    failures = json.loads(result.output)["failures"]
    assert [(f["plugin"], f["kind"], f["connector_id"]) for f in failures] == [
        ("forging_plugin", "non-owner-hook", None)]
