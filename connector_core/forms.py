"""Form generation: JSON Schema (draft 2020-12) and a react-jsonschema-form UI schema.

Generated from a manifest alone; no plugin code is imported. The JSON Schema accepts
and rejects exactly what server-side validation does (both read the section's compiled
:class:`~connector_core.rules.Plan`; a property test holds them together), and it is
shaped so that a *stock* react-jsonschema-form draws it right:

- a field that applies only sometimes is declared inside an ``if``/``then`` whose
  ``if`` says when it applies, so the form shows it only then; outside, its (stale)
  value is unconstrained, as the server ignores it. Unknown keys are refused with
  ``propertyNames``, which, unlike ``additionalProperties``, sees every branch;
- enums without a default are ``enum`` plus ``ui:enumNames`` (a ``oneOf`` of ``const``
  would pre-select its first option); required nested objects and minimum list sizes
  are spelt so that the form does not pre-fill ``{}`` or empty items;
- ``one_of``/``any_of`` rules are written with ``not``, never as a top-level
  ``oneOf``/``anyOf`` (the form would draw an "Option 1/2/3" selector).

Compile with Ajv2020 and ajv-formats (``format: uri``); the UI schema's extra options
(``advanced``, ``group``, ``dynamicOptions``) are hints, never needed for correctness.
"""

from __future__ import annotations

import json
from typing import Any

from .manifest import Condition, Field, Manifest, Section, same_json_value
from .rules import Applies
from .values import portable_pattern, url_pattern

DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: Shown in an edit form's secret fields: blank keeps the stored value (``Host.connect(previous=...)``).
UNCHANGED = "unchanged (leave blank to keep)"


def connection_form(manifest: Manifest, connection: Section | None = None, *,
                    editing: bool = False) -> dict[str, Any]:
    """The connection form: ``{"schema": ..., "uiSchema": ...}``.

    ``connection``: the section as the host offers it (:func:`connector_core.rules.for_host`).
    ``editing``: a form to edit a stored connection: secrets are optional, blank keeps them.
    """
    section = connection if connection is not None else manifest.connection
    schema = {"$schema": DRAFT, "title": manifest.name, **section_schema(section, editing=editing)}
    if manifest.description:
        schema["description"] = manifest.description
    return {"schema": schema, "uiSchema": section_ui(section, editing=editing)}


def operation_form(manifest: Manifest, op_id: str, input_section: Section | None = None) -> dict[str, Any]:
    """An operation's input form, plus its output schema for documentation."""
    op = manifest.operation(op_id)
    section = input_section if input_section is not None else op.input
    schema = {"$schema": DRAFT, "title": f"{manifest.name}: {op.label}", **section_schema(section)}
    if op.description:
        schema["description"] = op.description
    output = {"$schema": DRAFT, "title": f"{op.label}: result", **section_schema(op.output)}
    if op.output.stream:
        output = {"$schema": DRAFT, "title": output["title"], "type": "array",
                  "items": section_schema(op.output)}
    return {"schema": schema, "uiSchema": section_ui(section), "outputSchema": output}


# -- the JSON Schema ------------------------------------------------------------------------


def section_schema(section: Section, *, editing: bool = False) -> dict[str, Any]:
    plan = section.plan
    optional = {f.key for f in section.fields if editing and f.is_secret}

    def required_keys(keys: Any) -> list[str]:
        return [k for k in keys if k not in optional]

    schema: dict[str, Any] = {
        "type": "object",
        "properties": {f.key: field_schema(f) for f in section.fields if f.key not in plan.conditional},
    }
    if plan.conditional:
        # additionalProperties would refuse the fields declared in branches.
        schema["propertyNames"] = {"enum": list(section.keys)}
    else:
        schema["additionalProperties"] = False
    all_of: list[Any] = []
    always_required = required_keys(k for k in plan.required if k not in plan.conditional)
    _add_required(schema, all_of, section, always_required)
    for when, keys in plan.groups():
        then: dict[str, Any] = {"properties": {k: field_schema(section.field(k)) for k in keys}}
        branch_all_of: list[Any] = []
        _add_required(then, branch_all_of, section, required_keys(k for k in keys if k in plan.required))
        if branch_all_of:
            then["allOf"] = branch_all_of
        all_of.append(_if_then(applies_schema(section, when), then))
    for req in plan.requirements:
        for key in required_keys(k for k in req.keys if k not in plan.required and k not in plan.defaults):
            cond = condition_schema(section, req.when)
            applies = plan.conditional.get(key)
            if applies is not None and not (req.when in applies.shown_when and not applies.hidden_when):
                cond = _all([cond, applies_schema(section, applies)])
            then = {}
            _add_required(then, then.setdefault("allOf", []), section, [key])
            if not then["allOf"]:
                del then["allOf"]
            all_of.append(_if_then(cond, then))
    for keys in plan.one_of:
        all_of.append({"not": _none_of(keys)})
        pairs = [[a, b] for i, a in enumerate(keys) for b in keys[i + 1:]]
        all_of.append({"not": _any([{"required": p} for p in pairs])})
    for keys in plan.any_of:
        all_of.append({"not": _none_of(keys)})
    all_of = [s for s in all_of if s is not True]
    if all_of:
        schema["allOf"] = _merge_requirements(all_of)
    return schema


