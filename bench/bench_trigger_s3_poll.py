"""An S3 new_objects poll over 1,000,000 keys: time, requests and memory stay bounded.

A stand-in ListObjectsV2 endpoint (its own process on 127.0.0.1) serves a prefix of
``BENCH_KEYS`` keys (default 1,000,000), 1,000 per page, generated on the fly. In one
run: a raw boto3 listing of every page (the floor: the poll cannot be cheaper than the
listing it needs), then the trigger's first poll (baseline) and a second poll that finds
100 new keys. Printed: seconds, pages, the ratio to the raw listing, the process's peak
RSS growth during the polls, and the cursor's size.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

from ._support import StandInHandler, serve_on_loopback

KEYS = int(os.environ.get("BENCH_KEYS", 1_000_000))
PAGE = 1000
BUCKET = "bench-bucket"


def _serve(port_out, extra_out) -> None:
    old = datetime.now(timezone.utc) - timedelta(days=1)
    state = {"extra": 0}

    class Handler(StandInHandler):

        def do_GET(self):  # noqa: N802 - http.server's name
            query = parse_qs(urlparse(self.path).query)
            if "new" in query:  # test hook: 100 more keys, written now
                state["extra"] += 100
                self.send_xml(b"<ok/>")
                return
            start = int(query.get("continuation-token", ["0"])[0])
            total = KEYS + state["extra"]
            end = min(total, start + PAGE)
            now = datetime.now(timezone.utc)
            rows = []
            for i in range(start, end):
                when = (now if i >= KEYS else old).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                rows.append(f"<Contents><Key>in/{i:08d}</Key><LastModified>{when}</LastModified>"
                            f"<ETag>&quot;{i:032x}&quot;</ETag><Size>10</Size>"
                            f"<StorageClass>STANDARD</StorageClass></Contents>")
            more = end < total
            body = (f'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>{BUCKET}</Name>'
                    f"<Prefix>in/</Prefix><KeyCount>{end - start}</KeyCount><MaxKeys>{PAGE}</MaxKeys>"
                    f"<IsTruncated>{'true' if more else 'false'}</IsTruncated>"
                    + "".join(rows)
                    + (f"<NextContinuationToken>{end}</NextContinuationToken>" if more else "")
                    + "</ListBucketResult>")
            self.send_xml(body.encode())

    serve_on_loopback(Handler, port_out)


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    import urllib.request

    import boto3

    import connector_aws_s3.hooks
    from connector_core import Host

    ctx = multiprocessing.get_context("spawn")
    port_q = ctx.Queue()
    server = ctx.Process(target=_serve, args=(port_q, None), daemon=True)
    server.start()
    endpoint = f"http://127.0.0.1:{port_q.get(timeout=30)}"
    try:
        raw = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                           aws_secret_access_key="x", config=__import__("botocore.config").config.Config(
                               s3={"addressing_style": "path"}))
        start = time.perf_counter()
        pages = keys = 0
        for page in raw.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="in/"):
            pages += 1
            keys += len(page.get("Contents", ()))
        raw_seconds = time.perf_counter() - start

        host = Host(plugins=[connector_aws_s3.hooks], settings={"net.allow_loopback": True})
        conn = host.connect("aws.s3", {"auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
                                       "secret_access_key": "x", "region": "us-east-1", "endpoint_url": endpoint,
                                       "force_path_style": True, "bucket": BUCKET})
        params = {"prefix": "in/", "settle_seconds": 15}
        list(host.run(conn, "list_objects", {"prefix": "in/", "max_keys": 1000}))  # load botocore's S3 model first
        rss_before = _rss_mib()
        start = time.perf_counter()
        baseline = host.poll(conn, "new_objects", params, None)
        first_seconds = time.perf_counter() - start
        urllib.request.urlopen(f"{endpoint}/{BUCKET}?new=1", timeout=10).read()
        start = time.perf_counter()
        second = host.poll(conn, "new_objects", params, baseline.cursor)
        second_seconds = time.perf_counter() - start
        growth = _rss_mib() - rss_before
        import tracemalloc  # a third poll, traced (slower): Python's own peak allocation during it

        tracemalloc.start()
        host.poll(conn, "new_objects", params, second.cursor)
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        import json

        print(f"{keys:,} keys under the prefix, {pages:,} ListObjectsV2 pages")
        print(f"  raw boto3 listing           : {raw_seconds:6.1f} s")
        print(f"  trigger, first poll          : {first_seconds:6.1f} s ({first_seconds / raw_seconds:.2f}x the raw listing)")
        print(f"  trigger, poll finding {len(second.items)} new : {second_seconds:6.1f} s "
              f"({second_seconds / raw_seconds:.2f}x the raw listing)")
        print(f"  peak RSS growth during both polls: {growth:.1f} MiB; traced peak of a poll: {traced_peak:.1f} MiB; "
              f"cursor {len(json.dumps(second.cursor)):,} bytes")
    finally:
        server.terminate()
