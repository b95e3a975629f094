"""Archives (create, describe, list, delete) and replays (start, describe, list, cancel)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from connector_core.aws import arn, partition_of, region_of
from connector_core import Connection, RunContext

from .common import MAX_PATTERN_CHARS, Shape, bus_arn, call, default_bus, invalid, json_text, pages, parse_json, parse_time, shape

_ARCHIVE: Shape = {
    "name": "ArchiveName",
    "arn": "ArchiveArn",
    "event_source_arn": "EventSourceArn",
    "state": "State",
    "state_reason": "StateReason",
    "description": "Description",
    "event_pattern": lambda r: parse_json(r.get("EventPattern")),
    "retention_days": "RetentionDays",
    "size_bytes": "SizeBytes",
    "event_count": "EventCount",
    "creation_time": "CreationTime",
}
_REPLAY: Shape = {
    "name": "ReplayName",
    "arn": "ReplayArn",
    "archive_arn": "EventSourceArn",
    "state": "State",
    "state_reason": "StateReason",
    "description": "Description",
    "destination_arn": lambda r: (r.get("Destination") or {}).get("Arn"),
    "event_start_time": "EventStartTime",
    "event_end_time": "EventEndTime",
    "event_last_replayed_time": "EventLastReplayedTime",
    "replay_start_time": "ReplayStartTime",
    "replay_end_time": "ReplayEndTime",
}


def create_archive(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Archive the events of a bus (all, or those matching a pattern)."""
    name = params["name"]
    pattern = params.get("event_pattern")
    response = call(
        connection, context, "CreateArchive", f"archive/{name}",
        ArchiveName=name,
        EventSourceArn=bus_arn(connection, default_bus(connection, params.get("event_bus"))),
        Description=params.get("description"),
        EventPattern=None if pattern is None else json_text(pattern, "event_pattern", limit=MAX_PATTERN_CHARS),
        RetentionDays=params.get("retention_days"),
        KmsKeyIdentifier=params.get("kms_key_identifier"),
    )
    return {"name": name, **shape(response, {"arn": "ArchiveArn", "state": "State", "creation_time": "CreationTime"})}


def describe_archive(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """One archive."""
    name = params["name"]
    return shape(call(connection, context, "DescribeArchive", f"archive/{name}", ArchiveName=name), _ARCHIVE)


def list_archives(connection: Connection, params: Mapping[str, Any], context: RunContext) -> Iterator[dict]:
    """The account's archives (optionally by name prefix, source bus or state)."""
    bus = params.get("event_bus")
    for item in pages(connection, context, "ListArchives", "Archives",
                      NamePrefix=params.get("name_prefix"), State=params.get("state"),
                      EventSourceArn=bus_arn(connection, bus) if bus else None):
        yield shape(item, _ARCHIVE)


def delete_archive(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Delete an archive and the events it holds."""
    name = params["name"]
    call(connection, context, "DeleteArchive", f"archive/{name}", ArchiveName=name)
    return {"name": name, "deleted": True}


def start_replay(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Replay archived events of a time window to a bus (the archive's source bus by default)."""
    name = params["name"]
    start = parse_time(params["event_start_time"], "event_start_time")
    end = parse_time(params["event_end_time"], "event_end_time")
    if end <= start:
        raise invalid("event_end_time", "must be after event_start_time")
    archive = _archive_arn(connection, params["archive"])
    destination = params.get("destination_event_bus")
    if destination:
        destination_arn = bus_arn(connection, destination)
    else:
        source = call(connection, context, "DescribeArchive", f"archive/{params['archive']}",
                      ArchiveName=archive.rsplit("/", 1)[-1])
        destination_arn = source["EventSourceArn"]
    bus_name = destination_arn.rsplit("/", 1)[-1]
    filters = [r if r.startswith("arn:") else _arn(connection, f"rule/{bus_name}/{r}")
               for r in params.get("filter_rules") or []]
    response = call(
        connection, context, "StartReplay", f"replay/{name}",
        ReplayName=name,
        Description=params.get("description"),
        EventSourceArn=archive,
        EventStartTime=start,
        EventEndTime=end,
        Destination={"Arn": destination_arn, **({"FilterArns": filters} if filters else {})},
    )
    return {"name": name, **shape(response, {"arn": "ReplayArn", "state": "State", "state_reason": "StateReason"})}


def describe_replay(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """One replay and its progress."""
    name = params["name"]
    return shape(call(connection, context, "DescribeReplay", f"replay/{name}", ReplayName=name), _REPLAY)


def list_replays(connection: Connection, params: Mapping[str, Any], context: RunContext) -> Iterator[dict]:
    """The account's replays (optionally by name prefix, archive or state)."""
    archive = params.get("archive")
    for item in pages(connection, context, "ListReplays", "Replays",
                      NamePrefix=params.get("name_prefix"), State=params.get("state"),
                      EventSourceArn=_archive_arn(connection, archive) if archive else None):
        yield shape(item, _REPLAY)


def cancel_replay(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Cancel a running replay."""
    name = params["name"]
    response = call(connection, context, "CancelReplay", f"replay/{name}", ReplayName=name)
    return {"name": name, **shape(response, {"arn": "ReplayArn", "state": "State", "state_reason": "StateReason"})}


def _archive_arn(connection: Connection, name_or_arn: str) -> str:
    return name_or_arn if name_or_arn.startswith("arn:") else _arn(connection, f"archive/{name_or_arn}")


def _arn(connection: Connection, resource: str) -> str:
    account = connection.get("account_id")
    if not account:
        raise invalid("account_id", f"is required to build the ARN of {resource}; give an ARN or set the account ID")
    region = region_of(connection)
    return arn("events", region, account, resource, partition=partition_of(region))


__all__ = ["cancel_replay", "create_archive", "delete_archive", "describe_archive", "describe_replay",
           "list_archives", "list_replays", "start_replay"]
