"""Load manifests: strict YAML, every key checked, fragments resolved.

Every problem is a :class:`ManifestError` naming the file, the line and the key path,
with a hint that says what to write instead (including "did you mean" for typos).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .errors import ManifestError
from .manifest import (
    FIELD_TYPES, MISSING, Choice, Condition, Field, Group, IamResources, Manifest, Operation, Rule,
    Section, SourceMap, TestConnection,
)
from .rules import RuleConflict
from .values import check_value, portable_pattern
from .yaml_loader import MAX_MANIFEST_BYTES, LoadedYaml, Path_, decode_text, format_path, load_yaml

if TYPE_CHECKING:  # imported at run time only by manifests that declare triggers
    from .triggers.model import Trigger

ID_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
KEY_RE = re.compile(r"[a-z][a-z0-9_]*")
# Regex syntax of Python's re that ECMA-262 (JSON Schema in a browser) lacks.
_NON_PORTABLE_RE = re.compile(r"\(\?[aiLmsux-]|\(\?P|\\[AZ]")
# A group followed by a repetition: the only place a pattern can backtrack exponentially.
_REPEATED_GROUP = re.compile(r"\)[*+{]")
VERSION_RE = re.compile(r"\d+\.\d+\.\d+([.+-][0-9A-Za-z.+-]+)?")

#: Named choice sources for ``choices_from``: name -> function returning
#: ``[(value, caption), ...]``. Plugins declare them (``connector_choice_sources``).
ChoiceSources = Mapping[str, Callable[[], Iterable[tuple[str, str]]]]

_TOP_KEYS = {
    "manifest_version": int, "kind": str, "id": str, "name": str, "version": str,
    "description": str, "extends": list, "connection": dict, "operations": list, "triggers": list,
    "migrations": list,
    "iam_resources": dict, "test_connection": dict,
}
_TEST_CONNECTION_KEYS = {"iam_actions": list, "iam_resources": dict}
_IAM_ACTION_RE = re.compile(r"[a-z0-9-]+:[A-Za-z0-9*]+")
_IAM_GLOB_RE = re.compile(r"[a-z0-9-]+:[A-Za-z0-9*?]+|\*")
_SECTION_KEYS = {"fields": list, "rules": list, "groups": list, "stream": bool}
_OPERATION_KEYS = {
    "id": str, "label": str, "description": str, "requires_connection": list,
    "iam_actions": list, "iam_resources": dict, "input": dict, "output": dict, "fanout": dict,
}
_FIELD_KEYS = {
    "key": str, "label": str, "type": str, "help": str, "placeholder": str, "default": object,
    "required": bool, "order": int, "group": str, "advanced": bool, "min_length": int,
    "max_length": int, "pattern": str, "minimum": (int, float), "maximum": (int, float),
    "choices": list, "choices_from": str, "options": str, "schemes": list, "items": dict,
    "min_items": int, "max_items": int, "fields": list, "rules": list, "multiline": bool,
    "key_pattern": str,
}
# Which optional field keys make sense for which types.
_TYPE_KEYS = {
    "min_length": ("string", "text", "secret", "url"),
    "max_length": ("string", "text", "secret", "url"),
    "pattern": ("string", "text", "secret"),
    "minimum": ("integer", "number"),
    "maximum": ("integer", "number"),
    "choices": ("enum",),
    "choices_from": ("enum",),
    "options": ("string",),
    "schemes": ("url",),
    "items": ("list", "map"),
    "min_items": ("list", "keyvalue", "map"),
    "max_items": ("list", "keyvalue", "map"),
    "multiline": ("secret",),
    "key_pattern": ("keyvalue", "map"),
    "fields": ("object",),
    "rules": ("object",),
}
_RULE_KEYS = {"when": dict, "require": list, "forbid": list, "show": list, "one_of": list, "any_of": list}
_GROUP_KEYS = {"id": str, "label": str, "description": str}
_TYPE_NAMES = {int: "an integer", str: "a string", bool: "true or false", list: "a list", dict: "a mapping"}
_TYPE_HINTS = {
    int: "write a whole number, e.g. `{key}: 64`", str: "quote the text, e.g. `{key}: \"...\"`",
    bool: "write `{key}: true` or `{key}: false`", list: "write a list, e.g. `{key}: [a, b]`",
    dict: "write `key: value` lines under `{key}:`",
}


def read_manifest_text(source: Any) -> tuple[str, str]:
    """Read a manifest source (path or ``importlib.resources`` file) -> (text, display name)."""
    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else str(source)
    try:
        if isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as fh:
                raw = fh.read(MAX_MANIFEST_BYTES + 1)  # the loader refuses anything longer
        else:
            raw = source.read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read manifest: {exc}", file=name, hint="check the path") from None
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"document is over the {MAX_MANIFEST_BYTES}-byte cap", file=name, line=1,
                            path=format_path(()), hint="split it, or move large enumerations to a choices_from source")
    return decode_text(raw, name), name


def parse_manifest(text: str, file: str = "<string>", choice_sources: ChoiceSources | None = None
                   ) -> tuple[LoadedYaml, Manifest]:
    """Parse and check one manifest document, without resolving ``extends``.

    ``choice_sources`` are the names ``choices_from`` may use (the host's plugins give them).
    """
    loaded = load_yaml(text, file)
    return loaded, _Checker(loaded, choice_sources or {}).manifest()


def checked_manifest(text: str, file: str = "<string>", choice_sources: ChoiceSources | None = None) -> Manifest:
    """:func:`parse_manifest`'s model, from the checked-manifest cache when this very
    document was checked before by this code (see :mod:`connector_core.manifest_cache`)."""
    from . import manifest_cache

    choice_sources = choice_sources or {}
    cached = manifest_cache.read(text, file, choice_sources)
    if cached is not None:
        return cached
    used: dict[str, list[tuple[str, str]]] = {}
    loaded = load_yaml(text, file)
    manifest = _Checker(loaded, manifest_cache.recording(choice_sources, used)).manifest()
    manifest_cache.write(text, file, manifest, used)
    return manifest


def resolve_extends(manifest: Manifest, fragments: Mapping[str, Manifest]) -> Manifest:
    """Put each extended fragment's groups, fields and rules before the manifest's own."""
    where = manifest.where

    def fail(path: Path_, message: str, hint: str) -> ManifestError:
        return ManifestError(message, file=manifest.source, line=where.line_of(path),
                             path=format_path(path), hint=hint)

    groups: list[Group] = []
    fields: list[Field] = []
    rules: list[Rule] = []
    for i, frag_id in enumerate(manifest.extends):
        fragment = fragments.get(frag_id)
        if fragment is None:
            known = ", ".join(sorted(fragments)) or "none"
            import difflib  # only on errors

            close = difflib.get_close_matches(frag_id, list(fragments), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise fail(("extends", i), f"extends unknown fragment {frag_id!r}",
                       f"{hint}known fragments: {known}; fragments come from plugins: have your plugin's "
                       "connector_requires hook name the toolkit that provides it")
        groups += fragment.connection.groups
        fields += fragment.connection.fields
        rules += fragment.connection.rules
    own = manifest.connection
    inherited = {f.key for f in fields}
    for f in own.fields:
        if f.key in inherited:
            raise fail(where.field_paths.get(f.key, ("connection", "fields")) + ("key",),
                       f"duplicate field key {f.key!r} (also declared by an extended fragment)",
                       "rename the field or drop it: the fragment already provides it")
    merged_fields = tuple(fields) + own.fields
    seen = {f.key for f in merged_fields}
    group_ids = {g.id for g in groups}
    merged_groups = tuple(groups) + tuple(g for g in own.groups if g.id not in group_ids)
    all_groups = {g.id for g in merged_groups}
    for f in own.fields:
        if f.group is not None and f.group not in all_groups:
            raise fail(where.field_paths.get(f.key, ("connection", "fields")) + ("group",),
                       f"unknown group {f.group!r}", _did_you_mean(f.group, all_groups))
    section = Section(_ordered(merged_fields), tuple(rules) + own.rules, merged_groups)
    if manifest.migrations:
        from .migrations import check_migration_fields  # only for manifests that declare migrations

        check_migration_fields(replace(manifest, connection=section), fail)
    try:
        section.plan  # compiled once, here, so that a conflict is a load error
    except RuleConflict as exc:
        own_index = exc.rule - len(rules)
        path = ("connection", "rules", own_index, exc.part) if own_index >= 0 else ("extends",)
        raise fail(path, exc.message, exc.hint) from None
    for n, op in enumerate(manifest.operations):
        for i, key in enumerate(op.requires_connection):
            if key not in seen:
                raise fail(("operations", n, "requires_connection", i),
                           f"requires_connection names unknown connection field {key!r}",
                           _did_you_mean(key, seen))
    return replace(manifest, connection=section)


def _ordered(fields: Iterable[Field]) -> tuple[Field, ...]:
    fields = list(fields)
    # Stable: fields without `order` keep their place relative to each other.
    return tuple(sorted(fields, key=lambda f: (f.order if f.order is not None else 0)))


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    import difflib  # only on errors: not on the cold-start path

    close = difflib.get_close_matches(word, list(options), n=1)
    options = sorted(options)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"expected one of: {', '.join(options)}" if options else "remove it"


_ANY_GROUP: Any = object()  # sentinel: group ids are checked after `extends`


class _Checker:
    """Walks the raw YAML data, checking every key, and builds the model."""

    def __init__(self, loaded: LoadedYaml, choice_sources: ChoiceSources) -> None:
        self.doc = loaded
        self.choice_sources = choice_sources

    def fail(self, path: Path_, message: str, hint: str | None = None) -> ManifestError:
        return self.doc.error(path, message, hint)

    def mapping(self, value: Any, path: Path_, spec: Mapping[str, Any], required: Iterable[str]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {_kind(value)}", "write `key: value` lines")
        for key, item in value.items():
            if key not in spec:
                raise self.fail(path + (key,), f"unknown key {key!r}", _did_you_mean(key, spec))
            expected = spec[key]
            if expected is object:
                continue
            if (isinstance(item, bool) and expected in (int, (int, float))) or not isinstance(item, expected):
                name = _TYPE_NAMES.get(expected, "a number")
                raise self.fail(path + (key,), f"{key} must be {name}, not {_kind(item)}",
                                _TYPE_HINTS.get(expected, "write a number, e.g. {key}: 10").format(key=key))
        for key in required:
            if key not in value:
                raise self.fail(path, f"missing required key {key!r}", f"add `{key}:`")
        return value

    def manifest(self) -> Manifest:
        data = self.mapping(self.doc.data, (), _TOP_KEYS, ["manifest_version", "id"])
        if data["manifest_version"] != 1:
            raise self.fail(("manifest_version",), f"unsupported manifest_version {data['manifest_version']}",
                            "this host reads manifest_version: 1")
        kind = data.get("kind", "connector")
        if kind not in ("connector", "fragment"):
            raise self.fail(("kind",), f"unknown kind {kind!r}", "use connector or fragment")
        if not ID_RE.fullmatch(data["id"]):
            raise self.fail(("id",), f"invalid id {data['id']!r}", "use dotted lowercase words, e.g. acme.crm")
        if kind == "connector":
            for key in ("name", "version"):
                if key not in data:
                    raise self.fail((), f"missing required key {key!r}", f"add `{key}:`")
            if not VERSION_RE.fullmatch(data["version"]):
                raise self.fail(("version",), f"invalid version {data['version']!r}", "use MAJOR.MINOR.PATCH")
        for key in ("operations", "triggers", "migrations", "iam_resources", "test_connection"):
            if kind == "fragment" and key in data:
                raise self.fail((key,), f"a fragment cannot declare {key}", "move it to a connector manifest")
        extends = tuple(self.strings(data.get("extends", []), ("extends",)))
        # Groups may come from extended fragments: checked again after `extends` is resolved.
        connection = self.section(data.get("connection", {}), ("connection",), allow_groups=True,
                                  any_group=bool(extends))
        operations = tuple(
            self.operation(op, ("operations", i)) for i, op in enumerate(data.get("operations", []))
        )
        ids = [op.id for op in operations]
        for i, op_id in enumerate(ids):
            if op_id in ids[:i]:
                raise self.fail(("operations", i, "id"), f"duplicate operation id {op_id!r}", "ids must be unique")
        if any(op.fanout and op.fanout.listing for op in operations):
            from .fanout_plan import check_listings

            check_listings(self, operations)
        triggers: tuple[Trigger, ...] = ()
        if "triggers" in data:
            from .triggers.manifest import parse_triggers  # only for manifests that declare triggers

            triggers = parse_triggers(self, data["triggers"], tuple(ids))
        field_paths = {}
        for i, raw in enumerate(data.get("connection", {}).get("fields", [])):
            field_paths[raw["key"]] = ("connection", "fields", i)
        return Manifest(
            id=data["id"], kind=kind, name=data.get("name", data["id"]), version=data.get("version", "0.0.0"),
            description=data.get("description"), extends=extends, connection=connection,
            operations=operations, source=self.doc.file,
            where=SourceMap(self.doc.lines, field_paths), triggers=triggers,
            migrations=self.migrations(data),
            iam_resources=self.iam_resources(data.get("iam_resources", {}), ("iam_resources",)),
            test_connection=self.test_connection(data.get("test_connection", {}), ("test_connection",)),
        )

    def migrations(self, data: dict) -> tuple:
        if "migrations" not in data:
            return ()
        from .migrations import parse_migrations  # only for manifests that declare migrations

        return parse_migrations(data["migrations"], data.get("version", ""), self.fail)

    def iam_actions(self, value: Any, path: Path_) -> tuple[str, ...]:
        return tuple(self.strings(value, path, _IAM_ACTION_RE, "write service:Action, e.g. storage:GetObject"))

    def iam_resources(self, raw: dict, path: Path_) -> IamResources:
        """``{action glob: [ARN template, ...]}``; templates name values as ``{field}``."""
        import string  # only for manifests that scope resources

        out = []
        for glob, templates in raw.items():
            if not isinstance(glob, str) or not _IAM_GLOB_RE.fullmatch(glob):
                raise self.fail(path + (glob,), f"invalid action pattern {glob!r}",
                                'write service:Action, a glob such as "storage:*Object*", or "*"')
            if isinstance(templates, str):
                templates = [templates]
            for i, template in enumerate(self.strings(templates, path + (glob,))):
                try:
                    names = [name for _, name, spec, conv in string.Formatter().parse(template)
                             if name is not None and (spec or conv or not KEY_RE.fullmatch(name)) or False]
                except ValueError as exc:
                    raise self.fail(path + (glob, i), f"invalid template: {exc}",
                                    "write {name} for a value, {{ and }} for braces") from None
                if names:
                    raise self.fail(path + (glob, i), "a template names values only as {field_name}",
                                    "remove format specs, conversions and attribute or index access")
            out.append((glob, tuple(templates)))
        return tuple(out)

    def test_connection(self, raw: Any, path: Path_) -> TestConnection:
        data = self.mapping(raw, path, _TEST_CONNECTION_KEYS, [])
        return TestConnection(self.iam_actions(data.get("iam_actions", []), path + ("iam_actions",)),
                              self.iam_resources(data.get("iam_resources", {}), path + ("iam_resources",)))

    def strings(self, value: Any, path: Path_, pattern: re.Pattern | None = None,
                hint: str | None = None) -> list[str]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list of strings, got {_kind(value)}", "write e.g. `[a, b]`")
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise self.fail(path + (i,), f"expected a string, got {_kind(item)}", "quote it")
            if pattern and not pattern.fullmatch(item):
                raise self.fail(path + (i,), f"invalid value {item!r}", hint or f"it must match {pattern.pattern}")
        return value

    def operation(self, raw: Any, path: Path_) -> Operation:
        data = self.mapping(raw, path, _OPERATION_KEYS, ["id", "label"])
        if not KEY_RE.fullmatch(data["id"]):
            raise self.fail(path + ("id",), f"invalid operation id {data['id']!r}", "use lowercase_with_underscores")
        iam = self.iam_actions(data.get("iam_actions", []), path + ("iam_actions",))
        operation = Operation(
            id=data["id"], label=data["label"], description=data.get("description"),
            requires_connection=tuple(self.strings(data.get("requires_connection", []),
                                                   path + ("requires_connection",))),
            iam_actions=tuple(iam),
            input=self.section(data.get("input", {}), path + ("input",)),
            output=self.section(data.get("output", {}), path + ("output",), allow_stream=True),
            iam_resources=self.iam_resources(data.get("iam_resources", {}), path + ("iam_resources",)),
        )
        if "fanout" not in data:
            return operation
        from .fanout_plan import parse_fanout  # only for operations that declare a fan-out

        return replace(operation, fanout=parse_fanout(self, data["fanout"], path + ("fanout",), operation))

    def section(self, raw: Any, path: Path_, *, allow_groups: bool = False, allow_stream: bool = False,
                any_group: bool = False) -> Section:
        spec = dict(_SECTION_KEYS)
        if not allow_groups:
            del spec["groups"]
        if not allow_stream:
            del spec["stream"]
        data = self.mapping(raw, path, spec, [])
        groups = tuple(self.group(g, path + ("groups", i)) for i, g in enumerate(data.get("groups", [])))
        group_ids = _ANY_GROUP if any_group else {g.id for g in groups}
        fields: list[Field] = []
        for i, raw_field in enumerate(data.get("fields", [])):
            f = self.field(raw_field, path + ("fields", i), group_ids if allow_groups else None)
            if any(existing.key == f.key for existing in fields):
                raise self.fail(path + ("fields", i, "key"), f"duplicate field key {f.key!r}", "keys must be unique")
            fields.append(f)
        rules = tuple(self.rule(r, path + ("rules", i), fields) for i, r in enumerate(data.get("rules", [])))
        section = Section(_ordered(fields), rules, groups, bool(data.get("stream", False)))
        try:
            section.plan  # compiled once, here, so that a conflict is a load error
        except RuleConflict as exc:
            raise self.fail(path + ("rules", exc.rule, exc.part), exc.message, exc.hint) from None
        return section

    def group(self, raw: Any, path: Path_) -> Group:
        data = self.mapping(raw, path, _GROUP_KEYS, ["id", "label"])
        return Group(data["id"], data["label"], data.get("description"))

    def field(self, raw: Any, path: Path_, group_ids: set[str] | None, item: bool = False) -> Field:
        required = ["type"] if item else ["key", "label", "type"]
        data = self.mapping(raw, path, _FIELD_KEYS, required)
        ftype = data["type"]
        if ftype not in FIELD_TYPES:
            raise self.fail(path + ("type",), f"unknown type {ftype!r}", _did_you_mean(ftype, FIELD_TYPES))
        if item and ("key" in data or "label" in data):
            raise self.fail(path, "a list's `items` field takes no key or label (it is named by the list)",
                            "remove key and label from items")
        key = data.get("key", "item")
        if not item and not KEY_RE.fullmatch(key):
            raise self.fail(path + ("key",), f"invalid field key {key!r}", "use lowercase_with_underscores")
        for opt, types in _TYPE_KEYS.items():
            if opt in data and ftype not in types:
                raise self.fail(path + (opt,), f"{opt} does not apply to type {ftype}",
                                f"{opt} applies to: {', '.join(types)}")
        if "group" in data:
            if group_ids is None:
                raise self.fail(path + ("group",), "groups apply to connection fields only", "remove it")
            if group_ids is not _ANY_GROUP and data["group"] not in group_ids:
                raise self.fail(path + ("group",), f"unknown group {data['group']!r}", _did_you_mean(data["group"], group_ids))
        for pattern_key in ("pattern", "key_pattern"):
            self.pattern(data.get(pattern_key), path + (pattern_key,))
        pattern = data.get("pattern")
        if data.get("required") and "default" in data:
            raise self.fail(path + ("required",), "a field with a default is never missing, so it cannot be required",
                            "remove `required: true` (the default fills the field) or the default")
        if ftype == "secret":
            for banned in ("default", "placeholder"):
                if banned in data:
                    raise self.fail(path + (banned,), f"a secret field cannot have a {banned}",
                                    "remove it: secrets are never pre-filled or shown")
        if data.get("options") not in (None, "dynamic"):
            raise self.fail(path + ("options",), f"unknown options {data['options']!r}", "the only value is dynamic")
        choices = self.choices(data, path, ftype)
        section = None
        if ftype == "object":
            section = self.section({k: data[k] for k in ("fields", "rules") if k in data}, path)
        items = None
        if ftype == "list":
            if "items" not in data:
                raise self.fail(path, "a list field needs `items`", "add e.g. `items: {type: string}`")
            items = self.field(data["items"], path + ("items",), None, item=True)
        elif ftype == "map":
            items = self.field(data.get("items", {"type": "string", "min_length": 0}), path + ("items",), None,
                               item=True)
        for lo, hi in (("min_length", "max_length"), ("minimum", "maximum"), ("min_items", "max_items")):
            if lo in data and hi in data and data[lo] > data[hi]:
                raise self.fail(path + (lo,), f"{lo} is greater than {hi}", "swap or fix them")
        schemes = tuple(self.strings(data.get("schemes", ["http", "https"]), path + ("schemes",)))
        built = Field(
            key=key, label=data.get("label", key), type=ftype, help=data.get("help"),
            placeholder=data.get("placeholder"), default=data.get("default", MISSING),
            required=data.get("required", False), order=data.get("order"), group=data.get("group"),
            advanced=data.get("advanced", False), min_length=data.get("min_length"),
            max_length=data.get("max_length"), pattern=pattern, minimum=data.get("minimum"),
            maximum=data.get("maximum"), choices=choices, choices_from=data.get("choices_from"),
            dynamic_options=data.get("options") == "dynamic", schemes=schemes, items=items,
            min_items=data.get("min_items"), max_items=data.get("max_items"), section=section,
            multiline=data.get("multiline", False), key_pattern=data.get("key_pattern"),
        )
        if ftype == "enum" and not choices:
            raise self.fail(path, "an enum needs `choices` or `choices_from`", "add `choices: [{value, caption}]`")
        if built.has_default:
            problems = check_value(built, built.default)
            if problems:
                raise self.fail(path + ("default",), f"invalid default: {'; '.join(problems)}", "fix the default")
        return built

    def pattern(self, pattern: str | None, path: Path_) -> None:
        if pattern is None:
            return
        try:
            re.compile(pattern)
        except re.error as exc:
            raise self.fail(path, f"invalid regular expression: {exc}",
                            "fix the pattern; it must compile with Python's re") from None
        try:
            portable_pattern(pattern)
        except ValueError as exc:
            raise self.fail(path, f"pattern means different things in browsers and Python: {exc}",
                            "spell the characters out, e.g. [^A-Za-z0-9_] for \\W") from None
        if _NON_PORTABLE_RE.search(pattern):
            raise self.fail(path, "pattern uses syntax browsers do not understand",
                            "avoid inline flags, named groups and \\A/\\Z: patterns are used in JSON Schema too")
        try:
            if _REPEATED_GROUP.search(pattern):  # only a repeated group can be ambiguous
                from .pattern_safety import check_pattern

                check_pattern(pattern)
        except ValueError as exc:  # pattern_safety.UnsafePattern
            raise self.fail(path, f"pattern can take exponential time on some values: {exc}",
                            "make each repetition unambiguous: e.g. (a+)+ -> a+, (\\w+\\s?)+ -> \\w+(\\s\\w+)*, "
                            "or give the parts of a repeated group characters they do not share") from None

    def choices(self, data: dict, path: Path_, ftype: str) -> tuple[Choice, ...]:
        out: list[Choice] = []
        source = data.get("choices_from")
        if source is not None:
            if source not in self.choice_sources:
                known = _did_you_mean(source, self.choice_sources) + "; " if self.choice_sources else ""
                raise self.fail(path + ("choices_from",), f"unknown choice source {source!r}",
                                f"{known}choice sources come from plugins: name the toolkit that declares it "
                                "in your plugin's connector_requires hook")
            out += [Choice(v, c) for v, c in self.choice_sources[source]()]
        for i, raw in enumerate(data.get("choices", [])):
            cpath = path + ("choices", i)
            if not isinstance(raw, dict):
                raise self.fail(cpath, f"a choice is a mapping {{value, caption}}, not {_kind(raw)}",
                                "write e.g. `{value: eu-west-1, caption: Europe (Ireland)}`")
            choice = self.mapping(raw, cpath, {"value": str, "caption": str, "enabled_by": str}, ["value"])
            out.append(Choice(choice["value"], choice.get("caption", choice["value"]), choice.get("enabled_by")))
        values = [c.value for c in out]
        for i, v in enumerate(values):
            if v in values[:i]:
                raise self.fail(path + ("choices",), f"duplicate choice {v!r}", "values must be unique")
        return tuple(out)

    def rule(self, raw: Any, path: Path_, fields: list[Field]) -> Rule:
        keys = [f.key for f in fields]
        data = self.mapping(raw, path, _RULE_KEYS, [])
        lists = {k: tuple(self.strings(data.get(k, []), path + (k,))) for k in _RULE_KEYS if k != "when"}
        when = None
        if "when" in data:
            when = self.condition(data["when"], path + ("when",), keys)
        if (lists["require"] or lists["forbid"] or lists["show"]) and when is None:
            raise self.fail(path, "require/forbid/show need a `when` condition",
                            "add `when: {field: ..., equals: ...}`, or mark the field required")
        if when is not None and not (lists["require"] or lists["forbid"] or lists["show"]):
            raise self.fail(path, "a `when` rule needs require, forbid or show", "add one of them")
        for k in ("one_of", "any_of"):
            if lists[k] and len(lists[k]) < 2:
                raise self.fail(path + (k,), f"{k} needs at least two fields",
                                "name two or more fields, or mark a single field required")
        if not any(lists.values()):
            raise self.fail(path, "empty rule", "use when+require/forbid/show, one_of or any_of")
        for k, names in lists.items():
            for i, name in enumerate(names):
                if name not in keys:
                    raise self.fail(path + (k, i), f"rule names unknown field {name!r}", _did_you_mean(name, keys))
                if k in ("forbid", "one_of", "any_of") and fields[keys.index(name)].has_default:
                    raise self.fail(path + (k, i), f"{name!r} has a default, so it is always given",
                                    f"remove the default of {name!r} or the field from {k}")
        return Rule(when=when, **lists)

    def condition(self, raw: Any, path: Path_, keys: list[str]) -> Condition:
        data = self.mapping(raw, path, {"field": str, "equals": object, "in": list, "present": bool}, ["field"])
        ops = [k for k in ("equals", "in", "present") if k in data]
        if len(ops) != 1:
            raise self.fail(path, "a condition needs exactly one of equals, in, present",
                            "e.g. `{field: region, equals: custom}`")
        if data["field"] not in keys:
            raise self.fail(path + ("field",), f"condition names unknown field {data['field']!r}",
                            _did_you_mean(data["field"], keys))
        op = ops[0]
        value = tuple(data[op]) if op == "in" else data[op]
        return Condition(data["field"], op, value)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "a mapping", list: "a list", str: "a string", int: "an integer", float: "a number"}.get(
        type(value), type(value).__name__
    )


__all__ = ["ChoiceSources", "checked_manifest", "parse_manifest", "read_manifest_text", "resolve_extends", "format_path"]
