"""Forms: JSON Schema 2020-12 valid against its metaschema, and a react-jsonschema-form UI schema."""

from __future__ import annotations

import jsonschema
import pytest
from tests.core.corekit import TestPlugin

from connector_core import Host

FORM_MANIFEST = """
manifest_version: 1
id: test.form
name: Form test
version: 1.0.0
description: A connector whose form exercises every UI hint.
extends: [aws.credentials]
connection:
  groups:
    - {id: target, label: Target}
  fields:
    - {key: notes, label: Notes, type: text, group: target, order: -1, help: Free text., placeholder: 'Say hi'}
    - {key: api_key, label: API key, type: secret, group: target, help: Never shown.}
    - key: level
      label: Level
      type: enum
      default: low
      group: target
      choices:
        - {value: low, caption: Low (cheap)}
        - {value: high, caption: High (fast)}
operations:
  - id: op
    label: Operation
    description: Does things.
    input:
      fields:
        - {key: item, label: Item, type: string, options: dynamic, placeholder: 'my-item'}
        - {key: pw, label: Password, type: secret}
        - key: nested
          label: Nested
          type: object
          fields:
            - {key: pin, label: PIN, type: secret}
        - {key: tokens, label: Tokens, type: list, items: {type: secret}}
    output:
      stream: true
      fields:
        - {key: name, label: Name, type: string}
"""


@pytest.fixture
def host(make_host):
    return make_host(FORM_MANIFEST, {"op": lambda c, p, ctx: iter(())})


