"""PyYAML's events built into values and a line map, strictly (see :mod:`.yaml_loader`).

Imported only when a document is actually parsed: a start whose manifests all come from
the checked-manifest cache never imports PyYAML.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from .errors import ManifestError
from .yaml_loader import MAX_DEPTH, MAX_NUMBER_DIGITS, LoadedYaml, Path_, format_path

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_NUMBERS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def parse(raw: bytes, text: str | bytes, file: str) -> LoadedYaml:
    """One document (``text``; ``raw`` is its bytes), or a :class:`ManifestError` naming the line."""
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
