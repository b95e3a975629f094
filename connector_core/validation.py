"""Server-side validation: a marshmallow schema per manifest section.

The schemas mirror :mod:`.forms` exactly (a property test holds the two to the same
answers): strict JSON types, the same length/pattern/range limits, and the same rules,
read from the section's compiled :class:`~connector_core.rules.Plan`: fields that do not
apply are dropped before anything is checked.
Every problem is reported at once as ``field path -> messages``; no message ever
repeats a value, so secrets cannot leak through errors.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import Any

import marshmallow
from marshmallow import RAISE, Schema, fields, post_load, pre_load, validates_schema

from .errors import ValidationError
from .manifest import Field, Section
from .secrets import Secret
from .values import _matcher, check_key
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

    def __init__(self, section: Section, *, connector: str | None = None, what: str = "input",
                 share: bool = False) -> None:
        self.section = section
        self.connector = connector
        self.what = what
        self._schema = schema_for(section)()
        # Valid values are a copy, never the caller's own objects; with ``share`` they are the
        # given objects wherever nothing needed converting (a result written out at once).
        self._fast = _FastPath(section, share=share)
        #: Whether valid values may hold a :class:`Secret` this validator made (a ``secret``
        #: field, a ``keyvalue`` list's secret value): JSON carries those as plain values.
        self.wraps_secrets = any(_wraps_secrets(f) for f in section.fields)

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


def _wraps_secrets(spec: Field) -> bool:
    if spec.type in ("secret", "keyvalue"):
        return True
    if spec.items is not None and _wraps_secrets(spec.items):
        return True
    return spec.section is not None and any(_wraps_secrets(f) for f in spec.section.fields)


class _FastPath:
    """Accepts valid input without marshmallow's per-field machinery.

    The host validates every operation's input and output, thousands of list items at
    a time (a batch of event entries), and marshmallow's overhead dominated. This path
    compiles each field once into a function that checks and converts a value (the same
    checks as :func:`~connector_core.values.check_value`, specialised: a plain string's
    limits and pattern, a number's range, a list's items, a map of JSON values). At the
    first problem it gives up and the marshmallow schema validates again, to report
    every problem at once. (A property test holds both paths, and the JSON Schema, to
    the same answers.)
    """

    def __init__(self, section: Section, *, share: bool = False) -> None:
        self.plan = plan = section.plan
        self.share = share
        self.fields: dict[str, Any] = {f.key: _compiled(f, share) for f in section.fields}
        # Most sections (every list item's) have no rules: their check is "required keys given".
        self.simple = not (plan.conditional or plan.requirements or plan.one_of or plan.any_of)
        self.required = plan.required
        self.defaults = bool(plan.defaults)

    def load(self, values: Any) -> Any:
        plan = self.plan
        if not self.simple:
            values = plan.applicable(values)
        # Sharing: ``values`` itself while every check returns its value unchanged.
        out: dict[str, Any] | None = None if self.share and type(values) is dict else {}
        fields = self.fields
        for key, value in values.items():
            check = fields.get(key)
            if check is None:
                return _INVALID
            checked = check(value)
            if checked is _INVALID:
                return _INVALID
            if out is None:
                if checked is value:
                    continue
                out = dict(values)
            out[key] = checked
        if self.simple:
            for key in self.required:
                if key not in values:
                    return _INVALID
        elif plan.violations(values):
            return _INVALID
        if self.defaults:
            return plan.with_defaults(dict(values) if out is None else out)
        return values if out is None else out


def _compiled(spec: Field, share: bool = False) -> Any:
    """``spec``'s check as one function: the converted value, or ``_INVALID``. With ``share``,
    a valid list or object that needed no conversion is the value itself, not a copy."""
    kind = spec.type
    if kind == "json":
        return _same
    if kind in ("string", "text"):
        return _string_check(spec)
    if kind == "object" and spec.section is not None:
        return _object_check(spec, _FastPath(spec.section, share=share))
    if kind == "list" and spec.items is not None:
        return _list_check(spec, _compiled(spec.items, share), share)
    if kind == "map" and not spec.key_pattern and (spec.items is None or spec.items.type == "json"):
        return _json_map_check(spec, share)

    def check(value: Any) -> Any:  # the general case: the shared checks, then the conversion
        if _check(spec, value):
            return _INVALID
        if kind in ("keyvalue", "map"):
            return _INVALID if _pair_errors(spec, value) else _pairs(spec, value)
        return _convert(spec, value)

    return _integer_check(spec, check) if kind == "integer" else check


def _integer_check(spec: Field, general: Any) -> Any:
    """A plain int within range as it is (every outcome's ``index``); anything else, a float
    to convert or a problem to find, through ``general``."""
    low = -math.inf if spec.minimum is None else spec.minimum
    high = math.inf if spec.maximum is None else spec.maximum

    def check(value: Any) -> Any:
        if type(value) is int and low <= value <= high:
            return value
        return general(value)

    return check


def _same(value: Any) -> Any:
    return value


def _string_check(spec: Field) -> Any:
    low = spec.effective_min_length or 0
    high = sys.maxsize if spec.max_length is None else spec.max_length
    matches = _matcher(spec.pattern, portable=True).search if spec.pattern else None

    def check(value: Any) -> Any:
        if not isinstance(value, str) or not low <= len(value) <= high:
            return _INVALID
        if matches is not None and not matches(value):
            return _INVALID
        return value

    return check


def _object_check(spec: Field, nested: _FastPath) -> Any:
    load = nested.load

    def check(value: Any) -> Any:
        return load(value) if isinstance(value, dict) else _INVALID

    return check


def _list_check(spec: Field, item_check: Any, share: bool) -> Any:
    low, high = spec.min_items or 0, sys.maxsize if spec.max_items is None else spec.max_items

    def check(value: Any) -> Any:
        if not isinstance(value, list) or not low <= len(value) <= high:
            return _INVALID
        out: list[Any] = []
        append = out.append
        same = share and type(value) is list
        for item in value:
            checked = item_check(item)
            if checked is _INVALID:
                return _INVALID
            same = same and checked is item
            append(checked)
        return value if same else out

    return check


def _json_map_check(spec: Field, share: bool) -> Any:
    """A ``map`` of JSON values without a key pattern (an event's detail): keys are non-empty text."""
    low, high = spec.min_items or 0, sys.maxsize if spec.max_items is None else spec.max_items

    def check(value: Any) -> Any:
        if not isinstance(value, dict) or not low <= len(value) <= high:
            return _INVALID
        for key in value:
            if not isinstance(key, str) or not key:
                return _INVALID
        return value if share else dict(value)

    return check


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
