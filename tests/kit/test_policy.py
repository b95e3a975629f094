"""`connectors policy ID`: least-privilege IAM policies from the manifests' iam_actions."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from connector_core import Host, NotFoundError, ValidationError
from connector_core.authoring.policy import policy_for
from connector_core.cli import main


@pytest.fixture(scope="module")
def host():
    return Host.discover()


@pytest.fixture(scope="module")
def s3(host):
    return lambda *args, **kwargs: policy_for(host, "aws.s3", *args, **kwargs)


@pytest.fixture(scope="module")
def eventbridge(host):
    return lambda *args, **kwargs: policy_for(host, "aws.eventbridge", *args, **kwargs)


def by_action(policy):
    out = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        resources = statement["Resource"]
        for action in statement["Action"]:
            out[action] = resources
    return out


def test_s3_actions_are_scoped_to_the_connections_bucket_and_its_objects(s3):
    policy = s3(["get_object", "list_objects", "list_buckets"], {"bucket": "my-data"})
    assert policy["Version"] == "2012-10-17"
    actions = by_action(policy)
    assert actions["s3:GetObject"] == "arn:aws:s3:::my-data/*"
    assert actions["s3:ListBucket"] == "arn:aws:s3:::my-data"
    assert actions["s3:ListAllMyBuckets"] == "*"  # has no resource-level permissions
    assert "s3:PutObject" not in actions  # only what the chosen operations call


@pytest.mark.parametrize("region, partition", [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"),
                                               ("eu-west-1", "aws")])
def test_the_partition_follows_the_region(s3, region, partition):
    actions = by_action(s3(["put_object"], {"bucket": "my-data", "region": region}))
    assert actions["s3:PutObject"] == f"arn:{partition}:s3:::my-data/*"


def test_a_custom_region_counts_only_when_chosen(s3):
    values = {"bucket": "b-1", "region": "custom", "custom_region": "cn-northwest-1"}
    assert by_action(s3(["put_object"], values))["s3:PutObject"] == "arn:aws-cn:s3:::b-1/*"


def test_without_a_named_resource_every_action_is_unscoped(s3, host):
    policy = s3([], None)
    actions = by_action(policy)
    manifest = host.manifest("aws.s3")
    declared = {a for op in manifest.operations for a in op.iam_actions} | set(manifest.test_connection.iam_actions)
    assert set(actions) == declared  # every operation when none is chosen
    assert set(actions.values()) == {"*"}


def test_eventbridge_is_scoped_to_the_event_bus_and_its_rules(eventbridge):
    values = {"event_bus": "orders", "region": "eu-west-1", "account_id": "123456789012"}
    actions = by_action(eventbridge(["put_events", "put_rule", "put_targets", "list_rules"], values))
    assert actions["events:PutEvents"] == "arn:aws:events:eu-west-1:123456789012:event-bus/orders"
    assert actions["events:PutRule"] == "arn:aws:events:eu-west-1:123456789012:rule/orders/*"
    assert actions["events:PutTargets"] == "arn:aws:events:eu-west-1:123456789012:rule/orders/*"
    assert actions["events:ListRules"] == "*"
    assert actions["iam:PassRole"] == "*"


def test_an_event_bus_given_as_an_arn_keeps_its_region_and_account(eventbridge):
    values = {"event_bus": "arn:aws:events:us-west-2:210987654321:event-bus/default", "region": "eu-west-1"}
    actions = by_action(eventbridge(["put_events", "put_rule"], values))
    assert actions["events:PutEvents"] == "arn:aws:events:us-west-2:210987654321:event-bus/default"
    assert actions["events:PutRule"] == "arn:aws:events:us-west-2:210987654321:rule/*"  # the default bus


def test_an_unknown_account_is_a_wildcard_in_the_arn(eventbridge):
    actions = by_action(eventbridge(["put_events"], {"event_bus": "orders"}))
    assert actions["events:PutEvents"] == "arn:aws:events:us-east-1:*:event-bus/orders"


def test_a_bad_bucket_name_is_refused_not_pasted_into_an_arn(s3):
    with pytest.raises(ValidationError) as caught:
        s3(["get_object"], {"bucket": "*"})
    assert "connection.bucket" in caught.value.errors


def test_an_unknown_operation_names_the_known_ones(s3):
    with pytest.raises(NotFoundError) as caught:
        s3(["get_objekt"], None)
    assert "get_object" in caught.value.hint


def test_the_cli_reads_a_yaml_connection_without_credentials(tmp_path):
    conn = tmp_path / "conn.yaml"
    conn.write_text("bucket: reports\nregion: eu-central-1\n")
    result = CliRunner().invoke(main, ["policy", "aws.s3", "--operation", "put_object", "--connection", str(conn)])
    assert result.exit_code == 0, result.output
    policy = json.loads(result.output)
    assert by_action(policy)["s3:PutObject"] == "arn:aws:s3:::reports/*"


def test_the_actions_test_connection_uses_are_included_unless_left_out(tmp_path):
    conn = tmp_path / "conn.yaml"
    conn.write_text("event_bus: orders\nregion: eu-west-1\naccount_id: '123456789012'\n")
    args = ["policy", "aws.eventbridge", "--operation", "put_events", "--connection", str(conn)]
    actions = by_action(json.loads(CliRunner().invoke(main, args).output))
    assert actions["sts:GetCallerIdentity"] == "*" and "events:ListEventBuses" in actions
    assert actions["events:DescribeEventBus"] == "arn:aws:events:eu-west-1:123456789012:event-bus/orders"
    without = by_action(json.loads(CliRunner().invoke(main, args + ["--no-test-connection"]).output))
    assert set(without) == {"events:PutEvents"}
