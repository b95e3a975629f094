"""Bad manifests: each is a ManifestError naming the file, the line and the key path, with a hint."""

from __future__ import annotations

import time

import pytest

from connector_core import Host, ManifestError
from connector_core.manifest_loader import parse_manifest, read_manifest_text, resolve_extends
from connector_core.yaml_loader import MAX_MANIFEST_BYTES

from tests.core.corekit import HEAD, TestPlugin

FIELD_A = "connection:\n  fields:\n    - key: a\n      label: A\n      type: string\n"

# (case, document after HEAD, line, key path, words in the message, words in the hint)
CASES = [
    ("invalid_yaml", "connection:\n  fields:\n    - key: a\n      label: A: B\n", 8, "connection.fields[0]",
     "invalid YAML: mapping values are not allowed", "quoting"),
    ("unknown_key", FIELD_A + "      plceholder: x\n", 10, "connection.fields[0].plceholder",
     "unknown key 'plceholder'", "did you mean 'placeholder'?"),
    ("unknown_top_key", "operatons: []\n", 5, "operatons", "unknown key 'operatons'", "did you mean 'operations'?"),
    ("unknown_type", FIELD_A.replace("type: string", "type: strng"), 9, "connection.fields[0].type",
     "unknown type 'strng'", "did you mean 'string'?"),
    ("bad_regex", FIELD_A + "      pattern: '[a-z'\n", 10, "connection.fields[0].pattern",
     "invalid regular expression", "fix the pattern"),
    ("non_portable_regex", FIELD_A + "      pattern: '(?i)abc'\n", 10, "connection.fields[0].pattern",
     "browsers do not understand", "inline flags"),
    ("negated_escape_in_class", FIELD_A + "      pattern: '[\\W_]+'\n", 10, "connection.fields[0].pattern",
     "means different things in browsers and Python", "spell the characters out"),
    ("rule_missing_field", FIELD_A + "  rules:\n    - when: {field: a, equals: x}\n      require: [a, bb]\n",
     12, "connection.rules[0].require[1]", "unknown field 'bb'", "expected one of: a"),
    ("condition_missing_field", FIELD_A + "  rules:\n    - when: {field: b, equals: x}\n      require: [a]\n",
     11, "connection.rules[0].when.field", "unknown field 'b'", "expected one of: a"),
    ("duplicate_field_key", FIELD_A + "    - key: a\n      label: Again\n      type: integer\n", 10,
     "connection.fields[1].key", "duplicate field key 'a'", "unique"),
    ("anchor", "connection:\n  fields:\n    - &f\n      key: a\n      label: A\n      type: string\n    - *f\n",
     7, "connection.fields[0]", "anchors (&f) are not allowed", "write the value out"),
    ("alias", "description: x\nname2: *x\n", 6, "name2", "aliases", "write the value out"),
    ("python_tag", "description: !!python/object/apply:os.system ['echo hi']\n", 5, "description",
     "python/object/apply:os.system", "remove the tag"),
    ("python_name_tag", "description: !!python/name:os.system ''\n", 5, "description",
     "python/name:os.system", "remove the tag"),
    ("any_tag", "description: !custom x\n", 5, "description", "tags (!custom)", "remove the tag"),
    ("duplicate_mapping_key", FIELD_A + "      label: B\n", 10, "connection.fields[0].label",
     "duplicate key 'label'", "already set on line 8"),
    ("duplicate_top_key", "name: again\n", 5, "name", "duplicate key 'name'", "already set on line 3"),
    ("secret_default", FIELD_A.replace("type: string", "type: secret") + "      default: hunter22\n", 10,
     "connection.fields[0].default", "secret field cannot have a default", "never pre-filled"),
    ("secret_placeholder", FIELD_A.replace("type: string", "type: secret") + "      placeholder: abc\n", 10,
     "connection.fields[0].placeholder", "secret field cannot have a placeholder", "never pre-filled"),
    ("wrong_value_type", FIELD_A + "      max_length: ten\n", 10, "connection.fields[0].max_length",
     "must be an integer, not a string", "write a whole number, e.g. `max_length: 64`"),
    ("wrong_bool", FIELD_A + "      required: yes please\n", 10, "connection.fields[0].required",
     "must be true or false", "`required: true`"),
    ("bad_iam_action", "operations:\n  - id: op\n    label: Op\n    iam_actions: [s3:GetObject, GetObject]\n", 8,
     "operations[0].iam_actions[1]", "invalid value 'GetObject'", "write service:Action"),
    ("list_item_with_key", FIELD_A.replace("type: string", "type: list") + "      items: {key: x, label: X, type: string}\n",
     10, "connection.fields[0].items", "takes no key or label", "remove key and label from items"),
    ("choice_not_mapping", FIELD_A.replace("type: string", "type: enum") + "      choices: [a, b]\n", 10,
     "connection.fields[0].choices[0]", "a choice is a mapping", "caption: "),
    ("one_of_single", FIELD_A + "  rules:\n    - one_of: [a]\n", 11, "connection.rules[0].one_of",
     "needs at least two fields", "name two or more fields"),
    ("missing_label", "connection:\n  fields:\n    - {key: a, type: string}\n", 7, "connection.fields[0]",
     "missing required key 'label'", "add `label:`"),
    ("option_for_other_type", FIELD_A + "      minimum: 3\n", 10, "connection.fields[0].minimum",
     "does not apply to type string", "integer, number"),
    ("invalid_default", FIELD_A + "      max_length: 3\n      default: toolong\n", 11,
     "connection.fields[0].default", "invalid default", "fix the default"),
    ("required_with_default", FIELD_A + "      required: true\n      default: x\n", 10,
     "connection.fields[0].required", "cannot be required", "remove `required: true`"),
    ("unknown_group", "connection:\n  groups: [{id: auth, label: Auth}]\n  fields:\n    - key: a\n      label: A\n"
     "      type: string\n      group: auht\n", 11, "connection.fields[0].group", "unknown group 'auht'",
     "did you mean 'auth'?"),
    ("duplicate_operation", "operations:\n  - {id: op, label: Op}\n  - {id: op, label: Op again}\n", 7,
     "operations[1].id", "duplicate operation id 'op'", "unique"),
]


