"""The ``events`` trigger: events matching a pattern, through a rule and an SQS queue.

Set-up (on a poll whose cursor does not record it yet, idempotent): the queue (shared
by every trigger of the account and region, or one the user gives), the queue policy
statement that lets EventBridge rules of this account send to it, the rule, and its
target, whose input transformer wraps each event as ``{"connector_core_rule": NAME,
"connector_core_trigger": INSTANCE, "event": EVENT}`` so that a message says which
trigger instance it is for. Run for a stored instance (``context.trigger_instance``),
the rule is named after the instance (``connector-core-<instance id>``).

Two ways to receive:

- **per-instance polls** (the default): a poll long-polls the queue and returns the
  events of its own rule; messages of other rules sharing the queue are made visible
  again at once. Nothing is deleted during the poll: :meth:`PollResult.commit` deletes
  the messages, after the handler succeeded, so an event whose handling failed comes
  back after ``visibility_timeout`` (at least once);
- **a dispatcher per queue** (host setting ``eventbridge.dispatcher``): polls of stored
  instances only set up and never receive; :mod:`.inbox` gives the host one inbox per
  queue for :class:`connector_core.triggers.dispatch.InboxDispatcher`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from connector_core import Connection, PollResult, RunContext, TriggerItem
from connector_core.aws import aws_errors, client

from .common import CONNECTOR, MAX_PATTERN_CHARS, call, default_bus, invalid, json_text

if TYPE_CHECKING:  # botocore is imported when a trigger first runs
    from botocore.exceptions import ClientError

#: The queue every trigger of one account and region shares (unless given a queue).
SHARED_QUEUE = "connector-core-eventbridge-triggers"
TARGET_ID = "connector-core-trigger-queue"
POLICY_SID = "ConnectorCoreEventBridgeTriggers"
RULE_KEY = "connector_core_rule"
TRIGGER_KEY = "connector_core_trigger"
#: Host setting: a dispatcher per queue receives, polls of stored instances only set up.
DISPATCHER_SETTING = "eventbridge.dispatcher"
CURSOR_VERSION = 1
SQS_BATCH = 10  # ReceiveMessage / DeleteMessageBatch limit


def events(connection: Connection, params: Mapping[str, Any], cursor: Any, context: RunContext) -> PollResult:
    pattern = json_text(params["event_pattern"], "event_pattern", limit=MAX_PATTERN_CHARS)
    bus = default_bus(connection, params.get("event_bus"))
    instance = getattr(context, "trigger_instance", None)
    rule = params.get("rule_name") or (f"connector-core-{instance}" if instance else _rule_name(bus, pattern))
    setup = _digest(bus, pattern, rule, params.get("queue_url") or "", instance or "")
    sqs = client(connection, context, "sqs")
    if not isinstance(cursor, Mapping) or cursor.get("setup") != setup:
        cursor = {"v": CURSOR_VERSION, "setup": setup, "rule": rule, "event_bus": bus,
                  "queue_url": _set_up(connection, context, sqs, bus, pattern, rule, params.get("queue_url"),
                                       instance)}
    if instance and context.settings.get(DISPATCHER_SETTING):
        return PollResult([], cursor)  # the queue's dispatcher receives for this instance
    queue = cursor["queue_url"]
    items: dict[str, TriggerItem] = {}
    mine: list[str] = []  # receipt handles to delete on commit (duplicates of one event included)
    others: list[str] = []
    wait = int(params["wait_seconds"])
    while len(items) < params["max_items"]:
        with aws_errors(connector=CONNECTOR, action="sqs:ReceiveMessage", resource=queue):
            response = sqs.receive_message(
                QueueUrl=queue, MaxNumberOfMessages=min(SQS_BATCH, params["max_items"] - len(items)),
                WaitTimeSeconds=wait, VisibilityTimeout=int(params["visibility_timeout"]))
        messages = response.get("Messages", [])
        if not messages:
            break
        wait = 0  # the first receive waited; the rest only drain what is there
        for message in messages:
            event = _event_for(message.get("Body", ""), rule, instance)
            if event is None:
                others.append(message["ReceiptHandle"])
                continue
            mine.append(message["ReceiptHandle"])
            items.setdefault(str(event["id"]), _item(event))  # SQS may deliver a message twice
    if others:
        _release(sqs, queue, others)
    return PollResult(list(items.values()), cursor, on_commit=lambda: _delete(sqs, queue, mine))


def delete_trigger(connection: Connection, params: Mapping[str, Any], context: RunContext) -> dict[str, Any]:
    """Remove the trigger's rule (and target); the shared queue once no rule targets it."""
    bus = default_bus(connection, params.get("event_bus"))
    rule = params["rule_name"]
    from botocore.exceptions import ClientError

    rule_deleted = True
    try:
        call(connection, context, "RemoveTargets", rule, Rule=rule, EventBusName=bus, Ids=[TARGET_ID], Force=True)
        call(connection, context, "DeleteRule", rule, Name=rule, EventBusName=bus, Force=True)
    except Exception as exc:  # a rule deleted before is fine: teardown is idempotent
        if not _not_found(exc, ClientError):
            raise
        rule_deleted = False
    queue_deleted = False
    if not params.get("queue_url"):
        sqs = client(connection, context, "sqs")
        queue = _shared_queue_url(sqs)
        if queue is not None:
            arn = _queue_attributes(sqs, queue, ["QueueArn"])["QueueArn"]
            targets = call(connection, context, "ListRuleNamesByTarget", TargetArn=arn, EventBusName=bus)
            if not targets.get("RuleNames") and _no_rule_on_other_buses(connection, context, arn, bus):
                with aws_errors(connector=CONNECTOR, action="sqs:DeleteQueue", resource=queue):
                    sqs.delete_queue(QueueUrl=queue)
                queue_deleted = True
    return {"rule_deleted": rule_deleted, "queue_deleted": queue_deleted}


