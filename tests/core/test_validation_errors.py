"""Validation: every problem at once, as field path -> messages, with nested paths; no secret shown."""

from __future__ import annotations

import json

import pytest

from connector_core import Secret, ValidationError

MANIFEST = """
manifest_version: 1
id: test.valid
name: Validation
version: 1.0.0
connection:
  fields:
    - {key: name, label: Name, type: string, required: true, max_length: 5, pattern: '[a-z]+'}
    - {key: port, label: Port, type: integer, minimum: 1, maximum: 65535, default: 443}
    - {key: ratio, label: Ratio, type: number, minimum: 0, maximum: 1}
    - {key: debug, label: Debug, type: boolean}
    - {key: site, label: Site, type: url, schemes: [https]}
    - {key: token, label: Token, type: secret, min_length: 6}
    - key: auth
      label: Auth
      type: object
      fields:
        - key: basic
          label: Basic
          type: object
          fields:
            - {key: username, label: User, type: string, required: true}
            - {key: password, label: Password, type: secret, required: true, max_length: 8, pattern: '[a-z]+'}
    - {key: params, label: Params, type: keyvalue, max_items: 3}
    - {key: tags, label: Tags, type: list, items: {type: string, max_length: 3}, max_items: 4}
"""

SECRET = "Zq9-SECRET-VALUE-do-not-print-7x"


def _fails(host, values) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        host.connect("test.valid", values)
    return info.value


def test_every_problem_is_reported_at_once_by_field_path(make_host):
    host = make_host(MANIFEST)
    err = _fails(host, {
        "name": "ABCDEFG", "port": "443", "ratio": 2, "debug": "yes", "site": "http://example.com",
        "surplus": 1,
        "auth": {"basic": {"password": 12, "extra": True}},
        "params": [{"key": "a", "value": "b"}, {"key": "", "value": 3}, {"value": "v"}],
        "tags": ["abcd", 5],
    })
    assert err.errors == {
        "name": ["must be at most 5 characters long", "must match the pattern [a-z]+"],
        "port": ["must be an integer"],
        "ratio": ["must be at most 1"],
        "debug": ["must be true or false"],
        "site": ["must be an absolute URL starting with https://"],
        "surplus": ["is not a known field"],
        "auth.basic.username": ["is required"],
        "auth.basic.password": ["must be a string or a {$env: NAME} / {$file: PATH} reference"],
        "auth.basic.extra": ["is not a known field"],
        "params[1].key": ["must not be empty"],
        "params[1].value": ["must be a string"],
        "params[2].key": ["is required"],
        "tags[0]": ["must be at most 3 characters long"],
        "tags[1]": ["must be a string"],
    }
    assert err.connector == "test.valid"
    # The one-line message a user reads lists the paths too.
    assert "auth.basic.username: is required" in str(err) and "params[2].key: is required" in str(err)
    assert err.to_dict()["errors"] == err.errors


def test_missing_required_and_wrong_top_level(make_host):
    host = make_host(MANIFEST)
    assert _fails(host, {}).errors == {"name": ["is required"]}
    assert _fails(host, ["name"]).errors == {"(top level)": ["must be a mapping of field names to values"]}


@pytest.mark.parametrize("values,path,message", [
    ({"name": "", "port": 1}, "name", "must not be empty"),
    ({"name": "abc\n"}, "name", "must match the pattern [a-z]+"),  # no trailing newline sneaks through
    ({"name": "abc", "port": 0}, "port", "must be at least 1"),
    ({"name": "abc", "port": True}, "port", "must be an integer"),  # booleans are not numbers
    ({"name": "abc", "port": 4.5}, "port", "must be an integer"),
    ({"name": "abc", "ratio": None}, "ratio", "Field may not be null."),
    ({"name": "abc", "token": "short"}, "token", "must be at least 6 characters long"),
    ({"name": "abc", "tags": ["a"] * 5}, "tags", "must have at most 4 items"),
    ({"name": "abc", "site": "https://"}, "site", "must be an absolute URL starting with https://"),
    ({"name": "abc", "params": {"a": "b"}}, "params", "must be a list"),
])
def test_single_problems(make_host, values, path, message):
    errors = _fails(make_host(MANIFEST), values).errors
    assert list(errors) == [path] and errors[path][0] == message


