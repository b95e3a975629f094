"""AWS toolkit: cached clients against the naive way, and the per-call overhead of the framework.

Run with ``python -m bench aws_clients`` (part of ``make bench``). Everything talks to
moto's threaded server on 127.0.0.1; nothing reaches AWS.

(a) A host-style loop: build a ``Connection`` from stored values and run HeadBucket,
    500 times, through :func:`connector_core.aws.client` (cached) and the naive way
    (a new boto3 Session and client per call). Target: cached >= 15x faster.
(b) Per-call overhead, interleaved, 2,000 calls each: ``host.run(conn, "head_object")``
    against the same raw boto3 ``head_object`` on a cached client (target <= 1.05x);
    and the toolkit alone: ``client(...)`` lookup + ``head_bucket`` against raw ``head_bucket``.
"""

from __future__ import annotations

import logging
import statistics
import time
import urllib.request
from collections.abc import Callable

ITERATIONS_A = 500
ITERATIONS_B = 2000
WARMUP = 50
BUCKET = "bench-bucket"
KEY = "bench/object.txt"

STORED = {
    "auth_mode": "static",
    "access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "region": "us-east-1",
    "role_session_name": "connector-core",
    "session_duration": 3600,
    "force_path_style": True,
}
SETTINGS = {"net.allow_loopback": True}


class Timings:
    """Wall time and this thread's CPU time of each call."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []


def _interleaved(a: Callable[[], object], b: Callable[[], object], n: int) -> tuple[Timings, Timings]:
    """Alternate a and b (order flipped every call) so drift in the server hits both alike."""
    ta, tb = Timings(), Timings()
    for i in range(n):
        first, second, tf, ts = (a, b, ta, tb) if i % 2 == 0 else (b, a, tb, ta)
        for call, into in ((first, tf), (second, ts)):
            w0, c0 = time.perf_counter(), time.thread_time()
            call()
            into.cpu.append(time.thread_time() - c0)
            into.wall.append(time.perf_counter() - w0)
    return ta, tb


def _report(label: str, framework: Timings, raw: Timings, target: str) -> None:
    total_ratio = sum(framework.wall) / sum(raw.wall)
    median_ratio = statistics.median(framework.wall) / statistics.median(raw.wall)
    overhead_us = (statistics.median(framework.wall) - statistics.median(raw.wall)) * 1e6
    cpu_ratio = sum(framework.cpu) / sum(raw.cpu)
    cpu_overhead_us = (sum(framework.cpu) - sum(raw.cpu)) / len(raw.cpu) * 1e6
    print(f"{label}: framework {sum(framework.wall):.3f} s, raw {sum(raw.wall):.3f} s for {len(raw.wall)} calls each")
    print(f"  ratio (total) {total_ratio:.3f}x, ratio (median) {median_ratio:.3f}x, "
          f"median overhead {overhead_us:.0f} us/call  [target {target}]")
    # The server shares this machine's 2 cores, so wall times jitter more than the gap;
    # the calling thread's CPU time is what the framework itself adds.
    print(f"  calling thread's CPU: ratio {cpu_ratio:.3f}x, {cpu_overhead_us:.0f} us/call added")


def main() -> None:
    import boto3
    from moto.server import ThreadedMotoServer

    from connector_core.aws import client
    from connector_core.connection import Connection, RunContext, SharedObjects
    from connector_core.secrets import Secret, SecretMasker

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server._server.server_port}"
    try:
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).read()
        stored = {**STORED, "endpoint_url": endpoint}
        shared, masker = SharedObjects(), SecretMasker()

        def connection() -> Connection:
            # What a host does per request: rebuild the connection from what it stored.
            return Connection("aws.s3", {**stored, "secret_access_key": Secret(stored["secret_access_key"])})

        def context() -> RunContext:
            return RunContext("aws.s3", "head_bucket", SETTINGS, shared, masker)

        setup = client(connection(), context(), "s3")
        setup.create_bucket(Bucket=BUCKET)
        setup.put_object(Bucket=BUCKET, Key=KEY, Body=b"hello")

        # (a) host-style loop
        def cached() -> None:
            client(connection(), context(), "s3").head_bucket(Bucket=BUCKET)

        def naive() -> None:
            conn = connection()
            session = boto3.session.Session(
                aws_access_key_id=conn["access_key_id"],
                aws_secret_access_key=conn["secret_access_key"].reveal(),
                region_name=conn["region"],
            )
            session.client("s3", endpoint_url=conn["endpoint_url"]).head_bucket(Bucket=BUCKET)

        for _ in range(5):
            cached(), naive()
        t0 = time.perf_counter()
        for _ in range(ITERATIONS_A):
            cached()
        t_cached = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(ITERATIONS_A):
            naive()
        t_naive = time.perf_counter() - t0
        print(f"(a) host-style loop, HeadBucket x{ITERATIONS_A}, fresh Connection each call:")
        print(f"  cached client: {t_cached:.3f} s ({t_cached / ITERATIONS_A * 1e3:.2f} ms/call)")
        print(f"  naive (new Session + client each call): {t_naive:.3f} s ({t_naive / ITERATIONS_A * 1e3:.2f} ms/call)")
        print(f"  speedup {t_naive / t_cached:.1f}x  [target >= 15x]")

        # (b) per-call overhead, interleaved
        raw = client(connection(), context(), "s3")
        try:
            import connector_aws_s3.hooks
            from connector_core import Host, hookimpl
        except ImportError as exc:  # the Host or the S3 plugin is not there yet
            print(f"(b) host.run: skipped ({exc})")
        else:
            contexts: list[RunContext] = []

            class ContextTap:
                """A wrapper plugin (public API) that keeps the context of the host's first run."""

                @hookimpl(wrapper=True)
                def connector_run(self, context):
                    if not contexts:
                        contexts.append(context)
                    return (yield)

            host = Host(plugins=[connector_aws_s3.hooks, ContextTap()], settings=SETTINGS)
            values = {**stored, "bucket": BUCKET}
            params = {"bucket": BUCKET, "key": KEY}

            def through_host() -> None:
                host.run(host.connect("aws.s3", values), "head_object", params)

            host_connection = host.connect("aws.s3", values)
            host.run(host_connection, "head_object", params)
            # The very client object host.run uses, from the host's own client cache, so the
            # comparison isolates what host.run adds to the raw boto3 call.
            raw_s3 = client(host_connection, contexts[0], "s3")

            def through_host_same_connection(conn=host_connection) -> None:
                host.run(conn, "head_object", params)

            def raw_head_object() -> None:
                raw_s3.head_object(Bucket=BUCKET, Key=KEY)

            _interleaved(through_host_same_connection, raw_head_object, WARMUP)
            fw, rw = _interleaved(through_host_same_connection, raw_head_object, ITERATIONS_B)
            _report("(b) host.run(conn, 'head_object') vs raw head_object", fw, rw, "<= 1.05x")
            fw, rw = _interleaved(through_host, raw_head_object, ITERATIONS_B // 4)
            _report("    incl. host.connect() per call (validation of stored values)", fw, rw, "info")

        def toolkit() -> None:
            client(connection(), context(), "s3").head_bucket(Bucket=BUCKET)

        def raw_head_bucket() -> None:
            raw.head_bucket(Bucket=BUCKET)

        _interleaved(toolkit, raw_head_bucket, WARMUP)
        fw, rw = _interleaved(toolkit, raw_head_bucket, ITERATIONS_B)
        _report("(b') toolkit: Connection + client() + head_bucket vs raw head_bucket", fw, rw, "<= 1.05x")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
