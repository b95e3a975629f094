"""Trigger latency: from PutObject / PutEvents to the handler call, at a 1 s poll interval.

moto on 127.0.0.1 (in this process), the store on SQLite in a temporary folder:

- S3: one ``new_objects`` instance polled every second by the in-process scheduler;
- EventBridge, per-instance polls: one ``events`` instance polled every second (no long
  poll: ``wait_seconds`` 0), rule -> shared queue -> poll;
- EventBridge, the queue's dispatcher: the same, but one ``InboxDispatcher`` long-polls
  the queue (``WaitTimeSeconds`` 1) and the instance's polls only set up.

Objects/events are put at random moments (0-1.5 s apart); printed: p50 and p99 of
put-to-handler time, and their ratio to the 1 s interval (a poll waits up to one
interval by design).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time

OBJECTS = int(os.environ.get("BENCH_OBJECTS", 40))


KEYS = {"auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "x",
        "region": "us-east-1"}


def main() -> None:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server._server.server_port}"
    try:
        print(f"poll interval 1.0 s, {OBJECTS} objects / events put 0-1.5 s apart; moto on 127.0.0.1, SQLite store")
        _report("S3 PutObject -> handler (new_objects)", _s3(endpoint))
        _report("EventBridge PutEvents -> handler, per-instance polls", _eventbridge(endpoint, dispatcher=False))
        _report("EventBridge PutEvents -> handler, queue dispatcher", _eventbridge(endpoint, dispatcher=True))
    finally:
        server.stop()


def _s3(endpoint: str) -> list[float]:
    import boto3

    import connector_aws_s3.hooks

    raw = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint,
                       aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x")
    raw.create_bucket(Bucket="latency")
    return _measure(connector_aws_s3.hooks, {}, "aws.s3",
                    {**KEYS, "endpoint_url": endpoint, "force_path_style": True, "bucket": "latency"},
                    "new_objects", {"prefix": "in/", "settle_seconds": 2}, lambda item: item.data["key"],
                    lambda n: (raw.put_object(Bucket="latency", Key=f"in/{n:04d}", Body=b"x"), f"in/{n:04d}")[1])


def _eventbridge(endpoint: str, *, dispatcher: bool) -> list[float]:
    import boto3

    import connector_aws_eventbridge.hooks

    raw = boto3.client("events", region_name="us-east-1", endpoint_url=endpoint,
                       aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x")
    tag = f"bench.latency.{'dispatcher' if dispatcher else 'polls'}"

    def put(n: int) -> str:
        return raw.put_events(Entries=[{"Source": tag, "DetailType": "Bench", "Detail": "{}"}])["Entries"][0]["EventId"]

    return _measure(connector_aws_eventbridge.hooks, {"eventbridge.dispatcher": dispatcher}, "aws.eventbridge",
                    {**KEYS, "endpoint_url": endpoint, "account_id": "123456789012"}, "events",
                    {"event_pattern": {"source": [tag]}, "wait_seconds": 0, "visibility_timeout": 30},
                    lambda item: item.dedupe_key, put, dispatch=dispatcher)


def _measure(plugin, settings, connector_id, values, trigger, params, key_of, put, *, dispatch=False) -> list[float]:
    """Put OBJECTS things at random moments; the seconds from each put to its handler call."""
    from contextlib import ExitStack

    from connector_core import Host
    from connector_core.store import ConnectionStore, Keyring, generate_master_key
    from connector_core.triggers.delivery import Poller, TriggerScheduler
    from connector_core.triggers.instances import TriggerInstances

    folder = tempfile.mkdtemp()
    host = Host(plugins=[plugin], settings={"net.allow_loopback": True, **settings})
    store = ConnectionStore.open(host, f"sqlite:///{folder}/store.db", Keyring.from_text(generate_master_key(),
                                                                                           source="bench"))
    conn = store.create("bench", connector_id, "latency", values)
    instances = TriggerInstances(store.engine, host)
    watch = instances.create("bench", conn.id, trigger, params, interval_seconds=1)
    put_at: dict[str, float] = {}
    arrived: dict[str, float] = {}  # a fast path may call the handler before put() has returned

    def handler(instance, item):
        arrived.setdefault(key_of(item), time.perf_counter())

    poller = Poller(host, instances, store, handler, owner="bench")
    with ExitStack() as running:
        running.enter_context(TriggerScheduler(poller, workers=1, max_sleep=0.05))
        while instances.get("bench", watch.id).cursor is None:  # the first poll: baseline, rule and queue
            time.sleep(0.05)
        if dispatch:
            from connector_aws_eventbridge.inbox import queue_inboxes
            from connector_core.triggers.dispatch import InboxDispatcher

            for inbox in queue_inboxes(host, instances, store, wait_seconds=1, visibility_timeout=30):
                running.enter_context(InboxDispatcher(host, inbox, instances, handler))
        for n in range(OBJECTS):
            started = time.perf_counter()
            put_at[put(n)] = started
            time.sleep(random.uniform(0, 1.5))
        deadline = time.monotonic() + 60
        while not set(put_at) <= set(arrived) and time.monotonic() < deadline:
            time.sleep(0.05)
    store.close()
    return [arrived[key] - at for key, at in put_at.items() if key in arrived]


def _report(what: str, latencies: list[float]) -> None:
    latencies = sorted(latencies)
    if not latencies:
        print(f"  {what}: nothing reached the handler")
        return
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"  {what}: {len(latencies)}/{OBJECTS} arrived; p50 {p50 * 1000:,.0f} ms ({p50:.2f}x the interval), "
          f"p99 {p99 * 1000:,.0f} ms ({p99:.2f}x)")
