"""The ``new_objects`` trigger: objects created or overwritten under a prefix.

S3 cannot list "what changed since T": each poll lists the prefix, page by page (memory
is bounded by one page, the batch being returned and the cursor), and keeps what is new.
The cursor is plain JSON::

    {"v": 1, "floor": <ms>, "seen": {"<last modified ms>": ["<version digest>", ...]}}

- ``floor``: every object version dated at or before it has been reported (or existed
  before the trigger started). It trails the listing's start (S3's own clock, from the
  first response's ``Date``) by the settle time, so an object that becomes visible late
  (a multipart upload is dated when it starts) or is written while a poll is listing
  keys it has passed is still found by the next poll.
- ``seen``: digests of the versions dated after ``floor`` that were already reported.
  Many objects sharing one LastModified second are told apart by key and ETag, never by
  time alone; the set only spans the settle window, so it stays small.
"""

from __future__ import annotations

import hashlib
import heapq
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from connector_core import PollResult, TriggerItem

from .client import etag, s3, s3_errors
from .validation import check_prefix, resolve_bucket

CURSOR_VERSION = 1
PAGE_SIZE = 1000


def new_objects(connection: Mapping[str, Any], params: Mapping[str, Any], cursor: Any, context: Any) -> PollResult:
    bucket = resolve_bucket(connection, params)
    prefix = check_prefix(params.get("prefix") or "")
    settle_ms = int(params["settle_seconds"]) * 1000
    listing = _Listing(connection, s3(connection, context), bucket, prefix)
    if cursor is None and not params["include_existing"]:
        return _baseline(listing, settle_ms)
    floor, seen = _read_cursor(cursor)
    limit = int(params["max_items"])
    batch: list[tuple[int, str, dict]] = []  # a max-heap by (-ms, key): the `limit` oldest candidates
    truncated = False
    for ms, obj in listing:
        if ms <= floor or _digest(obj, ms) in seen:
            continue
        entry = (-ms, _neg_key(obj["Key"]), obj)
        if len(batch) < limit:
            heapq.heappush(batch, entry)
        else:
            truncated = True
            if entry > batch[0]:  # older (or same time, smaller key) than the newest kept
                heapq.heapreplace(batch, entry)
    chosen = sorted(((-neg_ms, obj) for neg_ms, _, obj in batch), key=lambda e: (e[0], e[1]["Key"]))
    # Nothing dated after `new_floor` may be skipped by the next poll: when the batch was
    # cut short, the floor stays below the newest reported time (the rest share or follow it).
    new_floor = listing.started_ms - settle_ms - 1
    if truncated and chosen:
        new_floor = min(new_floor, chosen[-1][0] - 1)
    new_floor = max(floor, new_floor)
    for ms, obj in chosen:
        seen[_digest(obj, ms)] = ms
    items = [TriggerItem(_dedupe_key(obj, ms), _item(bucket, obj)) for ms, obj in chosen]
    return PollResult(items, _write_cursor(new_floor, seen))


def _baseline(listing: _Listing, settle_ms: int) -> PollResult:
    """A first poll: nothing reported; what this listing saw is what "existed"."""
    recent: dict[str, int] = {}
    for ms, obj in listing:
        # Only versions above the floor are remembered (started_ms is set by the first page),
        # so memory is bounded by the settle window, not by the prefix.
        if ms > listing.started_ms - settle_ms - 1:
            recent[_digest(obj, ms)] = ms
    # An object written during this listing behind its position was not seen: the next
    # poll reports it (it is dated after the floor).
    return PollResult([], _write_cursor(listing.started_ms - settle_ms - 1, recent))


class _Listing:
    """ListObjectsV2 under a prefix, object by object, one page in memory at a time.

    ``started_ms`` is S3's clock (the first response's ``Date``, whole seconds, so never
    later than the real start) once the first page has arrived.
    """

    def __init__(self, connection: Mapping[str, Any], client: Any, bucket: str, prefix: str) -> None:
        self._connection, self._client, self._bucket, self._prefix = connection, client, bucket, prefix
        self.started_ms = int(time.time()) * 1000
        self.pages = 0

    def __iter__(self) -> Iterator[tuple[int, dict]]:
        request: dict[str, Any] = {"Bucket": self._bucket, "MaxKeys": PAGE_SIZE}
        if self._prefix:
            request["Prefix"] = self._prefix
        while True:
            with s3_errors(self._connection, action="s3:ListBucket", bucket=self._bucket):
                page = self._client.list_objects_v2(**request)
            if self.pages == 0:
                self.started_ms = _server_ms(page, self.started_ms)
            self.pages += 1
            for obj in page.get("Contents", ()):
                yield _ms(obj["LastModified"]), obj
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return
            request["ContinuationToken"] = token


def _server_ms(page: Mapping[str, Any], default: int) -> int:
    date = page.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    try:
        return int(parsedate_to_datetime(date).timestamp()) * 1000 if date else default
    except (TypeError, ValueError):
        return default


def _ms(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp() * 1000)


def _digest(obj: Mapping[str, Any], ms: int) -> str:
    text = f"{obj['Key']}\0{obj.get('ETag', '')}\0{ms}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def _dedupe_key(obj: Mapping[str, Any], ms: int) -> str:
    """The version's identity: key, ETag and time (an overwrite with equal content is a new version)."""
    return f"{obj['Key']}@{ms}:{etag(obj.get('ETag')) or ''}"


class _neg_key(str):
    """A key that sorts in reverse, so the heap's smallest entry is the newest candidate."""

    def __lt__(self, other: str) -> bool:
        return str.__gt__(self, other)

    def __gt__(self, other: str) -> bool:
        return str.__lt__(self, other)


def _item(bucket: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    item = {"bucket": bucket, "key": obj["Key"], "etag": etag(obj.get("ETag")), "size": obj.get("Size"),
            "last_modified": obj["LastModified"].isoformat(), "storage_class": obj.get("StorageClass")}
    return {k: v for k, v in item.items() if v is not None}


def _read_cursor(cursor: Any) -> tuple[int, dict[str, int]]:
    if cursor is None:  # include_existing: everything is new
        return -1, {}
    if not isinstance(cursor, Mapping) or cursor.get("v") != CURSOR_VERSION:
        from connector_core import ValidationError

        raise ValidationError({"cursor": ["is not a cursor of this trigger (version 1)"]},
                              hint="poll with the cursor the previous poll returned, or None to start over",
                              connector="aws.s3")
    seen = {digest: int(ms) for ms, digests in cursor.get("seen", {}).items() for digest in digests}
    return int(cursor["floor"]), seen


def _write_cursor(floor: int, seen: Mapping[str, int]) -> dict[str, Any]:
    by_time: dict[str, list[str]] = {}
    for digest, ms in seen.items():
        if ms > floor:
            by_time.setdefault(str(ms), []).append(digest)
    return {"v": CURSOR_VERSION, "floor": floor,
            "seen": {ms: sorted(digests) for ms, digests in sorted(by_time.items(), key=lambda e: int(e[0]))}}
