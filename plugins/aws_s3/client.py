"""The S3 client and S3's own error dialect, shared by every operation module.

S3 differs from other AWS services in ways the generic toolkit mapping cannot know:
HEAD responses carry no error body (only ``403``/``404``/``301``), a bucket in another
region answers with a redirect that names the region in ``x-amz-bucket-region``, and
some codes (``BucketNotEmpty``, ``NoSuchKey``) deserve an S3-specific fix.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from connector_core import (
    AccessDeniedError,
    AuthenticationError,
    ConnectorError,
    NotFoundError,
    OperationError,
    ValidationError,
    WrongRegionError,
)
from connector_core.aws import client as aws_client
from connector_core.aws import map_error, partition_of, region_of

CONNECTOR = "aws.s3"

CREDENTIAL_CODES = {
    "InvalidAccessKeyId": ("the access key ID is not known to AWS", "check the Amazon AWS access key"),
    "SignatureDoesNotMatch": (
        "the secret key does not match the access key",
        "re-enter the Amazon AWS secret key that belongs to this access key",
    ),
    "ExpiredToken": ("the session token has expired", "get new temporary credentials"),
    "InvalidToken": ("the session token is not valid", "check the session token"),
    "TokenRefreshRequired": ("the session token has expired", "get new temporary credentials"),
}


def s3(connection: Mapping[str, Any], context: Any) -> Any:
    """The cached boto3 S3 client for this connection (built by the AWS toolkit)."""
    return aws_client(connection, context, "s3")


def s3_arn(connection: Mapping[str, Any], bucket: str, key: str | None = None) -> str:
    """The ARN of a bucket or object, in the connection region's partition."""
    partition = partition_of(region_of(connection))
    resource = f"{bucket}/{key}" if key is not None else bucket
    return f"arn:{partition}:s3:::{resource}"


def redirect_region(exc: BaseException) -> str | None:
    """The region a bucket lives in, as told by an S3 redirect or error response."""
    return response_region(getattr(exc, "response", None) or {})


def response_region(response: Mapping[str, Any]) -> str | None:
    """The region a bucket lives in, as told by an S3 response's header or error body."""
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}) or {}
    error = response.get("Error", {}) or {}
    return headers.get("x-amz-bucket-region") or error.get("BucketRegion") or error.get("Region")


def error_code(exc: BaseException) -> str:
    """The S3 error code of a botocore ClientError ('' for other exceptions)."""
    response = getattr(exc, "response", None) or {}
    return str((response.get("Error") or {}).get("Code") or "")


def to_connector_error(
    exc: BaseException,
    connection: Mapping[str, Any],
    *,
    action: str,
    bucket: str | None = None,
    key: str | None = None,
) -> ConnectorError:
    """Translate a botocore exception into the framework's error, with an S3-specific fix."""
    if isinstance(exc, ConnectorError):
        return exc
    code = error_code(exc)
    where = f"s3://{bucket}/{key}" if bucket and key is not None else f"bucket {bucket!r}" if bucket else "S3"
    resource = s3_arn(connection, bucket, key) if bucket else "*"
    kw = {"connector": CONNECTOR}
    if code in CREDENTIAL_CODES:
        message, hint = CREDENTIAL_CODES[code]
        return AuthenticationError(message, hint=hint, **kw)
    if code in ("301", "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"):
        region = redirect_region(exc)
        if region or code != "IllegalLocationConstraintException":
            named = region or "another region"
            return WrongRegionError(
                f"{where} is in {named}, not in the connection's region {region_of(connection)}",
                region=region,
                hint=f"set the connection's AWS Region to {named}",
                **kw,
            )
    if code in ("NoSuchBucket",) or (code in ("404", "NotFound") and key is None):
        return NotFoundError(
            f"bucket {bucket!r} does not exist", hint="check the bucket name, or create the bucket", **kw
        )
    if code in ("NoSuchKey", "404", "NotFound"):
        return NotFoundError(f"no object at {where}", hint="check the key; keys are case-sensitive", **kw)
    if code == "NoSuchVersion":
        return NotFoundError(f"no such version of {where}", hint="check the version ID", **kw)
    if code in ("403", "AccessDenied", "AllAccessDisabled", "Forbidden"):
        return AccessDeniedError(
            f"access denied: {action} on {where}",
            action=action,
            hint=f"grant {action} on {resource} to this identity; a HEAD request carries no reason, "
            "so the keys may also be wrong" if code == "403" else f"grant {action} on {resource} to this identity",
            **kw,
        )
    if code == "BucketNotEmpty":
        return OperationError(
            f"bucket {bucket!r} is not empty", hint="delete its objects and object versions first", **kw
        )
    if code in ("BucketAlreadyExists", "BucketAlreadyOwnedByYou"):
        owner = "you already own it" if code == "BucketAlreadyOwnedByYou" else "another account owns it"
        return OperationError(
            f"bucket {bucket!r} already exists: {owner}",
            hint="bucket names are global across all AWS accounts: choose another name",
            **kw,
        )
    if code in ("InvalidRange", "416"):
        return ValidationError({"range": [f"the range is not satisfiable for {where}"]}, connector=CONNECTOR)
    if code in ("EntityTooLarge", "InvalidRequest", "InvalidArgument", "KMS.NotFoundException"):
        message = ((getattr(exc, "response", None) or {}).get("Error") or {}).get("Message") or code
        return OperationError(f"S3 refused the request for {where}: {message}", **kw)
    return map_error(exc, connector=CONNECTOR, action=action, resource=resource)


@contextlib.contextmanager
def s3_errors(
    connection: Mapping[str, Any], *, action: str, bucket: str | None = None, key: str | None = None
) -> Iterator[None]:
    """Re-raise botocore and s3transfer failures as framework errors (never a secret)."""
    try:
        yield
    except ConnectorError:
        raise
    except Exception as exc:  # noqa: BLE001 - botocore raises many unrelated types
        if not _is_aws_error(exc):
            raise
        raise to_connector_error(exc, connection, action=action, bucket=bucket, key=key) from None


def _is_aws_error(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith(("botocore", "s3transfer", "boto3", "urllib3"))


def iso(value: Any) -> Any:
    """Datetimes as ISO 8601 strings, for JSON outputs."""
    return value.isoformat() if isinstance(value, datetime) else value


def compact(values: Mapping[str, Any]) -> dict[str, Any]:
    """Drop absent (``None``) values: outputs carry only what S3 returned."""
    return {k: iso(v) for k, v in values.items() if v is not None}


def etag(value: str | None) -> str | None:
    """S3 ETags come quoted; users compare them unquoted."""
    return value.strip('"') if value else value