_CONTAINERS = ("object", "map", "list", "keyvalue")


def _add_required(schema: dict[str, Any], all_of: list[Any], section: Section, keys: list[str]) -> None:
    """``required`` for plain values. Objects and lists are required with ``not`` (``properties:
    {k: false}`` holds when ``k`` is absent): a stock form pre-fills a required object or list
    with ``{}`` or ``[]``, which the user never entered, whenever it finds it in ``required``."""
    plain = [k for k in keys if section.field(k).type not in _CONTAINERS]
    if plain:
        schema["required"] = plain
    all_of += [{"not": {"properties": {k: False}}} for k in keys if section.field(k).type in _CONTAINERS]


def _merge_requirements(all_of: list[Any]) -> list[Any]:
    """Identical ``if`` conditions share one entry (an auth mode's fields and what it requires)."""
    out: list[Any] = []
    by_if: dict[str, dict[str, Any]] = {}
    for entry in all_of:
        if isinstance(entry, dict) and set(entry) == {"if", "then"}:
            key = json.dumps(entry["if"], sort_keys=True)
            known = by_if.get(key)
            if known is not None:
                then = known["then"]
                for k, v in entry["then"].items():
                    if k == "properties":
                        then.setdefault("properties", {}).update(v)
                    elif k in ("required", "allOf"):
                        then[k] = then.get(k, []) + [x for x in v if x not in then.get(k, [])]
                continue
            entry = {"if": entry["if"], "then": dict(entry["then"])}
            by_if[key] = entry
        out.append(entry)
    return out


def _if_then(cond: Any, then: dict[str, Any]) -> Any:
    if cond is True:
        return then
    if cond is False:
        return True
    return {"if": cond, "then": then}


def _none_of(keys: tuple[str, ...]) -> dict[str, Any]:
    return {"properties": {k: False for k in keys}}


def _any(schemas: list[Any]) -> Any:
    return _combine(schemas, "anyOf")


def _all(schemas: list[Any]) -> Any:
    return _combine(schemas, "allOf")


def _combine(schemas: list[Any], keyword: str) -> Any:
    """``anyOf``/``allOf`` of ``schemas``, with the boolean schemas folded away."""
    absorbing = keyword == "anyOf"  # true absorbs anyOf; false absorbs allOf
    if any(s is absorbing for s in schemas):
        return absorbing
    schemas = [s for s in schemas if s is not (not absorbing)]
    if not schemas:
        return not absorbing
    return schemas[0] if len(schemas) == 1 else {keyword: schemas}


def _not(schema: Any) -> Any:
    if isinstance(schema, bool):
        return not schema
    return {"not": schema}


def applies_schema(section: Section, when: Applies) -> Any:
    """JSON Schema that holds exactly when a field applies."""
    parts = []
    if when.shown_when:
        parts.append(_any([condition_schema(section, c) for c in when.shown_when]))
    parts += [_not(condition_schema(section, c)) for c in when.hidden_when]
    return _all(parts)


def condition_schema(section: Section, cond: Condition) -> dict[str, Any] | bool:
    """JSON Schema that holds exactly when ``cond`` holds, counting the field's default."""
    f = section.field(cond.field)
    default_applies = f.has_default
    if cond.op == "present":
        if default_applies:
            return bool(cond.value)
        return {"required": [cond.field]} if cond.value else {"not": {"required": [cond.field]}}
    if cond.op == "equals":
        match: dict[str, Any] = {"const": cond.value}
        default_matches = default_applies and same_json_value(f.default, cond.value)
    else:
        match = {"enum": list(cond.value)}
        default_matches = default_applies and any(same_json_value(f.default, v) for v in cond.value)
    schema: dict[str, Any] = {"properties": {cond.field: match}}
    if not default_matches:
        schema["required"] = [cond.field]
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
            if f.references:
                return _secret_or_reference(out)
    elif t == "enum":
        out["type"] = "string"
        if f.has_default:
            # A oneOf of consts is pre-selected from the default: the captions can live here.
            out["oneOf"] = [{"const": c.value, "title": c.caption} for c in f.choices]
        else:
            out["enum"] = [c.value for c in f.choices]  # captions: ui:enumNames
    elif t in ("integer", "number", "boolean"):
        out["type"] = t
        if f.minimum is not None:
            out["minimum"] = f.minimum
        if f.maximum is not None:
            out["maximum"] = f.maximum
    elif t == "list":
        assert f.items is not None
        out["type"] = "array"
        out["items"] = field_schema(f.items)
    elif t == "keyvalue":
        out["type"] = "array"
        out["items"] = _keyvalue_item(f)
    elif t == "map":
        out["type"] = "object"
        out["additionalProperties"] = field_schema(f.items) if f.items is not None else True
        names: dict[str, Any] = {"minLength": 1}
        if f.key_pattern:
            names["pattern"] = portable_pattern(f.key_pattern)
        out["propertyNames"] = names
    elif t == "object":
        assert f.section is not None
        out.update(section_schema(f.section))
    # "json": any value; no type keyword (for outputs: a form cannot draw it).
    if t in ("list", "keyvalue", "map"):
        most = "maxProperties" if t == "map" else "maxItems"
        if f.min_items:
            # `minItems` would make the form pre-fill empty items; `not` says the same to a validator.
            out["not"] = {"type": out["type"], most: f.min_items - 1}
        if f.max_items is not None:
            out[most] = f.max_items
    if f.has_default and t != "secret":
        out["default"] = f.default
    return out