def _walk(schema):
    """Every subschema (dicts) of a JSON Schema."""
    if isinstance(schema, dict):
        yield schema
        for value in schema.values():
            yield from _walk(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _walk(value)


def _check(schema: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_connection_and_operation_forms_are_valid_2020_12_schemas(host):
    form = host.form("test.form")
    _check(form["schema"])
    op = host.form("test.form", operation="op")
    _check(op["schema"])
    _check(op["outputSchema"])
    assert op["outputSchema"]["type"] == "array"  # stream: true
    assert op["schema"]["description"] == "Does things."
    assert form["schema"]["description"].startswith("A connector whose form")


def test_the_built_in_connectors_forms_are_valid_2020_12_schemas():
    host = Host.discover()
    if not host.connectors():
        pytest.skip("no built-in plugin installed yet")
    assert host.load_failures() == []
    for manifest in host.connectors():
        _check(host.form(manifest.id)["schema"])
        for op_id in manifest.operation_ids:
            form = host.form(manifest.id, operation=op_id)
            _check(form["schema"])
            _check(form["outputSchema"])


def test_ui_order_follows_groups_and_order(host):
    ui = host.form("test.form")["uiSchema"]
    order = ui["ui:order"]
    # Fragment groups first (auth, region, advanced), then this manifest's group...
    assert order.index("auth_mode") < order.index("region") < order.index("notes")
    # ...with `order: -1` putting notes first within its group...
    assert [k for k in order if k in ("notes", "api_key", "level")] == ["notes", "api_key", "level"]
    # ...and fields marked advanced after all the others.
    assert order[-3:] == ["session_token", "endpoint_url", "proxy_url"]
    assert [g["id"] for g in ui["ui:groups"]] == ["auth", "region", "advanced", "target"]
    assert ui["ui:groups"][3] == {"id": "target", "title": "Target", "fields": ["notes", "api_key", "level"]}


def test_widgets_help_and_placeholders(host):
    ui = host.form("test.form")["uiSchema"]
    schema = host.form("test.form")["schema"]
    assert ui["api_key"]["ui:widget"] == "password"
    assert ui["secret_access_key"]["ui:widget"] == "password"
    assert ui["notes"]["ui:widget"] == "textarea"
    assert ui["notes"]["ui:help"] == "Free text." and schema["properties"]["notes"]["description"] == "Free text."
    assert ui["notes"]["ui:placeholder"] == "Say hi"
    assert ui["access_key_id"]["ui:placeholder"] == "AKIAIOSFODNN7EXAMPLE"
    assert ui["endpoint_url"]["ui:options"]["advanced"] is True
    assert ui["custom_region"]["ui:options"]["showWhen"] == [{"field": "region", "equals": "custom"}]
    op_ui = host.form("test.form", operation="op")["uiSchema"]
    assert op_ui["item"]["ui:options"]["dynamicOptions"] is True
    assert op_ui["nested"]["pin"]["ui:widget"] == "password"
    assert op_ui["tokens"]["items"]["ui:widget"] == "password"


def test_secrets_are_write_only_with_no_default_or_example(host):
    forms = [host.form("test.form"), host.form("test.form", operation="op")]
    secret_titles = {"API key", "Amazon AWS secret key", "Session token", "Private key (PEM)", "Password", "PIN"}
    seen = set()
    for form in forms:
        for sub in _walk(form["schema"]):
            if sub.get("writeOnly"):
                seen.add(sub.get("title"))
                assert "default" not in sub and "examples" not in sub and "const" not in sub
        for key, entry in form["uiSchema"].items():
            if isinstance(entry, dict) and entry.get("ui:widget") == "password":
                assert "ui:placeholder" not in entry
    assert secret_titles <= seen
    tokens = forms[1]["schema"]["properties"]["tokens"]["items"]
    assert tokens["writeOnly"] is True


def test_enum_captions_are_kept(host):
    level = host.form("test.form")["schema"]["properties"]["level"]
    assert level["oneOf"] == [{"const": "low", "title": "Low (cheap)"}, {"const": "high", "title": "High (fast)"}]
    assert level["default"] == "low"


def _botocore_regions() -> set[str]:
    import json
    from pathlib import Path

    import botocore

    data = json.loads((Path(botocore.__file__).parent / "data" / "endpoints.json").read_text())
    return {region for partition in data["partitions"] for region in partition["regions"]}


def test_the_region_dropdown_holds_botocore_regions_and_custom_region(host):
    region = host.form("test.form")["schema"]["properties"]["region"]
    values = {c["const"]: c["title"] for c in region["oneOf"]}
    regions = _botocore_regions()
    assert regions and regions <= set(values)
    assert values["custom"] == "Custom Region"
    assert region["oneOf"][-1] == {"const": "custom", "title": "Custom Region"}
    assert values["eu-west-1"] != "eu-west-1"  # captioned with the region's name
    assert region["default"] == "us-east-1"


def test_forms_are_copies_a_host_cannot_be_changed_through(host):
    form = host.form("test.form")
    form["schema"]["properties"].clear()
    assert host.form("test.form")["schema"]["properties"]


def test_a_form_for_a_test_plugin_without_the_aws_fragment(write_manifest):
    path = write_manifest("manifest_version: 1\nid: test.plain\nname: Plain\nversion: 1.0.0\n")
    host = Host(plugins=[TestPlugin("plain", [path])])
    form = host.form("test.plain")
    _check(form["schema"])
    assert form["schema"]["properties"] == {} and form["uiSchema"] == {"ui:order": []}


@pytest.mark.parametrize("value,ok", [("integration-1", True), ("sessión", False), ("s_1+=,.@-", True),
                                      ("\u0663\u0663", False), ("ab\n", False)])
def test_class_escapes_mean_what_a_browser_means(host, value, ok):
    """\\w is ASCII in ECMA-262: the form and the server both refuse "é" in a session name."""
    schema = host.form("test.form")["schema"]
    pattern = schema["properties"]["role_session_name"]["pattern"]
    assert "\\w" not in pattern and "A-Za-z0-9_" in pattern
    values = {"auth_mode": "assume_role", "role_arn": "arn:aws:iam::123456789012:role/r", "role_session_name": value}
    assert jsonschema.Draft202012Validator(schema).is_valid(values) is ok
    from connector_core import ValidationError

    try:
        host.connect("test.form", values)
    except ValidationError as exc:
        assert not ok and list(exc.errors) == ["role_session_name"]
    else:
        assert ok
