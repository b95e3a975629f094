"""Server-side validation: a marshmallow schema per manifest section.

The schemas mirror :mod:`.forms` exactly (a property test holds the two to the same
answers): strict JSON types, the same length/pattern/range limits and the same rules.
Every problem is reported at once as ``field path -> messages``; no message ever
repeats a value, so secrets cannot leak through errors.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import marshmallow
from marshmallow import RAISE, Schema, fields, post_load, validates_schema

from .errors import ValidationError
from .manifest import Field, Section
from .secrets import Secret
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


def _marshmallow_field(spec: Field, in_section: bool = True) -> fields.Field:
    kwargs: dict[str, Any] = {"required": spec.required and in_section}
    if spec.has_default and in_section:
        kwargs["load_default"] = spec.default
    if spec.type == "json":
        return fields.Raw(allow_none=True, **kwargs)
    if spec.type == "list":
        inner = _marshmallow_field(spec.items, in_section=False)
        return _TypedList(spec, inner, **kwargs)
    if spec.type == "keyvalue":
        return _TypedList(spec, fields.Nested(_KeyValueSchema()), **kwargs)
    if spec.type == "object":
        return _TypedNested(spec, schema_for(spec.section)(), **kwargs)
    return _Typed(spec, **kwargs)


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


_KV_KEY = Field(key="key", label="Key", type="string", required=True)
_KV_VALUE = Field(key="value", label="Value", type="string", required=True, min_length=0)
_KV_FLAG = Field(key="is_value_secret", label="Secret", type="boolean", default=False)


class _KeyValueSchema(Schema):
    """One key/value parameter; a value flagged secret is held as a :class:`Secret`."""

    class Meta:
        unknown = RAISE

    key = _Typed(_KV_KEY, required=True)
    value = _Typed(_KV_VALUE, required=True)
    is_value_secret = _Typed(_KV_FLAG, load_default=False)

    @post_load
    def _hide_secret(self, data, **kwargs):
        if data.get("is_value_secret"):
            data["value"] = Secret(data["value"])
        return data


def schema_for(section: Section) -> type[Schema]:
    """A marshmallow schema class for one section: its fields, rules and hidden-field pruning."""
    attrs: dict[str, Any] = {key: _marshmallow_field(f) for key, f in zip(section.keys, section.fields)}

    class Meta:
        unknown = RAISE

    attrs["Meta"] = Meta

    # Hooks are attached only where the section needs them: marshmallow's per-object
    # overhead dominates when validating lists of thousands of items.
    if section.rules:

        @validates_schema(pass_original=True, skip_on_field_errors=False)
        def _rules(self, data, original_data, **kwargs):
            if not isinstance(original_data, Mapping):
                return
            errors = rule_errors(section, data, original_data)
            if errors:
                raise marshmallow.ValidationError(errors)

        attrs["_rules"] = _rules

    hidden_unless = {key: section.show_conditions(key) for key in section.keys}
    hidden_unless = {key: conditions for key, conditions in hidden_unless.items() if conditions}
    if hidden_unless:

        @post_load
        def _drop_hidden(self, data, **kwargs):
            for key, conditions in hidden_unless.items():
                if key in data and not any(c.holds(data) for c in conditions):
                    del data[key]
            return data

        attrs["_drop_hidden"] = _drop_hidden
    return Schema.from_dict(attrs, name="SectionSchema")


def rule_errors(section: Section, data: Mapping, given: Mapping) -> dict[str, list[str]]:
    """Rule violations. Conditions see defaults applied; presence means given in the input.

    (A field with a default counts as present for ``require``; the loader refuses
    defaults on fields named by ``forbid``, ``one_of`` and ``any_of``.)
    """
    errors: dict[str, list[str]] = {}

    def present(key: str) -> bool:
        return key in given or section.field(key).has_default

    for rule in section.rules:
        if rule.when is not None and rule.when.holds(data):
            why = f"when {rule.when.describe()}"
            for key in rule.require:
                if not present(key):
                    errors.setdefault(key, []).append(f"is required {why}")
            for key in rule.forbid:
                if key in given:
                    errors.setdefault(key, []).append(f"must not be given {why}")
        if rule.one_of:
            count = sum(key in given for key in rule.one_of)
            if count != 1:
                names = ", ".join(rule.one_of)
                errors.setdefault("/".join(rule.one_of), []).append(
                    f"exactly one of {names} is required, got {count}"
                )
        if rule.any_of and not any(key in given for key in rule.any_of):
            errors.setdefault("/".join(rule.any_of), []).append(
                f"at least one of {', '.join(rule.any_of)} is required"
            )
    return errors


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
    the same value checks and rules; at the first problem it gives up and the
    marshmallow schema validates again, to report every problem at once. (A property
    test holds both paths, and the JSON Schema, to the same answers.)
    """

    def __init__(self, section: Section) -> None:
        self.section = section
        self.fields = {f.key: f for f in section.fields}
        # Nested sections (object fields, also as list items), keyed by their Field.
        self.subs: dict[int, _FastPath] = {}
        pending = list(section.fields)
        while pending:
            f = pending.pop()
            if f.type == "object":
                self.subs[id(f)] = _FastPath(f.section)
            elif f.type == "list":
                pending.append(f.items)
        self.required = [f.key for f in section.fields if f.required and not f.has_default]
        self.defaults = [(f.key, f.default) for f in section.fields if f.has_default]
        hidden = {key: section.show_conditions(key) for key in section.keys}
        self.hidden = {key: conditions for key, conditions in hidden.items() if conditions}

    def load(self, values: Mapping) -> Any:
        out: dict[str, Any] = {}
        for key, value in values.items():
            spec = self.fields.get(key)
            if spec is None:
                return _INVALID
            value = self._value(spec, value)
            if value is _INVALID:
                return _INVALID
            out[key] = value
        for key in self.required:
            if key not in out:
                return _INVALID
        for key, default in self.defaults:
            if key not in out:
                out[key] = copy.deepcopy(default)
        if self.section.rules and rule_errors(self.section, out, values):
            return _INVALID
        for key, conditions in self.hidden.items():
            if key in out and not any(c.holds(out) for c in conditions):
                del out[key]
        return out

    def _value(self, spec: Field, value: Any) -> Any:
        if _check(spec, value):
            return _INVALID
        kind = spec.type
        if kind == "object":
            return self.subs[id(spec)].load(value)
        if kind == "list":
            out = []
            for item in value:
                item = self._value(spec.items, item)
                if item is _INVALID:
                    return _INVALID
                out.append(item)
            return out
        if kind == "keyvalue":
            return _key_values(value)
        return _convert(spec, value)


def _key_values(items: list) -> Any:
    out = []
    for item in items:
        if not isinstance(item, dict) or not item.keys() >= {"key", "value"}:
            return _INVALID
        if not item.keys() <= {"key", "value", "is_value_secret"}:
            return _INVALID
        key, value, secret = item["key"], item["value"], item.get("is_value_secret", False)
        if not isinstance(key, str) or not key or not isinstance(value, str) or not isinstance(secret, bool):
            return _INVALID
        out.append({"key": key, "value": Secret(value) if secret else value, "is_value_secret": secret})
    return out


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


__all__ = ["SectionValidator", "rule_errors", "schema_for"]
