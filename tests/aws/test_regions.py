"""Regions from botocore's data, partitions, ARNs and the Boomi region rule."""

from __future__ import annotations

import subprocess
import sys

import pytest

from connector_core.aws import arn, partition_of, region_choices, region_of
from connector_core.aws.regions import dns_suffix, region_names
from connector_core.errors import ConfigurationError


def test_region_choices_cover_every_partition_with_captions():
    choices = dict(region_choices())
    assert choices["us-east-1"] == "US East (N. Virginia)"
    assert choices["cn-north-1"] == "China (Beijing)"
    assert choices["us-gov-west-1"] == "AWS GovCloud (US-West)"
    assert "aws-global" not in choices and "aws-cn-global" not in choices
    assert len(choices) == len(region_choices()) > 30


def test_region_list_needs_no_botocore_import():
    code = (
        "import sys; from connector_core.aws.regions import region_choices; "
        "assert region_choices(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_importing_the_toolkit_imports_no_boto3():
    code = (
        "import sys, connector_core.aws as a; a.region_of; a.arn; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-central-2", "aws"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-east-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("cn-south-9", "aws-cn"),  # newer than botocore: found by the partition's regex
        ("us-gov-north-7", "aws-us-gov"),
    ],
)
def test_partition_of(region, partition):
    assert partition_of(region) == partition


def test_region_names_by_partition():
    assert set(region_names("aws-cn")) == {"cn-north-1", "cn-northwest-1"}
    assert "us-east-1" in region_names()


def test_arns_use_the_regions_partition():
    assert arn("sqs", "cn-north-1", "123456789012", "queue") == "arn:aws-cn:sqs:cn-north-1:123456789012:queue"
    assert arn("events", "us-gov-west-1", "123456789012", "event-bus/default") == (
        "arn:aws-us-gov:events:us-gov-west-1:123456789012:event-bus/default"
    )
    assert arn("s3", "", "", "bucket") == "arn:aws:s3:::bucket"
    assert arn("s3", "", "", "bucket", partition="aws-cn") == "arn:aws-cn:s3:::bucket"
    assert dns_suffix("cn-north-1") == "amazonaws.com.cn"


def test_region_dropdown_wins_over_custom_region():
    assert region_of({"region": "eu-west-1", "custom_region": "us-east-2"}) == "eu-west-1"


def test_custom_region_used_only_when_selected():
    assert region_of({"region": "custom", "custom_region": "ap-southeast-7"}) == "ap-southeast-7"


def test_custom_selected_without_custom_region_says_what_to_do():
    with pytest.raises(ConfigurationError, match="Custom AWS Region"):
        region_of({"region": "custom", "custom_region": ""})


def test_missing_region_says_what_to_do():
    with pytest.raises(ConfigurationError, match="choose an AWS Region"):
        region_of({"custom_region": "us-east-2"})


def test_every_exported_name_resolves():
    import connector_core.aws as toolkit

    for name in toolkit.__all__:
        assert getattr(toolkit, name) is not None
    with pytest.raises(AttributeError):
        toolkit.no_such_name  # noqa: B018
