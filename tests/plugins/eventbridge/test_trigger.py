"""The events trigger against moto: put_events -> rule -> shared queue -> trigger -> handler."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.plugins.eventbridge.conftest import ACCOUNT, event

from connector_core import Host

PATTERN = {"source": ["com.example.orders"]}
FAST = {"event_pattern": PATTERN, "wait_seconds": 0, "visibility_timeout": 30}


@pytest.fixture
def sqs(endpoint):
    """An independent SQS client on the same moto server, to read back what the trigger made."""
    return boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _drain(host, conn, params, cursor, polls=5):
    """Poll and commit until a poll is empty; (dedupe keys, cursor)."""
    keys = []
    for _ in range(polls):
        result = host.poll(conn, "events", params, cursor)
        cursor = result.cursor
        keys += result.dedupe_keys
        result.commit()
        if not result.items:
            break
    return keys, cursor


def test_every_event_reaches_the_handler_exactly_once(host, conn, sqs):
    first = host.poll(conn, "events", FAST, None)
    assert first.items == []  # the first poll sets up the rule, the queue and its policy
    rule = first.cursor["rule"]
    sent = host.run(conn, "put_events", {"entries": [event(i) for i in range(25)]})
    ids = [entry["event_id"] for entry in sent["results"]]
    host.run(conn, "put_events", {"entries": [event(99, source="com.example.other")]})  # not matching

    handled = []
    keys, cursor = _drain(host, conn, FAST, first.cursor)
    handled += keys
    assert sorted(handled) == sorted(ids)
    assert _drain(host, conn, FAST, cursor)[0] == []
    # Read back independently: the queue is empty and its policy lets this account's rules send.
    queue = cursor["queue_url"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    statement = json.loads(attributes["Policy"])["Statement"][0]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"] == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/*"
    targets = list(host.run(conn, "list_targets", {"rule": rule}))
    assert [t["arn"] for t in targets] == [attributes["QueueArn"]]


def test_an_item_whose_handler_failed_comes_again_and_nothing_is_lost(host, conn, endpoint):
    params = {**FAST, "visibility_timeout": 1}
    cursor = host.poll(conn, "events", params, None).cursor
    sent = host.run(conn, "put_events", {"entries": [event(i) for i in range(3)]})
    failed = host.poll(conn, "events", params, cursor)  # the handler fails: no commit
    assert len(failed.items) == 3
    again = host.poll(conn, "events", {**params, "wait_seconds": 2}, cursor)  # after the visibility timeout
    assert sorted(again.dedupe_keys) == sorted(e["event_id"] for e in sent["results"])
    again.commit()
    assert _drain(host, conn, params, cursor)[0] == []


def test_two_triggers_share_one_queue_and_each_gets_only_its_events(host, conn, sqs):
    orders = {**FAST, "rule_name": "orders-trigger"}
    other = {**FAST, "event_pattern": {"source": ["com.example.other"]}, "rule_name": "other-trigger"}
    c1 = host.poll(conn, "events", orders, None).cursor
    c2 = host.poll(conn, "events", other, None).cursor
    assert c1["queue_url"] == c2["queue_url"]
    a = host.run(conn, "put_events", {"entries": [event(1)]})["results"][0]["event_id"]
    b = host.run(conn, "put_events", {"entries": [event(2, source="com.example.other")]})["results"][0]["event_id"]
    assert _drain(host, conn, orders, c1)[0] == [a]
    assert _drain(host, conn, other, c2)[0] == [b]
    assert len(sqs.list_queues(QueueNamePrefix="connector-core")["QueueUrls"]) == 1


def test_a_poll_after_a_restart_from_the_stored_cursor_gets_what_was_sent_meanwhile(conn, endpoint):
    import connector_aws_eventbridge.hooks

    from tests.plugins.eventbridge.conftest import SETTINGS, values

    first = Host(plugins=[connector_aws_eventbridge.hooks], settings=SETTINGS)
    stored = json.dumps(first.poll(first.connect("aws.eventbridge", values(endpoint)), "events", FAST, None).cursor)
    sent = first.run(conn, "put_events", {"entries": [event(i) for i in range(4)]})
    restarted = Host(plugins=[connector_aws_eventbridge.hooks], settings=SETTINGS)
    again = restarted.connect("aws.eventbridge", values(endpoint))
    keys, _ = _drain(restarted, again, FAST, json.loads(stored))
    assert sorted(keys) == sorted(e["event_id"] for e in sent["results"])


def test_teardown_removes_the_rule_and_then_the_shared_queue(host, conn, sqs):
    c1 = host.poll(conn, "events", {**FAST, "rule_name": "t-one"}, None).cursor
    host.poll(conn, "events", {**FAST, "rule_name": "t-two"}, None)
    assert host.run(conn, "delete_trigger", {"rule_name": "t-one"}) == {"rule_deleted": True, "queue_deleted": False}
    assert host.run(conn, "delete_trigger", {"rule_name": "t-two"}) == {"rule_deleted": True, "queue_deleted": True}
    assert sqs.list_queues(QueueNamePrefix="connector-core").get("QueueUrls", []) == []
    assert [r["name"] for r in host.run(conn, "list_rules", {})] == []
    # Idempotent: a second teardown finds nothing and says so.
    assert host.run(conn, "delete_trigger", {"rule_name": "t-one"}) == {"rule_deleted": False, "queue_deleted": False}
    assert c1["rule"] == "t-one"


def test_a_given_queue_is_used_and_never_deleted(host, conn, sqs):
    queue = sqs.create_queue(QueueName="my-own-queue")["QueueUrl"]
    params = {**FAST, "queue_url": queue, "rule_name": "mine"}
    cursor = host.poll(conn, "events", params, None).cursor
    sent = host.run(conn, "put_events", {"entries": [event(7)]})["results"][0]["event_id"]
    assert _drain(host, conn, params, cursor)[0] == [sent]
    assert host.run(conn, "delete_trigger", {"rule_name": "mine", "queue_url": queue})["queue_deleted"] is False
    assert queue in sqs.list_queues(QueueNamePrefix="my-own")["QueueUrls"]
