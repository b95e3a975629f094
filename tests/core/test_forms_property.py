"""Property: the JSON Schema (browser) and marshmallow (server) accept and reject the same documents.

Documents are generated from a manifest's fields: mostly plausible values (patterns,
choices, boundary lengths and ranges, secret references) mixed with junk (wrong types,
missing and extra keys, empty and multi-byte strings, trailing newlines, out-of-range
numbers). Each document is checked with ``jsonschema.Draft202012Validator`` and with
Ajv2020 + ajv-formats (what a stock RJSF form runs, in one long-lived Node process)
against ``host.form``, and with ``host.connect``; the three answers must be equal.
Without Node the Ajv oracle is left out and ``test_ajv_is_an_oracle_here`` says why
(a failure under CI=true).
"""

from __future__ import annotations

import re
import string
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector_core import SecretMasker, ValidationError
from connector_core.manifest import Field, Section
from connector_core.values import check_value, ecma_classes

@pytest.fixture
def ajv(request):
    """Ajv2020 when Node is here, else None (test_ajv_is_an_oracle_here skips, or fails under CI)."""
    try:
        return request.getfixturevalue("ajv2020")
    except pytest.skip.Exception:
        return None


def test_ajv_is_an_oracle_here(ajv2020):
    assert ajv2020.accepts({"type": "object", "required": ["a"]}, {"a": 1})
    assert not ajv2020.accepts({"type": "object", "required": ["a"]}, {})


@pytest.fixture(autouse=True)
def _private_masker(monkeypatch):
    """Hosts built here get their own log masker: the thousands of random secret values
    connected below must not teach the process-wide masker to hide words like "fail"."""
    monkeypatch.setattr(SecretMasker, "_process", SecretMasker())


EVERYTHING = """
manifest_version: 1
id: test.everything
name: Every field type and rule kind
version: 1.0.0
connection:
  fields:
    - key: mode
      label: Mode
      type: enum
      default: a
      choices: [{value: a, caption: Mode A}, {value: b, caption: Mode B}, {value: c, caption: Mode C}]
    - {key: name, label: Name, type: string, min_length: 2, max_length: 5, pattern: '[a-zé]+'}
    - {key: notes, label: Notes, type: text, min_length: 0, max_length: 10}
    - {key: token, label: Token, type: secret, max_length: 8}
    - {key: count, label: Count, type: integer, minimum: 1, maximum: 10, default: 3}
    - {key: ratio, label: Ratio, type: number, minimum: 0, maximum: 1.5}
    - {key: flag, label: Flag, type: boolean, default: false}
    - {key: site, label: Site, type: url, schemes: [https], max_length: 30}
    - {key: tags, label: Tags, type: list, items: {type: string, max_length: 3, pattern: '[a-c]+'}, min_items: 1, max_items: 3}
    - {key: params, label: Params, type: keyvalue, max_items: 2}
    - {key: extra, label: Extra, type: json}
    - key: auth
      label: Auth
      type: object
      fields:
        - {key: kind, label: Kind, type: enum, choices: [{value: key}, {value: basic}]}
        - {key: key, label: Key, type: secret}
        - {key: user, label: User, type: string}
        - {key: password, label: Password, type: secret}
      rules:
        - when: {field: kind, equals: key}
          require: [key]
          forbid: [user, password]
        - when: {field: kind, equals: basic}
          require: [user, password]
        - when: {field: kind, present: false}
          forbid: [key]
    - key: pick
      label: Pick
      type: object
      fields:
        - {key: a_key, label: A, type: string}
        - {key: b_key, label: B, type: integer}
        - {key: x, label: X, type: boolean}
        - {key: y, label: Y, type: string}
      rules:
        - one_of: [a_key, b_key]
        - any_of: [x, y]
    - {key: x, label: X, type: boolean}
  rules:
    - when: {field: mode, equals: b}
      require: [name]
      show: [name]
    - when: {field: mode, in: [c]}
      forbid: [x]
    - when: {field: site, present: true}
      require: [token]
    - when: {field: ratio, present: false}
      require: [count]
    - when: {field: flag, equals: true}
      require: [tags]
    - when: {field: count, in: [3, 4]}
      forbid: [extra]
"""

AWS = """
manifest_version: 1
id: test.aws
name: AWS fragment
version: 1.0.0
extends: [aws.credentials]
"""

