"""A small, well-behaved plugin ("widgets"), and the ways the kit's tests break it.

Every case is written into its own folder (its plugin module named after the case) and
all of them run in one pytest subprocess, with the installed ``connector_core`` pytest
plugin, as a plugin author would run them. :func:`run_cases` returns each test's
outcome and failure text.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

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
migrations:
  - from: "0"
    steps:
      - rename: {from: url, to: base_url}
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
        - {key: name, label: Name, type: string, required: true, help: The widget.}
        - {key: size, label: Size, type: integer, required: true, help: Its size in units.}
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
        - {key: name, label: Name, type: string, required: true, help: The widget.}
triggers:
  - id: new_widgets
    label: New widgets
    description: Widgets added to the catalogue since the last poll.
    poll_interval: 300
    output:
      fields:
        - {key: name, label: Name, type: string, required: true, help: The new widget.}
"""

HOOKS = """\
import logging
from pathlib import Path

from connector_core import Check, Option, PollResult, TestResult, TriggerItem, hookimpl

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


ADDED = []  # widgets added to the catalogue, oldest first


def add_widgets(count):
    names = [f"widget{len(ADDED) + i}" for i in range(count)]
    ADDED.extend(names)
    return names


@hookimpl
def connector_triggers():
    return {"new_widgets": "widgets_plugin:new_widgets"}


def new_widgets(connection, params, cursor, context):
    start = (cursor or {}).get("next", 0)
    new = ADDED[start:]
    return PollResult([TriggerItem(name, {"name": name}) for name in new], {"next": start + len(new)})


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
from pathlib import Path

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
    trigger_params = {"new_widgets": {}}
    previous_manifests = (str(Path(__file__).with_name("widgets_0.9.0.yaml")),)

    def make_trigger_items(self, host, good, trigger, params, count):
        return widgets_plugin.add_widgets(count)
"""

CHECKS = [
    "test_manifest_loads",
    "test_manifest_documents_every_field",
    "test_operations_match_implementations",
    "test_forms_are_valid_json_schema",
    "test_forms_agree_with_server_validation",
    "test_forms_agree_with_ajv2020",
    "test_secrets_never_leak",
    "test_test_connection_with_good_credentials",
    "test_test_connection_with_bad_credentials",
    "test_dynamic_options",
    "test_sample_operations_run",
    "test_triggers_resume_from_their_cursor",
    "test_version_bumps_have_migrations",
]



#: The released 0.9.0: its catalogue URL field was `url` (1.0.0 renames it, with a migration).
PREVIOUS_MANIFEST = (MANIFEST.replace("version: 1.0.0", "version: 0.9.0").replace("key: base_url", "key: url")
                     .replace("[base_url]", "[url]"))
PREVIOUS_MANIFEST = PREVIOUS_MANIFEST[:PREVIOUS_MANIFEST.index("migrations:")] + \
    PREVIOUS_MANIFEST[PREVIOUS_MANIFEST.index("operations:"):]

