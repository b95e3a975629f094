"""The manifest model: connectors, sections, fields, rules and operations.

The classes here are plain, immutable-by-convention data. :mod:`.manifest_loader`
builds them from YAML after checking every key; :mod:`.rules` compiles each section's
rules into the one plan that :mod:`.forms`, :mod:`.validation`, the docs and the CLI use.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fanout_plan import Fanout
    from .rules import Plan
    from .triggers.model import Trigger

FIELD_TYPES = (
    "string", "text", "secret", "integer", "number", "boolean", "enum",
    "url", "list", "object", "keyvalue", "map", "json",
)
STRING_TYPES = ("string", "text", "secret", "url", "enum")
# Pickled by name (the checked-manifest cache), so that `default is MISSING` still holds.
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING", "__reduce__": lambda self: "MISSING"})()


@dataclass(frozen=True)
class Choice:
    """One choice of an ``enum`` field: the value stored and the caption shown."""

    value: str
    caption: str
    #: A host setting that must be true for this choice to be offered and accepted.
    enabled_by: str | None = None


def same_json_value(a: Any, b: Any) -> bool:
    """JSON equality: booleans are not numbers, but 1 == 1.0 (as JSON Schema's ``const``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


@dataclass(frozen=True)
class Condition:
    """``{field, equals}``, ``{field, in}`` or ``{field, present}`` on a sibling field."""

    field: str
    op: str  # "equals" | "in" | "present"
    value: Any

    def holds(self, values: Mapping[str, Any]) -> bool:
        present = self.field in values and values[self.field] is not None
        if self.op == "present":
            return present == bool(self.value)
        if not present:
            return False
        actual = values[self.field]
        if self.op == "equals":
            return same_json_value(actual, self.value)
        return any(same_json_value(actual, v) for v in self.value)

    def describe(self) -> str:
        if self.op == "present":
            return f"{self.field} is {'given' if self.value else 'not given'}"
        if self.op == "equals":
            return f"{self.field} is {self.value!r}"
        return f"{self.field} is one of {', '.join(repr(v) for v in self.value)}"


@dataclass(frozen=True)
class Rule:
    """A cross-field rule: ``when`` a condition holds, ``require``/``forbid``/``show`` fields; or ``one_of``/``any_of``."""

    when: Condition | None = None
    require: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()
    show: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()

    def fields(self) -> tuple[str, ...]:
        named = self.require + self.forbid + self.show + self.one_of + self.any_of
        return named + ((self.when.field,) if self.when else ())


# eq and repr are left out: with 25 attributes they cost milliseconds at import, on the
# cold-start path of every CLI call; fields are compared by key and shown by key and type.
@dataclass(frozen=True, eq=False, repr=False)
class Field:
    """A field of a section: its type, label, limits, choices and (list, map, object) parts."""

    key: str
    label: str
    type: str
    help: str | None = None
    placeholder: str | None = None
    default: Any = MISSING
    required: bool = False
    order: int | None = None
    group: str | None = None
    advanced: bool = False
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Choice, ...] = ()
    choices_from: str | None = None
    dynamic_options: bool = False
    schemes: tuple[str, ...] = ("http", "https")
    items: Field | None = None  # list items; map values
    min_items: int | None = None
    max_items: int | None = None
    section: Section | None = None  # for object fields
    multiline: bool = False  # secret: a multi-line value (a PEM key)
    key_pattern: str | None = None  # keyvalue: what each key must match
    #: Set by :func:`connector_core.rules.for_host`: choices this host turns off, and
    #: whether this host accepts ``{$env}``/``{$file}`` references for a secret.
    refused: tuple[Choice, ...] = ()
    references: bool = True

    def __repr__(self) -> str:
        return f"Field({self.key!r}, {self.type!r})"

    def __getstate__(self) -> dict[str, Any]:
        # Pickled without the attributes left at their defaults (the class holds those): a
        # third of the size, and of the time the checked-manifest cache takes to read it.
        defaults = type(self).__dict__
        return {name: value for name, value in self.__dict__.items()
                if not (name in defaults and type(value) is type(defaults[name]) and value == defaults[name])}

    @property
    def is_secret(self) -> bool:
        return self.type == "secret"

    @property
    def has_default(self) -> bool:
        return self.default is not MISSING

    @property
    def effective_min_length(self) -> int | None:
        """String-like fields are never empty unless the manifest says ``min_length: 0``."""
        if self.type in STRING_TYPES and self.type != "enum":
            return 1 if self.min_length is None else self.min_length
        return self.min_length



