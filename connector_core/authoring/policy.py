"""Least-privilege IAM policies from manifests (``connectors policy ID``).

The actions come from the chosen operations' ``iam_actions``; the resources are
scoped (by the table in :mod:`.resources`) to the bucket or event bus the connection
names, in the partition of the connection's region, else ``"*"``. No plugin code and
no boto3 are imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from connector_core.errors import NotFoundError, ValidationError
from connector_core.manifest import Manifest
from connector_core.values import check_value

from .resources import SCOPES, ServiceScope

POLICY_VERSION = "2012-10-17"


def policy_for(manifest: Manifest, operations: Iterable[str] = (),
               connection: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The IAM policy document allowing exactly the chosen operations (all when none are given)."""
    chosen = list(operations) or list(manifest.operation_ids)
    unknown = [op for op in chosen if op not in manifest.operation_ids]
    if unknown:
        raise NotFoundError(f"no operation {', '.join(map(repr, unknown))}",
                            hint="operations: " + ", ".join(manifest.operation_ids), connector=manifest.id)
    values = _connection_values(manifest, connection or {})
    grouped: dict[tuple[str, ...], set[str]] = {}
    for op_id in chosen:
        for action in manifest.operation(op_id).iam_actions:
            grouped.setdefault(resources_for(action, values), set()).add(action)
    statements = []
    for resources, actions in sorted(grouped.items(), key=lambda item: (item[0] == ("*",), item[0])):
        statements.append({
            "Sid": _sid(sorted(actions), len(statements) + 1),
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": resources[0] if len(resources) == 1 else list(resources),
        })
    return {"Version": POLICY_VERSION, "Statement": statements}


def resources_for(action: str, connection: Mapping[str, Any]) -> tuple[str, ...]:
    """The resources an action is scoped to for this connection: ARNs, or ``("*",)``."""
    service, _, name = action.partition(":")
    scope = SCOPES.get(service)
    if scope is None:
        return ("*",)
    template = scope.template_for(name)
    named = connection.get(scope.field)
    if template is None or not named:
        return ("*",)
    return (_fill(template, scope, str(named), connection),)


def _fill(template: str, scope: ServiceScope, named: str, connection: Mapping[str, Any]) -> str:
    region = _region(connection)
    account = connection.get("account_id") or "*"
    name = named
    if scope.arn_marker and scope.arn_marker in named:
        # The connection gives an ARN: its own region and account win.
        prefix, _, name = named.partition(scope.arn_marker)
        parts = prefix.split(":")
        if len(parts) >= 5:
            region, account = parts[3] or region, parts[4] or account
    bus_prefix = "" if name == "default" else f"{name}/"
    return template.format(partition=_partition(region), region=region or "*", account=account,
                           name=name, bus_prefix=bus_prefix)


def _region(connection: Mapping[str, Any]) -> str:
    try:
        from connector_core.aws import region_of

        return region_of(connection)
    except Exception:  # no region named: a wildcard region, in the commercial partition
        return ""


def _partition(region: str) -> str:
    if not region:
        return "aws"
    try:
        from connector_core.aws import partition_of

        return partition_of(region)
    except Exception:  # a region botocore does not know: the commercial partition
        return "aws"


def _connection_values(manifest: Manifest, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Connection values with defaults; every value used in an ARN is checked against its field.

    Only the non-secret fields that name resources matter here, so a connection file for
    a policy need not carry credentials.
    """
    section = manifest.connection
    values = {f.key: f.default for f in section.fields if f.has_default}
    values.update(raw)
    used = {s.field for s in SCOPES.values()} | {"region", "custom_region", "account_id"}
    errors: dict[str, list[str]] = {}
    for key in sorted(used & set(raw)):
        if key in section.keys:
            problems = check_value(section.field(key), raw[key])
            if problems:
                errors[f"connection.{key}"] = problems
    if errors:
        raise ValidationError(errors, hint="correct the connection file", connector=manifest.id)
    return values


def _sid(actions: list[str], index: int) -> str:
    services = sorted({a.partition(":")[0] for a in actions})
    base = "".join(s.title() for s in services)
    return re.sub(r"[^A-Za-z0-9]", "", f"{base}{index}")
