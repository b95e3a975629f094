"""Delete or copy every object under a prefix, page by page, in bounded memory.

Run directly (``Host.run``), each operation lists the prefix one page at a time
(ListObjectsV2, at most ``page_size`` <= 1,000 keys) and acts on a page while the next is
listed: a delete sends each page as one DeleteObjects request (S3's limit is 1,000 keys),
at most ``DELETE_CONCURRENCY`` at once, as ``delete_objects`` does; a copy copies a page's
objects ``concurrency`` at a time. Memory holds the pages in flight, never the whole
listing, whatever its size.

As a job, the manifest's ``fanout: list:`` has a worker list the prefix instead, and each
page of keys becomes a chunk job that runs this same operation with ``keys`` (docs/jobs.md).
Running a chunk twice is harmless: deleting a missing key succeeds, as in S3, and a copy
writes the same object again.

A copy keeps what :mod:`.copies` keeps for one object: below the multipart threshold one
CopyObject (S3 itself copies the content type, headers, metadata and tags); at or above
it :func:`.copies.copy_object` (a multipart copy, given the source's headers and tags,
then checked). Each copy is conditional on the ETag listed, so an object rewritten since
the listing is reported (``PreconditionFailed``) rather than copied half-known. A chunk
carries its keys' listed sizes and ETags (``sizes``, ``etags``): it reads no object before
copying it; a chunk with keys alone (queued by an older version) reads each (HeadObject).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from connector_core import ConnectorError

from .client import CREDENTIAL_CODES, s3, s3_errors
from .copies import copy_object
from .listing import _items
from .objects import DELETE_BATCH, DELETE_CONCURRENCY, delete_batch
from .transfer import transfer_config
from .validation import check_prefix_input, destination_prefix, resolve_bucket

#: S3 answers that end the whole run rather than one key's: the credentials or a bucket are wrong.
FATAL_CODES = {*CREDENTIAL_CODES, "NoSuchBucket", "AllAccessDisabled", "PermanentRedirect"}


def delete_prefix(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """Delete every object under the prefix (or exactly ``keys``), a page per DeleteObjects request."""
    check_prefix_input("delete_prefix", params, connection)
    bucket = resolve_bucket(connection, params)
    client = s3(connection, context)

    def delete(page: list[dict]) -> list[dict]:
        return delete_batch(connection, client, bucket, [o["key"] for o in page])

    errors: list[dict] = []
    done = 0
    pages = _pages(connection, client, bucket, params, DELETE_BATCH)
    with ThreadPoolExecutor(max_workers=DELETE_CONCURRENCY) as pool:
        in_flight: deque[tuple[int, Future]] = deque()
        for page in pages:
            context.check_cancelled()
            in_flight.append((len(page), pool.submit(delete, page)))
            if len(in_flight) >= DELETE_CONCURRENCY:  # wait for the oldest: errors stay in key order
                done += _collect(in_flight.popleft(), errors)
                context.progress(done, None, "keys")
        while in_flight:
            done += _collect(in_flight.popleft(), errors)
            context.progress(done, None, "keys")
    return _result(connection, params, bucket, {"deleted_count": done - len(errors), "error_count": len(errors),
                                                "errors": errors})


def copy_prefix(connection: Mapping[str, Any], params: Mapping[str, Any], context: Any) -> dict:
    """Copy every object under the prefix (or exactly ``keys``) to the destination bucket and prefix."""
    check_prefix_input("copy_prefix", params, connection)
    source_bucket = resolve_bucket(connection, params, "source_bucket")
    bucket = resolve_bucket(connection, params)
    prefix, target = params.get("prefix") or "", destination_prefix(params)
    client = s3(connection, context)
    threshold = transfer_config(params).multipart_threshold

    def copy(item: dict) -> dict | None:
        key = item["key"]
        destination = target + key[len(prefix):]
        try:
            size, etag = item.get("size"), item.get("etag")
            if size is None:  # keys alone (a chunk queued before chunks carried sizes): ask for the size
                head = client.head_object(Bucket=source_bucket, Key=key)
                size, etag = head["ContentLength"], head.get("ETag")
            if size >= threshold:
                copy_object(connection, {**params, "source_bucket": source_bucket, "source_key": key,
                                         "bucket": bucket, "key": destination}, _Quiet(context), if_match=etag)
                return None
            source = {"Bucket": source_bucket, "Key": key}
            condition = {"CopySourceIfMatch": '"' + etag.strip('"') + '"'} if etag else {}
            client.copy_object(CopySource=source, Bucket=bucket, Key=destination, **condition)
            return None
        except ConnectorError as exc:
            return {"key": key, "code": type(exc).__name__, "message": exc.message}
        except Exception as exc:
            code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code")
            if code is None or code in FATAL_CODES:
                with s3_errors(connection, action="s3:GetObject, s3:PutObject", bucket=source_bucket, key=key):
                    raise
            message = exc.response["Error"].get("Message") or code  # type: ignore[attr-defined]
            return {"key": key, "code": code, "message": message}

    errors: list[dict] = []
    done = 0
    with ThreadPoolExecutor(max_workers=int(params.get("concurrency") or 8)) as pool:
        for page in _pages(connection, client, source_bucket, params, int(params.get("page_size") or 1000)):
            context.check_cancelled()
            errors.extend(e for e in pool.map(copy, page) if e is not None)
            done += len(page)
            context.progress(done, None, "keys")
    return _result(connection, params, bucket, {"source_bucket": source_bucket, "destination_prefix": target,
                                                "copied_count": done - len(errors), "error_count": len(errors),
                                                "errors": errors})


def _pages(connection: Mapping[str, Any], client: Any, bucket: str, params: Mapping[str, Any],
           limit: int) -> Iterator[list[dict]]:
    """The objects to act on, a page at a time: ``keys`` as given, else the listing of the prefix."""
    size = min(limit, int(params.get("page_size") or 1000))
    if params.get("keys") is not None:  # a chunk's keys, with what the listing said of each when it carries it
        keys, sizes, etags = list(params["keys"]), params.get("sizes"), params.get("etags")
        for start in range(0, len(keys), size):
            yield [{"key": key, "size": sizes[i] if sizes else None, "etag": etags[i] if etags else None}
                   for i, key in enumerate(keys[start:start + size], start)]
        return
    request: dict[str, Any] = {"Bucket": bucket}
    if params.get("prefix"):
        request["Prefix"] = params["prefix"]
    page: list[dict] = []
    for item in _items(connection, client, request, size, None):
        page.append(item)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


def _collect(entry: tuple[int, Future], errors: list[dict]) -> int:
    """Wait for one page's DeleteObjects; its refused keys join ``errors``; its key count."""
    count, future = entry
    errors.extend(future.result())
    return count


def _result(connection: Mapping[str, Any], params: Mapping[str, Any], bucket: str, out: dict) -> dict:
    return {"bucket": bucket, **({"prefix": params["prefix"]} if params.get("prefix") else {}), **out}


class _Quiet:
    """The run's context for one object's multipart copy inside a prefix copy: its byte
    progress would fight the prefix's key count, so it is dropped; the rest passes through."""

    def __init__(self, context: Any) -> None:
        self._context = context

    def progress(self, done: int, total: int | None = None, unit: str = "") -> None:
        """Dropped: the prefix copy reports keys, not one object's bytes."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)