# -- set-up ------------------------------------------------------------------------------


def _set_up(connection: Connection, context: RunContext, sqs: Any, bus: str, pattern: str, rule: str,
            given_queue: str | None, instance: str | None) -> str:
    queue = given_queue or _create_shared_queue(sqs)
    attributes = _queue_attributes(sqs, queue, ["QueueArn", "Policy"])
    queue_arn = attributes["QueueArn"]
    _allow_eventbridge(sqs, queue, queue_arn, attributes.get("Policy"))
    call(connection, context, "PutRule", rule, Name=rule, EventBusName=bus, EventPattern=pattern, State="ENABLED",
         Description="Sends matching events to the connector-core trigger queue")
    tag = {RULE_KEY: rule, **({TRIGGER_KEY: instance} if instance else {})}
    # json.dumps then splice: rule names and instance ids are plain words, the event is EventBridge's own.
    template = json.dumps(tag)[:-1] + ', "event": <aws.events.event.json>}'
    response = call(connection, context, "PutTargets", rule, Rule=rule, EventBusName=bus, Targets=[{
        "Id": TARGET_ID, "Arn": queue_arn, "InputTransformer": {"InputPathsMap": {}, "InputTemplate": template}}])
    if response.get("FailedEntryCount"):
        entry = response["FailedEntries"][0]
        raise invalid("queue_url", f"EventBridge refused the queue as a target: {entry.get('ErrorMessage')}")
    return queue


def _create_shared_queue(sqs: Any) -> str:
    with aws_errors(connector=CONNECTOR, action="sqs:CreateQueue", resource=SHARED_QUEUE):
        # Messages wait up to 4 days (the SQS default) for a poll; an event's handling may
        # take a while, so the default visibility is set per receive instead.
        return sqs.create_queue(QueueName=SHARED_QUEUE)["QueueUrl"]


def _shared_queue_url(sqs: Any) -> str | None:
    try:
        return sqs.get_queue_url(QueueName=SHARED_QUEUE)["QueueUrl"]
    except Exception as exc:
        if "NonExistentQueue" in str(exc) or "QueueDoesNotExist" in str(exc):
            return None
        with aws_errors(connector=CONNECTOR, action="sqs:GetQueueUrl", resource=SHARED_QUEUE):
            raise


def _queue_attributes(sqs: Any, queue: str, names: list[str]) -> dict[str, str]:
    with aws_errors(connector=CONNECTOR, action="sqs:GetQueueAttributes", resource=queue):
        return sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=names).get("Attributes", {})


