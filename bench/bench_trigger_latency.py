"""Trigger latency: from PutObject to the handler call, at a 1 s poll interval.

moto's S3 on 127.0.0.1 (in this process), the store on SQLite in a temporary folder, one
``new_objects`` trigger instance polled every second by the in-process scheduler. Objects
are put at random moments (0-1.5 s apart); printed: p50 and p99 of put-to-handler time,
and the interval itself as the ratio's base (a poll waits up to one interval by design).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import threading
import time

OBJECTS = int(os.environ.get("BENCH_OBJECTS", 40))


def main() -> None:
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    import connector_aws_s3.hooks
    from connector_core import Host
    from connector_core.store import ConnectionStore, Keyring, generate_master_key
    from connector_core.triggers.delivery import Poller, TriggerScheduler
    from connector_core.triggers.instances import TriggerInstances

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server._server.server_port}"
    raw = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint,
                       aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x")
    raw.create_bucket(Bucket="latency")
    folder = tempfile.mkdtemp()
    host = Host(plugins=[connector_aws_s3.hooks], settings={"net.allow_loopback": True})
    store = ConnectionStore.open(host, f"sqlite:///{folder}/store.db", Keyring.from_text(generate_master_key(),
                                                                                           source="bench"))
    conn = store.create("bench", "aws.s3", "latency", {
        "auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "x",
        "region": "us-east-1", "endpoint_url": endpoint, "force_path_style": True, "bucket": "latency"})
    instances = TriggerInstances(store.engine, host)
    instances.create("bench", conn.id, "new_objects", {"prefix": "in/", "settle_seconds": 2}, interval_seconds=1)
    put_at: dict[str, float] = {}
    latencies: list[float] = []
    done = threading.Event()

    def handler(instance, item):
        key = item.data["key"]
        if key in put_at:
            latencies.append(time.perf_counter() - put_at[key])
            if len(latencies) == OBJECTS:
                done.set()

    scheduler = TriggerScheduler(Poller(host, instances, store, handler, owner="bench"), workers=1, max_sleep=0.05)
    with scheduler:
        time.sleep(1.5)  # the baseline poll
        for n in range(OBJECTS):
            key = f"in/{n:04d}"
            put_at[key] = time.perf_counter()
            raw.put_object(Bucket="latency", Key=key, Body=b"x")
            time.sleep(random.uniform(0, 1.5))
        done.wait(60)
    store.close()
    server.stop()
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"{len(latencies)}/{OBJECTS} objects reached the handler; poll interval 1.0 s")
    print(f"  put -> handler p50 {p50 * 1000:,.0f} ms ({p50:.2f}x the interval), p99 {p99 * 1000:,.0f} ms "
          f"({p99:.2f}x the interval)")
