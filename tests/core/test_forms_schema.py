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
    # ...and within a group, fields marked advanced after the others.
    auth = [k for k in order if k in ("access_key_id", "session_token", "role_arn", "private_key")]
    assert auth[-1] == "session_token"
    # The groups hint lists the same fields in the same order: it never contradicts ui:order.
    assert [g["id"] for g in ui["ui:groups"]] == ["auth", "region", "advanced", "target"]
    assert [k for g in ui["ui:groups"] for k in g["fields"]] == order
    assert ui["ui:groups"][3] == {"id": "target", "title": "Target", "fields": ["notes", "api_key", "level"]}


def _properties(schema):
    """Every field a form draws, those declared in branches included (not conditions)."""
    if isinstance(schema, list):
        for sub in schema:
            yield from _properties(sub)
    elif isinstance(schema, dict):
        for key, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict):
                yield key, prop
        for key, sub in schema.items():
            if key not in ("if", "not", "propertyNames"):
                yield from _properties(sub)


def test_widgets_help_and_placeholders(host):
    ui = host.form("test.form")["uiSchema"]
    schema = host.form("test.form")["schema"]
    assert ui["api_key"]["anyOf"][0]["ui:widget"] == "password"  # the value; or a reference
    assert ui["secret_access_key"]["anyOf"][0]["ui:widget"] == "password"
    assert ui["private_key"]["anyOf"][0]["ui:widget"] == "textarea"  # a PEM keeps its lines
    assert ui["notes"]["ui:widget"] == "textarea"
    assert schema["properties"]["notes"]["description"] == "Free text."
    assert ui["notes"]["ui:placeholder"] == "Say hi"
    assert ui["access_key_id"]["ui:placeholder"] == "AKIAIOSFODNN7EXAMPLE"
    assert ui["endpoint_url"]["ui:options"]["advanced"] is True
    op_ui = host.form("test.form", operation="op")["uiSchema"]
    assert op_ui["item"]["ui:options"]["dynamicOptions"] is True
    assert op_ui["nested"]["pin"]["anyOf"][0]["ui:widget"] == "password"
    assert op_ui["tokens"]["items"]["anyOf"][0]["ui:widget"] == "password"


def test_help_text_is_shown_once(host):
    """RJSF shows a description and a ui:help both: the text lives in the schema only."""
    for form in (host.form("test.form"), host.form("test.form", operation="op")):
        assert not [e for e in _walk(form["uiSchema"]) if "ui:help" in e]


def test_every_form_field_has_a_type_a_renderer_can_draw():
    host = Host.discover()
    for manifest in host.connectors():
        forms = [host.form(manifest.id)] + [host.form(manifest.id, operation=o) for o in manifest.operation_ids]
        for form in forms:
            for key, prop in _properties(form["schema"]):
                assert "type" in prop or "anyOf" in prop or "const" in prop or key in ("$env", "$file"), (
                    manifest.id, form["schema"]["title"], key)


def test_secrets_are_write_only_with_no_default_or_example(host):
    forms = [host.form("test.form"), host.form("test.form", operation="op")]
    secret_titles = {"API key", "Amazon AWS secret key", "Session token", "Private key (PEM)", "Password", "PIN"}
    seen = set()
    for form in forms:
        for sub in _walk(form["schema"]):
            if sub.get("writeOnly"):
                seen.add(sub.get("title"))
                assert "default" not in sub and "examples" not in sub and "const" not in sub
        for entry in _walk(form["uiSchema"]):
            if entry.get("ui:widget") == "password":
                assert "ui:placeholder" not in entry
    assert secret_titles <= seen
    tokens = forms[1]["schema"]["properties"]["tokens"]["items"]
    assert tokens["writeOnly"] is True


def test_enum_captions_are_kept_and_nothing_is_preselected(host):
    level = host.form("test.form")["schema"]["properties"]["level"]
    # With a default, a oneOf of consts (pre-selected from the default) carries the captions.
    assert level["oneOf"] == [{"const": "low", "title": "Low (cheap)"}, {"const": "high", "title": "High (fast)"}]
    assert level["default"] == "low"


def test_an_enum_without_default_is_a_plain_enum_with_captions_in_the_ui_schema(make_host):
    host = make_host("""
manifest_version: 1
id: test.enum
name: Enum
version: 1.0.0
connection:
  fields:
    - key: sse
      label: Encryption
      type: enum
      choices: [{value: AES256, caption: S3 managed keys}, {value: 'aws:kms', caption: KMS keys}]
""")
    form = host.form("test.enum")
    # A oneOf of consts would make a stock form pre-select AES256 and send it unasked.
    assert form["schema"]["properties"]["sse"] == {"title": "Encryption", "type": "string",
                                                    "enum": ["AES256", "aws:kms"]}
    assert form["uiSchema"]["sse"]["ui:enumNames"] == ["S3 managed keys", "KMS keys"]


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
    pattern = dict(_properties(schema))["role_session_name"]["pattern"]
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
