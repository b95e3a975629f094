"""A broken plugin is isolated and reported while the others work; implementations load lazily."""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint

import pytest
from tests.core.corekit import TestPlugin

import connector_core.registry as registry
from connector_core import Host, PluginLoadError, hookimpl


def _echo(connection, params, context):
    return {"echo": params.get("text", ""), "by": "good"}


class RaisingPlugin:
    def __init__(self) -> None:
        self.__name__ = "raising_plugin"

    @hookimpl
    def connector_manifests(self):
        raise RuntimeError("cannot find my manifests")


def test_a_plugin_whose_manifests_hook_raises_is_reported_and_the_others_work(connector_file):
    good = TestPlugin("good", [connector_file("test.good")], {"ping": _echo})
    host = Host(plugins=[RaisingPlugin(), good])
    (failure,) = host.load_failures()
    assert failure.plugin == "raising_plugin"
    assert "connector_manifests failed: RuntimeError: cannot find my manifests" in failure.reason
    assert host.run(host.connect("test.good", {}), "ping", {"text": "ok"})["echo"] == "ok"


class BrokenImplementations(TestPlugin):
    @hookimpl
    def connector_implementations(self, connector_id):
        raise ValueError("no implementations today")


def test_a_plugin_whose_implementations_hook_raises_is_reported(connector_file):
    broken = BrokenImplementations("broken", [connector_file("test.broken")])
    good = TestPlugin("good", [connector_file("test.good")], {"ping": _echo})
    host = Host(plugins=[broken, good])
    (failure,) = host.load_failures()
    assert failure.plugin == "broken"
    assert "connector_implementations failed: ValueError: no implementations today" in failure.reason
    assert [m.id for m in host.connectors()] == ["test.good"]
    assert host.run(host.connect("test.good", {}), "ping", {})["by"] == "good"


def test_a_missing_manifest_file_is_reported_with_its_path(connector_file, tmp_path):
    missing = tmp_path / "nowhere.yaml"
    host = Host(plugins=[TestPlugin("lost", [missing]), TestPlugin("good", [connector_file("test.good")],
                                                                   {"ping": _echo})])
    (failure,) = host.load_failures()
    assert failure.plugin == "lost" and str(missing) in failure.reason and "cannot read manifest" in failure.reason
    assert [m.id for m in host.connectors()] == ["test.good"]


def test_an_entry_point_that_fails_to_import_is_reported_and_the_others_load(monkeypatch, tmp_path, connector_file):
    manifest = connector_file("test.fromep")
    (tmp_path / "ep_good_plugin.py").write_text(
        "from connector_core import hookimpl\n"
        "@hookimpl\n"
        f"def connector_manifests():\n    return [{str(manifest)!r}]\n"
        "@hookimpl\n"
        "def connector_implementations():\n    return {'ping': 'ep_good_ops:ping'}\n")
    (tmp_path / "ep_good_ops.py").write_text(
        "def ping(connection, params, context):\n    return {'echo': 'ep', 'by': 'entry point'}\n")
    (tmp_path / "ep_broken_plugin.py").write_text("import a_module_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    eps = [EntryPoint("broken", "ep_broken_plugin", "connector_core"),
           EntryPoint("good", "ep_good_plugin", "connector_core")]
    monkeypatch.setattr(registry, "entry_points", lambda group: [e for e in eps if e.group == group])

    host = Host.discover()
    (failure,) = host.load_failures()
    assert failure.plugin == "broken"
    assert "failed to import ep_broken_plugin" in failure.reason
    assert "a_module_that_is_not_installed" in failure.reason
    assert [m.id for m in host.connectors()] == ["test.fromep"]
    assert [p.name for p in host.plugins()] == ["good"]
    assert host.run(host.connect("test.fromep", {}), "ping", {}) == {"echo": "ep", "by": "entry point"}


def test_implementations_are_not_imported_until_the_first_run(tmp_path, monkeypatch, connector_file):
    module = "lazy_ops_for_contract_test"
    (tmp_path / f"{module}.py").write_text(
        "IMPORTS = []\nIMPORTS.append(1)\n"
        "def ping(connection, params, context):\n    return {'echo': 'lazy', 'by': __name__}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, module, raising=False)
    plugin = TestPlugin("lazy", [connector_file("test.lazy")], {"ping": f"{module}:ping"})
    host = Host(plugins=[plugin])
    conn = host.connect("test.lazy", {})
    host.form("test.lazy")
    host.form("test.lazy", operation="ping")
    host.test(conn)
    assert module not in sys.modules

    assert host.run(conn, "ping", {}) == {"echo": "lazy", "by": module}
    assert module in sys.modules
    host.run(conn, "ping", {})
    assert sys.modules[module].IMPORTS == [1]


def test_an_implementation_string_that_does_not_import_fails_at_run_naming_it(connector_file):
    host = Host(plugins=[TestPlugin("typo", [connector_file("test.typo")], {"ping": "no_such_module_xyz:ping"})])
    conn = host.connect("test.typo", {})
    with pytest.raises(PluginLoadError) as info:
        host.run(conn, "ping", {})
    assert "no_such_module_xyz:ping" in str(info.value) and info.value.connector == "test.typo"
    assert info.value.hint
