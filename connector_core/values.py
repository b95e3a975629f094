"""Checks of a single value against its field: strict JSON types and limits.

Shared by server-side validation (:mod:`.validation`) and the manifest loader (which
checks defaults); it imports nothing heavy so that loading manifests stays fast.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

from .manifest import Field
from .secrets import Secret, is_reference


def portable_pattern(pattern: str) -> str:
    """A whole-value pattern that means the same in Python's ``re.search`` and ECMA-262.

    ``^(?:p)$`` would let Python accept one trailing newline; the lookahead does not.
    Class escapes are spelt out (see :func:`ecma_classes`), so that a browser and the
    server accept the same characters.
    """
    return f"^(?:{ecma_classes(pattern)})(?![\\s\\S])"


# What \w, \d and \s mean in ECMA-262 (JSON Schema in a browser). Python's are Unicode-aware:
# "é" is a word character and "٣" a digit there, not in a browser.
_ECMA_CLASSES = {
    "w": "A-Za-z0-9_",
    "d": "0-9",
    "s": "\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff",
}


_ANYTHING = {f"[\\{a}\\{b}]" for x in "sdw" for a, b in ((x, x.upper()), (x.upper(), x))}


def ecma_classes(pattern: str) -> str:
    """``pattern`` with ``\\w \\d \\s \\W \\D \\S`` written as explicit character sets.

    Raises ValueError for ``\\W`` or ``\\D`` inside ``[...]`` (they have no explicit spelling there).
    """
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if not in_class and pattern[i:i + 6] in _ANYTHING:  # [\s\S] and friends: any character
            out.append(pattern[i:i + 6])
            i += 6
            continue
        if c == "\\" and i + 1 < len(pattern):
            n = pattern[i + 1]
            body = _ECMA_CLASSES.get(n.lower())
            if body is None:
                out.append(pattern[i:i + 2])
            elif n.islower():
                out.append(body if in_class else f"[{body}]")
            elif in_class:
                raise ValueError(f"\\{n} inside [...] has no portable spelling")
            else:
                out.append(f"[^{body}]")
            i += 2
            continue
        out.append(c)
        i += 1
        if c == "[" and not in_class:
            in_class = True
            if pattern.startswith("^", i):
                out.append("^")
                i += 1
            if pattern.startswith("]", i):  # a leading ] is literal in Python, not in ECMA-262
                out.append("\\]")
                i += 1
        elif c == "]" and in_class:
            in_class = False
    return "".join(out)


# RFC 3986, ASCII only: what ajv-formats' "uri" format accepts for these schemes, or less,
# so that a URL matching this pattern passes the browser's `format: uri` check as well.
_PCT = "%[0-9A-Fa-f]{2}"
_UNRESERVED_SUB = "-A-Za-z0-9._~!$&'()*+,;="
_PCHAR = f"(?:[{_UNRESERVED_SUB}:@]|{_PCT})"
_H16 = "[0-9A-Fa-f]{1,4}"
_DEC_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = f"(?:{_DEC_OCTET}\\.){{3}}{_DEC_OCTET}"
_LS32 = f"(?:{_H16}:{_H16}|{_IPV4})"
_IPV6 = "(?:" + "|".join([
    f"(?:{_H16}:){{6}}{_LS32}",
    f"::(?:{_H16}:){{5}}{_LS32}",
    f"(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}",
    f"(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}",
    f"(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}",
    f"(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}",
    f"(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}",
    f"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}",
    f"(?:(?:{_H16}:){{0,6}}{_H16})?::",
]) + ")"
_HOST = f"(?:\\[{_IPV6}\\]|(?:[{_UNRESERVED_SUB}]|{_PCT})+)"
_USERINFO = f"(?:(?:[{_UNRESERVED_SUB}:]|{_PCT})*@)?"
_TAIL = f"(?:/{_PCHAR}*)*(?:\\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?"


@functools.lru_cache(maxsize=64)
def url_pattern(schemes: tuple[str, ...]) -> str:
    """An absolute URL with one of ``schemes`` and a host, in RFC 3986 characters only.

    Cached: spelling out the class escapes of this long pattern took 0.3 ms, paid on every
    URL value validated before the compiled matcher's own cache was even consulted.
    """
    scheme = "|".join(re.escape(s) for s in schemes)
    return portable_pattern(f"(?:{scheme})://{_USERINFO}{_HOST}(?::[0-9]*)?{_TAIL}")


def check_value(spec: Field, value: Any) -> list[str]:
    """Problems with a single value (not its nested items, which their own fields check)."""
    t = spec.type
    if t == "json":
        return []
    if t in ("string", "text", "url", "enum"):
        if not isinstance(value, str):
            return ["must be a string"]
        return _check_string(spec, value)
    if t == "secret":
        if isinstance(value, Secret):
            return []
        if is_reference(value):
            return [] if spec.references else [
                "must be the value itself: this host does not accept {$env}/{$file} references "
                "(setting secrets.allow_references)"]
        if not isinstance(value, str):
            return ["must be a string or a {$env: NAME} / {$file: PATH} reference" if spec.references
                    else "must be a string"]
        return _check_string(spec, value)
    if t in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [f"must be {'an integer' if t == 'integer' else 'a number'}"]
        if isinstance(value, float) and not math.isfinite(value):
            return ["must be a finite number"]
        if t == "integer" and isinstance(value, float) and not value.is_integer():
            return ["must be an integer"]
        problems = []
        if spec.minimum is not None and value < spec.minimum:
            problems.append(f"must be at least {spec.minimum}")
        if spec.maximum is not None and value > spec.maximum:
            problems.append(f"must be at most {spec.maximum}")
        return problems
    if t == "boolean":
        return [] if isinstance(value, bool) else ["must be true or false"]
    if t in ("list", "keyvalue", "map"):
        if not isinstance(value, dict if t == "map" else list):
            return ["must be an object of names to values" if t == "map" else "must be a list"]
        unit = "entries" if t == "map" else "items"
        problems = []
        if spec.min_items is not None and len(value) < spec.min_items:
            problems.append(f"must have at least {spec.min_items} {unit}")
        if spec.max_items is not None and len(value) > spec.max_items:
            problems.append(f"must have at most {spec.max_items} {unit}")
        return problems
    if t == "object":
        return [] if isinstance(value, dict) else ["must be a mapping of fields"]
    return [f"unsupported type {t}"]


def check_key(spec: Field, key: Any) -> list[str]:
    """Problems with one key of a ``keyvalue`` list or a ``map`` (non-empty text, ``key_pattern``)."""
    if not isinstance(key, str):
        return ["must be a string"]
    if not key:
        return ["must not be empty"]
    if spec.key_pattern and not _matcher(spec.key_pattern, portable=True).search(key):
        return [f"must match the pattern {spec.key_pattern}"]
    return []


def _check_string(spec: Field, value: str) -> list[str]:
    problems = []
    low, high = spec.effective_min_length, spec.max_length
    if low is not None and len(value) < low:
        problems.append("must not be empty" if low == 1 else f"must be at least {low} characters long")
    if high is not None and len(value) > high:
        problems.append(f"must be at most {high} characters long")
    if spec.type == "enum":
        refused = next((c for c in spec.refused if c.value == value), None)
        if refused is not None:
            problems.append(f"{value!r} is turned off on this host (setting {refused.enabled_by})")
        elif not any(c.value == value for c in spec.choices):
            shown = [c.value for c in spec.choices]
            listed = ", ".join(shown[:12]) + (", ..." if len(shown) > 12 else "")
            problems.append(f"must be one of: {listed}")
    elif spec.type == "url":
        if not _matcher(url_pattern(spec.schemes)).search(value):
            problems.append(f"must be an absolute URL starting with {' or '.join(s + '://' for s in spec.schemes)}")
    elif spec.pattern and not _matcher(spec.pattern, portable=True).search(value):
        problems.append(f"must match the pattern {spec.pattern}")
    return problems


@functools.lru_cache(maxsize=4096)
def _matcher(pattern: str, portable: bool = False) -> re.Pattern:
    """The compiled whole-value matcher: built once per pattern, not on every value checked."""
    return re.compile(portable_pattern(pattern) if portable else pattern)
