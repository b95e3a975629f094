"""Helpers shared by the EventBridge operations: the client, bus references, calls, output shaping."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from connector_core.aws import arn, aws_errors, client, partition_of, region_of
from connector_core.json_codec import dumps
from connector_core import Connection, RunContext
from connector_core import ValidationError

CONNECTOR = "aws.eventbridge"
DEFAULT_BUS = "default"
#: EventBridge's limit on serialised event patterns (botocore's EventPattern shape).
MAX_PATTERN_CHARS = 4096


def events_client(connection: Connection, context: RunContext) -> Any:
    """The cached EventBridge client of this connection, shared by every operation but put events."""
    return client(connection, context, "events")


def put_events_client(connection: Connection, context: RunContext, concurrency: int) -> Any:
    """The cached client put events sends with.

    botocore's pool must hold one connection per concurrent request, or a request finds
    the pool empty, opens a connection and closes it after (a TCP handshake each time);
    it is sized for :data:`POOL_CONNECTIONS` (the manifest's highest ``concurrency``), as
    several runs share the client at once (a job runner's threads). Connections open only
    when needed. botocore's parameter validation is off because every entry has been
    checked locally already, and it costs a tenth of a millisecond per 10-entry call.
    """
    return client(connection, context, "events", max_pool_connections=max(POOL_CONNECTIONS, concurrency),
                  parameter_validation=False)


#: Connections put events' client keeps open for reuse (see :func:`put_events_client`).
POOL_CONNECTIONS = 64


@contextmanager
def calling(action: str, resource: str | None = None) -> Iterator[None]:
    """Re-raise botocore errors of ``events:<action>`` as connector errors that say what to do."""
    with aws_errors(connector=CONNECTOR, action=f"events:{action}", resource=resource):
        yield


def call(connection: Connection, context: RunContext, action: str, resource: str | None = None,
         **kwargs: Any) -> dict[str, Any]:
    """Call one EventBridge API (``action`` in PascalCase) with ``kwargs``, errors mapped."""
    method = getattr(events_client(connection, context), _snake(action))
    with calling(action, resource):
        return method(**prune(kwargs))


def pages(connection: Connection, context: RunContext, action: str, key: str,
          **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of a NextToken-paginated EventBridge listing, page by page."""
    kwargs = prune(kwargs)
    while True:
        page = call(connection, context, action, **kwargs)
        yield from page.get(key, [])
        token = page.get("NextToken")
        if not token:
            return
        kwargs["NextToken"] = token


def default_bus(connection: Connection, given: str | None = None) -> str:
    """The bus an operation works on: the one given, else the connection's, else ``default``."""
    return given or connection.get("event_bus") or DEFAULT_BUS


def bus_arn(connection: Connection, name_or_arn: str) -> str:
    """A bus ARN for a name, in the connection's region and partition (ARNs pass through)."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    account = connection.get("account_id")
    if not account:
        raise ValidationError(
            {"account_id": ["required to build the ARN of event bus " + repr(name_or_arn)]},
            hint="enter the AWS Account ID (12 digits, part of your user ARN) in the connection",
            connector=CONNECTOR,
        )
    region = region_of(connection)
    return arn("events", region, account, f"event-bus/{name_or_arn}", partition=partition_of(region))


#: JSON as AWS takes it, compact, UTF-8 unescaped: orjson where it means what ``json.dumps``
#: would (a fifth to an eighth of its time per event detail), else ``json.dumps`` itself.
compact_json = dumps


def json_text(value: Any, path: str, *, limit: int | None = None, object_only: bool = True) -> str:
    """A JSON document as text: objects are serialised, strings are checked and kept as given.

    Raises :class:`ValidationError` at ``path`` for malformed JSON, a non-object when
    ``object_only``, or text longer than ``limit`` characters.
    """
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise invalid(path, f"is not valid JSON: {exc}") from None
        text = value
    else:
        parsed = value
        text = compact_json(value)
    if object_only and not isinstance(parsed, dict):
        raise invalid(path, f"must be a JSON object, not {type(parsed).__name__}")
    if limit is not None and len(text) > limit:
        raise invalid(path, f"is {len(text)} characters once serialised; the limit is {limit}")
    return text


def parse_json(text: str | None) -> Any:
    """A JSON document the service returned, parsed (the text itself if it is not JSON)."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_time(value: str, path: str) -> datetime:
    """An RFC 3339 / ISO 8601 time stamp (``2026-01-31T12:00:00Z``)."""
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise invalid(path, f"{value!r} is not an RFC 3339 time stamp such as 2026-01-31T12:00:00Z") from None


def invalid(path: str, message: str) -> ValidationError:
    """A validation error for one field path."""
    return ValidationError({path: [message]}, connector=CONNECTOR)


def iso(value: Any) -> Any:
    """Datetimes as ISO 8601 strings (outputs are JSON)."""
    return value.isoformat() if isinstance(value, datetime) else value


def prune(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """The mapping without its ``None`` values (absent optional fields)."""
    return {k: v for k, v in mapping.items() if v is not None}


#: How :func:`shape` builds an output: ``out_key -> ResponseKey`` or a function of the response.
Shape = Mapping[str, str | Callable[[Mapping[str, Any]], Any]]


def shape(response: Mapping[str, Any], mapping: Shape) -> dict:
    """An output dict: ``out_key -> ResponseKey`` (or a function of the response), ISO times, no Nones."""
    out: dict[str, Any] = {}
    for key, source in mapping.items():
        value = source(response) if callable(source) else response.get(source)
        out[key] = iso(value)
    return prune(out)


def _snake(action: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in action).lstrip("_")
