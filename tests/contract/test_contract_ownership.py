"""One owner per connector id, host-side dispatch, declared == implemented operations."""

from __future__ import annotations

import pytest
from tests.core.corekit import TestPlugin

from connector_core import Check, Host, Option, TestResult, hookimpl


def echo(by: str):
    """An implementation that says which plugin ran it."""
    return lambda connection, params, context: {"echo": params.get("text", ""), "by": by}


def passed(by: str):
    return lambda connection, context: TestResult.from_checks([Check.passed("who", by)])


def test_two_plugins_declaring_one_id_fail_naming_both_and_the_first_keeps_serving(connector_file):
    first = TestPlugin("first_plugin", [connector_file("test.shared")], {"ping": echo("first")},
                       test=passed("first"))
    second = TestPlugin("second_plugin", [connector_file("test.shared")], {"ping": echo("second")},
                        test=passed("second"))
    host = Host(plugins=[first, second])

    (failure,) = host.load_failures()
    assert (failure.plugin, failure.kind, failure.connector_id) == ("second_plugin", "duplicate-id", "test.shared")
    assert "'test.shared'" in failure.reason
    assert "'first_plugin'" in failure.reason and "'second_plugin'" in failure.reason

    conn = host.connect("test.shared", {})
    assert host.run(conn, "ping", {"text": "hi"}) == {"echo": "hi", "by": "first"}
    assert host.test(conn).checks[0].message == "first"
    # The refused plugin is out of the dispatch entirely: it never sees a call.
    assert [c for c in second.calls if c[0] != "implementations"] == []
    assert {p.name: p.connectors for p in host.plugins()}.get("second_plugin", []) == []


def test_a_plugin_never_receives_calls_for_a_connector_it_does_not_own(connector_file):
    a = TestPlugin("plugin_a", [connector_file("test.a")], {"ping": echo("a")}, test=passed("a"),
                   options=lambda connection, field, context: [Option("from-a")])
    b = TestPlugin("plugin_b", [connector_file("test.b")], {"ping": echo("b")}, test=passed("b"),
                   options=lambda connection, field, context: [Option("from-b")])
    host = Host(plugins=[a, b])
    assert host.load_failures() == []

    conn_b = host.connect("test.b", {})
    a.calls.clear()
    assert host.test(conn_b).checks[0].message == "b"
    assert host.run(conn_b, "ping", {}) == {"echo": "", "by": "b"}
    assert a.calls == []
    assert ("test", "test.b") in b.calls

    conn_a = host.connect("test.a", {})
    b.calls.clear()
    assert host.test(conn_a).checks[0].message == "a"
    assert b.calls == []


def test_a_plugin_owning_no_connector_sees_every_call(connector_file):
    class Observer:
        """Owns nothing; watches every test-connection of every connector."""

        def __init__(self):
            self.__name__ = "observer"
            self.seen = []

        @hookimpl(wrapper=True)
        def connector_test_connection(self, connector_id, connection):
            self.seen.append(connector_id)
            return (yield)  # the owner's result, untouched

    observer = Observer()
    a = TestPlugin("plugin_a", [connector_file("test.a")], {"ping": echo("a")}, test=passed("a"))
    b = TestPlugin("plugin_b", [connector_file("test.b")], {"ping": echo("b")}, test=passed("b"))
    host = Host(plugins=[a, b, observer])
    assert host.test(host.connect("test.a", {})).checks[0].message == "a"
    assert host.test(host.connect("test.b", {})).checks[0].message == "b"
    assert observer.seen == ["test.a", "test.b"]


def test_one_plugin_may_own_several_connectors_and_is_told_which(connector_file):
    plugin = TestPlugin("multi", [connector_file("test.one"), connector_file("test.two")],
                        {"ping": echo("multi")})
    host = Host(plugins=[plugin])
    assert [m.id for m in host.connectors()] == ["test.one", "test.two"]
    assert ("implementations", "test.one") in plugin.calls and ("implementations", "test.two") in plugin.calls
    assert host.run(host.connect("test.two", {}), "ping", {})["by"] == "multi"


@pytest.mark.parametrize("declared,implemented,words", [
    (("ping", "pong"), ("ping",), "declared but not implemented: pong"),
    (("ping",), ("ping", "pong"), "implemented but not declared: pong"),
    (("ping", "pong"), ("ping", "pang"), "declared but not implemented: pong; implemented but not declared: pang"),
])
def test_declared_and_implemented_operations_must_match_both_ways(connector_file, declared, implemented, words):
    bad = TestPlugin("mismatched_plugin", [connector_file("test.bad", declared)],
                     {op: echo("bad") for op in implemented})
    good = TestPlugin("good_plugin", [connector_file("test.good")], {"ping": echo("good")})
    host = Host(plugins=[bad, good])
    (failure,) = host.load_failures()
    assert (failure.plugin, failure.kind, failure.connector_id) == ("mismatched_plugin", "unmatched-operation", "test.bad")
    assert "'test.bad'" in failure.reason and words in failure.reason
    assert [m.id for m in host.connectors()] == ["test.good"]
    assert host.run(host.connect("test.good", {}), "ping", {})["by"] == "good"


def test_implementations_that_are_not_a_mapping_fail_the_plugin(connector_file):
    bad = TestPlugin("listy", [connector_file("test.bad")], None)
    bad._impls = ["ping"]
    host = Host(plugins=[bad])
    (failure,) = host.load_failures()
    assert failure.plugin == "listy" and "must return a mapping" in failure.reason
    assert (failure.kind, failure.connector_id) == ("implementations-hook", "test.bad")
    assert host.connectors() == []
