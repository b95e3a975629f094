"""Event buses: list, describe, create, delete."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from connector_core import Connection, RunContext

from .common import DEFAULT_BUS, call, default_bus, invalid, pages, parse_json, shape

_BUS = {
    "name": "Name",
    "arn": "Arn",
    "description": "Description",
    "creation_time": "CreationTime",
    "last_modified_time": "LastModifiedTime",
}


def list_event_buses(connection: Connection, params: Mapping[str, Any], context: RunContext) -> Iterator[dict]:
    """Every event bus of the account in the connection's region (optionally by name prefix)."""
    for bus in pages(connection, context, "ListEventBuses", "EventBuses", NamePrefix=params.get("name_prefix")):
        yield shape(bus, _BUS)


def describe_event_bus(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """One bus, by name or ARN (the connection's bus, else ``default``, if none is given)."""
    name = default_bus(connection, params.get("name"))
    response = call(connection, context, "DescribeEventBus", f"event-bus/{name}", Name=name)
    return shape(response, {
        **_BUS,
        "policy": lambda r: parse_json(r.get("Policy")),
        "kms_key_identifier": "KmsKeyIdentifier",
        "dead_letter_arn": lambda r: (r.get("DeadLetterConfig") or {}).get("Arn"),
    })


def create_event_bus(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Create a custom (or partner) event bus."""
    name = params["name"]
    if name.startswith("aws.") and not params.get("event_source_name"):
        raise invalid("name", 'names starting with "aws." are reserved for partner event buses')
    dead_letter = params.get("dead_letter_arn")
    response = call(
        connection, context, "CreateEventBus", f"event-bus/{name}",
        Name=name,
        EventSourceName=params.get("event_source_name"),
        Description=params.get("description"),
        KmsKeyIdentifier=params.get("kms_key_identifier"),
        DeadLetterConfig={"Arn": dead_letter} if dead_letter else None,
    )
    return {"name": name, "arn": response["EventBusArn"]}


def delete_event_bus(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Delete a custom event bus (the account's default bus cannot be deleted)."""
    name = params["name"]
    if name == DEFAULT_BUS:
        raise invalid("name", "the default event bus cannot be deleted")
    # DeleteEventBus succeeds for a missing bus; describing first turns that into NotFound.
    call(connection, context, "DescribeEventBus", f"event-bus/{name}", Name=name)
    call(connection, context, "DeleteEventBus", f"event-bus/{name}", Name=name)
    return {"name": name, "deleted": True}


__all__ = ["create_event_bus", "delete_event_bus", "describe_event_bus", "list_event_buses"]
