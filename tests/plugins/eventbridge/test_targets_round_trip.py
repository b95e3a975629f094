"""Every field put_targets writes, list_targets reads back (issue 9, item 9).

One round trip per field of the manifest's target item, so a field added to put_targets
without a read-back fails here. Each is also read with the AWS CLI
(``aws events list-targets-by-rule``): the expected API form is written out by hand, not
computed by the plugin, so a field we write wrongly and read back the same wrong way
is caught too.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.awscli import aws

QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders"
DLQ = "arn:aws:sqs:us-east-1:123456789012:orders-dlq"
ROLE = "arn:aws:iam::123456789012:role/eventbridge-invoke"

#: field -> (the value given to put_targets, the API member and value AWS stores).
SAMPLES: dict[str, tuple[Any, str, Any]] = {
    "role_arn": (ROLE, "RoleArn", ROLE),
    "input": ({"fixed": True, "city": "Zürich", "n": [1, 2]}, "Input", '{"fixed":true,"city":"Zürich","n":[1,2]}'),
    "input_path": ("$.detail.order", "InputPath", "$.detail.order"),
    "input_transformer": (
        {"input_paths_map": {"order": "$.detail.id"}, "input_template": '{"order": <order>}'},
        "InputTransformer", {"InputPathsMap": {"order": "$.detail.id"}, "InputTemplate": '{"order": <order>}'},
    ),
    "dead_letter_arn": (DLQ, "DeadLetterConfig", {"Arn": DLQ}),
    "maximum_retry_attempts": (0, "RetryPolicy", {"MaximumRetryAttempts": 0}),
    "maximum_event_age_seconds": (3600, "RetryPolicy", {"MaximumEventAgeInSeconds": 3600}),
    "message_group_id": ("orders-eu", "SqsParameters", {"MessageGroupId": "orders-eu"}),
    "http_parameters": (
        {"path_parameter_values": ["eu", "42"], "header_parameters": {"x-source": "orders"},
         "query_string_parameters": {"region": "eu"}},
        "HttpParameters", {"PathParameterValues": ["eu", "42"], "HeaderParameters": {"x-source": "orders"},
                           "QueryStringParameters": {"region": "eu"}},
    ),
}


def _target_fields(host) -> list[str]:
    operation = host.manifest("aws.eventbridge").operation("put_targets")
    targets = next(f for f in operation.input.fields if f.key == "targets")
    return [f.key for f in targets.items.section.fields if f.key not in ("id", "arn")]


def test_every_target_field_has_a_round_trip_case(host):
    assert sorted(_target_fields(host)) == sorted(SAMPLES), "add a sample for each new put_targets field"


def test_list_targets_declares_every_field_put_targets_takes(host):
    listed = {f.key for f in host.manifest("aws.eventbridge").operation("list_targets").output.fields}
    assert {"id", "arn", *_target_fields(host)} <= listed


@pytest.mark.parametrize("field", sorted(SAMPLES))
def test_each_field_reads_back(host, conn, endpoint, field):
    value, api_member, api_value = SAMPLES[field]
    host.run(conn, "put_rule", {"name": "r", "event_pattern": {"source": ["x"]}})
    out = host.run(conn, "put_targets", {"rule": "r", "targets": [{"id": "t", "arn": QUEUE, field: value}]})
    assert out["failed_count"] == 0
    assert list(host.run(conn, "list_targets", {"rule": "r"})) == [{"id": "t", "arn": QUEUE, field: value}]
    (cli,) = aws(endpoint, "events", "list-targets-by-rule", "--rule", "r")["Targets"]
    assert cli == {"Id": "t", "Arn": QUEUE, api_member: api_value}


def test_all_fields_at_once_read_back(host, conn, endpoint):
    """Retry policy and SQS/HTTP parameters together; one input kind per target (AWS takes one)."""
    common = {k: SAMPLES[k][0] for k in ("role_arn", "dead_letter_arn", "maximum_retry_attempts",
                                         "maximum_event_age_seconds", "message_group_id", "http_parameters")}
    targets = [{"id": kind, "arn": QUEUE, **common, kind: SAMPLES[kind][0]}
               for kind in ("input", "input_path", "input_transformer")]
    host.run(conn, "put_rule", {"name": "r", "event_pattern": {"source": ["x"]}})
    assert host.run(conn, "put_targets", {"rule": "r", "targets": targets})["failed_count"] == 0
    listed = sorted(host.run(conn, "list_targets", {"rule": "r"}), key=lambda t: t["id"])
    assert listed == sorted(targets, key=lambda t: t["id"])
    cli = {t["Id"]: t for t in aws(endpoint, "events", "list-targets-by-rule", "--rule", "r")["Targets"]}
    assert cli["input_path"]["RetryPolicy"] == {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 3600}
    assert cli["input_transformer"]["HttpParameters"] == SAMPLES["http_parameters"][2]
    assert cli["input"]["SqsParameters"] == {"MessageGroupId": "orders-eu"}


def test_targets_written_by_another_client_read_back_in_full(host, conn, endpoint):
    """What the AWS CLI writes, list_targets shows (a target made in the console, say)."""
    host.run(conn, "put_rule", {"name": "r", "event_pattern": {"source": ["x"]}})
    target = ('[{"Id":"cli","Arn":"%s","RetryPolicy":{"MaximumRetryAttempts":3},'
              '"DeadLetterConfig":{"Arn":"%s"},"InputTransformer":{"InputTemplate":"\\"<x>\\""}}]' % (QUEUE, DLQ))
    aws(endpoint, "events", "put-targets", "--rule", "r", "--targets", target)
    assert list(host.run(conn, "list_targets", {"rule": "r"})) == [{
        "id": "cli", "arn": QUEUE, "maximum_retry_attempts": 3, "dead_letter_arn": DLQ,
        "input_transformer": {"input_template": '"<x>"'}}]
