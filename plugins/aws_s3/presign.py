"""Presigned URLs: time-limited GET or PUT access to one object, without credentials."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from connector_core.aws import client as aws_client
from connector_core import ValidationError

from .client import s3_errors
from .validation import check_key, resolve_bucket

#: SigV4 presigned URLs are valid for at most 7 days.
MAX_EXPIRES_IN = 604800


def presign_url(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """A URL granting ``method`` on one object for ``expires_in`` seconds (at most 7 days).

    Signing is local (no request is made), so a URL is returned even for a missing
    object or a key without permission: the holder's request is what S3 judges.
    """
    bucket = resolve_bucket(connection, params)
    key = check_key(params["key"])
    method = params.get("method") or "GET"
    expires_in = int(params.get("expires_in") or 3600)
    if not 1 <= expires_in <= MAX_EXPIRES_IN:
        raise ValidationError({"expires_in": [f"must be between 1 and {MAX_EXPIRES_IN} seconds (7 days)"]})
    request: dict[str, Any] = {"Bucket": bucket, "Key": key}
    headers: dict[str, str] = {}
    if method == "PUT":
        if params.get("version_id"):
            raise ValidationError({"version_id": ["only for GET URLs"]})
        if params.get("content_type"):
            request["ContentType"] = headers["Content-Type"] = params["content_type"]
        operation = "put_object"
    elif method == "GET":
        if params.get("content_type"):
            raise ValidationError({"content_type": ["only for PUT URLs"]})
        if params.get("version_id"):
            request["VersionId"] = params["version_id"]
        operation = "get_object"
    else:
        raise ValidationError({"method": ["must be GET or PUT"]})
    signed_at = datetime.now(timezone.utc)
    with s3_errors(connection, action=f"s3:{'PutObject' if method == 'PUT' else 'GetObject'}", bucket=bucket, key=key):
        # SigV4 always: it is what S3 requires in every region and what bounds URLs to 7 days.
        url = aws_client(connection, context, "s3", signature_version="s3v4").generate_presigned_url(
            operation, Params=request, ExpiresIn=expires_in, HttpMethod=method
        )
    expires_at = (signed_at + timedelta(seconds=expires_in)).replace(microsecond=0)
    return {"url": url, "method": method, "expires_at": expires_at.isoformat(), "headers": headers}