def _allow_eventbridge(sqs: Any, queue: str, queue_arn: str, policy_text: str | None) -> None:
    """Add the statement that lets this account's EventBridge rules send to the queue (once)."""
    policy: dict[str, Any] = json.loads(policy_text) if policy_text else {"Version": "2012-10-17", "Statement": []}
    if any(s.get("Sid") == POLICY_SID for s in policy.get("Statement", [])):
        return
    _, partition, _, region, account, _ = queue_arn.split(":", 5)
    policy.setdefault("Statement", []).append({
        "Sid": POLICY_SID, "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": queue_arn,
        "Condition": {"ArnLike": {"aws:SourceArn": f"arn:{partition}:events:{region}:{account}:rule/*"}},
    })
    with aws_errors(connector=CONNECTOR, action="sqs:SetQueueAttributes", resource=queue):
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps(policy)})


def _no_rule_on_other_buses(connection: Connection, context: RunContext, queue_arn: str, bus: str) -> bool:
    """ListRuleNamesByTarget is per bus: the shared queue may be the target of rules on other buses."""
    from .common import pages

    for other in pages(connection, context, "ListEventBuses", "EventBuses"):
        if other["Name"] != bus and call(connection, context, "ListRuleNamesByTarget", TargetArn=queue_arn,
                                         EventBusName=other["Name"]).get("RuleNames"):
            return False
    return True


# -- receiving ---------------------------------------------------------------------------


def _event_for(body: str, rule: str, instance: str | None) -> dict[str, Any] | None:
    message = _message(body)
    if message is None or message.get(RULE_KEY) != rule:
        return None
    tagged = message.get(TRIGGER_KEY)
    if instance and tagged and tagged != instance:  # another instance given the same rule name
        return None
    return message["event"]


def _message(body: str) -> dict[str, Any] | None:
    """The wrapper the rule's input transformer writes, or None for any other body."""
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if not isinstance(message, dict) or not isinstance(message.get("event"), dict):
        return None
    return message


def _item(event: Mapping[str, Any]) -> TriggerItem:
    event_id = str(event["id"])
    data = {"id": event_id, "source": event.get("source"), "detail_type": event.get("detail-type"),
            "time": _iso_time(event.get("time")), "detail": event.get("detail"), "event": dict(event)}
    return TriggerItem(event_id, {k: v for k, v in data.items() if v is not None})


def _iso_time(value: Any) -> str | None:
    """EventBridge writes ISO 8601; an epoch number (as some emulators send) is converted."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        from datetime import datetime, timezone

        return datetime.fromtimestamp(value, timezone.utc).isoformat()
    return value


def _release(sqs: Any, queue: str, handles: list[str]) -> None:
    """Messages for other triggers of the shared queue: visible again now, for their own polls."""
    for start in range(0, len(handles), SQS_BATCH):
        entries = [{"Id": str(n), "ReceiptHandle": h, "VisibilityTimeout": 0}
                   for n, h in enumerate(handles[start:start + SQS_BATCH])]
        with aws_errors(connector=CONNECTOR, action="sqs:ChangeMessageVisibility", resource=queue):
            sqs.change_message_visibility_batch(QueueUrl=queue, Entries=entries)


def _delete(sqs: Any, queue: str, handles: list[str]) -> None:
    for start in range(0, len(handles), SQS_BATCH):
        entries = [{"Id": str(n), "ReceiptHandle": h} for n, h in enumerate(handles[start:start + SQS_BATCH])]
        with aws_errors(connector=CONNECTOR, action="sqs:DeleteMessage", resource=queue):
            response = sqs.delete_message_batch(QueueUrl=queue, Entries=entries)
        # A failed delete is redelivered after the visibility timeout: a duplicate, never a loss.
        if response.get("Failed"):
            import logging

            logging.getLogger(__name__).warning("%d trigger messages were not deleted and will come again",
                                                len(response["Failed"]))


def _rule_name(bus: str, pattern: str) -> str:
    return "connector-core-" + _digest(bus, json.dumps(json.loads(pattern), sort_keys=True))[:16]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _not_found(exc: BaseException, client_error: type[ClientError]) -> bool:
    from connector_core import NotFoundError

    if isinstance(exc, NotFoundError):
        return True
    return isinstance(exc, client_error) and exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException"
