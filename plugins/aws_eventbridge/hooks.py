"""The Amazon EventBridge plugin's hook implementations (registered by entry point).

Cheap to import: no boto3, no operation code. Operations are ``"module:function"``
strings that the host imports on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from connector_manifests import FOLDER as MANIFESTS
from connector_core import hookimpl

_PACKAGE = "connector_aws_eventbridge"

_OPERATIONS = {
    "put_events": "events:put_events",
    "list_event_buses": "buses:list_event_buses",
    "describe_event_bus": "buses:describe_event_bus",
    "create_event_bus": "buses:create_event_bus",
    "delete_event_bus": "buses:delete_event_bus",
    "put_rule": "rules:put_rule",
    "describe_rule": "rules:describe_rule",
    "list_rules": "rules:list_rules",
    "enable_rule": "rules:enable_rule",
    "disable_rule": "rules:disable_rule",
    "delete_rule": "rules:delete_rule",
    "test_event_pattern": "rules:test_event_pattern",
    "put_targets": "targets:put_targets",
    "list_targets": "targets:list_targets",
    "remove_targets": "targets:remove_targets",
    "create_connection": "connections:create_connection",
    "update_connection": "connections:update_connection",
    "describe_connection": "connections:describe_connection",
    "list_connections": "connections:list_connections",
    "delete_connection": "connections:delete_connection",
    "deauthorize_connection": "connections:deauthorize_connection",
    "create_api_destination": "destinations:create_api_destination",
    "update_api_destination": "destinations:update_api_destination",
    "describe_api_destination": "destinations:describe_api_destination",
    "list_api_destinations": "destinations:list_api_destinations",
    "delete_api_destination": "destinations:delete_api_destination",
    "create_archive": "archives:create_archive",
    "describe_archive": "archives:describe_archive",
    "list_archives": "archives:list_archives",
    "delete_archive": "archives:delete_archive",
    "start_replay": "archives:start_replay",
    "describe_replay": "archives:describe_replay",
    "list_replays": "archives:list_replays",
    "cancel_replay": "archives:cancel_replay",
    "delete_trigger": "trigger:delete_trigger",
}


@hookimpl
def connector_requires() -> list[str]:
    """The AWS toolkit: the ``aws.credentials`` fragment, region list, ``aws.*`` settings, error codes."""
    return ["connector_core.aws.plugin"]


@hookimpl
def connector_manifests() -> Iterable[Any]:
    """The ``aws.eventbridge`` manifest (it extends the toolkit's ``aws.credentials``)."""
    return [MANIFESTS / "aws_eventbridge.yaml"]


@hookimpl
def connector_implementations() -> Mapping[str, str]:
    """Operation id -> ``"module:function"``, imported on first use."""
    return {op: f"{_PACKAGE}.{target}" for op, target in _OPERATIONS.items()}


@hookimpl
def connector_triggers() -> Mapping[str, str]:
    """``events``: events matching a pattern, through a rule and an SQS queue (see :mod:`.trigger`)."""
    return {"events": f"{_PACKAGE}.trigger:events"}


@hookimpl
def connector_settings() -> Mapping[str, Any]:
    """``eventbridge.dispatcher``: receive trigger events with one dispatcher per queue."""
    from connector_core import Setting

    return {"eventbridge.dispatcher": Setting(
        False, "The host runs an InboxDispatcher per trigger queue (connector_aws_eventbridge.inbox): polls of "
               "stored trigger instances only set up their rule and never receive.")}


@hookimpl
def connector_test_connection(connection: Any, context: Any) -> Any:
    """Credentials, account ID, region and event bus, one check each (see :mod:`.checks`)."""
    from .checks import test_connection  # boto3 only when a test really runs

    return test_connection(connection, context)


@hookimpl
def connector_options(connection: Any, field: str, context: Any) -> Any:
    """Buses, rules, connections, API destinations and archives of the account (see :mod:`.options`)."""
    from .options import options

    return options(connection, field, context)


@hookimpl
def connector_resource_values(values: Mapping[str, Any]) -> Mapping[str, str] | None:
    """``{event_bus_name}`` and ``{rule_prefix}`` for the manifest's ``iam_resources``.

    A bus given as an ARN keeps its own partition, region and account. Rules on the
    default bus are ``rule/NAME``; on another bus ``rule/BUS/NAME``.
    """
    bus = str(values.get("event_bus") or "")
    if not bus:
        return None
    out: dict[str, str] = {}
    if ":event-bus/" in bus:
        prefix, _, bus = bus.partition(":event-bus/")
        parts = prefix.split(":")  # arn:PARTITION:events:REGION:ACCOUNT
        if len(parts) >= 5:
            out.update({k: v for k, v in zip(("partition", "region", "account"), (parts[1], parts[3], parts[4])) if v})
    out.update(event_bus_name=bus, rule_prefix="" if bus == "default" else f"{bus}/")
    return out

