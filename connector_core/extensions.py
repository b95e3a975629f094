"""What toolkit plugins contribute to the core: settings, choice sources, error codes.

The core names no vendor. A toolkit (a cloud vendor's, an HTTP toolkit, a
third-party SDK wrapper) reaches it through the hooks in :mod:`.hookspecs`, returning
the small value types defined here. :class:`Contributions` gathers every plugin's
answers once, at load time, and says which plugin gave what.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from .errors import ConnectorError

#: A choice source: a callable returning ``[(value, caption), ...]``, or a
#: ``"module:function"`` string imported only when a manifest names the source.
ChoiceSource = Union[Callable[[], Iterable[tuple[str, str]]], str]


@dataclass(frozen=True)
class Setting:
    """A host setting a plugin reads from ``context.settings``: its default and what it does."""

    default: Any
    description: str


@dataclass(frozen=True)
class ErrorCode:
    """How the host types an error a service reports with ``code``.

    ``error`` is the :class:`~connector_core.ConnectorError` subclass the host raises
    instead of a generic ``OperationError``; ``hint`` (optional) replaces the hint.
    """

    error: type[ConnectorError]
    hint: str | None = None


@dataclass
class Contributions:
    """Every plugin's settings, choice sources and error codes, with the plugin that gave each."""

    settings: dict[str, Setting] = field(default_factory=dict)
    choice_sources: dict[str, ChoiceSource] = field(default_factory=dict)
    error_codes: dict[str, ErrorCode] = field(default_factory=dict)
    owners: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, name) -> plugin

    def add(self, kind: str, plugin: str, answer: Mapping[str, Any] | None) -> list[str]:
        """Record one plugin's answer to one hook; the problems found (each names the fix)."""
        if answer is None:
            return []
        if not isinstance(answer, Mapping):
            return [f"connector_{kind} must return a mapping, not {type(answer).__name__}"]
        target: dict[str, Any] = getattr(self, kind)
        problems = []
        for name, value in answer.items():
            value, problem = _checked(kind, name, value)
            if problem:
                problems.append(problem)
                continue
            owner = self.owners.get((kind, name))
            if owner is not None and owner != plugin and target[name] != value:
                problems.append(f"{_SINGULAR[kind]} {name!r} is already registered by plugin {owner!r} "
                                "(choose another name)")
                continue
            target[name] = value
            self.owners.setdefault((kind, name), plugin)
        return problems

    def choices(self, name: str) -> list[tuple[str, str]]:
        """Call a choice source (importing it if given as ``"module:function"``)."""
        source = self.choice_sources[name]
        if isinstance(source, str):
            module, _, attr = source.partition(":")
            source = getattr(importlib.import_module(module), attr)
        return [(str(v), str(c)) for v, c in source()]

    def typed_error(self, exc: ConnectorError) -> ConnectorError:
        """``exc`` as the error class registered for its ``code``, else ``exc`` unchanged.

        Only errors no toolkit could type (plain ``OperationError``) are re-typed: a
        plugin cannot turn an authentication failure into something else.
        """
        from .errors import OperationError

        code = getattr(exc, "code", None)
        entry = self.error_codes.get(code) if code else None
        if entry is None or type(exc) is not OperationError:
            return exc
        typed = entry.error(exc.message, hint=entry.hint or exc.hint, connector=exc.connector,
                            plugin=exc.plugin, code=code)
        typed.__cause__, typed.__suppress_context__ = exc.__cause__, exc.__suppress_context__
        return typed


_SINGULAR = {"settings": "setting", "choice_sources": "choice source", "error_codes": "error code"}


def _checked(kind: str, name: Any, value: Any) -> tuple[Any, str | None]:
    if not isinstance(name, str) or not name:
        return value, f"connector_{kind}: names must be non-empty strings, not {name!r}"
    if kind == "settings" and not isinstance(value, Setting):
        return value, f"setting {name!r} must be a connector_core.Setting(default, description)"
    if kind == "choice_sources" and not (callable(value) or (isinstance(value, str) and ":" in value)):
        return value, f"choice source {name!r} must be a callable or a 'module:function' string"
    if kind == "error_codes":
        if isinstance(value, type) and issubclass(value, ConnectorError):
            value = ErrorCode(value)
        if not isinstance(value, ErrorCode) or not issubclass(value.error, ConnectorError):
            return value, (f"error code {name!r} must map to a ConnectorError subclass "
                           "(e.g. NotFoundError) or an ErrorCode")
    return value, None


__all__ = ["ChoiceSource", "Contributions", "ErrorCode", "Setting"]
