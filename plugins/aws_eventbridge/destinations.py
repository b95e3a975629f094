"""API destinations: create, update, describe, list, delete."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from connector_core import Connection, RunContext

from .common import call, invalid, pages, shape

#: EventBridge's documented range for InvocationRateLimitPerSecond.
MIN_RATE, MAX_RATE = 1, 300

_DESTINATION = {
    "name": "Name",
    "arn": "ApiDestinationArn",
    "state": "ApiDestinationState",
    "description": "Description",
    "connection_arn": "ConnectionArn",
    "invocation_endpoint": "InvocationEndpoint",
    "http_method": "HttpMethod",
    "invocation_rate_limit_per_second": "InvocationRateLimitPerSecond",
    "creation_time": "CreationTime",
    "last_modified_time": "LastModifiedTime",
}


def create_api_destination(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Create an API destination: an HTTPS endpoint called through a connection."""
    name = params["name"]
    response = call(connection, context, "CreateApiDestination", f"api-destination/{name}",
                    Name=name, **_fields(params))
    return {"name": name, **shape(response, {"arn": "ApiDestinationArn", "state": "ApiDestinationState",
                                             "creation_time": "CreationTime"})}


def update_api_destination(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Change an API destination's endpoint, method, connection, rate or description."""
    name = params["name"]
    response = call(connection, context, "UpdateApiDestination", f"api-destination/{name}",
                    Name=name, **_fields(params))
    return {"name": name, **shape(response, {"arn": "ApiDestinationArn", "state": "ApiDestinationState",
                                             "last_modified_time": "LastModifiedTime"})}


def describe_api_destination(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """One API destination."""
    name = params["name"]
    return shape(call(connection, context, "DescribeApiDestination", f"api-destination/{name}", Name=name),
                 _DESTINATION)


def list_api_destinations(connection: Connection, params: Mapping[str, Any], context: RunContext) -> Iterator[dict]:
    """The account's API destinations (optionally by name prefix or connection)."""
    for item in pages(connection, context, "ListApiDestinations", "ApiDestinations",
                      NamePrefix=params.get("name_prefix"), ConnectionArn=params.get("connection_arn")):
        yield shape(item, _DESTINATION)


def delete_api_destination(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict:
    """Delete an API destination."""
    name = params["name"]
    call(connection, context, "DeleteApiDestination", f"api-destination/{name}", Name=name)
    return {"name": name, "deleted": True}


def _fields(params: Mapping[str, Any]) -> dict[str, Any]:
    endpoint = params.get("invocation_endpoint")
    if endpoint is not None and not endpoint.lower().startswith("https://"):
        raise invalid("invocation_endpoint", "must be an https:// URL")
    rate = params.get("invocation_rate_limit_per_second")
    if rate is not None and not MIN_RATE <= rate <= MAX_RATE:
        raise invalid("invocation_rate_limit_per_second", f"must be between {MIN_RATE} and {MAX_RATE}, not {rate}")
    return {
        "Description": params.get("description"),
        "ConnectionArn": params.get("connection_arn"),
        "InvocationEndpoint": endpoint,
        "HttpMethod": params.get("http_method"),
        "InvocationRateLimitPerSecond": rate,
    }


__all__ = ["create_api_destination", "delete_api_destination", "describe_api_destination",
           "list_api_destinations", "update_api_destination"]
