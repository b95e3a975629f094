"""Server-side validation: a marshmallow schema per manifest section.

The schemas mirror :mod:`.forms` exactly (a property test holds the two to the same
answers): strict JSON types, the same length/pattern/range limits, and the same rules,
read from the section's compiled :class:`~connector_core.rules.Plan`: fields that do not
apply are dropped before anything is checked.
Every problem is reported at once as ``field path -> messages``; no message ever
repeats a value, so secrets cannot leak through errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow
from marshmallow import RAISE, Schema, fields, post_load, pre_load, validates_schema

from .errors import ValidationError
from .manifest import Field, Section
from .secrets import Secret
from .values import check_key
from .values import check_value as _check
from .yaml_loader import format_path


class _Typed(fields.Field):
    """Base for strict fields: exact JSON types, limits, and messages without values."""

    def __init__(self, spec: Field, **kwargs: Any) -> None:
        self.spec = spec
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        problems = _check(self.spec, value)
        if problems:
            raise marshmallow.ValidationError(problems)
        return _convert(self.spec, value)


def _convert(spec: Field, value: Any) -> Any:
    if spec.type == "secret":
        return Secret.from_input(value)
    if spec.type == "integer" and isinstance(value, float):
        return int(value)
    return value


def _marshmallow_field(spec: Field) -> fields.Field:
    # Requirements and defaults are the plan's (they depend on which fields apply).
    if spec.type == "json":
        return fields.Raw(allow_none=True)
    if spec.type == "list":
        assert spec.items is not None
        return _TypedList(spec, _marshmallow_field(spec.items))
    if spec.type in ("keyvalue", "map"):
        return _Pairs(spec)
    if spec.type == "object":
        assert spec.section is not None
        return _TypedNested(spec, schema_for(spec.section)())
    return _Typed(spec)


class _TypedList(fields.List):
    def __init__(self, spec: Field, inner: fields.Field, **kwargs: Any) -> None:
        self.spec = spec
        super().__init__(inner, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        problems = _check(self.spec, value)
        if problems:
            raise marshmallow.ValidationError(problems)
        return super()._deserialize(value, attr, data, **kwargs)


class _TypedNested(fields.Nested):
    def __init__(self, spec: Field, nested: Schema, **kwargs: Any) -> None:
        self.spec = spec
        super().__init__(nested, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        problems = _check(self.spec, value)
        if problems:
            raise marshmallow.ValidationError(problems)
        return super()._deserialize(value, attr, data, **kwargs)


class _Pairs(_Typed):
    """A ``keyvalue`` list or a ``map``: every problem, by item index or key."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        errors = _pair_errors(self.spec, value)
        if errors:
            raise marshmallow.ValidationError(errors)
        return _pairs(self.spec, value)


_KV_KEYS = {"key", "value", "is_value_secret"}


def _pair_errors(spec: Field, value: Any) -> dict[Any, Any]:
    errors: dict[Any, Any] = {}
    if spec.type == "map":
        for key, item in value.items():
            problems = check_key(spec, key) + (_check(spec.items, item) if spec.items is not None else [])
            if problems:
                errors[key] = problems
        return errors
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            errors[i] = ["must be a mapping with key and value"]
            continue
        found: dict[str, list[str]] = {}
        for extra in sorted(set(item) - _KV_KEYS, key=str):
            found[extra] = ["is not a known field"]
        if "key" not in item:
            found["key"] = ["is required"]
        elif check_key(spec, item["key"]):
            found["key"] = check_key(spec, item["key"])
        if "value" not in item:
            found["value"] = ["is required"]
        elif not isinstance(item["value"], str):
            found["value"] = ["must be a string"]
        if not isinstance(item.get("is_value_secret", False), bool):
            found["is_value_secret"] = ["must be true or false"]
        if found:
            errors[i] = found
    return errors


def _pairs(spec: Field, value: Any) -> Any:
    if spec.type == "map":
        return dict(value)
    out = []
    for item in value:
        secret = item.get("is_value_secret", False)
        out.append({"key": item["key"], "value": Secret(item["value"]) if secret else item["value"],
                    "is_value_secret": secret})
    return out


