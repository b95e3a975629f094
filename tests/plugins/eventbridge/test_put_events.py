"""put_events: batching, partial failures and retries, concurrency, bad input."""

from __future__ import annotations

import json

import pytest

from connector_core import NotFoundError, ValidationError

from .conftest import ACCOUNT, FakePutEvents, event


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch):
    import connector_aws_eventbridge.events as events

    monkeypatch.setattr(events, "BACKOFF_BASE", 0.001)


def test_publishes_every_event_in_batches_of_ten_with_outcomes_in_input_order(host, conn):
    out = host.run(conn, "put_events", {"entries": [event(i) for i in range(25)]})
    assert out["successful_count"] == 25 and out["failed_count"] == 0
    assert out["requests"] == 3
    assert [r["index"] for r in out["results"]] == list(range(25))
    assert len({r["event_id"] for r in out["results"]}) == 25


def test_events_reach_a_rule_target(host, conn, endpoint):
    import boto3

    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint)
    queue = sqs.create_queue(QueueName="orders")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    host.run(conn, "put_rule", {"name": "orders", "event_pattern": {"source": ["com.example.orders"]}})
    host.run(conn, "put_targets", {"rule": "orders", "targets": [{"id": "q", "arn": queue_arn}]})

    host.run(conn, "put_events", {"entries": [event(7, detail={"n": 7, "city": "Zürich"}),
                                              event(8, source="com.example.other")]})
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["detail"] for m in messages] == [{"n": 7, "city": "Zürich"}]


def test_only_retryable_entries_are_sent_again_and_none_twice_after_success(host, conn, inject):
    # n % 4: 0 succeeds, 1 is throttled once, 2 fails for good (MalformedDetail), 3 hits
    # InternalFailure twice.
    def script(n, attempt):
        return {1: "ThrottlingException" if attempt == 1 else None,
                2: "MalformedDetail",
                3: "InternalFailure" if attempt <= 2 else None}.get(n % 4)

    fake = inject(FakePutEvents(script))
    out = host.run(conn, "put_events", {"entries": [event(i) for i in range(40)], "max_attempts": 5})

    for r in out["results"]:
        n = r["index"]
        if n % 4 == 2:
            assert r["error_code"] == "MalformedDetail" and "event_id" not in r
        else:
            assert r["event_id"] == f"id-{n}"
    assert fake.sends == {n: {0: 1, 1: 2, 2: 1, 3: 3}[n % 4] for n in range(40)}
    assert out["successful_count"] == 30 and out["failed_count"] == 10
    assert all(len(request) <= 10 for request in fake.requests)


def test_entries_throttled_on_every_attempt_are_reported_after_max_attempts(host, conn, inject):
    fake = inject(FakePutEvents(lambda n, attempt: "ThrottlingException" if n == 3 else None))
    out = host.run(conn, "put_events", {"entries": [event(i) for i in range(5)], "max_attempts": 3})
    assert fake.sends[3] == 3
    assert out["results"][3] == {"index": 3, "error_code": "ThrottlingException",
                                 "error_message": "ThrottlingException (injected)"}
    assert out["successful_count"] == 4


def test_a_throttled_request_is_sent_again_whole(host, conn, inject):
    fake = inject(FakePutEvents(lambda n, attempt: None,
                                call_error=lambda number: "ThrottlingException" if number == 1 else None))
    out = host.run(conn, "put_events", {"entries": [event(i) for i in range(10)]})
    assert out["successful_count"] == 10
    assert out["requests"] == 2 and len(fake.requests) == 2


def test_a_refused_request_marks_its_entries_failed_and_keeps_the_rest(host, conn, inject):
    inject(FakePutEvents(lambda n, attempt: None,
                         call_error=lambda number: "ValidationException" if number == 1 else None))
    out = host.run(conn, "put_events", {"entries": [event(i) for i in range(20)], "concurrency": 1})
    codes = [r.get("error_code") for r in out["results"]]
    assert codes[:10] == ["ValidationException"] * 10 and codes[10:] == [None] * 10
    assert out["successful_count"] == 10


def test_requests_run_concurrently_but_never_more_than_asked(host, conn, inject):
    fake = inject(FakePutEvents(lambda n, attempt: None, delay=0.05))
    out = host.run(conn, "put_events", {"entries": [event(i) for i in range(120)], "concurrency": 4})
    assert out["successful_count"] == 120
    assert 2 <= fake.max_in_flight <= 4


