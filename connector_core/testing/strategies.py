"""Hypothesis strategies for the inputs of a manifest section.

They mix values that are valid for each field (from its pattern, choices and limits),
values that are nearly valid (just past a limit) and values of the wrong type, and
mutate known-good examples one key at a time, so that both validators are asked about
inputs on both sides of every boundary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from connector_core.manifest import Field, Section

_JUNK = st.one_of(
    st.none(), st.integers(-3, 3), st.text(max_size=3), st.booleans(),
    st.lists(st.integers(0, 2), max_size=2), st.just({"x": 1}),
)
# Longer limits are not probed at the limit: megabyte strings would only slow the check.
_MAX_PROBE_LENGTH = 4096
_MAX_PROBE_ITEMS = 100
_URLS = ("https://example.com", "http://127.0.0.1:9/path", "ftp://example.com/x", "example.com",
         "https://", "https://exa mple.com", "")
#: Secret references ({$env}/{$file}, which a secret field takes in place of its value when
#: the host allows them) and near-misses: empty, two keys, another key, not a string.
_SECRET_REFERENCES = (
    {"$env": "API_TOKEN"}, {"$file": "/run/secrets/token"}, {"$env": ""}, {"$file": ""},
    {"$env": "A", "$file": "/b"}, {"$ENV": "A"}, {"env": "A"}, {"$env": 1}, {"$file": None}, {"$env": ["A"]},
)


def section_inputs(section: Section, examples: tuple[Mapping[str, Any], ...] = (), depth: int = 0):
    """Mappings for one section: random ones and one-key mutations of ``examples``."""
    values = {f.key: field_values(f, depth) for f in section.fields}
    random = st.fixed_dictionaries({}, optional=values)
    with_unknown = st.builds(lambda d: {**d, "not_a_field": 1}, random)
    choices = [random, random, with_unknown]
    if examples and values:
        choices += [_mutations(dict(e), values) for e in examples] * 3
    return st.one_of(*choices)


def _mutations(example: dict[str, Any], values: Mapping[str, Any]):
    keys = sorted(values)

    def mutate(key: str, drop: bool, value: Any) -> dict[str, Any]:
        out = dict(example)
        if drop:
            out.pop(key, None)
        else:
            out[key] = value
        return out

    def for_key(key: str):
        return st.builds(mutate, st.just(key), st.booleans(), values[key])

    return st.one_of(st.just(dict(example)), st.sampled_from(keys).flatmap(for_key))


def field_values(f: Field, depth: int = 0):
    """Values for one field: mostly plausible, sometimes just wrong."""
    plausible = _plausible(f, depth)
    return st.one_of(plausible, plausible, plausible, _JUNK)


def _plausible(f: Field, depth: int):
    t = f.type
    if t == "secret":
        return st.one_of(_strings(f), _strings(f), _secret_references())
    if t in ("string", "text"):
        return _strings(f)
    if t == "url":
        schemes = [f"{s}://example.com/x" for s in f.schemes]
        return st.sampled_from(list(_URLS) + schemes)
    if t == "enum":
        values = [c.value for c in f.choices]
        return st.one_of(st.sampled_from(values), st.text(max_size=4)) if values else st.text(max_size=4)
    if t in ("integer", "number"):
        low = int(f.minimum) - 2 if f.minimum is not None else None
        high = int(f.maximum) + 2 if f.maximum is not None else None
        if low is None:
            low = (high if high is not None else 0) - 2000
        if high is None:
            high = low + 2000
        ints = st.integers(low, high)
        floats = st.floats(low, high, allow_nan=False, allow_infinity=False)
        # Limits and their neighbours, often: that is where two validators could differ.
        edges = [e + d for e in (f.minimum, f.maximum) if e is not None for d in (-1, 0, 1, 0.5)]
        parts = [ints, floats] + ([st.sampled_from(edges)] * 3 if edges else [])
        return st.one_of(*parts)
    if t == "boolean":
        return st.one_of(st.booleans(), st.integers(0, 1))
    if t == "list":
        high = min(f.max_items or 3, 20) + 1
        item = _plausible(f.items, depth) if f.items is not None else _JUNK
        return st.lists(st.one_of(item, item, _JUNK), max_size=high)
    if t == "keyvalue":
        pair = st.fixed_dictionaries(
            {"key": st.text(max_size=4), "value": st.text(max_size=4)},
            optional={"is_value_secret": st.one_of(st.booleans(), _JUNK), "extra": st.just(1)},
        )
        return st.lists(st.one_of(pair, pair, _JUNK), max_size=min(f.max_items or 2, 20) + 1)
    if t == "object":
        if depth >= 2 or f.section is None:
            return st.dictionaries(st.sampled_from(["a", "b"]), _JUNK, max_size=2)
        return section_inputs(f.section, depth=depth + 1)
    # json: any JSON value
    return st.one_of(_JUNK, st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def _secret_references():
    return st.one_of(st.sampled_from(_SECRET_REFERENCES), st.fixed_dictionaries(
        {}, optional={"$env": st.text(max_size=4), "$file": st.text(max_size=6)}))


def _strings(f: Field):
    low = f.effective_min_length or 0
    high = f.max_length
    parts = [st.text(min_size=0, max_size=min(high + 2, 40) if high is not None else 40)]
    if f.pattern:
        try:
            matching = st.from_regex(re.compile(f.pattern), fullmatch=True)
            parts += [matching, matching]
        except Exception:  # a construct hypothesis cannot generate from: random text only
            pass
    else:
        sized = st.text(min_size=low, max_size=min(high, 40) if high is not None else 40)
        parts += [sized]
    if high is not None and high <= _MAX_PROBE_LENGTH:
        parts.append(st.just("a" * high))
        parts.append(st.just("a" * (high + 1)))
    return st.one_of(*parts)


def boundary_values(f: Field) -> list[Any]:
    """Deterministic probes for one field: its limits, one step past them, wrong types."""
    probes: list[Any] = [None, 1, "x", True]
    t = f.type
    if t in ("string", "text", "secret", "url"):
        low, high = f.effective_min_length or 0, f.max_length
        probes += ["", " ", "a" * max(low - 1, 0), "a" * low, "a\n"]
        if high is not None and high <= _MAX_PROBE_LENGTH:
            probes += ["a" * high, "a" * (high + 1)]
        if t == "url":
            probes += list(_URLS) + [f"{s}://example.com/x" for s in f.schemes]
        if t == "secret":
            probes += list(_SECRET_REFERENCES)
    elif t == "enum":
        probes += [c.value for c in f.choices[:20]] + ["not-a-choice", ""]
    elif t in ("integer", "number"):
        for edge in (f.minimum, f.maximum):
            if edge is not None:
                probes += [edge - 1, edge, edge + 1, edge - 0.5, edge + 0.5]
        probes += [0, -1, 1.5, 2.0, "1", [1]]
    elif t == "boolean":
        probes += [False, 0, "true"]
    elif t in ("list", "keyvalue"):
        item: Any = {"key": "a", "value": "b"} if t == "keyvalue" else "a"
        probes += [[], [item], [None], [{"key": "", "value": "b"}], [{"key": "a"}], {"a": 1}]
        for n in (f.min_items, f.max_items):
            if n is not None and n <= _MAX_PROBE_ITEMS:
                probes += [[item] * max(n - 1, 0), [item] * n, [item] * (n + 1)]
    elif t == "object":
        probes += [{}, {"not_a_field": 1}, []]
    else:  # json
        probes += [{}, [], {"a": [1, 2]}]
    return probes


def boundary_inputs(section: Section, examples: tuple[Mapping[str, Any], ...]) -> list[dict[str, Any]]:
    """Each example with one field dropped or set to one of its probes, and with an unknown key."""
    out: list[dict[str, Any]] = []
    for example in examples or ({},):
        base = dict(example)
        out += [base, {**base, "not_a_field": 1}]
        for f in section.fields:
            dropped = {k: v for k, v in base.items() if k != f.key}
            out.append(dropped)
            out += [{**base, f.key: probe} for probe in boundary_values(f)]
    return out
