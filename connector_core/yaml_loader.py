"""A strict YAML loader for manifests and for the CLI's connection and input files.

Stricter than ``yaml.safe_load``: it refuses anchors and aliases (so a billion-laughs
document fails at its first anchor, before anything is expanded), every explicit tag
(``!!python/object`` and friends), merge keys (``<<``), duplicate mapping keys,
non-string keys, nesting deeper than :data:`MAX_DEPTH`, numbers longer than
:data:`MAX_NUMBER_DIGITS` digits, ``.nan``/``.inf``, and documents over a size cap. It
also records the line of every key path, so that later validation errors can point at
the line. :func:`load_data` reads JSON or YAML data files under the same limits.

It builds values straight from the parser's events (libyaml's C parser when present),
which is several times faster than PyYAML's pure-Python composer (:mod:`.yaml_events`,
imported only when a document is parsed rather than read from the parse cache).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .errors import ConnectorError, ManifestError

MAX_MANIFEST_BYTES = 512 * 1024
#: Connection and input files (`connectors check/test/run`) may be larger: event batches.
MAX_DATA_BYTES = 8 * 1024 * 1024
#: Deepest nesting of lists and mappings; a manifest needs about 10, an event detail 20.
MAX_DEPTH = 64
#: Longest number (digits); 2**64 has 20. Longer ones are mistakes or attacks.
MAX_NUMBER_DIGITS = 64

Path_ = tuple  # a key path: a tuple of str keys and int indexes



def format_path(path: Path_) -> str:
    """``("operations", 2, "id")`` -> ``operations[2].id``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


class LoadedYaml:
    """The loaded value and the line (1-based) where each key path starts."""

    __slots__ = ("data", "lines", "file")

    def __init__(self, data: Any, lines: Mapping[Path_, int], file: str) -> None:
        self.data = data
        self.lines = lines
        self.file = file

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def error(self, path: Path_, message: str, hint: str | None = None) -> ManifestError:
        return ManifestError(
            message, file=self.file, line=self.line_of(path), path=format_path(path), hint=hint
        )


def load_yaml(text: str | bytes, file: str = "<string>") -> LoadedYaml:
    """Parse one YAML document strictly. Raises :class:`ManifestError` naming file and line.

    Documents that parsed before are read from the parse cache (see :func:`cache_dir`).
    """
    raw = text.encode("utf-8") if isinstance(text, str) else text
    cached = _cache_read(raw, file)
    if cached is not None:
        return cached
    loaded = _load_yaml(raw, text, file)
    _cache_write(raw, loaded)
    return loaded


def _load_yaml(raw: bytes, text: str | bytes, file: str, max_bytes: int = MAX_MANIFEST_BYTES) -> LoadedYaml:
    size = len(raw)
    if size > max_bytes:
        raise ManifestError(
            f"document is {size} bytes, over the {max_bytes}-byte cap",
            file=file,
            line=1,
            path=format_path(()),
            hint="split it, or move large enumerations to a choices_from source",
        )
    from .yaml_events import parse  # PyYAML only when a document is parsed, not read from a cache

    return parse(raw, text, file)


# -- data files -------------------------------------------------------------------------


def load_data(raw: bytes, file: str) -> Any:
    """A JSON or YAML data file (a connection, an operation's input) under the same limits.

    Raises :class:`~connector_core.ConnectorError` with one line naming the file, the line
    and what to do. Never cached: connection files hold secrets.
    """
    if len(raw) > MAX_DATA_BYTES:
        raise _data_error(file, None, f"is {len(raw)} bytes, over the {MAX_DATA_BYTES}-byte cap",
                          "give large content as a file path input instead")
    try:
        text = decode_text(raw, file)
        if text.lstrip()[:1] in ("{", "["):
            return _load_json(text, file)
        return _load_yaml(raw, text, file, max_bytes=MAX_DATA_BYTES).data
    except ManifestError as exc:
        raise _data_error(file, exc.line, f"{exc.path}: {exc.message}" if exc.path else exc.message,
                          exc.hint) from None


def _data_error(file: str, line: int | None, message: str, hint: str | None) -> ConnectorError:
    where = f"{file}:{line}" if line is not None else file
    return ConnectorError(f"{where}: {message}", hint=hint)


