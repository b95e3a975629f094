"""Secrets anywhere in the values are sealed; values that look like markers survive."""

from __future__ import annotations

from connector_core import Secret
from connector_core.secrets import MASK
from connector_core.store.values import display_values, join_secrets, split_secrets


def test_nested_secrets_and_look_alike_values_round_trip():
    values = {
        "token": Secret("top-secret-1"),
        "auth": {"user": "u", "password": Secret("top-secret-2")},
        "params": [{"key": "k", "value": Secret("top-secret-3"), "is_value_secret": True},
                   {"key": "plain", "value": "v"}],
        "ref": Secret(env="API_TOKEN"),
        "extra": {"$secret": 0},          # a user's JSON value, not a marker
        "more": {"$literal": [1, 2]},
    }
    public, sealed = split_secrets(values)
    assert sealed == ["top-secret-1", "top-secret-2", "top-secret-3", {"$env": "API_TOKEN"}]
    assert "top-secret" not in repr(public)
    assert join_secrets(public, sealed) == {
        "token": "top-secret-1", "auth": {"user": "u", "password": "top-secret-2"},
        "params": [{"key": "k", "value": "top-secret-3", "is_value_secret": True}, {"key": "plain", "value": "v"}],
        "ref": {"$env": "API_TOKEN"}, "extra": {"$secret": 0}, "more": {"$literal": [1, 2]},
    }
    shown, secret_fields = display_values(public)
    assert secret_fields == ("token", "auth", "params", "ref")
    assert "token" not in shown and "ref" not in shown
    assert shown["auth"] == {"user": "u", "password": MASK}
    assert shown["params"][0]["value"] == MASK and shown["extra"] == {"$secret": 0}


def test_split_to_json_in_one_pass_gives_what_split_then_json_gives():
    import datetime
    import json
    import types

    from connector_core.secrets import dumps
    from connector_core.store.values import split_secrets_json

    when = datetime.datetime(2026, 1, 31, 12, tzinfo=datetime.timezone.utc)
    plain = {"entries": [{"n": i, "at": when, "raw": b"bytes", "pair": (1, 2)} for i in range(3)],
             "view": types.MappingProxyType({"a": 1}), "ints": {1: "one"}}
    secret = {**plain, "token": Secret("top-secret-1"), "nested": [{"password": Secret("top-secret-2")}],
              "ref": Secret(env="API_TOKEN")}
    look_alikes = [{**secret, "extra": {"$secret": 0}}, {**plain, "extra": {"$literal": [1]}},
                   {**plain, "deep": [{"$secret": 5, "$literal": 1}]}, {**plain, 'quote"$secret': 1}]
    for values in [plain, secret, *look_alikes]:
        public, sealed = split_secrets(values)
        split = split_secrets_json(values)
        # Markers may number the secrets in another order; each still names its own secret.
        assert join_secrets(split.public, split.sealed) == join_secrets(json.loads(dumps(public)), sealed)
        assert sorted(map(repr, split.sealed)) == sorted(map(repr, sealed))
        (shown, fields), (old_shown, old_fields) = display_values(split.public), display_values(json.loads(dumps(public)))
        assert shown == old_shown and set(fields) == set(old_fields)
        assert split.text == json.dumps(split.public, sort_keys=True, separators=(",", ":"))
    public, sealed, _ = split_secrets_json(secret)
    assert sorted(map(repr, sealed)) == sorted(map(repr, ["top-secret-1", "top-secret-2", {"$env": "API_TOKEN"}]))
    assert "top-secret" not in json.dumps(public)
    assert join_secrets(public, sealed)["nested"] == [{"password": "top-secret-2"}]


def test_fan_out_chunks_are_the_whole_inputs_json_cut_by_range():
    """Each chunk's stored text is its slice of the input, secrets as markers into the whole
    input's secrets; the whole text (what the idempotency fingerprint hashes) is the one a
    single encoding writes; marker-like user keys still go through the escaping walk."""
    import datetime
    import json

    from connector_core.fanout_plan import chunk_ranges
    from connector_core.store.values import split_secrets_chunked, split_secrets_json

    when = datetime.datetime(2026, 1, 31, 12, tzinfo=datetime.timezone.utc)
    entries = [{"n": i, "at": when, "key": Secret(f"item-secret-{i}") if i % 3 == 0 else "plain"} for i in range(8)]
    base = {"entries": entries, "a_first": Secret("top-secret-a"), "z_last": [1, {"x": 2}]}
    cases = [{k: v for k, v in base.items() if not isinstance(v, Secret)} | {"entries": [{"n": i} for i in range(8)]},
             base, {**base, "z_last": {"$secret": 0}}, {**base, "entries": [*entries, {"$literal": 1}]}]
    for values in cases:
        ranges = chunk_ranges(len(values["entries"]), 3)
        written = split_secrets_chunked(values, "entries", ranges)
        assert "secret-" not in written.head + written.tail + "".join(written.chunks)
        chunks = [json.loads(written.head + c + written.tail) for c in written.chunks]
        whole = json.loads(written.whole)
        assert [e for c in chunks for e in c["entries"]] == whole["entries"]
        assert all({**c, "entries": None} == written.public() for c in chunks)  # the parent's params
        joined = [join_secrets(c, written.sealed) for c in chunks]
        expected = join_secrets(*split_secrets_json(values)[:2])
        assert [e for j in joined for e in j["entries"]] == expected["entries"]
        assert {k: v for k, v in joined[0].items() if k != "entries"} == {
            k: v for k, v in expected.items() if k != "entries"}
        if not any(isinstance(v, Secret) for v in values.values()) and values is cases[0]:
            assert written.whole == split_secrets_json(values).text  # the fingerprint's text, unchanged