def _secret_or_reference(value: dict[str, Any]) -> dict[str, Any]:
    """A secret is its value, or a ``{$env: NAME}`` / ``{$file: PATH}`` reference to it."""
    head: dict[str, Any] = {k: value.pop(k) for k in ("title", "description") if k in value}
    refs = [{"title": title, "type": "object", "properties": {key: {"type": "string", "minLength": 1}},
             "required": [key], "additionalProperties": False}
            for title, key in (("Environment variable", "$env"), ("File", "$file"))]
    return {**head, "writeOnly": True, "anyOf": [{"title": "Value", **value}, *refs]}


def _keyvalue_item(f: Field) -> dict[str, Any]:
    key: dict[str, Any] = {"type": "string", "title": "Key", "minLength": 1}
    if f.key_pattern:
        key["pattern"] = portable_pattern(f.key_pattern)
    return {
        "type": "object",
        "properties": {
            "key": key,
            "value": {"type": "string", "title": "Value"},
            "is_value_secret": {"type": "boolean", "title": "Secret", "default": False},
        },
        "required": ["key", "value"],
        "additionalProperties": False,
    }


# -- the UI schema --------------------------------------------------------------------------


def section_ui(section: Section, *, editing: bool = False) -> dict[str, Any]:
    """UI schema in react-jsonschema-form conventions: order, widgets, placeholders, captions."""
    ordered = ui_order(section)
    ui: dict[str, Any] = {"ui:order": [f.key for f in ordered]}
    for f in section.fields:
        entry = field_ui(f, editing=editing)
        if entry:
            ui[f.key] = entry
    if section.groups:
        # A hint for hosts that draw groups: the same fields, in the same order, as ui:order.
        ui["ui:groups"] = [
            {"id": g.id, "title": g.label, "fields": [f.key for f in ordered if f.group == g.id]}
            for g in section.groups if any(f.group == g.id for f in ordered)
        ]
    return ui


def ui_order(section: Section) -> list[Field]:
    """Ungrouped fields first, then group by group; within each, advanced fields last."""
    group_rank = {g.id: i for i, g in enumerate(section.groups)}
    return sorted(section.fields, key=lambda f: (group_rank.get(f.group, len(group_rank)) if f.group else -1,
                                                 f.advanced))


def field_ui(f: Field, *, editing: bool = False) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if f.type == "secret":
        value: dict[str, Any] = {}
        if f.multiline:
            # A pasted PEM keeps its lines; the class lets the page mask it like a password.
            value.update({"ui:widget": "textarea", "ui:options": {"rows": 6}, "ui:classNames": "secret-text"})
        else:
            value["ui:widget"] = "password"
        value["ui:autocomplete"] = "new-password"
        if editing:
            value["ui:placeholder"] = UNCHANGED
        if f.references:
            entry["anyOf"] = [value, {}, {}]
        else:
            entry.update(value)
    elif f.type in ("text",):
        entry["ui:widget"] = "textarea"
    if f.placeholder and f.type != "secret":
        entry["ui:placeholder"] = f.placeholder
    if f.type == "enum" and not f.has_default:
        entry["ui:enumNames"] = [c.caption for c in f.choices]
    options: dict[str, Any] = {}
    if f.advanced:
        options["advanced"] = True
    if f.group:
        options["group"] = f.group
    if f.dynamic_options:
        options["dynamicOptions"] = True
    if options:
        entry["ui:options"] = options
    if f.type == "object" and f.section is not None:
        entry.update(section_ui(f.section, editing=editing))
    elif f.type == "list" and f.items is not None:
        item_ui = field_ui(f.items)
        if item_ui:
            entry["items"] = item_ui
    return entry