CASES = {
    "unknown manifest key": dict(
        manifest=[("      help: How long to wait", "      hepl: How long to wait")],
        check="test_manifest_loads",
        expect=["*plugin 'widgets_plugin'*does not load*widgets.yaml*hepl*"],
    ),
    "field without help": dict(
        manifest=[("      help: The key from your Acme account page.\n", "")],
        check="test_manifest_documents_every_field",
        expect=["*connection field 'api_key': has no help text*", "*fix: add `help:`*widgets.yaml*"],
    ),
    "operation without description": dict(
        manifest=[("    description: One widget by name.\n", "")],
        check="test_manifest_documents_every_field",
        expect=["*operation 'get_widget': has no description*", "*fix: add `description:`*"],
    ),
    "declared operation not implemented": dict(
        hooks=[('"get_widget": "widgets_plugin:get_widget", ', "")],
        check="test_operations_match_implementations",
        expect=["*declared but not implemented: get_widget*",
                "*fix: make connector_implementations() return exactly one implementation*"],
    ),
    "implementation that does not import": dict(
        hooks=[('"widgets_plugin:list_widgets"', '"widgets_plugin:list_widgetz"')],
        check="test_operations_match_implementations",
        expect=["*operation 'list_widgets': cannot import operation implementation*list_widgetz*",
                "*fix: correct the 'package.module:function' string*"],
    ),
    # (A form that is not JSON cannot be written any more: the loader refuses .inf and .nan.)
    "form that is not a valid JSON Schema": dict(
        manifest=[("        - key: prefix\n", "        - key: since\n          label: Since\n          type: string\n"
                                               "          min_length: -1\n          help: A limit.\n"
                                               "        - key: prefix\n")],
        check="test_forms_are_valid_json_schema",
        expect=["*operation 'list_widgets' form (schema): is not a valid JSON Schema at *",
                "*fix: correct the field behind*"],
    ),
    # The host masks known secrets in log messages, not in `extra=` fields (JSON log handlers print them).
    "secret in a log record's extra fields": dict(
        hooks=[('    log.debug("get_widget %s with token %s", params["name"], params.get("token"))',
                '    log.debug("get_widget", extra={"token": params["token"].reveal()})')],
        check="test_secrets_never_leak",
        expect=["*the extra fields of a log record of logger 'widgets': shows the value of secret operation "
                "'get_widget' input 'token'*", "*fix: never pass revealed secrets in a log call's `extra=`*"],
    ),
    "secret in an operation result": dict(
        manifest=[("        - {key: size, label: Size, type: integer, required: true, help: Its size in units.}",
                   "        - {key: size, label: Size, type: integer, required: true, help: Its size in units.}\n"
                   "        - {key: debug, label: Debug, type: string, help: Debugging aid.}")],
        hooks=[('"size": CATALOGUE.get(params["name"], 0)}',
                '"size": CATALOGUE.get(params["name"], 0), "debug": connection["api_key"].reveal()}')],
        check="test_secrets_never_leak",
        expect=["*the result of operation 'get_widget': shows the value of secret connection field 'api_key'*"],
    ),
    "test hook that raises": dict(
        hooks=[('    if connection["api_key"].reveal() != GOOD_KEY:',
                '    raise RuntimeError("catalogue down")\n    if connection["api_key"].reveal() != GOOD_KEY:')],
        check="test_test_connection_with_good_credentials",
        expect=["*connector_test_connection with good_connection: raised an exception instead of returning "
                "a failed Check*RuntimeError*", "*fix: catch expected failures*"],
    ),
    "test hook that passes bad credentials": dict(
        hooks=[('    if connection["api_key"].reveal() != GOOD_KEY:', '    if False:')],
        check="test_test_connection_with_bad_credentials",
        expect=["*connector_test_connection with bad_connection: passed*but these values must fail*",
                "*fix: make the test really reach the service*"],
    ),
    "failed check without a hint": dict(
        hooks=[(',\n                                                    "copy the key again from your Acme account page"',
                "")],
        check="test_test_connection_with_bad_credentials",
        expect=["*failed check 'API key' has no hint*", "*fix: say what the user should do*"],
    ),
    "options hook that forgets a field": dict(
        hooks=[('if field == "get_widget.name":', 'if field == "get_widget.nam":')],
        check="test_dynamic_options",
        expect=["*options of field 'get_widget.name'*does not fill the options*",
                "*fix: make connector_options(connection, field, context) return a list*"],
    ),
    "options with duplicates": dict(
        hooks=[("return [Option(name, name.title()) for name in sorted(CATALOGUE)]",
                "return [Option(name, name.title()) for name in sorted(CATALOGUE)] * 2")],
        check="test_dynamic_options",
        expect=["*options of field 'get_widget.name': value 'cog' is listed twice*"],
    ),
    "trigger cursor that does not move": dict(
        hooks=[('{"next": start + len(new)}', '{"next": start}')],
        check="test_triggers_resume_from_their_cursor",
        expect=["*trigger 'new_widgets': a second poll with the returned cursor repeated*",
                "*fix: the cursor a poll returns must exclude every item that poll returned*"],
    ),
    "operation whose result does not match the manifest": dict(
        hooks=[('return {"name": params["name"], "size"', 'return {"name": params["name"], "weight"')],
        check="test_sample_operations_run",
        expect=["*operation 'get_widget': failed with the sample params*does not match its manifest*"],
    ),
    "version bump without a migration": dict(
        manifest=[('migrations:\n  - from: "0"\n    steps:\n      - rename: {from: url, to: base_url}\n', "")],
        check="test_version_bumps_have_migrations",
        expect=["*connection.url: removed field, and no migration from 0.9.0 handles it*",
                "*fix: add `migrations:*` with a step naming the field*"],
    ),
    # Forms and server-side validation are both generated by connector_core, so no manifest
    # can make them disagree; this case simulates a drifting form generator instead.
    "form generator that drifts from server-side validation": dict(
        conftest="""
            import pytest
            import connector_core.forms as forms

            @pytest.fixture(autouse=True)
            def drop_maximum(monkeypatch):
                original = forms.field_schema
                def drifted(f):
                    out = original(f)
                    out.pop("maximum", None)
                    return out
                monkeypatch.setattr(forms, "field_schema", drifted)
        """,
        check="test_forms_agree_with_server_validation",
        expect=["*connection form: the JSON Schema accepts but the server rejects*timeout*"
                "(server says: *timeout: must be at most 60*"],
    ),
    # Python reads `{,20}` as "0 to 20"; a browser's regular expressions refuse it.
    "pattern only Python understands": dict(
        manifest=[("          pattern: '[a-z]{1,20}'", "          pattern: '[a-z]{,20}'")],
        check="test_forms_agree_with_ajv2020",
        expect=["*operation 'get_widget' form: does not compile in Ajv2020*Invalid regular expression*"],
    ),
}



