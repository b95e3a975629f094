"""Every conformance check fails on a plugin broken for it, with a message naming the fix.

Each case breaks the well-behaved widgets plugin (tests/kit/conftest.py) in one way and
runs its conformance suite with pytester: the check meant to catch the break fails, and
its report names the plugin, the operation or field, and what to do.
"""

from __future__ import annotations

import pytest

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
    "form that is not JSON": dict(
        manifest=[("        - key: prefix\n", "        - key: since\n          label: Since\n          type: json\n"
                                               "          default: 2024-01-01\n          help: A date.\n"
                                               "        - key: prefix\n")],
        check="test_forms_are_valid_json_schema",
        expect=["*operation 'list_widgets' form: is not JSON-serializable*", "*fix: quote defaults*"],
    ),
    "secret in a test-connection message": dict(
        hooks=[('"the catalogue refused the key"', 'f"the catalogue refused {connection[\'api_key\'].reveal()}"')],
        check="test_secrets_never_leak",
        expect=["*test-connection result for bad_connection: shows the value of secret connection field "
                "'api_key'*<connection field 'api_key'>*", "*fix: never put credentials in Check messages*"],
    ),
    "secret written to a log": dict(
        hooks=[('params.get("token"))', 'params["token"].reveal())')],
        check="test_secrets_never_leak",
        expect=["*log record of logger 'widgets' (DEBUG): shows the value of secret operation 'get_widget' "
                "input 'token'*", "*fix: log Secret objects*never secret.reveal()*"],
    ),
    "secret in an operation result": dict(
        manifest=[("        - {key: size, label: Size, type: integer, required: true}",
                   "        - {key: size, label: Size, type: integer, required: true}\n"
                   "        - {key: debug, label: Debug, type: string}")],
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
    "operation whose result does not match the manifest": dict(
        hooks=[('return {"name": params["name"], "size"', 'return {"name": params["name"], "weight"')],
        check="test_sample_operations_run",
        expect=["*operation 'get_widget': failed with the sample params*does not match its manifest*"],
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
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_broken_plugin_fails_its_check_with_a_clear_message(widgets, case):
    spec = CASES[case]
    widgets.write(manifest=spec.get("manifest", ()), hooks=spec.get("hooks", ()), conftest=spec.get("conftest"))
    result = widgets.run("-v")
    result.stdout.fnmatch_lines([f"*TestWidgets::{spec['check']} FAILED*"])
    result.stdout.fnmatch_lines(
        ["*conformance check * failed for plugin 'widgets_plugin', connector 'acme.widgets'*"]
        + spec["expect"]
    )


def test_a_missing_plugin_attribute_says_what_to_set(widgets):
    widgets.write(test=[("    plugin = widgets_plugin\n", "")])
    result = widgets.run()
    result.stdout.fnmatch_lines(["*TestWidgets: set the class attributes `plugin`*and `connector_id`*"])
