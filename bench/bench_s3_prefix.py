"""Deleting every object under an S3 prefix: CPU against raw boto3, and memory that stays flat.

A stand-in S3 endpoint (its own process on 127.0.0.1) serves a prefix of ``BENCH_KEYS``
keys (default 100,000), generated on the fly: ListObjectsV2 (``prefix``,
``start-after``, continuation tokens, at most 1,000 per page) and DeleteObjects (every
key deleted; the listing does not change, so each run sees the same keys). In one run:

- raw boto3: list page by page, one DeleteObjects per page (the floor);
- ``delete_prefix`` through ``Host.run`` (page by page, 4 requests in flight);
- ``delete_prefix`` as a job on the local runner (SQLite): one worker lists and queues a
  chunk job per 1,000 keys, 4 runner threads run them, the merge reads them back;
- Python's traced peak allocation (tracemalloc) of ``delete_prefix`` over a tenth of the
  keys and over all of them: equal peaks mean memory does not grow with the prefix.

Printed: seconds and CPU seconds of this process (the stand-in's are its own), the
ratios to raw boto3, and the two traced peaks with their ratio.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from urllib.parse import parse_qs, urlparse

from ._support import StandInHandler, serve_on_loopback

KEYS = int(os.environ.get("BENCH_KEYS", 100_000))
BUCKET = "bench-bucket"


def _serve(port_out) -> None:
    class Handler(StandInHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - http.server's name
            query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
            prefix = query.get("prefix", "")
            # "tmp/" lists every key; "tmp/N" (digits) lists the first N keys: a smaller prefix, same process.
            count = int(prefix[len("tmp/"):] or 0) if prefix.startswith("tmp/") and prefix != "tmp/" else KEYS
            after = query.get("continuation-token") or query.get("start-after")
            start = int(after[len("tmp/"):]) + 1 if after else 0
            end = min(count, start + int(query.get("max-keys", 1000)))
            rows = "".join(f"<Contents><Key>tmp/{i:08d}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
                           f"<ETag>&quot;{i:032x}&quot;</ETag><Size>10</Size></Contents>" for i in range(start, end))
            more = end < count
            token = f"<NextContinuationToken>tmp/{end - 1:08d}</NextContinuationToken>" if more else ""
            self.send_xml(f'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>{BUCKET}</Name>'
                       f"<KeyCount>{end - start}</KeyCount><IsTruncated>{'true' if more else 'false'}</IsTruncated>"
                       f"{rows}{token}</ListBucketResult>".encode())

        def do_POST(self):  # noqa: N802 - DeleteObjects
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_xml(b'<?xml version="1.0" encoding="UTF-8"?><DeleteResult></DeleteResult>')

    serve_on_loopback(Handler, port_out)


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def _traced_peak(fn) -> float:
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    import boto3
    from botocore.config import Config

    import connector_aws_s3.hooks
    from connector_core import Host
    from connector_core.jobs import Jobs, JobSettings, LocalRunner
    from connector_core.store import ConnectionStore, Keyring, generate_master_key

    ctx = multiprocessing.get_context("spawn")
    port_q = ctx.Queue()
    server = ctx.Process(target=_serve, args=(port_q,), daemon=True)
    server.start()
    endpoint = f"http://127.0.0.1:{port_q.get(timeout=30)}"
    values = {"auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "x",
              "region": "us-east-1", "endpoint_url": endpoint, "force_path_style": True, "bucket": BUCKET}
    try:
        raw = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                           aws_secret_access_key="x", config=Config(s3={"addressing_style": "path"}))

        def raw_delete() -> int:
            done = 0
            for page in raw.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="tmp/"):
                objects = [{"Key": o["Key"]} for o in page.get("Contents", ())]
                raw.delete_objects(Bucket=BUCKET, Delete={"Objects": objects, "Quiet": True})
                done += len(objects)
            return done

        raw.list_objects_v2(Bucket=BUCKET, Prefix="tmp/", MaxKeys=1)  # botocore's S3 model loaded first
        raw_done, raw_wall, raw_cpu = _timed(raw_delete)

        host = Host(plugins=[connector_aws_s3.hooks], settings={"net.allow_loopback": True})
        conn = host.connect("aws.s3", values)
        host.run(conn, "delete_prefix", {"prefix": f"tmp/{10:08d}"})  # warm: the model, the client
        direct, direct_wall, direct_cpu = _timed(lambda: host.run(conn, "delete_prefix", {"prefix": "tmp/"}))

        with tempfile.TemporaryDirectory() as folder:
            settings = JobSettings(workers=4, lease_seconds=30, check_interval=0.5)
            with ConnectionStore.open(host, f"sqlite:///{folder}/store.db",
                                      Keyring.from_text(generate_master_key(), source="bench")) as store, \
                    Jobs(store, LocalRunner(4), settings=settings) as jobs:
                connection = store.create("bench", "aws.s3", "s3", values).id

                def as_job():
                    parent = jobs.submit("bench", connection, "delete_prefix", {"prefix": "tmp/"})
                    return jobs.wait("bench", parent.id)

                job, job_wall, job_cpu = _timed(as_job)

        tenth = _traced_peak(lambda: host.run(conn, "delete_prefix", {"prefix": f"tmp/{KEYS // 10:08d}"}))
        whole = _traced_peak(lambda: host.run(conn, "delete_prefix", {"prefix": "tmp/"}))
        print(f"{KEYS:,} keys under the prefix, {-(-KEYS // 1000):,} ListObjectsV2 pages and DeleteObjects requests")
        print(f"  raw boto3 (list, delete a page)   : {raw_wall:6.1f} s, CPU {raw_cpu:6.1f} s ({raw_done:,} keys)")
        print(f"  delete_prefix, Host.run           : {direct_wall:6.1f} s, CPU {direct_cpu:6.1f} s "
              f"({direct_cpu / raw_cpu:.2f}x raw CPU; {direct['deleted_count']:,} deleted)")
        print(f"  delete_prefix as a fanned-out job : {job_wall:6.1f} s, CPU {job_cpu:6.1f} s "
              f"({job_cpu / raw_cpu:.2f}x raw CPU; {job.state}, {job.result['fanout']['chunks']} chunks, "
              f"{job.result['deleted_count']:,} deleted)")
        print(f"  traced peak of delete_prefix: {tenth:.1f} MiB over {KEYS // 10:,} keys, {whole:.1f} MiB over "
              f"{KEYS:,} ({whole / tenth:.2f}x for 10x the keys)")
        print(f"  load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
