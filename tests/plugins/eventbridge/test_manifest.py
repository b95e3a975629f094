"""What the manifest promises: forms, IAM actions, the account ID rule, every dropdown served."""

from __future__ import annotations

import pytest

from connector_core import ValidationError


def test_the_connection_form_has_the_account_id_and_the_aws_fields(host):
    form = host.form("aws.eventbridge")
    account = form["schema"]["properties"]["account_id"]
    assert account["title"] == "AWS Account ID" and "Create (put events)" in account["description"]
    # Always shown at the top; the static keys and the custom region in the branches that show them.
    assert {"region", "auth_mode", "account_id", "event_bus"} <= set(form["schema"]["properties"])
    branches = {k for entry in form["schema"]["allOf"] for k in entry.get("then", {}).get("properties", {})}
    assert {"custom_region", "access_key_id", "secret_access_key"} <= branches
    with pytest.raises(ValidationError) as caught:
        host.connect("aws.eventbridge", {"auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
                                         "secret_access_key": "x", "account_id": "12345"})
    assert "account_id" in caught.value.errors


def test_every_operation_declares_iam_actions_and_put_events_needs_the_account(host):
    manifest = host.manifest("aws.eventbridge")
    assert all(op.iam_actions for op in manifest.operations)
    put = next(op for op in manifest.operations if op.id == "put_events")
    assert put.requires_connection == ("account_id",) and put.iam_actions == ("events:PutEvents",)


def test_the_connection_operation_form_demands_exactly_the_matching_auth_block(host):
    import jsonschema

    schema = host.form("aws.eventbridge", operation="create_connection")["schema"]
    ok = {"name": "c", "authorization_type": "BASIC", "basic": {"username": "u", "password": "p"}}
    jsonschema.validate(ok, schema)
    # A block the type does not show is what a form keeps after switching type: ignored by both.
    jsonschema.validate({**ok, "api_key": {"key": "k", "value": None}}, schema)
    for bad in ({"name": "c", "authorization_type": "API_KEY", "basic": {"username": "u", "password": "p"}},
                {"name": "c", "authorization_type": "BASIC"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def _dynamic_fields(manifest):
    for field in manifest.connection.fields:
        if field.dynamic_options:
            yield field.key
    for op in manifest.operations:
        for field in op.input.fields:
            if field.dynamic_options:
                yield f"{op.id}.{field.key}"


def test_every_dynamic_field_is_served(host, conn):
    fields = list(_dynamic_fields(host.manifest("aws.eventbridge")))
    assert len(fields) > 20
    for field in fields:
        assert isinstance(host.options(conn, field), list), field


def test_loading_the_plugin_and_drawing_its_forms_imports_neither_boto3_nor_operation_code():
    import subprocess
    import sys

    code = ("import sys, connector_aws_eventbridge.hooks as h; from connector_core import Host; "
            "host = Host(plugins=[h]); host.form('aws.eventbridge', operation='put_events'); "
            "print(sorted(m for m in sys.modules if m.startswith(('boto', 'connector_aws_eventbridge.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['connector_aws_eventbridge.hooks']"