def decode_text(raw: bytes, file: str) -> str:
    """``raw`` as UTF-8 text (a BOM allowed); a :class:`ManifestError` with the line otherwise."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(raw) > 1 and b"\0" in raw[:4]):
        raise ManifestError("the file is UTF-16 (or another wide encoding), not UTF-8", file=file, line=1,
                            hint="save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", file=file,
                            line=raw[:exc.start].count(b"\n") + 1, hint="save it as UTF-8") from None


def _load_json(text: str, file: str) -> Any:
    if _json_depth(text) > MAX_DEPTH:
        raise _data_error(file, None, f"is nested more than {MAX_DEPTH} levels deep", "flatten the document")

    def number(kind: Callable[[str], Any]) -> Callable[[str], Any]:
        def parse(literal: str) -> Any:
            if sum(c.isdigit() for c in literal) > MAX_NUMBER_DIGITS:
                raise _Refused(f"a number of more than {MAX_NUMBER_DIGITS} digits", "quote it if it is text")
            value = kind(literal)
            if isinstance(value, float) and not math.isfinite(value):
                raise _Refused(f"{literal} is not a finite number", "write a smaller number")
            return value
        return parse

    def constant(name: str) -> Any:
        raise _Refused(f"{name} is not JSON", "write a number, or quote it if it is text")

    try:
        return json.loads(text, parse_int=number(int), parse_float=number(float), parse_constant=constant)
    except _Refused as exc:
        raise _data_error(file, None, exc.args[0], exc.args[1]) from None
    except json.JSONDecodeError as exc:
        raise _data_error(file, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})",
                          "check the brackets, commas and quotes near this line") from None


class _Refused(ValueError):
    """A JSON value over the limits (json.loads lets a parse hook's error through unchanged)."""


# A string runs to its closing quote, or to the end when unterminated (so no start
# position fails and rescans: linear on any input).
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\[\s\S])*(?:"|\\?\Z)')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def _json_depth(text: str) -> int:
    """The deepest nesting of lists and objects in ``text`` (brackets inside strings skipped)."""
    depth = deepest = 0
    for c in _NOT_BRACKETS.sub("", _JSON_STRING.sub("", text)):
        depth += 1 if c in "[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                break
    return deepest


# -- parse cache ------------------------------------------------------------------------
# Parsing YAML is most of a CLI cold start (`connectors list`). A successfully parsed
# document is kept as JSON (reading it cannot run code), keyed by a
# hash of the document's bytes and of this module's version, so an edit or an upgrade
# simply misses. Failures are never cached: errors are always computed afresh.

_CACHE_VERSION = "2"  # 2: the data, a newline, then the line map (decoded only for errors)


class CachedLines(Mapping):
    """A cached document's line map, decoded from its JSON on first use.

    Lines are only read to point an error at its line; a manifest that checks out never
    needs them, and decoding them is half the cost of reading the cache. The
    checked-manifest cache (:mod:`connector_core.manifest_cache`) keeps them in this form.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: dict[Path_, int] | None = None

    @classmethod
    def of(cls, lines: Mapping[Path_, int]) -> CachedLines:
        """``lines`` in this form (for the checked-manifest cache)."""
        return cls(json.dumps([[list(p), line] for p, line in lines.items()]))

    def __reduce__(self) -> tuple[type[CachedLines], tuple[str]]:
        return CachedLines, (self.text,)  # pickled as its JSON text, never the decoded map

    def _decoded(self) -> dict[Path_, int]:
        if self._lines is None:
            try:
                self._lines = {tuple(p): line for p, line in json.loads(self.text)}
            except (ValueError, TypeError):  # a damaged cache file: errors name no line
                self._lines = {}
        return self._lines

    def __getitem__(self, path: Path_) -> int:
        return self._decoded()[path]

    def __contains__(self, path: object) -> bool:
        return path in self._decoded()

    def __iter__(self) -> Iterator[Path_]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())


def cache_dir() -> Path | None:
    """Where parsed manifests are cached, or None when caching is off.

    ``CONNECTOR_CORE_CACHE_DIR`` chooses the directory; an empty value turns caching off.
    The default is ``$XDG_CACHE_HOME/connector_core`` (``~/.cache/connector_core``).
    """
    chosen = os.environ.get("CONNECTOR_CORE_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "connector_core"


def _cache_path(raw: bytes) -> Path | None:
    directory = cache_dir()
    if directory is None or len(raw) > MAX_MANIFEST_BYTES:
        return None
    digest = hashlib.sha256(_CACHE_VERSION.encode() + b"\0" + raw).hexdigest()
    return directory / f"manifest-{digest[:40]}.json"


def _cache_read(raw: bytes, file: str) -> LoadedYaml | None:
    path = _cache_path(raw)
    if path is None:
        return None
    try:
        data, _, lines = path.read_text(encoding="utf-8").partition("\n")
        return LoadedYaml(json.loads(data), CachedLines(lines), file)
    except (OSError, ValueError, TypeError):  # missing, unreadable or corrupt: parse instead
        return None


def _cache_write(raw: bytes, loaded: LoadedYaml) -> None:
    path = _cache_path(raw)
    if path is None:
        return
    try:
        # allow_nan=False and a strict round trip: only documents JSON holds exactly are cached
        # (a YAML date, say, is not).
        data = json.dumps(loaded.data, allow_nan=False)  # one line: JSON escapes newlines in strings
        if json.loads(data) != loaded.data:
            return
        text = data + "\n" + CachedLines.of(loaded.lines).text
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # atomic: concurrent processes never read half a file
    except (OSError, TypeError, ValueError):
        pass  # a read-only home or an unusual value: just don't cache