def test_progress_is_reported_up_to_the_total(host, conn):
    seen = []
    host.run(conn, "put_events", {"entries": [event(i) for i in range(35)]},
             progress=lambda done, total, unit: seen.append((done, total, unit)))
    assert seen[0] == (0, 35, "events") and seen[-1] == (35, 35, "events")
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)


def test_requests_stay_under_the_size_cap_measured_in_utf8_bytes(host, conn, inject):
    fake = inject(FakePutEvents(lambda n, attempt: None))
    detail = {"text": "€" * 300}  # 900 bytes in UTF-8, 300 characters
    out = host.run(conn, "put_events", {"entries": [event(i, detail={"n": i, **detail}) for i in range(10)],
                                        "max_request_bytes": 4096})
    assert out["successful_count"] == 10
    from connector_aws_eventbridge.batching import entry_size

    assert len(fake.requests) >= 3
    assert all(sum(entry_size(e) for e in request) <= 4096 for request in fake.requests)


def test_an_entry_over_the_cap_is_rejected_with_its_index_before_sending(host, conn, inject):
    fake = inject(FakePutEvents(lambda n, attempt: None))
    entries = [event(0), event(1, detail={"n": 1, "blob": "x" * 300_000}), event(2)]
    with pytest.raises(ValidationError) as caught:
        host.run(conn, "put_events", {"entries": entries})
    assert list(caught.value.errors) == ["entries[1]"]
    assert "262144" in str(caught.value)
    assert fake.requests == []


def test_a_detail_that_is_not_a_json_object_names_the_entry(host, conn, inject):
    fake = inject(FakePutEvents(lambda n, attempt: None))
    entries = [event(0), event(1), event(2, detail='{"n": 2}'), event(3, detail=[1, 2])]
    with pytest.raises(ValidationError) as caught:
        host.run(conn, "put_events", {"entries": entries})
    assert set(caught.value.errors) == {"entries[2].detail", "entries[3].detail"}
    assert "must be an object" in caught.value.errors["entries[3].detail"][0]
    assert fake.requests == []


def test_limits_of_the_manifest_are_checked_before_any_request(host, conn):
    with pytest.raises(ValidationError) as caught:
        host.run(conn, "put_events", {"entries": [event(0, detail_type="x" * 129)]})
    assert any("detail_type" in path for path in caught.value.errors)
    with pytest.raises(ValidationError):
        host.run(conn, "put_events", {"entries": [event(0)], "concurrency": 65})


def test_a_bad_time_stamp_names_the_entry(host, conn):
    with pytest.raises(ValidationError) as caught:
        host.run(conn, "put_events", {"entries": [event(0, time="yesterday")]})
    assert list(caught.value.errors) == ["entries[0].time"]
    out = host.run(conn, "put_events", {"entries": [event(0, time="2026-01-31T12:00:00Z")]})
    assert out["successful_count"] == 1


def test_an_unknown_bus_is_a_not_found_error(host, conn):
    with pytest.raises(NotFoundError, match="event-bus/no-such-bus does not exist"):
        host.run(conn, "put_events", {"entries": [event(i) for i in range(12)], "event_bus": "no-such-bus"})


def test_put_events_needs_the_account_id(host, make_conn):
    conn = make_conn(account_id=None)
    with pytest.raises(ValidationError) as caught:
        host.run(conn, "put_events", {"entries": [event(0)]})
    assert "account_id" in str(caught.value)


def test_bus_names_become_arns_of_the_regions_partition(host, make_conn, inject, events_client):
    conn = make_conn(region="cn-north-1")
    from connector_aws_eventbridge.common import put_events_client

    client = put_events_client(conn, host._context("aws.eventbridge", None, None), 8)
    fake = FakePutEvents(lambda n, attempt: None)
    client.meta.events.register("before-call.eventbridge.PutEvents", fake)
    host.run(conn, "put_events", {"entries": [event(0), event(1, event_bus="arn:aws-cn:events:cn-north-1:"
                                                             f"{ACCOUNT}:event-bus/other")],
                                  "event_bus": "orders"})
    buses = [e["EventBusName"] for e in fake.requests[0]]
    assert buses == [f"arn:aws-cn:events:cn-north-1:{ACCOUNT}:event-bus/orders",
                     f"arn:aws-cn:events:cn-north-1:{ACCOUNT}:event-bus/other"]

