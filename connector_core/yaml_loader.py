"""A strict YAML loader for manifests and for the CLI's connection and input files.

Stricter than ``yaml.safe_load``: it refuses anchors and aliases (so a billion-laughs
document fails at its first anchor, before anything is expanded), every explicit tag
(``!!python/object`` and friends), merge keys (``<<``), duplicate mapping keys,
non-string keys, nesting deeper than :data:`MAX_DEPTH`, numbers longer than
:data:`MAX_NUMBER_DIGITS` digits, ``.nan``/``.inf``, and documents over a size cap. It
also records the line of every key path, so that later validation errors can point at
the line. :func:`load_data` reads JSON or YAML data files under the same limits.

It builds values straight from the parser's events (libyaml's C parser when present),
which is several times faster than PyYAML's pure-Python composer.
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

import yaml

from .errors import ConnectorError, ManifestError

MAX_MANIFEST_BYTES = 512 * 1024
#: Connection and input files (`connectors check/test/run`) may be larger: event batches.
MAX_DATA_BYTES = 8 * 1024 * 1024
#: Deepest nesting of lists and mappings; a manifest needs about 10, an event detail 20.
MAX_DEPTH = 64
#: Longest number (digits); 2**64 has 20. Longer ones are mistakes or attacks.
MAX_NUMBER_DIGITS = 64

Path_ = tuple  # a key path: a tuple of str keys and int indexes

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_NUMBERS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


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
    builder = _Builder(file)
    try:
        events = yaml.parse(text, Loader=_Parser)
        data = builder.build(events)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ManifestError(
            f"invalid YAML: {exc.problem or exc.context}",
            file=file,
            line=mark.line + 1 if mark else None,
            path=format_path(builder.current_path()),
            hint="check indentation, colons and quoting near this line",
        ) from None
    except yaml.reader.ReaderError as exc:  # a control character: YAML allows none
        decoded = text if isinstance(text, str) else raw.decode("utf-8", "replace")
        raise ManifestError(f"invalid YAML: character {exc.character!r} is not allowed", file=file,
                            line=decoded[:exc.position].count("\n") + 1,
                            hint="remove the control character, or quote the text with an escape such as \\x01") from None
    except yaml.YAMLError as exc:
        raise ManifestError(f"invalid YAML: {' '.join(str(exc).split())}", file=file, line=1,
                            hint="check the file's syntax") from None
    return LoadedYaml(data, builder.lines, file)


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
# document is kept as JSON (never pickle: reading the cache cannot run code), keyed by a
# hash of the document's bytes and of this module's version, so an edit or an upgrade
# simply misses. Failures are never cached: errors are always computed afresh.

_CACHE_VERSION = "2"  # 2: the data, a newline, then the line map (decoded only for errors)


class _CachedLines(Mapping):
    """A cached document's line map, decoded from its JSON on first use.

    Lines are only read to point an error at its line; a manifest that checks out never
    needs them, and decoding them is half the cost of reading the cache.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._lines: dict[Path_, int] | None = None

    def _decoded(self) -> dict[Path_, int]:
        if self._lines is None:
            try:
                self._lines = {tuple(p): line for p, line in json.loads(self._text)}
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
        return LoadedYaml(json.loads(data), _CachedLines(lines), file)
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
        text = data + "\n" + json.dumps([[list(p), line] for p, line in loaded.lines.items()])
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # atomic: concurrent processes never read half a file
    except (OSError, TypeError, ValueError):
        pass  # a read-only home or an unusual value: just don't cache


def _line(event: yaml.Event) -> int | None:
    """The 1-based line an event starts on (the pure-Python parser always records it)."""
    return event.start_mark.line + 1 if event.start_mark is not None else None


