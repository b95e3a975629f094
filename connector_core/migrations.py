"""Migrations of stored connection values between manifest versions.

A manifest lists, under ``migrations``, how to bring values saved with an older version
up to date (see docs/manifest.md)::

    migrations:
      - from: "1"                  # values saved with any 1.x version (or older)
        steps:
          - rename: {from: bucket, to: default_bucket}
          - map: {field: storage_class, values: {REDUCED_REDUNDANCY: STANDARD}}
          - default: {field: addressing, value: virtual}
          - drop: force_path_style
          - python: "acme_widgets.migrations:split_endpoint"

``from`` is a version prefix: ``"1"`` covers 1.x.y, ``"1.4"`` covers 1.4.y. A migration
applies to values saved with a version at or below its ``from``; migrations run in
ascending ``from`` order, so a 3.0 manifest lists ``from: "1"`` then ``from: "2"`` and
values saved with 1.x pass through both. The checker (:func:`parse_migrations`,
:func:`check_migration_fields`) runs when the manifest loads.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ConnectorError

if TYPE_CHECKING:
    from .manifest import Manifest

STEP_KINDS = ("rename", "map", "default", "drop", "python")
_FROM_RE = re.compile(r"\d+(\.\d+){0,2}")
_VERSION_RE = re.compile(r"(\d+)\.(\d+)\.(\d+)")
_TARGET_RE = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")

# fail(path, message, hint) -> the ManifestError to raise, from the manifest checker.
Fail = Callable[[tuple, str, str], Exception]


@dataclass(frozen=True)
class Step:
    kind: str  # one of STEP_KINDS
    args: Any  # rename {from, to}; map {field, values}; default {field, value}; drop [keys]; python "mod:fn"

    def fields(self) -> tuple[str, ...]:
        """The connection fields this step reads or writes (none for ``python``)."""
        if self.kind == "rename":
            return (self.args["from"], self.args["to"])
        if self.kind in ("map", "default"):
            return (self.args["field"],)
        if self.kind == "drop":
            return tuple(self.args)
        return ()


@dataclass(frozen=True)
class Migration:
    from_version: str  # a prefix: "1", "1.4" or "1.4.2"
    steps: tuple[Step, ...]

    def applies_to(self, made_with: str) -> bool:
        prefix = tuple(int(p) for p in self.from_version.split("."))
        return version_tuple(made_with)[:len(prefix)] <= prefix


def version_tuple(version: str) -> tuple[int, int, int]:
    """(major, minor, patch) of a semantic version; a pre-release suffix is ignored."""
    match = _VERSION_RE.match(version)
    if not match:
        raise ValueError(f"not a MAJOR.MINOR.PATCH version: {version!r}")
    return tuple(int(g) for g in match.groups())  # type: ignore[return-value]


# -- checking what a manifest declares ---------------------------------------------------

def parse_migrations(raw: Any, version: str, fail: Fail) -> tuple[Migration, ...]:
    """Check the ``migrations`` list of a manifest at ``version`` and build it."""
    if not isinstance(raw, list):
        raise fail(("migrations",), "migrations must be a list", "write `migrations: [{from: \"1\", steps: [...]}]`")
    out: list[Migration] = []
    for i, item in enumerate(raw):
        path = ("migrations", i)
        if not isinstance(item, dict):
            raise fail(path, "a migration is a mapping with `from` and `steps`", "write `- from: \"1\"` and `steps:`")
        unknown = sorted(set(item) - {"from", "steps"})
        if unknown:
            raise fail(path + (unknown[0],), f"unknown key {unknown[0]!r}", "a migration has only `from` and `steps`")
        source = item.get("from")
        if isinstance(source, (int, float)) and not isinstance(source, bool):
            source = str(source)
        if not isinstance(source, str) or not _FROM_RE.fullmatch(source):
            raise fail(path + ("from",), f"from must be a version prefix, not {source!r}",
                       'quote it, e.g. `from: "1"` (every 1.x) or `from: "1.4"`')
        prefix = tuple(int(p) for p in source.split("."))
        if _VERSION_RE.match(version) and version_tuple(version)[:len(prefix)] <= prefix:
            raise fail(path + ("from",), f"from {source!r} covers this manifest's own version {version}",
                       "a migration brings values from an older version; name that version")
        if out and prefix <= tuple(int(p) for p in out[-1].from_version.split(".")):
            raise fail(path + ("from",), f"migrations must be in ascending order of `from` ({source!r} comes "
                       f"after {out[-1].from_version!r})", "list the oldest migration first")
        steps = item.get("steps")
        if not isinstance(steps, list) or not steps:
            raise fail(path + ("steps",) if "steps" in item else path, "a migration needs a list of `steps`",
                       "add e.g. `steps: [{rename: {from: old, to: new}}]`")
        out.append(Migration(source, tuple(_step(s, path + ("steps", j), fail) for j, s in enumerate(steps))))
    return tuple(out)


def _step(raw: Any, path: tuple, fail: Fail) -> Step:
    if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in STEP_KINDS:
        raise fail(path, "a step is one of: " + ", ".join(STEP_KINDS), "e.g. `- rename: {from: old, to: new}`")
    ((kind, args),) = raw.items()
    path = path + (kind,)

    def mapping(keys: tuple[str, ...], example: str) -> dict:
        if not isinstance(args, dict) or set(args) != set(keys):
            raise fail(path, f"{kind} takes exactly {', '.join(keys)}", f"write `{kind}: {example}`")
        for key in keys:
            if key in ("from", "to", "field") and not isinstance(args[key], str):
                raise fail(path + (key,), f"{key} must be a field key", "write the field's key")
        return args

    if kind == "rename":
        args = mapping(("from", "to"), "{from: old_key, to: new_key}")
    elif kind == "map":
        args = mapping(("field", "values"), "{field: key, values: {old: new}}")
        if not isinstance(args["values"], dict) or not args["values"]:
            raise fail(path + ("values",), "values must map old values to new ones", "write `values: {old: new}`")
    elif kind == "default":
        args = mapping(("field", "value"), "{field: key, value: ...}")
    elif kind == "drop":
        keys = [args] if isinstance(args, str) else args
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            raise fail(path, "drop takes a field key or a list of them", "write `drop: old_key`")
        args = tuple(keys)
    elif not isinstance(args, str) or not _TARGET_RE.fullmatch(args):
        raise fail(path, f"python must be \"module:function\", not {args!r}",
                   'write e.g. `python: "acme_widgets.migrations:to_v2"`')
    return Step(kind, args)


def check_migration_fields(manifest: Manifest, fail: Fail) -> None:
    """After ``extends`` is resolved: every step names fields and values the manifest has."""
    section = manifest.connection
    keys = set(section.keys)
    for i, migration in enumerate(manifest.migrations):
        for j, step in enumerate(migration.steps):
            path = ("migrations", i, "steps", j, step.kind)
            # Targets must exist now; sources (rename.from, drop) are old fields, usually gone.
            target = step.args["to"] if step.kind == "rename" else (
                step.args["field"] if step.kind in ("map", "default") else None)
            if target is not None and target not in keys and not _moved_later(manifest, i, j, target):
                raise fail(path, f"{step.kind} names {target!r}, which is not a connection field",
                           "name a field of this version's connection")
            if step.kind == "map" and target in keys:
                field = section.field(target)
                allowed = {c.value for c in field.choices}
                bad = [v for v in step.args["values"].values() if allowed and v not in allowed]
                if bad:
                    raise fail(path + ("values",), f"maps to {bad[0]!r}, which is not a choice of {target!r}",
                               "map old values to choices this version offers")


def _moved_later(manifest: Manifest, i: int, j: int, key: str) -> bool:
    """Whether a later step renames or drops ``key`` (a chain 1.x -> 2.x -> 3.x passes through it)."""
    later = list(manifest.migrations[i].steps[j + 1:]) + [s for m in manifest.migrations[i + 1:] for s in m.steps]
    return any((s.kind == "rename" and s.args["from"] == key) or (s.kind == "drop" and key in s.args)
               for s in later)


# -- running them ------------------------------------------------------------------------

def migrate_values(manifest: Manifest, made_with: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` saved with ``made_with``, brought up to ``manifest.version``.

    Raises :class:`~connector_core.store.MigrationError` when a step cannot apply. The result
    still needs validating against the manifest (the caller does it, with the host).
    """
    from .store.errors import MigrationError  # the store owns the error; the core stays light

    def error(message: str, hint: str) -> MigrationError:
        return MigrationError(f"cannot migrate a connection made with version {made_with} to {manifest.version}: "
                              f"{message}", hint=hint, made_with=made_with, current=manifest.version,
                              connector=manifest.id)

    try:
        made = version_tuple(made_with)
        current = version_tuple(manifest.version)
    except ValueError as exc:
        raise error(str(exc), "the stored version is not semantic; re-create the connection") from None
    if made > current:
        raise error("it was made with a newer version of the connector",
                    "install that version of the plugin again, or re-create the connection")
    out = dict(values)
    for migration in manifest.migrations:
        if not migration.applies_to(made_with):
            continue
        for step in migration.steps:
            out = _apply(step, out, error)
    return out