# Text that is easy to get wrong: multi-byte, combining, astral, whitespace, newlines.
TRICKY = st.sampled_from(["", " ", "\n", "é", "ß", "日本", "👍", "e\u0301", "\t", "a\nb", "A", "0", "custom"])
ANY_TEXT = st.one_of(TRICKY, st.text(st.characters(exclude_categories=("Cs",)), max_size=12))
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40),
                         st.floats(allow_nan=False, allow_infinity=False), ANY_TEXT)
SECRET_REFERENCES = st.sampled_from([{"$env": "API_TOKEN"}, {"$file": "/run/secrets/token"}]) | st.fixed_dictionaries(
    {}, optional={"$env": ANY_TEXT, "$file": ANY_TEXT})
JSON = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(ANY_TEXT, inner, max_size=3)), max_leaves=6)


_ABSENT = object()
_STRATEGIES: dict[tuple, st.SearchStrategy] = {}


def _cached(kind: str):
    """Build each field's strategy once (from_regex and friends are costly to build)."""
    def wrap(build):
        def get(obj, *args):
            key = (kind, id(obj), *args)
            if key not in _STRATEGIES:
                _STRATEGIES[key] = (obj, build(obj, *args))  # keep obj alive: its id stays unique
            return _STRATEGIES[key][1]
        return get
    return wrap


def _shorter(pattern: str) -> str:
    """The pattern with long repeats capped (``{2,1224}`` -> ``{2,10}``): matches a subset, drawn fast."""
    return re.sub(r"\{(\d+),(\d+)\}", lambda m: f"{{{m[1]},{min(int(m[2]), int(m[1]) + 8)}}}", pattern)


def _strings(f: Field, junky: bool) -> st.SearchStrategy[str]:
    """Plausible strings for a field, around its limits, and near-misses."""
    low = f.effective_min_length or 0
    high = f.max_length
    if f.type == "url":
        hosts = st.sampled_from(["example.com", "localhost:4566", "a", "日本.jp", "a b", ""])
        schemes = st.sampled_from([*f.schemes, "ftp", "HTTPS", ""])
        base = st.builds(lambda s, h, p: f"{s}://{h}{p}", schemes, hosts, st.sampled_from(["", "/", "/x?y#z", " x"]))
    elif f.type == "enum":
        base = st.sampled_from([c.value for c in f.choices])
    elif f.pattern:
        base = st.from_regex(re.compile(_shorter(ecma_classes(f.pattern))), fullmatch=True)
    else:
        alphabet = st.one_of(st.sampled_from(string.ascii_letters), st.characters(exclude_categories=("Cs",)))
        base = st.text(alphabet, min_size=low, max_size=(high or low + 8) + 1)
    if high is not None:
        edge = st.sampled_from([high - 1, high, high + 1]).map(lambda n: "a" * max(n, 0))
        base = st.one_of(base, edge)
    if not junky:
        return base
    near_miss = base.map(lambda s: s + "\n") | base.map(lambda s: s + "é") | base.map(lambda s: " " + s)
    return st.one_of(base, near_miss, ANY_TEXT)


def _numbers(f: Field, junky: bool) -> st.SearchStrategy[Any]:
    edges = [v for b in (f.minimum, f.maximum) if b is not None for v in (b - 1, b, b + 1)]
    ints = st.integers(int(f.minimum or 0) - 3, int(f.maximum or 100) + 3)
    plain = st.one_of(ints, st.sampled_from(edges or [0]))
    if not junky:
        return plain
    if f.type == "integer":
        return st.one_of(plain, plain.map(float), st.floats(-5, 50, allow_nan=False), st.booleans())
    return st.one_of(plain, st.floats(-1, (f.maximum or 10) + 1, allow_nan=False), st.booleans())


def _keyvalue_item() -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {"key": st.one_of(st.sampled_from(["k", "Content-Type"]), ANY_TEXT)},
        optional={"value": st.one_of(ANY_TEXT, st.integers(0, 3)), "is_value_secret": st.one_of(st.booleans(), st.none()),
                  "extra": st.just(1)},
    )


