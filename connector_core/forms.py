"""Form generation: JSON Schema (draft 2020-12) and a react-jsonschema-form UI schema.

Generated from a manifest alone; no plugin code is imported. The JSON Schema accepts
and rejects exactly what server-side validation does (see :mod:`.validation`; a
property test holds them together). Rules become ``if``/``then``, ``oneOf`` and
``anyOf``; visibility goes to the UI schema as ``ui:options.showWhen``.
"""

from __future__ import annotations

from typing import Any

from .manifest import Condition, Field, Manifest, Section, same_json_value
from .values import portable_pattern, url_pattern

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def connection_form(manifest: Manifest) -> dict[str, Any]:
    """The connection form: ``{"schema": ..., "uiSchema": ...}``."""
    schema = {"$schema": DRAFT, "title": manifest.name, **section_schema(manifest.connection)}
    if manifest.description:
        schema["description"] = manifest.description
    return {"schema": schema, "uiSchema": section_ui(manifest.connection)}


def operation_form(manifest: Manifest, op_id: str) -> dict[str, Any]:
    """An operation's input form, plus its output schema for documentation."""
    op = manifest.operation(op_id)
    schema = {"$schema": DRAFT, "title": f"{manifest.name}: {op.label}", **section_schema(op.input)}
    if op.description:
        schema["description"] = op.description
    output = {"$schema": DRAFT, "title": f"{op.label}: result", **section_schema(op.output)}
    if op.output.stream:
        output = {"$schema": DRAFT, "title": output["title"], "type": "array",
                  "items": section_schema(op.output)}
    return {"schema": schema, "uiSchema": section_ui(op.input), "outputSchema": output}


def section_schema(section: Section) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {f.key: field_schema(f) for f in section.fields},
        "additionalProperties": False,
    }
    required = [f.key for f in section.fields if f.required and not f.has_default]
    if required:
        schema["required"] = required
    rules = [rule for r in section.rules for rule in _rule_schemas(section, r)]
    if rules:
        schema["allOf"] = rules
    return schema


def field_schema(f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if f.label and f.key != "item":
        out["title"] = f.label
    if f.help:
        out["description"] = f.help
    t = f.type
    if t in ("string", "text", "secret", "url"):
        out["type"] = "string"
        if f.effective_min_length:
            out["minLength"] = f.effective_min_length
        if f.max_length is not None:
            out["maxLength"] = f.max_length
        if t == "url":
            out["format"] = "uri"
            out["pattern"] = url_pattern(f.schemes)
        elif f.pattern:
            out["pattern"] = portable_pattern(f.pattern)
        if t == "secret":
            out["writeOnly"] = True
    elif t == "enum":
        out["type"] = "string"
        out["oneOf"] = [{"const": c.value, "title": c.caption} for c in f.choices]
    elif t in ("integer", "number", "boolean"):
        out["type"] = t
        if f.minimum is not None:
            out["minimum"] = f.minimum
        if f.maximum is not None:
            out["maximum"] = f.maximum
    elif t == "list":
        out["type"] = "array"
        out["items"] = field_schema(f.items)
    elif t == "keyvalue":
        out["type"] = "array"
        out["items"] = _KEYVALUE_ITEM
    elif t == "object":
        out.update(section_schema(f.section))
    # "json": any value; no type keyword.
    if t in ("list", "keyvalue"):
        if f.min_items is not None:
            out["minItems"] = f.min_items
        if f.max_items is not None:
            out["maxItems"] = f.max_items
    if f.has_default and t != "secret":
        out["default"] = f.default
    return out


_KEYVALUE_ITEM = {
    "type": "object",
    "properties": {
        "key": {"type": "string", "title": "Key", "minLength": 1},
        "value": {"type": "string", "title": "Value"},
        "is_value_secret": {"type": "boolean", "title": "Secret", "default": False},
    },
    "required": ["key", "value"],
    "additionalProperties": False,
}


def condition_schema(section: Section, cond: Condition) -> dict[str, Any] | bool:
    """JSON Schema that holds exactly when ``cond`` holds, counting the field's default."""
    f = section.field(cond.field)
    default_applies = f.has_default
    if cond.op == "present":
        if default_applies:
            return bool(cond.value)
        return {"required": [cond.field]} if cond.value else {"not": {"required": [cond.field]}}
    if cond.op == "equals":
        match = {"const": cond.value}
        default_matches = default_applies and same_json_value(f.default, cond.value)
    else:
        match = {"enum": list(cond.value)}
        default_matches = default_applies and any(same_json_value(f.default, v) for v in cond.value)
    schema: dict[str, Any] = {"properties": {cond.field: match}}
    if not default_matches:
        schema["required"] = [cond.field]
    return schema


def _rule_schemas(section: Section, rule) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if rule.when is not None:
        then: dict[str, Any] = {}
        required = [k for k in rule.require if not section.field(k).has_default]
        if required:
            then["required"] = required
        if rule.forbid:
            then["properties"] = {k: False for k in rule.forbid}
        if then:
            out.append({"if": condition_schema(section, rule.when), "then": then})
    if rule.one_of:
        out.append({"oneOf": [{"required": [k]} for k in rule.one_of]})
    if rule.any_of:
        out.append({"anyOf": [{"required": [k]} for k in rule.any_of]})
    return out


def section_ui(section: Section) -> dict[str, Any]:
    """UI schema in react-jsonschema-form conventions."""
    group_rank = {g.id: i for i, g in enumerate(section.groups)}
    # Ungrouped fields first, then group by group; advanced fields after all others.
    ordered = sorted(
        section.fields,
        key=lambda f: (f.advanced, group_rank.get(f.group, len(group_rank)) if f.group else -1),
    )
    ui: dict[str, Any] = {"ui:order": [f.key for f in ordered]}
    for f in section.fields:
        entry = field_ui(f)
        shown_when = [_describe_condition(c) for c in section.show_conditions(f.key)]
        if shown_when:
            entry.setdefault("ui:options", {})["showWhen"] = shown_when
        if entry:
            ui[f.key] = entry
    if section.groups:
        ui["ui:groups"] = [
            {"id": g.id, "title": g.label, "fields": [f.key for f in ordered if f.group == g.id]}
            for g in section.groups
        ]
    return ui


def field_ui(f: Field) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if f.type == "secret":
        entry["ui:widget"] = "password"
        entry["ui:autocomplete"] = "new-password"
    elif f.type == "text":
        entry["ui:widget"] = "textarea"
    if f.help:
        entry["ui:help"] = f.help
    if f.placeholder and f.type != "secret":
        entry["ui:placeholder"] = f.placeholder
    options: dict[str, Any] = {}
    if f.advanced:
        options["advanced"] = True
    if f.group:
        options["group"] = f.group
    if f.dynamic_options:
        options["dynamicOptions"] = True
    if options:
        entry["ui:options"] = options
    if f.type == "object":
        entry.update(section_ui(f.section))
    elif f.type == "list" and f.items is not None:
        item_ui = field_ui(f.items)
        if item_ui:
            entry["items"] = item_ui
    return entry


def _describe_condition(cond: Condition) -> dict[str, Any]:
    value = list(cond.value) if cond.op == "in" else cond.value
    return {"field": cond.field, cond.op: value}
