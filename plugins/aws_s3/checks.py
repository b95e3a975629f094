"""Test connection: HeadBucket on the configured bucket, then a one-key listing.

A bucket-less check (ListBuckets, GetCallerIdentity) passes for keys that cannot read
the bucket, for a bucket that does not exist, or for a bucket in another region. So
the test asks the bucket itself, and turns each expected failure into a failed check
that says what to do, instead of an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector_core import ConnectorError
from connector_core.aws import region_of
from connector_core import Check, TestResult

from .client import CREDENTIAL_CODES, error_code, redirect_region, response_region, s3, s3_arn, to_connector_error
from .validation import bucket_name_problems

NAME = "Bucket name"
HEAD = "Bucket access (HeadBucket)"
REGION = "Bucket region"
LIST = "List permission (ListObjectsV2)"
CREDENTIALS = "Credentials (ListBuckets)"


def test_connection(connection: Mapping[str, Any], context: Any) -> TestResult:
    """One :class:`Check` per step; a step after a failed one is skipped."""
    bucket = connection.get("bucket")
    if not bucket:
        return _bucketless(connection, context)
    problems = bucket_name_problems(bucket)
    if problems:
        return TestResult.from_checks([
            Check.failed(NAME, f"{bucket!r} {'; '.join(problems)}", "correct the bucket name"),
            Check.skipped(HEAD), Check.skipped(REGION), Check.skipped(LIST),
        ])
    checks = [Check.passed(NAME, bucket)]
    region = region_of(connection)
    client = None
    try:
        client = s3(connection, context)
        response = client.head_bucket(Bucket=bucket)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a check
        checks.append(_head_failure(exc, connection, client, bucket))
        checks += [Check.skipped(REGION), Check.skipped(LIST)]
        return TestResult.from_checks(checks)
    checks.append(Check.passed(HEAD, f"bucket {bucket!r} exists and this identity may access it"))

    # botocore follows S3's region redirects by itself, so a bucket in another region
    # answers; its region header tells us the connection is set up wrong.
    actual = response.get("BucketRegion") or response_region(response)
    if actual and actual != region:
        checks.append(Check.failed(
            REGION, f"bucket {bucket!r} is in {actual}, but the connection's region is {region}",
            f"set AWS Region to {actual}"))
        checks.append(Check.skipped(LIST))
        return TestResult.from_checks(checks)
    checks.append(Check.passed(REGION, actual or region))

    try:
        client.list_objects_v2(Bucket=bucket, MaxKeys=1)
    except Exception as exc:  # noqa: BLE001
        error = to_connector_error(exc, connection, action="s3:ListBucket", bucket=bucket)
        checks.append(_failed(LIST, error))
    else:
        checks.append(Check.passed(LIST, "objects can be listed"))
    return TestResult.from_checks(checks)


def _head_failure(exc: BaseException, connection: Mapping[str, Any], client: Any, bucket: str) -> Check:
    """HEAD responses have no body: find out what a bare 403, 404 or 301 means."""
    if isinstance(exc, ConnectorError):  # e.g. the endpoint policy refused the URL
        return _failed(HEAD, exc)
    code = error_code(exc)
    if code in ("301", "400") and redirect_region(exc):
        region = redirect_region(exc)
        return Check.failed(HEAD, f"bucket {bucket!r} is in {region}, not in {region_of(connection)}",
                            f"set AWS Region to {region}")
    if code == "404":
        return Check.failed(HEAD, f"bucket {bucket!r} does not exist",
                            "check the bucket name (names are global and case-sensitive), or create the bucket")
    if code == "403" and client is not None:
        # A GET carries the reason a HEAD cannot: bad key, bad secret or missing permission.
        try:
            client.list_objects_v2(Bucket=bucket, MaxKeys=1)
        except Exception as probe:  # noqa: BLE001
            if error_code(probe) in CREDENTIAL_CODES:
                return _failed(HEAD, to_connector_error(probe, connection, action="s3:ListBucket", bucket=bucket))
        return Check.failed(
            HEAD, f"access to bucket {bucket!r} denied",
            f"grant s3:ListBucket on {s3_arn(connection, bucket)} to this identity, which HeadBucket "
            "needs, or check that the bucket belongs to your account")
    return _failed(HEAD, to_connector_error(exc, connection, action="s3:ListBucket", bucket=bucket))


def _bucketless(connection: Mapping[str, Any], context: Any) -> TestResult:
    """No bucket configured: check the credentials alone, and say what was not checked."""
    try:
        s3(connection, context).list_buckets(MaxBuckets=1)
    except Exception as exc:  # noqa: BLE001
        check = _failed(CREDENTIALS, to_connector_error(exc, connection, action="s3:ListAllMyBuckets"))
    else:
        check = Check.passed(CREDENTIALS, "the credentials are valid")
    return TestResult.from_checks([
        check, Check.skipped(HEAD, "no bucket configured: fill in Bucket name to test access to it"),
    ])


def _failed(name: str, error: BaseException) -> Check:
    if isinstance(error, ConnectorError):
        return Check.failed(name, error.message, error.hint)
    return Check.failed(name, str(error) or type(error).__name__)

