"""The upload inputs every write shares (PutObject, the transfer manager): content type,
metadata, tags, encryption, storage class.

Its own module so that :mod:`.objects` (small writes) and :mod:`.transfer` (large
ones) both use it without importing each other both ways.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from connector_core import ValidationError

from .validation import check_metadata, check_tags


def upload_args(params: Mapping[str, Any]) -> dict[str, Any]:
    """PutObject / transfer-manager ExtraArgs from the common upload inputs, validated."""
    extra: dict[str, Any] = {}
    if params.get("content_type"):
        extra["ContentType"] = params["content_type"]
    if params.get("metadata"):
        extra["Metadata"] = check_metadata(params["metadata"])
    if params.get("tags"):
        extra["Tagging"] = urlencode(check_tags(params["tags"]))
    sse = params.get("server_side_encryption")
    if params.get("kms_key_id") and sse != "aws:kms":
        raise ValidationError({"kms_key_id": ["only allowed with server_side_encryption aws:kms"]})
    if sse:
        extra["ServerSideEncryption"] = sse
        if params.get("kms_key_id"):
            extra["SSEKMSKeyId"] = params["kms_key_id"]
    if params.get("storage_class"):
        extra["StorageClass"] = params["storage_class"]
    return extra
