"""One compiled plan per manifest section: which fields apply, what is violated, which defaults fill.

A section's rules are read here and nowhere else. Server-side validation, the JSON
Schema and UI schema, the generated docs and the CLI all ask a :class:`Plan`:

- **visibility**: ``show`` makes a field apply only while one of its conditions holds;
  ``forbid`` makes it not apply while its condition holds. A field that does not apply
  is hidden in the form and its value is ignored, whatever it is (a stock form keeps
  the values of fields it has hidden, and submits them);
- **requirements**: fields marked ``required`` and those a ``when`` rule requires,
  counted only while they apply; ``one_of`` / ``any_of`` groups;
- **defaults**: filled in for the fields that apply and were not given.

Conditions see the values given, with defaults filling what was not given. A condition
may only name a field that always applies, and ``one_of``/``any_of`` only such fields, so
that no rule depends on a value the form has hidden (checked when the manifest loads).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from .manifest import Condition, Field, Section


class RuleConflict(ValueError):
    """A rule the plan cannot honour; the loader turns it into a ManifestError with a line."""

    def __init__(self, rule: int, part: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.rule, self.part, self.message, self.hint = rule, part, message, hint


@dataclass(frozen=True)
class Applies:
    """When a field applies: while any ``shown_when`` holds (if there are any) and no ``hidden_when`` does."""

    shown_when: tuple[Condition, ...] = ()
    hidden_when: tuple[Condition, ...] = ()

    def holds(self, seen: Mapping[str, Any]) -> bool:
        if self.shown_when and not any(c.holds(seen) for c in self.shown_when):
            return False
        return not any(c.holds(seen) for c in self.hidden_when)

    def describe(self) -> str:
        parts = []
        if self.shown_when:
            parts.append(" or ".join(c.describe() for c in self.shown_when))
        if self.hidden_when:
            parts.append("unless " + " or ".join(c.describe() for c in self.hidden_when))
        return ", ".join(parts)


@dataclass(frozen=True)
class Requirement:
    """``keys`` are required while ``when`` holds (and while each applies)."""

    when: Condition
    keys: tuple[str, ...]


class Plan:
    """A section's rules, compiled once: visibility, violations and defaults."""

    def __init__(self, section: Section) -> None:
        self.section = section
        self.fields = {f.key: f for f in section.fields}
        shown: dict[str, list[Condition]] = {}
        hidden: dict[str, list[Condition]] = {}
        requirements: list[Requirement] = []
        one_of: list[tuple[str, ...]] = []
        any_of: list[tuple[str, ...]] = []
        for rule in section.rules:
            if rule.when is not None:
                for key in rule.show:
                    shown.setdefault(key, []).append(rule.when)
                for key in rule.forbid:
                    hidden.setdefault(key, []).append(rule.when)
                if rule.require:
                    requirements.append(Requirement(rule.when, rule.require))
            if rule.one_of:
                one_of.append(rule.one_of)
            if rule.any_of:
                any_of.append(rule.any_of)
        #: key -> when it applies, for the fields that do not always apply.
        self.conditional: dict[str, Applies] = {
            key: Applies(tuple(shown.get(key, ())), tuple(hidden.get(key, ())))
            for key in self.fields if key in shown or key in hidden
        }
        self.requirements = tuple(requirements)
        self.one_of = tuple(one_of)
        self.any_of = tuple(any_of)
        self.defaults = {f.key: f.default for f in section.fields if f.has_default}
        #: Fields marked ``required`` (and without a default: a default is never missing).
        self.required = tuple(f.key for f in section.fields if f.required and not f.has_default)
        self._check()

    def _check(self) -> None:
        for i, rule in enumerate(self.section.rules):
            if rule.when is not None and rule.when.field in self.conditional:
                raise RuleConflict(i, "when", f"the condition names {rule.when.field!r}, which is itself shown or "
                                   "hidden by a rule", "base conditions on fields that always apply")
            for part, keys in (("one_of", rule.one_of), ("any_of", rule.any_of)):
                for key in keys:
                    if key in self.conditional:
                        raise RuleConflict(i, part, f"{part} names {key!r}, which is shown or hidden by a rule",
                                           "require the field in the rule that shows it instead")

    # -- what applies -------------------------------------------------------------------

    def seen(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """What conditions see: the values given, defaults filling the rest."""
        return {**self.defaults, **values}

    def applies(self, key: str, seen: Mapping[str, Any]) -> bool:
        when = self.conditional.get(key)
        return when is None or when.holds(seen)

    def visible(self, values: Mapping[str, Any]) -> list[str]:
        """The keys of the fields that apply for these values, in manifest order."""
        seen = self.seen(values)
        return [key for key in self.fields if self.applies(key, seen)]

    def applicable(self, values: Mapping[str, Any]) -> Mapping[str, Any]:
        """``values`` without the fields that do not apply (unknown keys are kept, to be refused)."""
        if not self.conditional:
            return values  # the common case, on the path of every list item validated
        seen = self.seen(values)
        return {k: v for k, v in values.items() if k not in self.conditional or self.conditional[k].holds(seen)}

    # -- violations and defaults ----------------------------------------------------------

    def violations(self, given: Mapping[str, Any]) -> dict[str, list[str]]:
        """Missing required fields and broken rules, for values that :meth:`applicable` pruned."""
        errors: dict[str, list[str]] = {}
        if not (self.conditional or self.requirements or self.one_of or self.any_of):
            for key in self.required:  # the common case, on the path of every list item validated
                if key not in given:
                    errors[key] = ["is required"]
            return errors
        seen = self.seen(given)

        def missing(key: str) -> bool:
            return key not in given and key not in self.defaults and self.applies(key, seen)

        for key in self.required:
            if missing(key):
                errors.setdefault(key, []).append("is required")
        for req in self.requirements:
            if req.when.holds(seen):
                for key in req.keys:
                    if missing(key) and key not in self.required:
                        errors.setdefault(key, []).append(f"is required when {req.when.describe()}")
        for keys in self.one_of:
            count = sum(key in given for key in keys)
            if count != 1:
                errors.setdefault("/".join(keys), []).append(
                    f"exactly one of {', '.join(keys)} is required, got {count}")
        for keys in self.any_of:
            if not any(key in given for key in keys):
                errors.setdefault("/".join(keys), []).append(f"at least one of {', '.join(keys)} is required")
        return errors

    def with_defaults(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` with the defaults of the fields that apply and were not given."""
        out = dict(values)
        seen = self.seen(values) if self.conditional else {}
        for key, default in self.defaults.items():
            if key not in out and (not self.conditional or self.applies(key, seen)):
                out[key] = copy.deepcopy(default)
        return out

    # -- for forms and docs ----------------------------------------------------------------

    def required_when(self, key: str) -> tuple[Condition, ...]:
        """The conditions under which a ``when`` rule requires ``key``."""
        return tuple(r.when for r in self.requirements if key in r.keys)

    def groups(self) -> list[tuple[Applies, tuple[str, ...]]]:
        """Conditional fields grouped by when they apply, in manifest order."""
        out: dict[Applies, list[str]] = {}
        for key, when in self.conditional.items():
            out.setdefault(when, []).append(key)
        return [(when, tuple(keys)) for when, keys in out.items()]


def for_host(section: Section, settings: Mapping[str, Any]) -> Section:
    """``section`` as this host offers it: choices whose ``enabled_by`` setting is off are
    refused (and left out of forms); secret references only if ``secrets.allow_references``."""
    references = bool(settings.get("secrets.allow_references", True))

    def adapt(f: Field) -> Field:
        changes: dict[str, Any] = {}
        if any(c.enabled_by for c in f.choices):
            refused = tuple(c for c in f.choices if c.enabled_by and not settings.get(c.enabled_by))
            if refused:
                changes["choices"] = tuple(c for c in f.choices if c not in refused)
                changes["refused"] = refused
        if f.type == "secret" and not references:
            changes["references"] = False
        if f.items is not None:
            items = adapt(f.items)
            if items is not f.items:
                changes["items"] = items
        if f.section is not None:
            sub = for_host(f.section, settings)
            if sub is not f.section:
                changes["section"] = sub
        return replace(f, **changes) if changes else f

    fields = tuple(adapt(f) for f in section.fields)
    if all(a is b for a, b in zip(fields, section.fields)):
        return section
    return replace(section, fields=fields)


def keep_secrets(section: Section, values: Mapping[str, Any], previous: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with every secret left blank (missing, ``""`` or ``None``) taken from ``previous``.

    Secrets are write-only: an edit form cannot show them, so blank means "unchanged".
    """
    out = dict(values)
    for f in section.fields:
        old = previous.get(f.key)
        if f.type == "secret" and out.get(f.key) in (None, "") and old not in (None, ""):
            out[f.key] = old
        elif f.type == "object" and f.section is not None and isinstance(old, Mapping):
            new = out.get(f.key)
            if isinstance(new, Mapping):
                out[f.key] = keep_secrets(f.section, new, old)
    return out


__all__ = ["Applies", "Plan", "Requirement", "RuleConflict", "for_host", "keep_secrets"]
