"""Dynamic options for the form's dropdowns: event buses, rules, connections, destinations, archives."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice

from connector_core import Connection, RunContext
from connector_core import Option

from .common import default_bus, pages

#: A dropdown longer than this is no help; the field stays a free string.
MAX_OPTIONS = 500

_RULE_OPS = {"describe_rule", "enable_rule", "disable_rule", "delete_rule"}
_CONNECTION_OPS = {"update_connection", "describe_connection", "delete_connection", "deauthorize_connection"}
_DESTINATION_OPS = {"update_api_destination", "describe_api_destination", "delete_api_destination"}
_ARCHIVE_OPS = {"describe_archive", "delete_archive"}
_BUS_OPS = {"describe_event_bus", "delete_event_bus"}


def options(connection: Connection, field: str, context: RunContext) -> list[Option] | None:
    """Options for ``field`` (``key`` or ``operation.key``); ``None`` for a field not filled here."""
    source = _source_for(field)
    if source is None:
        return None
    return list(islice(source(connection, context), MAX_OPTIONS))


def _source_for(field: str) -> Callable[[Connection, RunContext], Iterator[Option]] | None:
    operation, _, key = field.rpartition(".")
    if key in ("event_bus", "destination_event_bus") or (key == "name" and operation in _BUS_OPS):
        return _buses
    if key == "rule" or (key == "name" and operation in _RULE_OPS):
        return _rules
    if key == "connection_arn":
        return _connection_arns
    if key == "name" and operation in _CONNECTION_OPS:
        return _connection_names
    if key == "name" and operation in _DESTINATION_OPS:
        return _destinations
    if key == "archive" or (key == "name" and operation in _ARCHIVE_OPS):
        return _archives
    return None


def _buses(connection: Connection, context: RunContext) -> Iterator[Option]:
    for bus in pages(connection, context, "ListEventBuses", "EventBuses"):
        yield Option(bus["Name"], bus.get("Description") or bus["Name"])


def _rules(connection: Connection, context: RunContext) -> Iterator[Option]:
    for rule in pages(connection, context, "ListRules", "Rules", EventBusName=default_bus(connection)):
        yield Option(rule["Name"], f"{rule['Name']} ({rule.get('State', '').lower()})")


def _connection_arns(connection: Connection, context: RunContext) -> Iterator[Option]:
    for item in pages(connection, context, "ListConnections", "Connections"):
        yield Option(item["ConnectionArn"], item["Name"])


def _connection_names(connection: Connection, context: RunContext) -> Iterator[Option]:
    for item in pages(connection, context, "ListConnections", "Connections"):
        yield Option(item["Name"], f"{item['Name']} ({item.get('AuthorizationType', '')})")


def _destinations(connection: Connection, context: RunContext) -> Iterator[Option]:
    for item in pages(connection, context, "ListApiDestinations", "ApiDestinations"):
        yield Option(item["Name"], f"{item['Name']} ({item.get('InvocationEndpoint', '')})")


def _archives(connection: Connection, context: RunContext) -> Iterator[Option]:
    for item in pages(connection, context, "ListArchives", "Archives"):
        yield Option(item["ArchiveName"], item["ArchiveName"])
