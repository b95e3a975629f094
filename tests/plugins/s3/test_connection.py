"""Test connection: one check per step, each failure saying what to do."""

from __future__ import annotations

import socket

import pytest

from connector_core import WrongRegionError


def _checks(result) -> dict[str, tuple[str, str, str | None]]:
    return {c.name: (c.status, c.message, c.hint) for c in result.checks}


def test_a_working_connection_passes_every_check(host, conn):
    result = host.test(conn)
    assert result.ok, result.message
    assert [c.name for c in result.checks] == [
        "Bucket name", "Bucket access (HeadBucket)", "Bucket region", "List permission (ListObjectsV2)"]


def test_missing_bucket(host, connect):
    result = host.test(connect(bucket="no-such-bucket-here"))
    status, message, hint = _checks(result)["Bucket access (HeadBucket)"]
    assert not result.ok and status == "failed"
    assert "does not exist" in message and "bucket name" in hint
    assert _checks(result)["List permission (ListObjectsV2)"][0] == "skipped"


def test_bucket_in_another_region_names_it(host, connect, raw):
    raw.create_bucket(Bucket="euro-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    result = host.test(connect(bucket="euro-bucket", region="us-east-1"))
    status, message, hint = _checks(result)["Bucket region"]
    assert status == "failed" and "eu-west-1" in message and hint == "set AWS Region to eu-west-1"
    assert host.test(connect(bucket="euro-bucket", region="eu-west-1")).ok


def test_redirect_to_another_region_names_it(host, conn, inject):
    inject("HeadBucket", "301", status=301, headers={"x-amz-bucket-region": "ap-southeast-2"})
    result = host.test(conn)
    status, message, hint = _checks(result)["Bucket access (HeadBucket)"]
    assert status == "failed" and "ap-southeast-2" in message and "ap-southeast-2" in hint


def test_access_denied_names_the_permission(host, conn, inject):
    inject("HeadBucket", "403", status=403)
    inject("ListObjectsV2", "AccessDenied")
    result = host.test(conn)
    status, message, hint = _checks(result)["Bucket access (HeadBucket)"]
    assert status == "failed" and "denied" in message
    assert f"s3:ListBucket on arn:aws:s3:::{conn['bucket']}" in hint


def test_wrong_access_key(host, conn, inject):
    inject("HeadBucket", "403", status=403)
    inject("ListObjectsV2", "InvalidAccessKeyId")
    status, message, hint = _checks(host.test(conn))["Bucket access (HeadBucket)"]
    assert status == "failed" and "access key" in message + hint


def test_wrong_secret_key(host, conn, inject):
    inject("HeadBucket", "403", status=403)
    inject("ListObjectsV2", "SignatureDoesNotMatch")
    status, message, hint = _checks(host.test(conn))["Bucket access (HeadBucket)"]
    assert status == "failed" and "secret key" in message + hint
    assert "wJalrXUtnFEMI" not in message + hint


def test_list_permission_is_checked_after_head(host, conn, inject):
    inject("ListObjectsV2", "AccessDenied")
    result = host.test(conn)
    checks = _checks(result)
    assert checks["Bucket access (HeadBucket)"][0] == "passed"
    status, _, hint = checks["List permission (ListObjectsV2)"]
    assert status == "failed" and "s3:ListBucket" in hint


def test_unreachable_endpoint(host, connect, bucket):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conn = host.connect("aws.s3", {**dict(connect(bucket=bucket).to_storage()), "endpoint_url": f"http://127.0.0.1:{port}"})
    status, message, hint = _checks(host.test(conn))["Bucket access (HeadBucket)"]
    assert status == "failed" and "cannot reach" in message and "Endpoint URL" in hint


def test_invalid_bucket_name_fails_before_any_request(host, connect, count_calls):
    calls = count_calls("HeadBucket")
    result = host.test(connect(bucket="my..bucket"))
    status, message, _ = _checks(result)["Bucket name"]
    assert status == "failed" and "two adjacent dots" in message
    assert calls == []


def test_without_a_bucket_the_credentials_are_checked(host, connect):
    result = host.test(connect())
    checks = _checks(result)
    assert checks["Credentials (ListBuckets)"][0] == "passed"
    assert checks["Bucket access (HeadBucket)"][0] == "skipped"
    assert "Bucket name" in checks["Bucket access (HeadBucket)"][1]


def test_bucket_dropdown_lists_the_accounts_buckets(host, connect, raw):
    raw.create_bucket(Bucket="alpha-bucket")
    raw.create_bucket(Bucket="beta-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    options = host.options(connect(), "bucket")
    assert {o.value for o in options} == {"alpha-bucket", "beta-bucket"}


def test_endpoint_that_never_answers_times_out(endpoint, bucket):
    import connector_aws_s3.hooks

    from connector_core import Host

    host = Host(plugins=[connector_aws_s3.hooks], settings={
        "net.allow_loopback": True, "aws.max_attempts": 1, "aws.read_timeout": 1})
    with socket.socket() as silent:  # accepts connections (the backlog) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        conn = host.connect("aws.s3", {
            "auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "x",
            "endpoint_url": f"http://127.0.0.1:{silent.getsockname()[1]}", "bucket": bucket})
        status, message, hint = _checks(host.test(conn))["Bucket access (HeadBucket)"]
    assert status == "failed" and "timed out" in message and "retry" in hint


def test_operations_name_the_buckets_region_on_a_redirect(host, conn, inject):
    inject("GetObject", "PermanentRedirect", status=301, headers={"x-amz-bucket-region": "sa-east-1"})
    with pytest.raises(WrongRegionError) as info:
        host.run(conn, "get_object", {"key": "k"})
    assert info.value.region == "sa-east-1" and "sa-east-1" in info.value.hint


def test_operation_bucket_fields_offer_the_same_dropdown(host, conn):
    assert [o.value for o in host.options(conn, "copy_object.source_bucket")] == [conn["bucket"]]
    assert [o.value for o in host.options(conn, "list_objects.bucket")] == [conn["bucket"]]
