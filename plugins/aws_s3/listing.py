"""Listing objects: every page followed lazily, so memory stays bounded by one page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .client import compact, etag, s3, s3_errors
from .validation import check_key, check_prefix, resolve_bucket


def list_objects(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> Iterator[dict]:
    """Yield objects (``kind: object``) and common prefixes (``kind: prefix``) as pages arrive.

    Input is validated now, before any request; the first request is made when the
    caller asks for the first item, and each further page only when the previous one
    has been consumed.
    """
    bucket = resolve_bucket(connection, params)
    request: dict[str, Any] = {"Bucket": bucket}
    if params.get("prefix"):
        request["Prefix"] = check_prefix(params["prefix"])
    if params.get("delimiter"):
        request["Delimiter"] = params["delimiter"]
    if params.get("start_after"):
        request["StartAfter"] = check_key(params["start_after"], "start_after")
    page_size = int(params.get("page_size") or 1000)
    limit = params.get("max_keys")
    client = s3(connection, context)
    return _items(connection, client, request, page_size, limit)


def _items(
    connection: Mapping[str, Any], client: Any, request: dict, page_size: int, limit: int | None
) -> Iterator[dict]:
    bucket = request["Bucket"]
    count = 0
    token: str | None = None
    while True:
        size = page_size if limit is None else min(page_size, limit - count)
        page_request = {**request, "MaxKeys": size}
        if token:
            page_request["ContinuationToken"] = token
        with s3_errors(connection, action="s3:ListBucket", bucket=bucket):
            page = client.list_objects_v2(**page_request)
        # S3 returns a page's objects and prefixes separately, each sorted; merge them
        # so that the stream is in key order, as a listing of "folders" is expected to be.
        objects = [
            compact({"kind": "object", "key": o["Key"], "size": o.get("Size"),
                     "last_modified": o.get("LastModified"), "etag": etag(o.get("ETag")),
                     "storage_class": o.get("StorageClass")})
            for o in page.get("Contents", ())
        ]
        prefixes = [{"kind": "prefix", "key": p["Prefix"]} for p in page.get("CommonPrefixes", ())]
        for item in sorted(objects + prefixes, key=lambda i: i["key"]) if prefixes else objects:
            yield item
            count += 1
            if limit is not None and count >= limit:
                return
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return
