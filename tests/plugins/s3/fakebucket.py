"""A stand-in for S3's ListObjectsV2 with a clock the test drives, for the trigger's hard cases.

Like S3: keys are listed in order, page by page, each page reading the bucket as it is
then (an object written while a listing runs shows up if its key is still ahead);
LastModified has whole seconds; ``Date`` is the server's clock in whole seconds; an
object can become visible after the time it is dated (a multipart upload).
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import format_datetime


class FakeBucket:
    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:
        self.now_ms = start_ms
        self.objects: dict[str, tuple[int, str]] = {}  # key -> (dated ms, etag)
        self._keys: list[str] = []
        self.between_pages: Callable[[], None] | None = None
        self.pages = 0
        self.versions: list[str] = []  # "key@ms:etag" of every version written

    def tick(self, ms: int) -> None:
        self.now_ms += ms

    def put(self, key: str, body: str = "", *, dated_early_ms: int = 0) -> str:
        dated = (self.now_ms - dated_early_ms) // 1000 * 1000
        tag = hashlib.md5(f"{key}:{body}:{len(self.versions)}".encode()).hexdigest()
        if key not in self.objects:
            bisect.insort(self._keys, key)
        self.objects[key] = (dated, tag)
        version = f"{key}@{dated}:{tag}"
        self.versions.append(version)
        return version

    def list_objects_v2(self, Bucket: str, MaxKeys: int = 1000, Prefix: str = "", ContinuationToken: str = ""):
        if ContinuationToken and self.between_pages is not None:
            self.between_pages()
        self.pages += 1
        start = bisect.bisect_right(self._keys, ContinuationToken) if ContinuationToken else 0
        keys = [k for k in self._keys[start:] if k.startswith(Prefix)][:MaxKeys]
        contents = [{"Key": k, "LastModified": datetime.fromtimestamp(self.objects[k][0] / 1000, timezone.utc),
                     "ETag": f'"{self.objects[k][1]}"', "Size": 1, "StorageClass": "STANDARD"} for k in keys]
        more = start + len(keys) < len(self._keys) and len(keys) == MaxKeys
        date = format_datetime(datetime.fromtimestamp(self.now_ms // 1000, timezone.utc), usegmt=True)
        page = {"Contents": contents, "IsTruncated": more,
                "ResponseMetadata": {"HTTPHeaders": {"date": date}}}
        if more:
            page["NextContinuationToken"] = keys[-1]
        return page
