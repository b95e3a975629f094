"""Event buses, rules (incl. test_event_pattern) and targets against moto."""

from __future__ import annotations

import pytest

from connector_core import NotFoundError, ValidationError

from .conftest import ACCOUNT, FakeHttp


def test_event_bus_lifecycle(host, conn):
    created = host.run(conn, "create_event_bus", {"name": "orders", "description": "Order events"})
    assert created == {"name": "orders", "arn": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/orders"}
    names = [b["name"] for b in host.run(conn, "list_event_buses", {})]
    assert names == ["default", "orders"]
    assert [b["name"] for b in host.run(conn, "list_event_buses", {"name_prefix": "ord"})] == ["orders"]
    described = host.run(conn, "describe_event_bus", {"name": "orders"})
    assert described["arn"] == created["arn"]
    assert host.run(conn, "delete_event_bus", {"name": "orders"}) == {"name": "orders", "deleted": True}
    with pytest.raises(NotFoundError):
        host.run(conn, "describe_event_bus", {"name": "orders"})


def test_describe_uses_the_connections_bus_else_default(host, conn, make_conn):
    assert host.run(conn, "describe_event_bus", {})["name"] == "default"
    host.run(conn, "create_event_bus", {"name": "mine"})
    assert host.run(make_conn(event_bus="mine"), "describe_event_bus", {})["name"] == "mine"


def test_bus_names_are_checked_and_the_default_bus_is_never_deleted(host, conn):
    with pytest.raises(ValidationError) as caught:
        host.run(conn, "create_event_bus", {"name": "bad name!"})
    assert "name" in caught.value.errors
    with pytest.raises(ValidationError, match="default event bus cannot be deleted"):
        host.run(conn, "delete_event_bus", {"name": "default"})
    with pytest.raises(NotFoundError):
        host.run(conn, "delete_event_bus", {"name": "missing"})


def test_rule_lifecycle(host, conn):
    pattern = {"source": ["com.example.orders"]}
    created = host.run(conn, "put_rule", {"name": "orders", "event_pattern": pattern, "description": "d"})
    assert created["arn"] == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/orders"
    described = host.run(conn, "describe_rule", {"name": "orders"})
    assert described["event_pattern"] == pattern and described["state"] == "ENABLED"
    assert host.run(conn, "disable_rule", {"name": "orders"}) == {"name": "orders", "state": "DISABLED"}
    assert host.run(conn, "describe_rule", {"name": "orders"})["state"] == "DISABLED"
    host.run(conn, "enable_rule", {"name": "orders"})
    assert [r["name"] for r in host.run(conn, "list_rules", {})] == ["orders"]
    assert host.run(conn, "delete_rule", {"name": "orders"})["deleted"] is True
    with pytest.raises(NotFoundError):
        host.run(conn, "describe_rule", {"name": "orders"})


def test_rules_on_a_custom_bus_and_on_a_schedule(host, conn):
    host.run(conn, "create_event_bus", {"name": "orders"})
    host.run(conn, "put_rule", {"name": "r1", "event_bus": "orders", "event_pattern": {"source": ["x"]}})
    assert [r["name"] for r in host.run(conn, "list_rules", {"event_bus": "orders"})] == ["r1"]
    assert list(host.run(conn, "list_rules", {})) == []
    host.run(conn, "put_rule", {"name": "tick", "schedule_expression": "rate(5 minutes)"})
    assert host.run(conn, "describe_rule", {"name": "tick"})["schedule_expression"] == "rate(5 minutes)"


def test_a_rule_needs_exactly_one_of_pattern_and_schedule(host, conn):
    with pytest.raises(ValidationError):
        host.run(conn, "put_rule", {"name": "r"})
    with pytest.raises(ValidationError):
        host.run(conn, "put_rule", {"name": "r", "event_pattern": {"source": ["x"]},
                                    "schedule_expression": "rate(1 minute)"})
    with pytest.raises(ValidationError, match="4096"):
        host.run(conn, "put_rule", {"name": "r", "event_pattern": {"source": ["x" * 4100]}})
    with pytest.raises(ValidationError) as caught:
        host.run(conn, "put_rule", {"name": "r" * 65, "event_pattern": {"source": ["x"]}})
    assert "name" in caught.value.errors


def test_test_event_pattern_sends_a_complete_event_and_reports_the_match(host, conn, inject):
    # moto does not emulate TestEventPattern (it answers nothing): a stand-in answers, and
    # the test checks what the plugin sends and how it reads the answer.
    import json

    seen = []

    def service(params, **_):
        body = json.loads(params["body"])
        seen.append(body)
        event = json.loads(body["Event"])
        return FakeHttp(200), {"Result": event["detail"].get("total", 0) > 100,
                               "ResponseMetadata": {"HTTPStatusCode": 200}}

    inject(service, "TestEventPattern")
    pattern = {"source": ["com.example.orders"], "detail": {"total": [{"numeric": [">", 100]}]}}
    big = {"source": "com.example.orders", "detail-type": "OrderPlaced", "detail": {"total": 250}}
    assert host.run(conn, "test_event_pattern", {"event_pattern": pattern, "event": big}) == {"matches": True}
    small = {**big, "detail": {"total": 5}}
    assert host.run(conn, "test_event_pattern", {"event_pattern": pattern, "event": small}) == {"matches": False}

    sent = json.loads(seen[0]["Event"])
    assert {"id", "account", "time", "region", "resources", "source", "detail-type"} <= set(sent)
    assert sent["account"] == ACCOUNT and sent["region"] == "us-east-1"
    assert json.loads(seen[0]["EventPattern"]) == pattern
    with pytest.raises(ValidationError, match="event.source"):
        host.run(conn, "test_event_pattern", {"event_pattern": pattern, "event": {"detail": {}}})


@pytest.fixture
def queue_arn(endpoint):
    import boto3

    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint)
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def test_targets_put_list_remove(host, conn, queue_arn):
    host.run(conn, "put_rule", {"name": "r", "event_pattern": {"source": ["x"]}})
    out = host.run(conn, "put_targets", {"rule": "r", "targets": [
        {"id": "a", "arn": queue_arn, "input": {"fixed": True}},
        {"id": "b", "arn": queue_arn, "input_path": "$.detail"},
    ]})
    assert out == {"failed_count": 0, "results": [{"id": "a", "ok": True}, {"id": "b", "ok": True}]}
    listed = {t["id"]: t for t in host.run(conn, "list_targets", {"rule": "r"})}
    assert listed["a"]["input"] == {"fixed": True} and listed["b"]["input_path"] == "$.detail"
    assert host.run(conn, "remove_targets", {"rule": "r", "ids": ["a"]})["failed_count"] == 0
    assert [t["id"] for t in host.run(conn, "list_targets", {"rule": "r"})] == ["b"]