def schema_for(section: Section) -> type[Schema]:
    """A marshmallow schema class for one section: its fields, and its plan's rules and defaults."""
    plan = section.plan
    attrs: dict[str, Any] = {key: _marshmallow_field(f) for key, f in zip(section.keys, section.fields)}

    class Meta:
        unknown = RAISE

    attrs["Meta"] = Meta

    @pre_load
    def _applicable(self, data, **kwargs):
        return plan.applicable(data) if isinstance(data, Mapping) else data

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _rules(self, data, original_data, **kwargs):
        if isinstance(original_data, Mapping):
            errors = plan.violations(plan.applicable(original_data))
            if errors:
                raise marshmallow.ValidationError(errors)

    @post_load
    def _defaults(self, data, **kwargs):
        return plan.with_defaults(data)

    attrs.update(_applicable=_applicable, _rules=_rules, _defaults=_defaults)
    return Schema.from_dict(attrs, name="SectionSchema")


class SectionValidator:
    """Validates input for one section; built once per manifest section and reused."""

    def __init__(self, section: Section, *, connector: str | None = None, what: str = "input") -> None:
        self.section = section
        self.connector = connector
        self.what = what
        self._schema = schema_for(section)()
        self._fast = _FastPath(section)

    def load(self, values: Any) -> dict[str, Any]:
        """Validated values (defaults applied, secrets wrapped), or :class:`ValidationError`."""
        if not isinstance(values, Mapping):
            raise ValidationError({"(top level)": ["must be a mapping of field names to values"]},
                                  connector=self.connector)
        valid = self._fast.load(values)
        if valid is not _INVALID:
            return valid
        try:
            return self._schema.load(values)
        except marshmallow.ValidationError as exc:
            errors: dict[str, list[str]] = {}
            for path, message in _flatten(exc.messages):
                errors.setdefault(path or "(top level)", []).append(_friendly(message))
            raise ValidationError(errors, message=None, connector=self.connector) from None


_INVALID: Any = object()


class _FastPath:
    """Accepts valid input without marshmallow's per-field machinery.

    The host validates every operation's input and output, thousands of list items at
    a time (a batch of event entries), and marshmallow's overhead dominated. This path uses
    the same value checks and plan; at the first problem it gives up and the
    marshmallow schema validates again, to report every problem at once. (A property
    test holds both paths, and the JSON Schema, to the same answers.)
    """

    def __init__(self, section: Section) -> None:
        self.plan = section.plan
        self.fields = {f.key: f for f in section.fields}
        # Nested sections (object fields, also as list items), keyed by their Field.
        self.subs: dict[int, _FastPath] = {}
        pending = list(section.fields)
        while pending:
            f = pending.pop()
            if f.type == "object" and f.section is not None:
                self.subs[id(f)] = _FastPath(f.section)
            elif f.type == "list" and f.items is not None:
                pending.append(f.items)

    def load(self, values: Any) -> Any:
        values = self.plan.applicable(values)
        out: dict[str, Any] = {}
        for key, value in values.items():
            spec = self.fields.get(key)
            if spec is None:
                return _INVALID
            value = self._value(spec, value)
            if value is _INVALID:
                return _INVALID
            out[key] = value
        if self.plan.violations(values):
            return _INVALID
        return self.plan.with_defaults(out)

    def _value(self, spec: Field, value: Any) -> Any:
        if _check(spec, value):
            return _INVALID
        kind = spec.type
        if kind == "object":
            return self.subs[id(spec)].load(value)
        if kind == "list":
            assert spec.items is not None
            out = []
            for item in value:
                item = self._value(spec.items, item)
                if item is _INVALID:
                    return _INVALID
                out.append(item)
            return out
        if kind in ("keyvalue", "map"):
            return _INVALID if _pair_errors(spec, value) else _pairs(spec, value)
        return _convert(spec, value)


def _friendly(message: str) -> str:
    return {"Unknown field.": "is not a known field", "Missing data for required field.": "is required"}.get(
        message, message
    )


def _flatten(messages: Any, path: tuple = ()) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, sub in messages.items():
            part = int(key) if isinstance(key, int) or (isinstance(key, str) and key.isdigit()) else key
            next_path = path if key == "_schema" else path + (part,)
            out += _flatten(sub, next_path)
    elif isinstance(messages, list):
        for item in messages:
            out += _flatten(item, path)
    else:
        out.append((format_path(path) if path else "", str(messages)))
    return out


__all__ = ["SectionValidator", "schema_for"]
