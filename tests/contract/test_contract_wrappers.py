"""Hook wrappers for cross-cutting concerns, and check_pending for misspelt hooks."""

from __future__ import annotations

import pytest
from tests.core.corekit import TestPlugin

from connector_core import Host, OperationError, ValidationError, hookimpl


class Auditor:
    """Owns no connector; wraps every operation run and records what happened."""

    def __init__(self) -> None:
        self.__name__ = "auditor"
        self.records: list[dict] = []

    @hookimpl(wrapper=True)
    def connector_run(self, connector_id, operation, params, context):
        record = {"connector": connector_id, "operation": operation, "params": dict(params),
                  "context_operation": context.operation}
        self.records.append(record)
        try:
            result = yield
        except Exception as exc:
            record["error"] = exc
            raise
        record["result"] = result
        return result


class Refuser:
    """A policy wrapper: refuses one operation before it reaches the plugin."""

    def __init__(self) -> None:
        self.__name__ = "refuser"

    @hookimpl(wrapper=True)
    def connector_run(self, operation):
        if operation == "boom":
            raise PermissionError("operation boom is not allowed by policy")
        return (yield)


def _impls(log: list):
    def ping(connection, params, context):
        log.append(params)
        return {"echo": params.get("text", "default"), "by": "plugin"}

    def boom(connection, params, context):
        raise RuntimeError("kaboom")

    return {"ping": ping, "boom": boom}


def test_a_wrapper_audits_every_run_with_operation_params_result_and_exception(connector_file):
    ran: list = []
    plugins = [TestPlugin("a", [connector_file("test.a", ("ping", "boom"))], _impls(ran)),
               TestPlugin("b", [connector_file("test.b", ("ping", "boom"))], _impls(ran))]
    auditor = Auditor()
    host = Host(plugins=[*plugins, auditor])
    conn_a, conn_b = host.connect("test.a", {}), host.connect("test.b", {})

    assert host.run(conn_a, "ping", {"text": "hello"}) == {"echo": "hello", "by": "plugin"}
    assert host.run(conn_b, "ping", {}) == {"echo": "default", "by": "plugin"}
    with pytest.raises(OperationError, match="kaboom"):
        host.run(conn_a, "boom", {})

    ok_a, ok_b, failed = auditor.records
    assert ok_a == {"connector": "test.a", "operation": "ping", "params": {"text": "hello"},
                    "context_operation": "ping", "result": {"echo": "hello", "by": "plugin"}}
    assert ok_b["connector"] == "test.b" and ok_b["result"]["echo"] == "default"
    assert failed["operation"] == "boom" and isinstance(failed["error"], RuntimeError)
    assert "result" not in failed


def test_the_wrapper_sees_validated_params_only(connector_file):
    auditor = Auditor()
    host = Host(plugins=[TestPlugin("a", [connector_file("test.a", ("ping", "boom"))], _impls([])), auditor])
    with pytest.raises(ValidationError) as info:
        host.run(host.connect("test.a", {}), "ping", {"text": 5, "nope": 1})
    assert set(info.value.errors) == {"text", "nope"}
    assert auditor.records == []  # refused before any hook ran


def test_a_policy_wrapper_can_refuse_a_run_before_the_plugin_sees_it(connector_file):
    ran: list = []
    host = Host(plugins=[TestPlugin("a", [connector_file("test.a", ("ping", "boom"))], _impls(ran)), Refuser()])
    conn = host.connect("test.a", {})
    with pytest.raises(OperationError, match="not allowed by policy"):
        host.run(conn, "boom", {})
    assert host.run(conn, "ping", {"text": "x"})["echo"] == "x"
    assert ran == [{"text": "x"}]


def test_a_misspelt_hook_is_a_load_failure_not_silence(connector_file):
    class Misspelt:
        def __init__(self):
            self.__name__ = "misspelt_plugin"

        @hookimpl
        def connector_manifest(self):  # the hook is connector_manifests
            return [connector_file("test.never")]

    good = TestPlugin("good", [connector_file("test.good", ("ping", "boom"))], _impls([]))
    host = Host(plugins=[Misspelt(), good])
    (failure,) = host.load_failures()
    assert failure.plugin == "misspelt_plugin"
    assert "unknown hook 'connector_manifest'" in failure.reason
    assert "did you mean 'connector_manifests'?" in failure.reason
    assert [m.id for m in host.connectors()] == ["test.good"]
    assert "misspelt_plugin" not in [p.name for p in host.plugins()]


def test_a_hook_with_an_unknown_argument_is_a_load_failure(connector_file):
    class WrongArgs:
        def __init__(self):
            self.__name__ = "wrong_args"

        @hookimpl
        def connector_test_connection(self, connection, conection_name):
            return None

    good = TestPlugin("good", [connector_file("test.good", ("ping", "boom"))], _impls([]))
    host = Host(plugins=[WrongArgs(), good])
    (failure,) = host.load_failures()
    assert failure.plugin == "wrong_args" and "conection_name" in failure.reason
    assert [m.id for m in host.connectors()] == ["test.good"]