def test_per_target_failures_are_reported(host, conn, queue_arn, inject):
    def partly_failing(params, **_):
        return FakeHttp(200), {"FailedEntryCount": 1, "FailedEntries": [
            {"TargetId": "b", "ErrorCode": "ConcurrentModificationException", "ErrorMessage": "try again"}],
            "ResponseMetadata": {"HTTPStatusCode": 200}}

    inject(partly_failing, "PutTargets")
    out = host.run(conn, "put_targets", {"rule": "r", "targets": [{"id": "a", "arn": queue_arn},
                                                                   {"id": "b", "arn": queue_arn}]})
    assert out["failed_count"] == 1
    assert out["results"][1] == {"id": "b", "ok": False, "error_code": "ConcurrentModificationException",
                                 "error_message": "try again"}


def test_target_input_limits(host, conn, queue_arn):
    with pytest.raises(ValidationError, match="8192"):
        host.run(conn, "put_targets", {"rule": "r", "targets": [{"id": "a", "arn": queue_arn,
                                                                 "input": {"x": "y" * 9000}}]})
    with pytest.raises(ValidationError, match="at most one of"):
        host.run(conn, "put_targets", {"rule": "r", "targets": [{"id": "a", "arn": queue_arn,
                                                                 "input": {}, "input_path": "$.detail"}]})
    with pytest.raises(ValidationError, match="unique"):
        host.run(conn, "put_targets", {"rule": "r", "targets": [{"id": "a", "arn": queue_arn},
                                                                 {"id": "a", "arn": queue_arn}]})
