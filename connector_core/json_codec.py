"""Compact JSON text written fast, meaning what the standard library's would.

Bulk work writes JSON per item: each event's detail, each chunk's outcomes, the merged
result. The standard library spends most of a small value's encoding on setting up its
encoder, so these paths use orjson (4 to 8 times faster), and fall back to :mod:`json`
wherever orjson's answer could differ in meaning:

- orjson refuses what JSON cannot hold exactly (integers beyond 64 bits, keys that are not
  text, a value containing itself): the standard library then writes (or refuses) it;
- orjson writes NaN and the infinities as ``null``: text holding ``null`` is written again
  by the standard library, whose answer stands (``NaN``, which services and PostgreSQL refuse
  with a clear error, rather than data changed quietly).

The text may differ from :func:`json.dumps`'s in form only: non-ASCII characters as they
are (UTF-8) rather than escaped, ``1e16`` for ``1e+16``. Nothing compares such text; job
fingerprints and connection values keep the standard library's canonical form. Reading
stays with :func:`json.loads`: orjson reads an integer beyond 64 bits as a float (a changed
value), and is barely faster at building a large result's objects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

# Times and dataclasses go to ``default`` as they do with json (orjson would write them itself).
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# Without the cycle check (the same text): a value containing itself still fails, with
# RecursionError, and the check costs ~15% of encoding a fan-out's 100,000 outcomes.
_stdlib_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False).encode


def dumps(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """``value`` as compact JSON text (UTF-8 characters unescaped). ``default(o)`` turns a
    value JSON has no type for into one it has, or raises ``TypeError``, as for :func:`json.dumps`."""
    try:
        data = orjson.dumps(value, default=default, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError included: the standard library's answer stands
        return _stdlib_dumps(value, default)
    if b"null" in data:  # perhaps a NaN or infinity orjson wrote as null
        return _stdlib_dumps(value, default)
    return data.decode()


def _stdlib_dumps(value: Any, default: Callable[[Any], Any] | None) -> str:
    if default is None:
        return _stdlib_compact(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=default)


__all__ = ["dumps"]