def test_a_valid_document_gets_defaults_and_secrets_wrapped(make_host):
    host = make_host(MANIFEST)
    conn = host.connect("test.valid", {
        "name": "abc", "token": SECRET, "auth": {"basic": {"username": "u", "password": "abcdefgh"}},
        "params": [{"key": "k", "value": "plain"}, {"key": "s", "value": SECRET, "is_value_secret": True}],
        "port": 8443.0,
    }, name="my connection")
    assert conn.name == "my connection" and conn["port"] == 8443 and isinstance(conn["port"], int)
    assert isinstance(conn["token"], Secret) and conn["token"].reveal() == SECRET
    assert isinstance(conn["auth"]["basic"]["password"], Secret)
    assert conn["params"][0] == {"key": "k", "value": "plain", "is_value_secret": False}
    assert isinstance(conn["params"][1]["value"], Secret)
    assert host.connect("test.valid", {"name": "abc"})["port"] == 443  # default applied
    for shown in (repr(conn), str(conn), json.dumps(conn.to_dict())):
        assert SECRET not in shown and "abcdefgh" not in shown


def test_secret_values_never_appear_in_validation_errors(make_host):
    host = make_host(MANIFEST)
    long_secret = SECRET * 3
    err = _fails(host, {
        "name": SECRET,  # a secret pasted into the wrong field is not echoed either
        "token": "x",
        "auth": {"basic": {"username": "u", "password": long_secret}},
        "params": [{"key": "s", "value": 42, "is_value_secret": True}, {"key": "t", "value": SECRET, "x": 1}],
        "surplus": SECRET,
    })
    assert set(err.errors) == {"name", "token", "auth.basic.password", "params[0].value", "params[1].x", "surplus"}
    for text in (str(err), repr(err), json.dumps(err.to_dict()), err.message, str(err.errors)):
        assert SECRET not in text


def test_output_validation_errors_say_output_not_input(make_host):
    host = make_host(MANIFEST + """
operations:
  - id: op
    label: Op
    output:
      fields:
        - {key: count, label: Count, type: integer}
""", {"op": lambda connection, params, context: {"count": "three"}})
    from connector_core import OperationError

    with pytest.raises(OperationError) as info:
        host.run(host.connect("test.valid", {"name": "abc"}), "op", {})
    assert info.value.connector == "test.valid"
    assert "op returned a result that does not match its manifest" in info.value.message
    assert "count: must be an integer" in info.value.message


def test_validated_input_and_output_are_copies_with_defaults_and_conversions(make_host):
    """An operation never holds the caller's own objects (changing its params changes
    nothing of the caller's), nor the caller the operation's (changing a result changes
    nothing the plugin keeps, a constant say)."""
    seen = {}
    constant_names = ["a"]

    def op(connection, params, context):
        seen["params"] = params
        params["items"][0]["name"] = "changed"
        return {"rows": [{"n": 1}, {"n": 2.0}], "names": constant_names}

    host = make_host(MANIFEST + """
operations:
  - id: op
    label: Op
    input:
      fields:
        - key: items
          label: Items
          type: list
          items: {type: object, fields: [{key: name, label: Name, type: string}]}
    output:
      fields:
        - key: rows
          label: Rows
          type: list
          items: {type: object, fields: [{key: n, label: N, type: integer}, {key: kind, label: Kind, type: string, default: plain}]}
        - {key: names, label: Names, type: list, items: {type: string}}
""", {"op": op})
    given = {"items": [{"name": "mine"}]}
    result = host.run(host.connect("test.valid", {"name": "abc"}), "op", given)
    assert given == {"items": [{"name": "mine"}]}
    assert seen["params"]["items"] is not given["items"]
    # 2.0 became the integer 2; the default filled in on every row
    assert result == {"rows": [{"n": 1, "kind": "plain"}, {"n": 2, "kind": "plain"}], "names": ["a"]}
    assert type(result["rows"][1]["n"]) is int
    result["names"].append("b")
    assert constant_names == ["a"]