@_cached("clean")
def clean_values(f: Field) -> st.SearchStrategy[Any]:
    """Values that satisfy the field on their own (so that rules decide more documents)."""
    if f.type == "list":
        return st.lists(clean_values(f.items), min_size=f.min_items or 0, max_size=f.max_items or 3)
    if f.type == "keyvalue":
        item = st.fixed_dictionaries({"key": st.sampled_from(["k", "é"]), "value": ANY_TEXT},
                                     optional={"is_value_secret": st.booleans()})
        return st.lists(item, max_size=f.max_items or 2)
    if f.type == "object":
        return documents(f.section, "clean", 1)
    return values_for(f, False).filter(lambda v: not check_value(f, v))


@_cached("values")
def values_for(f: Field, junky: bool, depth: int = 0) -> st.SearchStrategy[Any]:
    """Plausible values for ``f``; with ``junky``, near-misses and values of other types too."""
    junk = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), ANY_TEXT, st.just([]), st.just({}))
    t = f.type
    if t == "secret":  # a value, or a reference to one ({$env}/{$file}: the host allows them)
        good = st.one_of(_strings(f, junky), _strings(f, junky), SECRET_REFERENCES)
    elif t in ("string", "text", "url", "enum"):
        good = _strings(f, junky)
    elif t in ("integer", "number"):
        good = _numbers(f, junky)
    elif t == "boolean":
        good = st.booleans()
    elif t == "list":
        good = st.lists(values_for(f.items, junky, depth + 1), min_size=0, max_size=(f.max_items or 3) + 1)
    elif t == "keyvalue":
        good = st.lists(_keyvalue_item(), max_size=(f.max_items or 2) + 1)
    elif t == "object":
        good = documents(f.section, "junky" if junky else "plausible", depth + 1)
    else:  # json: anything goes
        return JSON
    return st.one_of(good, good, junk) if junky else good


