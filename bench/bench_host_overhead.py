"""What ``host.run`` itself costs per call, without a network in the way.

A plugin's operation that returns at once is run through ``host.run`` (input validation,
owner dispatch through pluggy, the run context, output validation) and called directly,
interleaved, 20,000 times each. The difference is the framework's own cost per call;
it is printed beside a raw S3 HeadObject on a cached boto3 client against moto on
127.0.0.1, the call ``bench_aws_clients`` compares with (where moto's jitter hides it).
"""

from __future__ import annotations

import logging
import statistics
import time

CALLS = 20_000
MANIFEST = """\
manifest_version: 1
id: bench.echo
name: Echo
version: 1.0.0
connection:
  fields:
    - {key: bucket, label: Bucket, type: string, required: true}
operations:
  - id: head
    label: Head
    input:
      fields:
        - {key: bucket, label: Bucket, type: string}
        - {key: key, label: Key, type: string, required: true, max_length: 1024}
    output:
      fields:
        - {key: bucket, label: Bucket, type: string}
        - {key: key, label: Key, type: string}
        - {key: size, label: Size, type: integer}
        - {key: etag, label: ETag, type: string}
        - {key: metadata, label: Metadata, type: json}
"""


def head(connection, params, context):
    """Shaped like the S3 plugin's head_object result."""
    return {"bucket": params.get("bucket") or connection["bucket"], "key": params["key"], "size": 5,
            "etag": "5d41402abc4b2a76b9719d911017c592", "metadata": {}}


def _per_call(fn, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def _raw_head_object_seconds(calls: int = 300) -> float:
    """Median wall time of a raw HeadObject on a cached client against moto (for scale)."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        s3 = boto3.session.Session(aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x" * 40,
                                   region_name="us-east-1").client(
            "s3", endpoint_url=f"http://127.0.0.1:{server._server.server_port}")
        s3.create_bucket(Bucket="bench")
        s3.put_object(Bucket="bench", Key="k", Body=b"hello")
        times = []
        for _ in range(calls):
            start = time.perf_counter()
            s3.head_object(Bucket="bench", Key="k")
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    finally:
        server.stop()


def main() -> None:
    from ._support import host_with

    with host_with(MANIFEST, {"head": head}) as host:
        conn = host.connect("bench.echo", {"bucket": "bench"})
        params = {"key": "reports/2024-01.csv"}
        through_host = lambda: host.run(conn, "head", params)  # noqa: E731
        direct = lambda: head(conn, params, None)  # noqa: E731
        for fn in (through_host, direct):
            _per_call(fn, 2_000)  # warm-up: schemas built, caches filled
        runs = [(_per_call(through_host, CALLS // 5), _per_call(direct, CALLS // 5)) for _ in range(5)]
    overhead = statistics.median(h - d for h, d in runs)
    raw = _raw_head_object_seconds()
    print(f"host.run of an operation that returns at once: {overhead * 1e6:.1f} us per call "
          f"(median of 5 x {CALLS // 5} calls, the direct call subtracted)")
    print(f"a raw HeadObject on a cached boto3 client against moto on 127.0.0.1: {raw * 1e6:.0f} us")
    print(f"host.run's own cost relative to that call: {1 + overhead / raw:.3f}x (target <= 1.05x)")


if __name__ == "__main__":
    main()
