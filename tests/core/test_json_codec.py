"""connector_core.json_codec: orjson's speed, the standard library's meaning."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone

import pytest

from connector_core import Secret
from connector_core.json_codec import dumps
from connector_core.secrets import json_default


@pytest.mark.parametrize("value", [
    {"n": 1, "payload": "x" * 100},
    {"text": "café ☕ 日本", "nested": [1, 2.5, True, None, {"a": []}]},
    [],
    {"big": 2 ** 70, "negative": -(2 ** 65)},  # beyond 64 bits: orjson refuses, json writes them
    {1: "int key", None: "null key"},  # keys that are not text: json's own spelling
    "just text",
])
def test_text_means_what_json_dumps_means(value):
    assert json.loads(dumps(value)) == json.loads(json.dumps(value))


def test_compact_and_utf8_unescaped():
    assert dumps({"a": [1, "é"]}) == '{"a":[1,"é"]}'


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_not_changed_into_null(number):
    # orjson writes null; json writes NaN/Infinity, which AWS and PostgreSQL refuse loudly
    text = dumps({"reading": number, "other": None})
    assert text == json.dumps({"reading": number, "other": None}, separators=(",", ":"))
    assert "null" in text and text.count("null") == 1


def test_unsupported_values_raise_type_error_as_json_does():
    with pytest.raises(TypeError):
        dumps({"when": datetime(2026, 1, 1)})  # no default: json refuses times too
    with pytest.raises(TypeError):
        dumps({"s": {1, 2}}, default=json_default)


def test_default_turns_times_bytes_and_secrets_into_text():
    value = {"when": datetime(2026, 1, 31, 12, tzinfo=timezone.utc), "raw": b"abc",
             "key": Secret("hunter2-very-secret")}
    text = dumps(value, default=json_default)
    assert "hunter2" not in text
    assert json.loads(text) == {"when": "2026-01-31T12:00:00+00:00", "raw": "abc", "key": Secret("x").describe()}


def test_a_value_containing_itself_is_refused():
    value: dict = {}
    value["self"] = value
    with pytest.raises((ValueError, RecursionError, TypeError)):
        dumps(value)
