"""Checks of a single value against its field: strict JSON types and limits.

Shared by server-side validation (:mod:`.validation`) and the manifest loader (which
checks defaults); it imports nothing heavy so that loading manifests stays fast.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .manifest import Field
from .secrets import Secret, is_reference


def portable_pattern(pattern: str) -> str:
    """A whole-value pattern that means the same in Python's ``re.search`` and ECMA-262.

    ``^(?:p)$`` would let Python accept one trailing newline; the lookahead does not.
    """
    return f"^(?:{pattern})(?![\\s\\S])"


def url_pattern(schemes: tuple[str, ...]) -> str:
    return portable_pattern(f"(?:{'|'.join(re.escape(s) for s in schemes)})://[^\\s/?#]+[^\\s]*")


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
        if is_reference(value) or isinstance(value, Secret):
            return []
        if not isinstance(value, str):
            return ["must be a string or a {$env: NAME} / {$file: PATH} reference"]
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
    if t in ("list", "keyvalue"):
        if not isinstance(value, list):
            return ["must be a list"]
        problems = []
        if spec.min_items is not None and len(value) < spec.min_items:
            problems.append(f"must have at least {spec.min_items} items")
        if spec.max_items is not None and len(value) > spec.max_items:
            problems.append(f"must have at most {spec.max_items} items")
        return problems
    if t == "object":
        return [] if isinstance(value, dict) else ["must be a mapping of fields"]
    return [f"unsupported type {t}"]


def _check_string(spec: Field, value: str) -> list[str]:
    problems = []
    low, high = spec.effective_min_length, spec.max_length
    if low is not None and len(value) < low:
        problems.append("must not be empty" if low == 1 else f"must be at least {low} characters long")
    if high is not None and len(value) > high:
        problems.append(f"must be at most {high} characters long")
    if spec.type == "enum":
        if value not in {c.value for c in spec.choices}:
            shown = [c.value for c in spec.choices]
            listed = ", ".join(shown[:12]) + (", ..." if len(shown) > 12 else "")
            problems.append(f"must be one of: {listed}")
    elif spec.type == "url":
        if not re.search(url_pattern(spec.schemes), value):
            problems.append(f"must be an absolute URL starting with {' or '.join(s + '://' for s in spec.schemes)}")
    elif spec.pattern and not re.search(portable_pattern(spec.pattern), value):
        problems.append(f"must match the pattern {spec.pattern}")
    return problems
