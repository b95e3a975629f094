"""Compare two versions of a manifest: which changes break stored connections or callers.

Breaking: a removed field or operation, a newly required field without a default, a
narrowed enum, pattern, length or range, a type change, an added or changed rule.
Everything else (new optional fields, new operations, wider limits, new labels and help)
is not. :func:`uncovered_changes` tells which breaking changes of the connection no
migration of the new manifest addresses, which the conformance suite refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .manifest import Field, Manifest, Rule, Section
from .migrations import version_tuple

BREAKING = "breaking"
NON_BREAKING = "non-breaking"


@dataclass(frozen=True)
class Change:
    kind: str  # BREAKING or NON_BREAKING
    path: str  # e.g. "connection.bucket", "operations.put_object.input.key"
    what: str  # a short description: "removed field", "narrowed enum"...
    detail: str = ""
    rule_fields: tuple[str, ...] = ()  # for rule changes: the fields the rule names

    @property
    def breaking(self) -> bool:
        return self.kind == BREAKING

    @property
    def field(self) -> str | None:
        """The connection field a change is about (None for operations and rules)."""
        parts = self.path.split(".")
        return parts[1] if parts[0] == "connection" and len(parts) > 1 and parts[1] != "rules" else None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "change": self.what, "detail": self.detail}

    def __str__(self) -> str:
        return f"{self.kind:<12} {self.path}: {self.what}" + (f" ({self.detail})" if self.detail else "")


def diff_manifests(old: Manifest, new: Manifest) -> list[Change]:
    """Every change from ``old`` to ``new``, connection first, then operations."""
    changes = _section(old.connection, new.connection, "connection", inputs=True)
    old_ops = {op.id: op for op in old.operations}
    new_ops = {op.id: op for op in new.operations}
    for op_id in old_ops:
        if op_id not in new_ops:
            changes.append(Change(BREAKING, f"operations.{op_id}", "removed operation"))
    for op_id, op in new_ops.items():
        if op_id not in old_ops:
            changes.append(Change(NON_BREAKING, f"operations.{op_id}", "added operation"))
            continue
        before = old_ops[op_id]
        base = f"operations.{op_id}"
        changes += _section(before.input, op.input, base + ".input", inputs=True)
        changes += _section(before.output, op.output, base + ".output", inputs=False)
        if set(op.requires_connection) - set(before.requires_connection):
            added = ", ".join(sorted(set(op.requires_connection) - set(before.requires_connection)))
            changes.append(Change(BREAKING, base, "requires more connection fields", added))
        if before.output.stream != op.output.stream:
            changes.append(Change(BREAKING, base + ".output", "changed between a stream and a single result"))
    return changes


def version_change(old: Manifest, new: Manifest) -> str:
    """"major", "minor", "patch", "same" or "downgrade"."""
    a, b = version_tuple(old.version), version_tuple(new.version)
    if b < a:
        return "downgrade"
    for i, name in enumerate(("major", "minor", "patch")):
        if b[i] != a[i]:
            return name
    return "same"


def uncovered_changes(old: Manifest, new: Manifest, changes: list[Change] | None = None) -> list[Change]:
    """Breaking connection changes that no migration of ``new`` (applying to ``old``) addresses.

    A change to a field is addressed by a step that names the field (rename, map, default,
    drop) or by any ``python`` step of an applicable migration. Breaking changes outside the
    connection (operations) cannot be migrated: they need a major version, nothing more.
    """
    changes = diff_manifests(old, new) if changes is None else changes
    steps = [s for m in new.migrations if m.applies_to(old.version) for s in m.steps]
    if any(s.kind == "python" for s in steps):
        return []
    named = {key for s in steps for key in s.fields()}
    # A rule change is addressed by a step on any field the rule names (a renamed field).
    return [c for c in changes if c.breaking and c.path.startswith("connection")
            and not named & set(c.rule_fields or (c.field,))]


# -- sections and fields -----------------------------------------------------------------

def _section(old: Section, new: Section, base: str, *, inputs: bool) -> list[Change]:
    """``inputs``: values flow in (connection, operation input); else they flow out (output)."""
    changes: list[Change] = []
    old_fields = {f.key: f for f in old.fields}
    new_fields = {f.key: f for f in new.fields}
    for key, f in old_fields.items():
        if key not in new_fields:
            changes.append(Change(BREAKING, f"{base}.{key}", "removed field"))
    for key, f in new_fields.items():
        path = f"{base}.{key}"
        if key not in old_fields:
            if inputs and f.required and not f.has_default:
                changes.append(Change(BREAKING, path, "added required field without a default"))
            else:
                changes.append(Change(NON_BREAKING, path, "added field"))
            continue
        changes += _field(old_fields[key], f, path, inputs)
    changes += _rules(old.rules, new.rules, base)
    return changes


def _field(old: Field, new: Field, path: str, inputs: bool) -> list[Change]:
    out: list[Change] = []

    def add(breaking: bool, what: str, detail: str = "") -> None:
        out.append(Change(BREAKING if breaking else NON_BREAKING, path, what, detail))

    if old.type != new.type:
        add(True, "changed type", f"{old.type} -> {new.type}")
        return out
    if inputs and new.required and not old.required and not new.has_default:
        add(True, "became required without a default")
    elif old.required != new.required:
        add(False, "became required" if new.required else "became optional")
    old_choices = {c.value for c in old.choices}
    new_choices = {c.value for c in new.choices}
    if old_choices - new_choices:
        add(inputs, "narrowed enum", "removed " + ", ".join(sorted(old_choices - new_choices)))
    if new_choices - old_choices:
        add(not inputs, "widened enum", "added " + ", ".join(sorted(new_choices - old_choices)))
    if old.pattern != new.pattern:
        if new.pattern is None:
            add(False, "removed pattern")
        else:
            # Whether one regular expression accepts less than another is undecidable in
            # general: any new or changed pattern is taken as narrowing.
            add(inputs, "narrowed pattern" if old.pattern is None else "changed pattern",
                f"{old.pattern or '(none)'} -> {new.pattern}")
    for lo, hi, what in (("effective_min_length", "max_length", "length"), ("minimum", "maximum", "range"),
                         ("min_items", "max_items", "item count")):
        narrowed = _tighter(getattr(old, lo), getattr(new, lo), above=True) or \
            _tighter(getattr(old, hi), getattr(new, hi), above=False)
        widened = _tighter(getattr(new, lo), getattr(old, lo), above=True) or \
            _tighter(getattr(new, hi), getattr(old, hi), above=False)
        if narrowed:
            add(inputs, f"narrowed {what}")
        elif widened:
            add(False, f"widened {what}")
    if old.has_default != new.has_default or (old.has_default and old.default != new.default):
        add(False, "changed default")
    if old.section is not None and new.section is not None:
        out += _section(old.section, new.section, path, inputs=inputs)
    if old.items is not None and new.items is not None:
        out += _field(old.items, new.items, path + "[]", inputs)
    if (old.label, old.help) != (new.label, new.help):
        add(False, "changed label or help")
    return out


def _tighter(old: Any, new: Any, *, above: bool) -> bool:
    """Whether the bound ``new`` accepts less than ``old`` (a lower bound if ``above``)."""
    if new is None:
        return False
    if old is None:
        return True
    return new > old if above else new < old


def _rules(old: tuple[Rule, ...], new: tuple[Rule, ...], base: str) -> list[Change]:
    before, after = set(old), set(new)
    changes = [Change(BREAKING, f"{base}.rules", "added or changed rule", _describe(r), r.fields())
               for r in new if r not in before]
    changes += [Change(NON_BREAKING, f"{base}.rules", "removed rule", _describe(r)) for r in old if r not in after]
    return changes


def _describe(rule: Rule) -> str:
    parts = [f"when {rule.when.describe()}"] if rule.when else []
    for name in ("require", "forbid", "show", "one_of", "any_of"):
        keys = getattr(rule, name)
        if keys:
            parts.append(f"{name} {', '.join(keys)}")
    return " ".join(parts)
