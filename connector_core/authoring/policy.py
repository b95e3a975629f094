"""Least-privilege IAM policies from manifests (``connectors policy ID``).

The actions come from the chosen operations' (and triggers') ``iam_actions`` and the manifest's
``test_connection.iam_actions``; each action's resources come from the manifest's
``iam_resources`` templates (an operation's own first, then the manifest's), filled from
the connection's values and what plugins derive from them (``connector_resource_values``:
a toolkit may give ``{partition}``, ``{region}``, ``{account}``). An action no template
scopes, or whose template lacks a value, gets ``"*"``. No plugin operation code and no
vendor SDK are imported.
"""

from __future__ import annotations

import fnmatch
import re
import string
from collections.abc import Iterable, Mapping
from typing import Any

from connector_core import Host, Manifest, NotFoundError, ValidationError

POLICY_VERSION = "2012-10-17"


def policy_for(host: Host, connector_id: str, operations: Iterable[str] = (),
               connection: Mapping[str, Any] | None = None, *, test_connection: bool = True) -> dict[str, Any]:
    """The IAM policy document allowing exactly the chosen operations (all when none are given),
    plus what "Test connection" calls unless ``test_connection`` is false."""
    manifest = host.manifest(connector_id)
    known = list(manifest.operation_ids) + list(manifest.trigger_ids)
    chosen = list(operations) or known
    unknown = [op for op in chosen if op not in known]
    if unknown:
        raise NotFoundError(f"no operation {', '.join(map(repr, unknown))}",
                            hint="operations and triggers: " + ", ".join(known), connector=manifest.id)
    values = host.resource_values(connector_id, _connection_values(manifest, connection or {}))
    wanted: list[tuple[str, tuple]] = []
    for name in chosen:
        if name in manifest.operation_ids:
            op = manifest.operation(name)
            wanted += [(action, op.iam_resources) for action in op.iam_actions]
        else:  # a trigger: scoped by the manifest's iam_resources
            wanted += [(action, ()) for action in manifest.trigger(name).iam_actions]
    if test_connection:
        wanted += [(a, manifest.test_connection.iam_resources) for a in manifest.test_connection.iam_actions]
    grouped: dict[tuple[str, ...], set[str]] = {}
    for action, own in wanted:
        grouped.setdefault(resources_for(action, own + manifest.iam_resources, values), set()).add(action)
    statements: list[dict[str, Any]] = []
    for resources, actions in sorted(grouped.items(), key=lambda item: (item[0] == ("*",), item[0])):
        statements.append({
            "Sid": _sid(sorted(actions), len(statements) + 1),
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": resources[0] if len(resources) == 1 else list(resources),
        })
    return {"Version": POLICY_VERSION, "Statement": statements}


def resources_for(action: str, scopes: Iterable[tuple[str, tuple[str, ...]]],
                  values: Mapping[str, str]) -> tuple[str, ...]:
    """The resources an action is scoped to: the first matching glob's templates, filled, or ``("*",)``."""
    for glob, templates in scopes:
        if fnmatch.fnmatchcase(action, glob):
            filled = [_fill(t, values) for t in templates]
            complete = tuple(f for f in filled if f is not None)
            if not filled or len(complete) != len(filled):  # a template names a value not given
                return ("*",)
            return complete
    return ("*",)


def _fill(template: str, values: Mapping[str, str]) -> str | None:
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    if any(values.get(name) is None for name in names):
        return None
    return template.format_map({name: values[name] for name in names})


def _connection_values(manifest: Manifest, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Connection values with defaults; every value given is checked against its field.

    Only the non-secret fields that name resources matter here, so a connection file for
    a policy need not carry credentials (secret fields are ignored).
    """
    from connector_core.values import check_value  # noqa: PLC0415 (internal, by the same package)

    section = manifest.connection
    values = {f.key: f.default for f in section.fields if f.has_default}
    errors: dict[str, list[str]] = {}
    for key in sorted(raw):
        if key not in section.keys or section.field(key).type == "secret":
            continue
        problems = check_value(section.field(key), raw[key])
        if problems:
            errors[f"connection.{key}"] = problems
        else:
            values[key] = raw[key]
    if errors:
        raise ValidationError(errors, hint="correct the connection file", connector=manifest.id)
    return values


def _sid(actions: list[str], index: int) -> str:
    services = sorted({a.partition(":")[0] for a in actions})
    base = "".join(s.title() for s in services)
    return re.sub(r"[^A-Za-z0-9]", "", f"{base}{index}")
