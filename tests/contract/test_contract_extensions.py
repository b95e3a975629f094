"""What toolkit plugins give the core: requirements, settings, choice sources, fragments, error codes."""

from __future__ import annotations

import sys

import pytest

from connector_core import (
    AuthenticationError, ErrorCode, Host, NotFoundError, OperationError, Setting, ThrottledError, hookimpl,
)
from tests.core.corekit import HEAD, TestPlugin, dedent

FRAGMENT = dedent("""
    manifest_version: 1
    kind: fragment
    id: acme.account
    connection:
      fields:
        - {key: colour, label: Colour, type: enum, choices_from: acme.colours, default: red}
    """)


class AcmeToolkit:
    """A vendor toolkit a connector brings in with connector_requires."""

    __name__ = "acme_toolkit"

    def __init__(self, fragment_path, colours="tests.contract.test_contract_extensions:colours"):
        self.fragment_path = fragment_path
        self.colours = colours

    @hookimpl
    def connector_manifests(self):
        return [self.fragment_path]

    @hookimpl
    def connector_settings(self):
        return {"acme.timeout": Setting(10, "Seconds to wait for Acme.")}

    @hookimpl
    def connector_choice_sources(self):
        return {"acme.colours": self.colours}

    @hookimpl
    def connector_error_codes(self):
        return {"Acme.NoSuchWidget": NotFoundError, "Acme.SlowDown": ErrorCode(ThrottledError, "wait a minute")}


def colours():
    return [("red", "Red"), ("green", "Green")]


CONNECTOR = HEAD.format(id="acme.widgets") + dedent("""
    extends: [acme.account]
    operations:
      - id: fail
        label: Fail
        input:
          fields:
            - {key: code, label: Code, type: string}
            - {key: typed, label: Typed, type: boolean, default: false}
    """)


def failing(connection, params, context):
    error = AuthenticationError if params["typed"] else OperationError
    raise error(f"the service said {params['code']}", hint="see the service's docs", code=params["code"])


@pytest.fixture
def toolkit(tmp_path):
    path = tmp_path / "fragment.yaml"
    path.write_text(FRAGMENT)
    return AcmeToolkit(path)


@pytest.fixture
def connector(tmp_path, toolkit):
    path = tmp_path / "widgets.yaml"
    path.write_text(CONNECTOR)
    return TestPlugin("acme_widgets", [path], {"fail": failing}, requires=(toolkit,))


def test_a_required_toolkit_is_registered_once_and_gives_fragment_and_choices(connector, toolkit):
    host = Host(plugins=[connector, toolkit])  # also given directly: still one registration
    assert host.load_failures() == []
    schema = host.form("acme.widgets")["schema"]
    assert [c["const"] for c in schema["properties"]["colour"]["oneOf"]] == ["red", "green"]
    assert [p.name for p in host.plugins()] == ["acme_toolkit", "acme_widgets"]


def test_settings_defaults_come_from_plugins_and_the_host_overrides_them(connector):
    assert Host(plugins=[connector]).settings["acme.timeout"] == 10
    host = Host(plugins=[connector], settings={"acme.timeout": 3})
    assert host.settings["acme.timeout"] == 3
    assert host.settings_help()["acme.timeout"] == {
        "default": 10, "value": 3, "description": "Seconds to wait for Acme.", "plugin": "acme_toolkit"}


def test_a_registered_error_code_becomes_its_typed_error(connector):
    host = Host(plugins=[connector])
    connection = host.connect("acme.widgets", {})
    with pytest.raises(NotFoundError, match="the service said Acme.NoSuchWidget"):
        host.run(connection, "fail", {"code": "Acme.NoSuchWidget"})
    with pytest.raises(ThrottledError) as caught:
        host.run(connection, "fail", {"code": "Acme.SlowDown"})
    assert caught.value.retryable and caught.value.hint == "wait a minute"
    with pytest.raises(OperationError) as unknown:
        host.run(connection, "fail", {"code": "Acme.Other"})
    assert type(unknown.value) is OperationError


def test_an_error_a_toolkit_already_typed_is_not_retyped(connector):
    host = Host(plugins=[connector])
    with pytest.raises(AuthenticationError):
        host.run(host.connect("acme.widgets", {}), "fail", {"code": "Acme.NoSuchWidget", "typed": True})


def test_a_string_choice_source_is_imported_only_when_a_manifest_names_it(tmp_path):
    unused = tmp_path / "unused.yaml"
    unused.write_text(FRAGMENT.replace("choices_from: acme.colours", "choices: [{value: red}]"))
    host = Host(plugins=[AcmeToolkit(unused, colours="tests.contract.never_imported:colours")])
    assert host.load_failures() == []
    assert "tests.contract.never_imported" not in sys.modules


def test_an_unknown_choice_source_says_where_sources_come_from(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(HEAD.format(id="acme.bare") + dedent("""
        connection:
          fields:
            - {key: colour, label: Colour, type: enum, choices_from: acme.colours}
        """))
    host = Host(plugins=[TestPlugin("bare", [path], {}, requires=())])
    (failure,) = host.load_failures()
    assert "unknown choice source 'acme.colours'" in failure.reason and "connector_requires" in failure.reason


def test_two_plugins_declaring_one_setting_differently_is_a_load_error_naming_both(connector, toolkit):
    class Rival:
        __name__ = "rival"

        @hookimpl
        def connector_settings(self):
            return {"acme.timeout": Setting(99, "Another meaning.")}

    host = Host(plugins=[connector, Rival()])
    reasons = [f.reason for f in host.load_failures()]
    assert any("'acme.timeout' is already registered by plugin" in r for r in reasons), reasons
    assert any(f.plugin in ("rival", "acme_toolkit") for f in host.load_failures())


def test_a_bad_contribution_is_refused_with_the_fix(tmp_path):
    class Bad:
        __name__ = "bad"

        @hookimpl
        def connector_error_codes(self):
            return {"X": ValueError}

    (failure,) = Host(plugins=[Bad()]).load_failures()
    assert failure.plugin == "bad" and failure.kind == "contribution"
    assert "must map to a ConnectorError subclass" in failure.reason


def test_a_requirement_that_cannot_be_imported_names_the_requiring_plugin(tmp_path):
    plugin = TestPlugin("needy", [], {}, requires=("no_such_toolkit_module",))
    (failure,) = [f for f in Host(plugins=[plugin]).load_failures() if f.kind == "requires"]
    assert failure.plugin == "needy" and "no_such_toolkit_module" in failure.reason