@pytest.mark.parametrize("case,body,line,path,message,hint", CASES, ids=[c[0] for c in CASES])
def test_bad_manifest_names_file_line_path_and_hint(write_manifest, case, body, line, path, message, hint):
    path_on_disk = write_manifest(HEAD.format(id="test.bad") + body, name=f"{case}.yaml")
    with pytest.raises(ManifestError) as info:
        parse_manifest(*read_manifest_text(path_on_disk))
    err = info.value
    assert err.file == str(path_on_disk)
    assert err.line == line, str(err)
    assert err.path == path, str(err)
    assert message in err.message
    assert hint in err.hint
    # What a user reads: "FILE:LINE: PATH: message (hint)".
    assert str(err).startswith(f"{path_on_disk}:{line}: {path}: ")
    assert err.to_dict()["line"] == line and err.to_dict()["path"] == path


def _resolve(write_manifest, body: str, name: str):
    src = write_manifest(HEAD.format(id="test.bad") + body, name=name)
    manifest = parse_manifest(*read_manifest_text(src))[1]
    fragment = parse_manifest("manifest_version: 1\nkind: fragment\nid: test.fragment\n" + FIELD_A)[1]
    return src, lambda: resolve_extends(manifest, {"test.fragment": fragment})


@pytest.mark.parametrize("case,body,line,path,message,hint", [
    ("extends_unknown", "extends: [test.fragmnt]\n", 5, "extends[0]", "unknown fragment 'test.fragmnt'",
     "did you mean 'test.fragment'?"),
    ("requires_connection_missing", "extends: [test.fragment]\noperations:\n  - id: op\n    label: Op\n"
     "    requires_connection: [a, acount_id]\n", 9, "operations[0].requires_connection[1]",
     "unknown connection field 'acount_id'", "expected one of: a"),
    ("duplicates_fragment_field", "extends: [test.fragment]\n" + FIELD_A, 8, "connection.fields[0].key",
     "duplicate field key 'a'", "the fragment already provides it"),
])
def test_errors_found_when_resolving_extends_name_line_and_path(write_manifest, case, body, line, path, message, hint):
    src, resolve = _resolve(write_manifest, body, f"{case}.yaml")
    with pytest.raises(ManifestError) as info:
        resolve()
    err = info.value
    assert (err.file, err.line, err.path) == (str(src), line, path), str(err)
    assert message in err.message and hint in err.hint


def test_document_over_the_size_cap_is_refused(write_manifest):
    body = "description: >-\n" + "  lorem ipsum dolor sit amet\n" * (MAX_MANIFEST_BYTES // 28 + 10)
    src = write_manifest(HEAD.format(id="test.big") + body, name="big.yaml")
    with pytest.raises(ManifestError) as info:
        parse_manifest(*read_manifest_text(src))
    err = info.value
    assert err.file == str(src) and err.line == 1 and err.path == "(top level)"
    assert f"over the {MAX_MANIFEST_BYTES}-byte cap" in err.message
    assert "split it" in err.hint


def test_billion_laughs_is_refused_in_under_100_ms(write_manifest):
    # Nine levels of nine aliases: a billion "lol"s if it were expanded.
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    src = write_manifest(HEAD.format(id="test.lol") + "\n".join(lines) + "\n", name="lol.yaml")
    start = time.perf_counter()
    with pytest.raises(ManifestError) as info:
        parse_manifest(*read_manifest_text(src))
    elapsed = time.perf_counter() - start
    assert elapsed < 0.1, f"took {elapsed * 1000:.1f} ms"
    err = info.value
    assert err.file == str(src) and err.line == 5 and err.path == "lol0"
    assert "anchors" in err.message and err.hint


def test_a_bad_manifest_is_a_load_failure_naming_file_and_line(write_manifest):
    """Through the Host: the plugin is reported with the error, and nothing else breaks."""
    bad = write_manifest(HEAD.format(id="test.bad") + FIELD_A + "      plceholder: x\n", name="bad.yaml")
    good = write_manifest(HEAD.format(id="test.good") + FIELD_A, name="good.yaml")
    host = Host(plugins=[TestPlugin("bad_plugin", [bad]), TestPlugin("good_plugin", [good])])
    assert [m.id for m in host.connectors()] == ["test.good"]
    (failure,) = host.load_failures()
    assert failure.plugin == "bad_plugin"
    assert f"{bad}:10: connection.fields[0].plceholder: unknown key 'plceholder'" in failure.reason
    assert isinstance(failure.error, ManifestError) and failure.error.line == 10
