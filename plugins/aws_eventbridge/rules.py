"""Rules: put, describe, list, enable, disable, delete; test an event pattern."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from connector_core.aws import region_of
from connector_core import Connection, RunContext

from .common import MAX_PATTERN_CHARS, Shape, call, default_bus, invalid, json_text, pages, parse_json, shape

_RULE: Shape = {
    "name": "Name",
    "arn": "Arn",
    "event_bus": "EventBusName",
    "event_pattern": lambda r: parse_json(r.get("EventPattern")),
    "schedule_expression": "ScheduleExpression",
    "state": "State",
    "description": "Description",
}


def put_rule(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Create or update a rule matching an event pattern or running on a schedule."""
    name, bus = params["name"], default_bus(connection, params.get("event_bus"))
    pattern = params.get("event_pattern")
    schedule = params.get("schedule_expression")
    if (pattern is None) == (schedule is None):
        raise invalid("event_pattern", "give exactly one of event_pattern and schedule_expression")
    if schedule is not None and not (schedule.startswith("rate(") or schedule.startswith("cron(")):
        raise invalid("schedule_expression", "must be rate(...) or cron(...), e.g. rate(5 minutes)")
    response = call(
        connection, context, "PutRule", f"rule/{bus}/{name}",
        Name=name,
        EventBusName=bus,
        EventPattern=None if pattern is None else json_text(pattern, "event_pattern", limit=MAX_PATTERN_CHARS),
        ScheduleExpression=schedule,
        State=params.get("state"),
        Description=params.get("description"),
        RoleArn=params.get("role_arn"),
    )
    return {"name": name, "arn": response["RuleArn"]}


def describe_rule(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """One rule of a bus."""
    name, bus = params["name"], default_bus(connection, params.get("event_bus"))
    response = call(connection, context, "DescribeRule", f"rule/{bus}/{name}", Name=name, EventBusName=bus)
    return shape(response, {**_RULE, "role_arn": "RoleArn", "managed_by": "ManagedBy"})


def list_rules(connection: Connection, params: Mapping[str, Any], context: RunContext) -> Iterator[dict]:
    """The rules of a bus (optionally by name prefix)."""
    bus = default_bus(connection, params.get("event_bus"))
    for rule in pages(connection, context, "ListRules", "Rules", EventBusName=bus,
                      NamePrefix=params.get("name_prefix")):
        yield shape(rule, _RULE)


def enable_rule(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Enable a rule."""
    return _set_state(connection, params, context, "EnableRule", "ENABLED")


def disable_rule(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Disable a rule: events stop reaching its targets."""
    return _set_state(connection, params, context, "DisableRule", "DISABLED")


def _set_state(connection: Connection, params: Mapping[str, Any], context: RunContext,
               action: str, state: str) -> dict:
    name, bus = params["name"], default_bus(connection, params.get("event_bus"))
    call(connection, context, action, f"rule/{bus}/{name}", Name=name, EventBusName=bus)
    return {"name": name, "state": state}


def delete_rule(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Delete a rule (its targets must have been removed)."""
    name, bus = params["name"], default_bus(connection, params.get("event_bus"))
    # DeleteRule succeeds for a missing rule; describing first turns that into NotFound.
    call(connection, context, "DescribeRule", f"rule/{bus}/{name}", Name=name, EventBusName=bus)
    call(connection, context, "DeleteRule", f"rule/{bus}/{name}", Name=name, EventBusName=bus,
         Force=params.get("force") or None)
    return {"name": name, "deleted": True}


def test_event_pattern(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Whether a sample event matches a pattern; missing envelope fields are filled in."""
    pattern = json_text(params["event_pattern"], "event_pattern", limit=MAX_PATTERN_CHARS)
    event = params["event"]
    if isinstance(event, str):
        event = json.loads(json_text(event, "event"))
    elif not isinstance(event, dict):
        raise invalid("event", f"must be a JSON object, not {type(event).__name__}")
    for required in ("source", "detail-type"):
        if required not in event:
            raise invalid(f"event.{required}", "is required in the sample event")
    full = {
        "id": str(uuid.uuid4()),
        "account": connection.get("account_id") or "123456789012",
        "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region_of(connection),
        "resources": [],
        "detail": {},
        **event,
    }
    response = call(connection, context, "TestEventPattern", None,
                    EventPattern=pattern, Event=json.dumps(full))
    return {"matches": bool(response.get("Result"))}


__all__ = ["delete_rule", "describe_rule", "disable_rule", "enable_rule", "list_rules",
           "put_rule", "test_event_pattern"]