def _apply(step: Step, values: dict[str, Any], error: Callable[[str, str], ConnectorError]) -> dict[str, Any]:
    kind, args = step.kind, step.args
    if kind == "rename":
        if args["from"] in values:
            values[args["to"]] = values.pop(args["from"])
    elif kind == "map":
        current = values.get(args["field"])
        if isinstance(current, (str, int, float, bool)):
            # Keys are strings in YAML (the loader refuses others): compare as JSON spells values.
            spelled = current if isinstance(current, str) else json.dumps(current)
            if spelled in args["values"]:
                values[args["field"]] = args["values"][spelled]
    elif kind == "default":
        if values.get(args["field"]) in (None, ""):
            values[args["field"]] = args["value"]
    elif kind == "drop":
        for key in args:
            values.pop(key, None)
    else:
        module, _, name = args.partition(":")
        try:
            fn = getattr(importlib.import_module(module), name)
            result = fn(dict(values))
        except ConnectorError:
            raise
        except Exception as exc:
            # The exception's text may quote a secret value: name its type only.
            raise error(f"step python {args} failed with {type(exc).__name__}",
                        "fix the migration function, or re-create the connection") from None
        if not isinstance(result, Mapping):
            raise error(f"step python {args} returned {type(result).__name__}, not a mapping",
                        "a migration function returns the new values as a dict")
        values = dict(result)
    return values
