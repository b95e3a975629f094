"""A small, well-behaved plugin ("widgets") that the kit's tests break one way at a time."""

from __future__ import annotations

import textwrap

import pytest

# Imported here, before pytester snapshots sys.modules, so that the in-process runs below
# reuse them (and hypothesis's character tables) instead of importing them every run.
import connector_core.testing.checks  # noqa: F401
import connector_core.testing.strategies  # noqa: F401
import connector_core.validation  # noqa: F401
import hypothesis.extra  # noqa: F401
import jsonschema  # noqa: F401

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True, scope="session")
def _warm_hypothesis_charmap():
    """Build hypothesis's character table once, not in every in-process pytester run."""
    from hypothesis.internal.charmap import charmap

    charmap()

MANIFEST = """\
manifest_version: 1
id: acme.widgets
name: Acme Widgets
version: 1.0.0
description: Widgets from the Acme catalogue (an offline example).
connection:
  fields:
    - key: api_key
      label: API key
      type: secret
      required: true
      help: The key from your Acme account page.
    - key: mode
      label: Catalogue
      type: enum
      default: public
      help: Which catalogue to read.
      choices:
        - {value: public, caption: Public catalogue}
        - {value: custom, caption: A custom catalogue URL}
    - key: base_url
      label: Catalogue URL
      type: url
      help: Used only with a custom catalogue.
    - key: timeout
      label: Timeout (seconds)
      type: integer
      default: 10
      minimum: 1
      maximum: 60
      help: How long to wait for the catalogue.
  rules:
    - when: {field: mode, equals: custom}
      show: [base_url]
      require: [base_url]
operations:
  - id: get_widget
    label: Get widget
    description: One widget by name.
    input:
      fields:
        - key: name
          label: Widget
          type: string
          required: true
          pattern: '[a-z]{1,20}'
          options: dynamic
          help: The widget's name.
        - key: token
          label: Download token
          type: secret
          help: A one-time token for private widgets.
    output:
      fields:
        - {key: name, label: Name, type: string, required: true}
        - {key: size, label: Size, type: integer, required: true}
  - id: list_widgets
    label: List widgets
    description: Every widget of the catalogue.
    input:
      fields:
        - key: prefix
          label: Prefix
          type: string
          max_length: 10
          help: Only widgets whose name starts with this.
    output:
      stream: true
      fields:
        - {key: name, label: Name, type: string, required: true}
"""

HOOKS = """\
import logging
from pathlib import Path

from connector_core import Check, Option, TestResult, hookimpl

log = logging.getLogger("widgets")
CATALOGUE = {"sprocket": 3, "gear": 5, "cog": 1}
GOOD_KEY = "good-key-1234"


@hookimpl
def connector_manifests():
    return [Path(__file__).with_name("widgets.yaml")]


@hookimpl
def connector_implementations():
    return {"get_widget": "widgets_plugin:get_widget", "list_widgets": "widgets_plugin:list_widgets"}


def get_widget(connection, params, context):
    log.debug("get_widget %s with token %s", params["name"], params.get("token"))
    return {"name": params["name"], "size": CATALOGUE.get(params["name"], 0)}


def list_widgets(connection, params, context):
    for name in sorted(CATALOGUE):
        if name.startswith(params.get("prefix", "")):
            yield {"name": name}


@hookimpl
def connector_test_connection(connection, context):
    if connection["api_key"].reveal() != GOOD_KEY:
        return TestResult.from_checks([Check.failed("API key", "the catalogue refused the key",
                                                    "copy the key again from your Acme account page")])
    return TestResult.from_checks([Check.passed("API key", "the catalogue accepted the key")])


@hookimpl
def connector_options(connection, field, context):
    if field == "get_widget.name":
        return [Option(name, name.title()) for name in sorted(CATALOGUE)]
    return None
"""

TEST = """\
from connector_core.testing import ConnectorConformance

import widgets_plugin


class TestWidgets(ConnectorConformance):
    plugin = widgets_plugin
    connector_id = "acme.widgets"
    good_connection = {"api_key": "good-key-1234"}
    bad_connection = {"api_key": "wrong-key-5678"}
    operation_params = {"get_widget": {"name": "gear", "token": "one-time-token-42"},
                        "list_widgets": {"prefix": "s"}}
    hypothesis_examples = 40
"""

CHECKS = [
    "test_manifest_loads",
    "test_manifest_documents_every_field",
    "test_operations_match_implementations",
    "test_forms_are_valid_json_schema",
    "test_forms_agree_with_server_validation",
    "test_secrets_never_leak",
    "test_test_connection_with_good_credentials",
    "test_test_connection_with_bad_credentials",
    "test_dynamic_options",
    "test_sample_operations_run",
]


def _edit(text: str, edits: list[tuple[str, str]], what: str) -> str:
    for old, new in edits:
        assert old in text, f"the {what} edit does not apply: {old!r}"
        text = text.replace(old, new, 1)
    return text


class WidgetsProject:
    """Writes the widgets plugin and its conformance test into a pytester folder."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester

    def write(self, manifest=(), hooks=(), test=(), conftest: str | None = None) -> None:
        root = self.pytester.path
        (root / "widgets.yaml").write_text(_edit(MANIFEST, list(manifest), "manifest"))
        (root / "widgets_plugin.py").write_text(_edit(HOOKS, list(hooks), "hooks"))
        (root / "test_widgets_conformance.py").write_text(_edit(TEST, list(test), "test"))
        if conftest:
            (root / "conftest.py").write_text(textwrap.dedent(conftest))
        self.pytester.syspathinsert(root)

    def run(self, *args: str):
        return self.pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly", *args)


@pytest.fixture
def widgets(pytester: pytest.Pytester) -> WidgetsProject:
    return WidgetsProject(pytester)