CASES["a good plugin"] = {}
CASES["a test class without its plugin"] = {"test": [("    plugin = widgets_plugin\n", "")]}


def module_name(case: str) -> str:
    return "widgets_" + re.sub(r"[^a-z0-9]+", "_", case.lower()).strip("_")


def _edit(text: str, edits, what: str) -> str:
    for old, new in edits:
        assert old in text, f"the {what} edit does not apply: {old!r}"
        text = text.replace(old, new, 1)
    return text


def write_case(root: Path, case: str) -> Path:
    spec = CASES[case]
    module = module_name(case)
    folder = root / f"case_{module}"  # not the module's name: importlib mode would shadow it
    folder.mkdir(parents=True)
    (folder / "widgets.yaml").write_text(_edit(MANIFEST, spec.get("manifest", ()), "manifest"))
    (folder / "widgets_0.9.0.yaml").write_text(PREVIOUS_MANIFEST)
    hooks = _edit(HOOKS, spec.get("hooks", ()), "hooks").replace("widgets_plugin", module)
    (folder / f"{module}.py").write_text(hooks)
    test = _edit(TEST, spec.get("test", ()), "test").replace("widgets_plugin", module)
    (folder / f"test_{module}.py").write_text(test)
    if spec.get("conftest"):
        (folder / "conftest.py").write_text(textwrap.dedent(spec["conftest"]))
    return folder


@dataclass
class Outcome:
    status: str  # "passed", "failed", "skipped", "error"
    text: str


def run_cases(root: Path) -> dict[str, dict[str, Outcome]]:
    """Write every case under ``root``, run them in one pytest process, and read the report."""
    folders = {case: write_case(root, case) for case in CASES}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join(str(f) for f in folders.values())
    report = root / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--import-mode=importlib", "-q",
         f"--junitxml={report}", "--rootdir", str(root), *(str(f) for f in folders.values())],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    by_module: dict[str, dict[str, Outcome]] = {module_name(case): {} for case in CASES}
    for testcase in ET.parse(report).getroot().iter("testcase"):
        module = next((m for m in by_module if m in testcase.get("classname", "")), None)
        if module is None:
            continue
        status, text = "passed", ""
        for child in testcase:
            if child.tag in ("failure", "error", "skipped"):
                status = {"failure": "failed"}.get(child.tag, child.tag)
                text = (child.get("message") or "") + "\n" + (child.text or "")
        by_module[module][testcase.get("name")] = Outcome(status, text)
    return {case: by_module[module_name(case)] for case in CASES}