@dataclass(frozen=True)
class Group:
    """A titled group of connection fields in the form."""

    id: str
    label: str
    description: str | None = None


@dataclass(frozen=True)
class Section:
    """Fields, the rules between them and their groups: a connection, an operation's input or output."""

    fields: tuple[Field, ...] = ()
    rules: tuple[Rule, ...] = ()
    groups: tuple[Group, ...] = ()
    stream: bool = False

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    @functools.cached_property
    def plan(self) -> Plan:
        """The section's rules compiled once (see :mod:`connector_core.rules`)."""
        from .rules import Plan

        return Plan(self)

    def __getstate__(self) -> dict[str, Any]:
        # The checked-manifest cache keeps the model, not the plan: compiled again on first
        # use (it compiled when the manifest was checked, by the same code).
        state = dict(self.__dict__)
        state.pop("plan", None)
        return state


#: ``iam_resources``: (action glob, resource templates) in order; the first glob that
#: matches an action wins; no templates means the action is not resource-scoped (``*``).
IamResources = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Operation:
    """A declared operation: its input and output sections, IAM actions and fan-out."""

    id: str
    label: str
    description: str | None = None
    requires_connection: tuple[str, ...] = ()
    iam_actions: tuple[str, ...] = ()
    input: Section = field(default_factory=Section)
    output: Section = field(default_factory=Section)
    iam_resources: IamResources = ()
    #: How the operation's bulk input splits into chunk jobs (see connector_core.fanout_plan).
    fanout: Fanout | None = None


@dataclass(frozen=True)
class TestConnection:
    """What "Test connection" needs, for ``connectors policy`` (``test_connection:`` in YAML)."""

    __test__ = False  # not a pytest test class

    iam_actions: tuple[str, ...] = ()
    iam_resources: IamResources = ()


@dataclass(frozen=True)
class SourceMap:
    """Where things are in a manifest's file, for errors found after parsing (``extends``)."""

    lines: Mapping[tuple, int] = field(default_factory=dict)  # key path tuple -> line (1-based)
    field_paths: dict = field(default_factory=dict)  # connection field key -> its key path

    def line_of(self, path: tuple) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


@dataclass(frozen=True)
class Manifest:
    """A connector (or fragment) as its manifest declares it, checked."""

    id: str
    kind: str
    name: str
    version: str
    description: str | None
    extends: tuple[str, ...]
    connection: Section
    operations: tuple[Operation, ...]
    source: str = "<string>"
    where: SourceMap = field(default_factory=SourceMap, compare=False, repr=False)
    #: Resource templates for every operation's actions (an operation's own come first).
    iam_resources: IamResources = ()
    test_connection: TestConnection = field(default_factory=TestConnection)
    triggers: tuple[Trigger, ...] = ()  # see connector_core.triggers
    #: How values saved with older versions are brought up to date (see :mod:`.migrations`).
    migrations: tuple = ()

    def trigger(self, trigger_id: str) -> Trigger:
        for trigger in self.triggers:
            if trigger.id == trigger_id:
                return trigger
        raise KeyError(trigger_id)

    @property
    def trigger_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.triggers)

    def operation(self, op_id: str) -> Operation:
        for op in self.operations:
            if op.id == op_id:
                return op
        raise KeyError(op_id)

    @property
    def operation_ids(self) -> tuple[str, ...]:
        return tuple(op.id for op in self.operations)

    def summary(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "fields": [f.key for f in self.connection.fields],
            "operations": list(self.operation_ids),
            "triggers": list(self.trigger_ids),
        }
