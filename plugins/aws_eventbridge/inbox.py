"""The shared trigger queue as an inbox for :class:`connector_core.triggers.dispatch.InboxDispatcher`.

One :class:`QueueInbox` per queue (the shared queue of an account and region, or a queue
a trigger was given): one receive loop for every ``events`` trigger instance set up on
it, routed by the instance id the rule's input transformer writes into each message.
Run the host with the setting ``eventbridge.dispatcher`` so that polls of stored
instances only set up their rule and leave receiving to the dispatcher.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector_core import Connection
from connector_core.aws import aws_errors, client
from connector_core.triggers.dispatch import InboxMessage

from .common import CONNECTOR
from .trigger import SQS_BATCH, TRIGGER_KEY, _delete, _item, _message

TRIGGER = "events"


class QueueInbox:
    """Receives from one trigger queue with one connection's credentials (any connection of its account)."""

    def __init__(self, host: Any, connection: Connection, queue_url: str, *, wait_seconds: int = 20,
                 visibility_timeout: int = 120) -> None:
        self.key = queue_url
        self.wait_seconds = wait_seconds
        self.visibility_timeout = visibility_timeout
        self._sqs = client(connection, host.context(CONNECTOR), "sqs")

    def receive(self) -> list[InboxMessage]:
        with aws_errors(connector=CONNECTOR, action="sqs:ReceiveMessage", resource=self.key):
            response = self._sqs.receive_message(
                QueueUrl=self.key, MaxNumberOfMessages=SQS_BATCH, WaitTimeSeconds=self.wait_seconds,
                VisibilityTimeout=self.visibility_timeout, AttributeNames=["ApproximateReceiveCount"])
        return [_routed(message) for message in response.get("Messages", [])]

    def delete(self, receipts: list[str]) -> None:
        _delete(self._sqs, self.key, receipts)

    def serves(self, instance: Any) -> bool:
        cursor = instance.cursor
        return (instance.connector_id == CONNECTOR and instance.trigger_id == TRIGGER
                and isinstance(cursor, Mapping) and cursor.get("queue_url") == self.key)


def queue_inboxes(host: Any, instances: Any, connections: Any, **options: Any) -> list[QueueInbox]:
    """One inbox per queue that enabled, set-up ``events`` instances use (across tenants).

    Each receives with the connection of the queue's oldest instance: every instance on
    one queue is of one account, and the queue's messages are that account's. Call it
    again now and then (or when instances are created) to pick up new accounts' queues.
    """
    first: dict[str, Any] = {}
    for instance in instances.of_trigger(CONNECTOR, TRIGGER):
        cursor = instance.cursor
        if isinstance(cursor, Mapping) and isinstance(cursor.get("queue_url"), str):
            first.setdefault(cursor["queue_url"], instance)
    return [QueueInbox(host, connections.load_connection(i.tenant, i.connection_id), queue, **options)
            for queue, i in first.items()]


def _routed(message: Mapping[str, Any]) -> InboxMessage:
    body = _message(message.get("Body", ""))
    route = body.get(TRIGGER_KEY) if body is not None else None
    item = None
    if body is not None and isinstance(body["event"].get("id"), str):
        item = _item(body["event"])
    receives = message.get("Attributes", {}).get("ApproximateReceiveCount", "1")
    return InboxMessage(route if isinstance(route, str) else None, item, message["ReceiptHandle"],
                        int(receives) if str(receives).isdigit() else 1)