def _mark(mark: object) -> yaml.Mark | None:
    """The parser's position mark, for a node handed to the constructor (its error messages)."""
    return mark if isinstance(mark, yaml.Mark) else None


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.stack: list[tuple[Any, Path_, Any]] = []  # (container, path, pending mapping key)

    def current_path(self) -> Path_:
        """The key path being built: where a syntax error was found."""
        return self._path(self.stack)

    def _refuse(self, event: yaml.Event, path: Path_, message: str, hint: str) -> ManifestError:
        return ManifestError(
            message, file=self.file, line=_line(event), path=format_path(path), hint=hint
        )

    def build(self, events) -> Any:
        documents = 0
        result: Any = None
        stack = self.stack
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self._refuse(event, (), "more than one YAML document", "keep one manifest per file")
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
                continue
            if isinstance(event, yaml.AliasEvent):
                raise self._refuse(
                    event, self._path(stack), "aliases (*name) are not allowed",
                    "write the value out, or share it with a fragment and `extends`",
                )
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                value, path, _ = stack.pop()
                if not stack:
                    result = value
                else:
                    self._attach(stack, value, event)
                continue
            # A node: scalar, mapping start or sequence start.
            if getattr(event, "anchor", None) is not None:
                raise self._refuse(
                    event, self._path(stack), f"anchors (&{event.anchor}) are not allowed",
                    "write the value out, or share it with a fragment and `extends`",
                )
            explicit = event.tag is not None and event.tag != "!" and not (
                isinstance(event, yaml.ScalarEvent) and event.implicit[0]
            )
            if explicit:
                raise self._refuse(
                    event, self._path(stack), f"tags ({event.tag}) are not allowed",
                    "remove the tag: manifests hold plain strings, numbers, booleans, lists and maps",
                )
            if isinstance(event, yaml.ScalarEvent):
                value = self._scalar(event, stack)
                if not stack:
                    result = value
                else:
                    self._attach(stack, value, event)
            else:
                container: dict[str, Any] | list[Any] = {} if isinstance(event, yaml.MappingStartEvent) else []
                path = self._path(stack)
                if len(stack) >= MAX_DEPTH:
                    raise self._refuse(event, path, f"nested more than {MAX_DEPTH} levels deep",
                                       "flatten the document")
                self._note_line(path, event)
                stack.append((container, path, _NO_KEY))
        return result

    def _scalar(self, event: yaml.ScalarEvent, stack) -> Any:
        tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _TIMESTAMP:  # manifests are JSON-shaped: 2024-01-01 stays a string
            return event.value
        if tag == _MERGE:
            raise self._refuse(event, self._path(stack), "merge keys (<<) are not allowed",
                               "write the keys out, or share them with a fragment and `extends`")
        if tag in _NUMBERS and sum(c.isalnum() for c in event.value) > MAX_NUMBER_DIGITS:
            raise self._refuse(event, self._path(stack), f"a number of more than {MAX_NUMBER_DIGITS} digits",
                               "quote it if it is text, e.g. \"123...\"")
        node = yaml.ScalarNode(tag, event.value, _mark(event.start_mark), _mark(event.end_mark), event.style)
        value = _constructor.yaml_constructors[tag](_constructor, node)
        if isinstance(value, float) and not math.isfinite(value):
            raise self._refuse(event, self._path(stack), f"{event.value} is not a finite number",
                               "write a number (JSON has no NaN or infinity), or quote it if it is text")
        return value

    def _path(self, stack) -> Path_:
        if not stack:
            return ()
        container, path, key = stack[-1]
        if isinstance(container, list):
            return path + (len(container),)
        return path + (key,) if key is not _NO_KEY else path

    def _note_line(self, path: Path_, event: yaml.Event, *, replace: bool = False) -> None:
        line = _line(event)
        if line is not None and (replace or path not in self.lines):
            self.lines[path] = line

    def _attach(self, stack, value: Any, event: yaml.Event) -> None:
        container, path, key = stack[-1]
        if isinstance(container, list):
            container.append(value)
            return
        if key is _NO_KEY:  # this value is a key
            if not isinstance(value, str):
                raise self._refuse(event, path, f"key {value!r} is not a string", "quote the key")
            if value in container:
                raise self._refuse(
                    event, path + (value,), f"duplicate key {value!r}",
                    f"{value!r} is already set on line {self.lines.get(path + (value,))}; keep one",
                )
            self._note_line(path + (value,), event, replace=True)
            stack[-1] = (container, path, value)
        else:
            container[key] = value
            stack[-1] = (container, path, _NO_KEY)


_NO_KEY = object()