def _repaired(section: Section, docs: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    """Clean documents nudged towards the rules (required fields added, forbidden ones dropped).

    Only a bias for the generator, so that many documents are valid: the verdict is still
    the two validators' answers, compared.
    """
    @st.composite
    def repair(draw):
        doc = draw(docs)
        for rule in section.rules:
            seen = {f.key: f.default for f in section.fields if f.has_default} | doc
            if rule.when is not None and rule.when.holds(seen):
                for key in rule.require:
                    if key not in doc:
                        doc[key] = draw(clean_values(section.field(key)))
                for key in rule.forbid:
                    doc.pop(key, None)
            given = [k for k in rule.one_of if k in doc]
            for key in given[1:]:
                doc.pop(key)
            if rule.one_of and not given:
                key = draw(st.sampled_from(rule.one_of))
                doc[key] = draw(clean_values(section.field(key)))
            if rule.any_of and not any(k in doc for k in rule.any_of):
                key = draw(st.sampled_from(rule.any_of))
                doc[key] = draw(clean_values(section.field(key)))
        return doc

    return repair()


@_cached("documents")
def documents(section: Section, mode: str, depth: int = 0) -> st.SearchStrategy[Any]:
    """Documents for a section: any subset of its fields, each value clean, plausible or junky.

    Junky documents also get unknown keys, and at the top level may not be mappings at all.
    """
    junky = mode == "junky"
    values = clean_values if mode == "clean" else (lambda f: values_for(f, junky, depth))
    # Each field present about half the time (fixed_dictionaries' optional keys favour absence).
    maybe = {f.key: st.builds(lambda give, v: v if give else _ABSENT, st.booleans(), values(f))
             for f in section.fields}
    doc = st.fixed_dictionaries(maybe).map(lambda d: {k: v for k, v in d.items() if v is not _ABSENT})
    if mode == "clean":
        return _repaired(section, doc)
    if not junky:
        return doc
    extra = st.dictionaries(st.sampled_from(["unknown", "Region", "é", "", "custom_regio"]), JSON_SCALARS, max_size=1)
    with_extra = st.builds(lambda d, e: {**e, **d}, doc, extra)
    if depth:
        return st.one_of(doc, doc, doc, with_extra)
    return st.one_of(doc, doc, doc, doc, with_extra, st.lists(JSON_SCALARS, max_size=2), ANY_TEXT)


@_cached("defects")
def defects(f: Field) -> st.SearchStrategy[Any]:
    """Values just outside what ``f`` accepts (or of another type): one per document."""
    other_types = st.sampled_from([None, True, 0, 1.5, "1", [], {}])
    t = f.type
    if t in ("string", "text", "secret", "url", "enum"):
        clean = clean_values(f).filter(lambda v: isinstance(v, str))  # a secret's may be a reference
        near = [clean.map(lambda v: v + "\n"), clean.map(lambda v: " " + v), clean.map(lambda v: v + "é"),
                clean.map(lambda v: v.upper()), clean.map(lambda v: v[:-1]), st.just("")]
        if f.max_length is not None:
            near.append(st.just("a" * (f.max_length + 1)))
        if (f.effective_min_length or 0) > 1:
            near.append(st.just("a" * (f.effective_min_length - 1)))
        if t == "enum":
            near.append(st.sampled_from([c.caption for c in f.choices]))
        if t == "url":
            near.append(st.sampled_from(["https://", "https://a b", "ftp://example.com", "example.com", "https:/x"]))
        if t == "secret":
            near.append(st.sampled_from([{"$env": ""}, {"$file": ""}, {"$env": "A", "$file": "/b"}, {"$ENV": "A"},
                                         {"$env": 1}, {"$file": None}]))
        return st.one_of(*near, other_types)
    if t in ("integer", "number"):
        edges = [v for b in (f.minimum, f.maximum) if b is not None for v in (b - 1, b - 0.5, b + 0.5, b + 1)]
        return st.one_of(st.sampled_from(edges or [0.5]), st.sampled_from([True, False, "3", 2.5, 1e300, None]))
    if t == "boolean":
        return st.sampled_from([0, 1, "true", "false", None, []])
    if t == "list":
        bad_item = st.builds(lambda items, b: [*items, b], clean_values(f), defects(f.items))
        too_many = st.just(["a"] * ((f.max_items or 0) + 1)) if f.max_items is not None else bad_item
        return st.one_of(bad_item, too_many, st.just([]), other_types)
    if t == "keyvalue":
        items = st.sampled_from([{"value": "v"}, {"key": "k"}, {"key": "", "value": "v"}, {"key": "k", "value": 1},
                                 {"key": "k", "value": "v", "is_value_secret": "yes"}, {"key": "k", "value": "v", "x": 1},
                                 "k=v"])
        return st.one_of(st.builds(lambda good, bad: [*good, bad], clean_values(f), items), other_types)
    if t == "object":
        return st.one_of(one_defect(f.section), other_types)
    return st.just(None)  # json: anything is fine; null included


@_cached("one_defect")
def one_defect(section: Section, key: str | None = None) -> st.SearchStrategy[dict]:
    """A clean document with one field spoilt, dropped, or an unknown key added.

    With every other field valid, a disagreement on that one field cannot hide behind
    another field's error.
    """
    @st.composite
    def spoil(draw):
        doc = draw(documents(section, "clean"))
        f = section.field(key) if key else draw(st.sampled_from(section.fields))
        action = "defect" if key else draw(st.sampled_from(["defect", "defect", "defect", "drop", "extra"]))
        if action == "defect":
            doc[f.key] = draw(defects(f))
        elif action == "drop":
            doc.pop(f.key, None)
        else:
            doc[draw(st.sampled_from(["unknown", "Region", "é"]))] = 1
        return doc

    return spoil()


def _compare(host, connector_id: str, examples: int, key: str | None = None, kind: str | None = None,
             ajv=None) -> dict[str, int]:
    """Run the property; ``key``: only the valid BASE document with that one field spoilt;
    ``ajv``: an Ajv2020 oracle as well."""
    schema = host.form(connector_id)["schema"]
    validator = jsonschema.Draft202012Validator(schema)
    counts = {"accepted": 0, "rejected": 0}
    section = host.manifest(connector_id).connection
    if key is not None:
        base = base_for(connector_id, key, section)
        strategy = defects(section.field(key)).map(lambda bad: {**base, key: bad})
    elif kind is not None:
        strategy = documents(section, kind)
    else:
        kinds = {"clean": documents(section, "clean"), "one_defect": one_defect(section),
                 "plausible": documents(section, "plausible"), "junky": documents(section, "junky")}
        strategy = st.sampled_from(["clean", "clean", "one_defect", "one_defect", "plausible", "junky"]).flatmap(
            kinds.__getitem__)

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    @given(strategy)
    def check(doc):
        schema_errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
        try:
            host.connect(connector_id, doc)
        except ValidationError as exc:
            server_errors = exc.errors
        else:
            server_errors = {}
        assert bool(schema_errors) == bool(server_errors), (
            f"JSON Schema {'rejects' if schema_errors else 'accepts'} but marshmallow "
            f"{'rejects' if server_errors else 'accepts'}: {doc!r}\n"
            f"schema: {schema_errors}\nserver: {server_errors}")
        if ajv is not None:
            (verdict,) = ajv.validate(schema, [doc])
            assert verdict.valid == (not server_errors), (
                f"Ajv2020 {'accepts' if verdict.valid else 'rejects'} but marshmallow "
                f"{'rejects' if server_errors else 'accepts'}: {doc!r}\nAjv: {verdict.errors}\nserver: {server_errors}")
        counts["rejected" if server_errors else "accepted"] += 1

    check()
    return counts


CONNECTORS = [(EVERYTHING, "test.everything"), (AWS, "test.aws")]

#: Valid documents that switch most rules on; the per-field tests spoil one field of them.
BASE = {
    "test.everything": {
        "mode": "b", "name": "abé", "notes": "n\n", "token": "tok", "count": 5, "ratio": 1.5, "flag": True,
        "site": "https://example.com/x", "tags": ["a", "bc"], "params": [{"key": "k", "value": ""}],
        "extra": {"any": [1, None]}, "auth": {"kind": "basic", "user": "u", "password": "p"},
        "pick": {"a_key": "a", "y": "y"},
    },
    "test.aws": {
        "auth_mode": "assume_role", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "s" * 40,
        "session_token": "t" * 20, "role_arn": "arn:aws:iam::123456789012:role/r", "session_duration": 900,
        "external_id": "ext-1", "region": "custom", "custom_region": "xx-east-1",
        "endpoint_url": "http://localhost:4566", "proxy_url": "http://[::1]:3128/",
    },
}
#: Fields that apply only in another mode get a base document in that mode.
OTHER_BASES = {
    "test.aws": [{
        "auth_mode": "roles_anywhere", "role_arn": "arn:aws:iam::123456789012:role/r",
        "profile_arn": "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p",
        "trust_anchor_arn": "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/t",
        "certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        "private_key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
        "region": "eu-west-1",
    }],
}


def base_for(connector_id: str, key: str, section: Section) -> dict:
    """A valid document in which ``key`` applies (a hidden field's value is ignored, not checked)."""
    for base in [BASE[connector_id], *OTHER_BASES.get(connector_id, [])]:
        if key in section.plan.visible(base):
            return base
    raise AssertionError(f"no base document shows {key}")


@pytest.mark.parametrize("manifest,connector_id", CONNECTORS, ids=["everything", "aws"])
def test_json_schema_and_marshmallow_agree(make_host, manifest, connector_id, ajv):
    host = make_host(manifest)
    counts = _compare(host, connector_id, examples=120, ajv=ajv)
    clean = _compare(host, connector_id, examples=30, kind="clean", ajv=ajv)
    # Both outcomes must be well represented, or the property says little.
    assert clean["accepted"] >= 20 and counts["rejected"] >= 30, (clean, counts)


EVERYTHING_KEYS = ("mode", "name", "notes", "token", "count", "ratio", "flag", "site", "tags", "params", "auth",
                   "pick", "x")
AWS_KEYS = ("auth_mode", "access_key_id", "secret_access_key", "session_token", "role_arn", "role_session_name",
            "session_duration", "external_id", "profile_arn", "trust_anchor_arn", "certificate", "private_key",
            "region", "custom_region", "endpoint_url", "proxy_url")
FIELD_CASES = [(EVERYTHING, "test.everything", k) for k in EVERYTHING_KEYS] + [(AWS, "test.aws", k) for k in AWS_KEYS]


@pytest.mark.parametrize("manifest,connector_id,key", FIELD_CASES, ids=[f"{c[1]}.{c[2]}" for c in FIELD_CASES])
def test_they_agree_on_each_fields_near_misses(make_host, manifest, connector_id, key, ajv):
    """Every other field valid, this one just wrong: a trailing newline, one character too many..."""
    host = make_host(manifest)
    for base in [BASE[connector_id], *OTHER_BASES.get(connector_id, [])]:
        host.connect(connector_id, base)  # the base documents are valid
        assert jsonschema.Draft202012Validator(host.form(connector_id)["schema"]).is_valid(base)
    counts = _compare(host, connector_id, examples=30, key=key, ajv=ajv)
    # A PEM's pattern takes most near-misses (whitespace around it is allowed): fewer refusals.
    assert counts["rejected"] >= (1 if key == "private_key" else 5), counts
