"""Amazon EventBridge: publish events, route them with a rule and a target, create a connection.

Called by ``python -m demo`` with the host and the local emulator's URL.
"""

from __future__ import annotations

import json
from typing import Any

from connector_core import ConnectorError, ValidationError
from demo import emulator_credentials

ACCOUNT = "123456789012"  # the emulator's account


def run(host: Any, endpoint_url: str) -> None:
    """Publish events, create a rule, a target and a connection against the emulator; print outcomes."""
    values = emulator_credentials(endpoint_url, account_id=ACCOUNT)
    conn = host.connect("aws.eventbridge", values, name="Demo EventBridge")
    print("  test connection:")
    for check in host.test(conn).checks:
        print(f"    {check.status:<7} {check.name}: {check.message}")

    bus = host.run(conn, "create_event_bus", {"name": "orders", "description": "Demo order events"})
    print(f"  created event bus {bus['name']}: {bus['arn']}")
    rule = host.run(conn, "put_rule", {"name": "big-orders", "event_bus": "orders", "event_pattern": {
        "source": ["com.example.shop"], "detail-type": ["OrderPlaced"]}})
    print(f"  created rule {rule['name']}: {rule['arn']}")

    sqs = _sqs(conn, endpoint_url)
    queue_url, queue_arn = _queue(sqs)  # the target: an SQS queue in the emulator
    targets = host.run(conn, "put_targets", {"rule": "big-orders", "event_bus": "orders",
                                             "targets": [{"id": "orders-queue", "arn": queue_arn}]})
    print(f"  added target orders-queue -> {queue_arn}: {targets['failed_count']} failed")

    entries = [{"source": "com.example.shop", "detail_type": "OrderPlaced",
                "detail": {"order": i, "total": 10 * i, "city": "Zürich"}} for i in range(1, 26)]
    entries.append({"source": "com.example.shop", "detail_type": "Heartbeat", "detail": {}})
    seen: list[int] = []
    out = host.run(conn, "put_events", {"entries": entries, "event_bus": "orders"},
                   progress=lambda done, total, unit: seen.append(done))
    print(f"  put {len(entries)} events in {out['requests']} PutEvents calls: "
          f"{out['successful_count']} published, {out['failed_count']} failed; progress {seen}")
    print(f"    first outcome: {out['results'][0]}")
    delivered = _drain(sqs, queue_url)
    print(f"  the rule routed {len(delivered)} OrderPlaced events to the queue (not the heartbeat); "
          f"first detail: {delivered[0] if delivered else None}")

    try:
        host.run(conn, "put_events", {"entries": [entries[0], {**entries[1], "detail": '{"order": 2,'}]})
    except ValidationError as exc:
        print(f"  malformed detail is refused before anything is sent: {exc.errors}")
    try:
        host.run(conn, "put_events", {"entries": entries[:3], "event_bus": "no-such-bus"})
    except ConnectorError as exc:
        print(f"  an unknown bus: {type(exc).__name__}: {exc.message}")

    created = host.run(conn, "create_connection", {
        "name": "partner-api",
        "description": "Demo partner API",
        "authorization_type": "API_KEY",
        "api_key": {"key": "x-api-key", "value": "demo-api-key-never-shown"},
        "invocation_http_parameters": {"header": [{"key": "x-tenant", "value": "acme", "is_value_secret": False}]},
    })
    print(f"  created connection {created['name']}: state {created['state']}, arn {created['arn']}")
    described = host.run(conn, "describe_connection", {"name": "partner-api"})
    print(f"    described (no secret value, even though the emulator echoes them): "
          f"{json.dumps(described['auth_parameters'])}")
    destination = host.run(conn, "create_api_destination", {
        "name": "partner-orders", "connection_arn": created["arn"],
        "invocation_endpoint": "https://partner.example.com/orders", "http_method": "POST",
        "invocation_rate_limit_per_second": 50})
    print(f"  created API destination {destination['name']}: {destination['state']}")
    print(f"  buses in the dropdown: {[o.value for o in host.options(conn, 'event_bus')]}")


def _sqs(conn: Any, endpoint_url: str) -> Any:
    import boto3

    return boto3.client("sqs", region_name="eu-west-3", endpoint_url=endpoint_url,
                        aws_access_key_id=conn["access_key_id"],
                        aws_secret_access_key=conn["secret_access_key"].reveal())


def _queue(sqs: Any) -> tuple[str, str]:
    url = sqs.create_queue(QueueName="demo-orders")["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _drain(sqs: Any, queue_url: str) -> list[dict]:
    details: list[dict] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return details
        details += [json.loads(m["Body"])["detail"] for m in messages]
