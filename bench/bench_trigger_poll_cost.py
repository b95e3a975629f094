"""What one trigger poll costs the polling process: CPU and wall time per poll, for the capacity model.

moto runs in its own process on 127.0.0.1, so its CPU is not counted; the store is
SQLite in a temporary folder (the store's share on PostgreSQL is ``bench trigger_claims``).
``BENCH_INSTANCES`` (default 100) instances are polled once to set up, then every one of
them is claimed again (``Poller.run_once`` in batches of 50) and timed:

- S3 ``new_objects`` on a prefix of 20 objects (one ListObjectsV2 page), all instances on
  one connection, then each on a connection with its own access key (its own client,
  built in the set-up round and cached: keep ``aws.max_clients`` above the number of
  connections one process polls, or every poll also builds a client);
- EventBridge ``events`` polled per instance (one empty ReceiveMessage each, no long poll),
  and in dispatcher mode (a poll only checks its set-up; the queue's dispatcher receives
  for all of them, a cost per queue, not per instance).

Printed: CPU ms and wall ms per poll, and the CPU cores that 100,000 instances polled
every minute (1,667 polls/s) would need at that cost.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from datetime import datetime, timedelta, timezone

INSTANCES = int(os.environ.get("BENCH_INSTANCES", 100))
POLLS_PER_SECOND = 100_000 / 60


def _moto(port_out) -> None:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    port_out.put(server._server.server_port)
    while True:
        time.sleep(3600)


def main() -> None:
    ctx = multiprocessing.get_context("spawn")
    port = ctx.Queue()
    server = ctx.Process(target=_moto, args=(port,), daemon=True)
    server.start()
    endpoint = f"http://127.0.0.1:{port.get(timeout=60)}"
    try:
        import boto3

        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint,
                          aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x")
        s3.create_bucket(Bucket="cost")
        for n in range(20):
            s3.put_object(Bucket="cost", Key=f"in/{n:02d}", Body=b"x")
        print(f"{INSTANCES} instances per case, claimed in batches of 50; moto in its own process, SQLite store; "
              f"load average {os.getloadavg()[0]:.1f}")
        s3_values = {"endpoint_url": endpoint, "force_path_style": True, "bucket": "cost"}
        _case("S3 new_objects, 20 keys, one connection", "aws.s3", s3_values, "new_objects", {"prefix": "in/"})
        _case("S3 new_objects, 20 keys, a connection (access key) each", "aws.s3", s3_values, "new_objects",
              {"prefix": "in/"}, distinct_keys=True)
        eb_values = {"endpoint_url": endpoint, "account_id": "123456789012"}
        eb_params = {"event_pattern": {"source": ["bench.cost"]}, "wait_seconds": 0}
        _case("EventBridge events, per-instance polls (empty ReceiveMessage)", "aws.eventbridge", eb_values,
              "events", eb_params)
        _case("EventBridge events, dispatcher mode (polls only check set-up)", "aws.eventbridge", eb_values,
              "events", eb_params, settings={"eventbridge.dispatcher": True})
    finally:
        server.terminate()


def _case(what, connector_id, values, trigger, params, *, distinct_keys=False, settings=None) -> None:
    import connector_aws_eventbridge.hooks
    import connector_aws_s3.hooks
    from connector_core import Host
    from connector_core.store import ConnectionStore, Keyring, generate_master_key
    from connector_core.triggers.delivery import Poller
    from connector_core.triggers.instances import TriggerInstances

    host = Host(plugins=[connector_aws_s3.hooks, connector_aws_eventbridge.hooks],
                settings={"net.allow_loopback": True, **(settings or {})})
    folder = tempfile.mkdtemp()
    store = ConnectionStore.open(host, f"sqlite:///{folder}/store.db",
                                 Keyring.from_text(generate_master_key(), source="bench"))
    instances = TriggerInstances(store.engine, host)
    shared = None
    for n in range(INSTANCES):
        key = f"AKIABENCH{n:011d}" if distinct_keys else "AKIAIOSFODNN7EXAMPLE"
        if shared is None or distinct_keys:
            shared = store.create("bench", connector_id, f"c{n}", {
                "auth_mode": "static", "access_key_id": key, "secret_access_key": "x", "region": "us-east-1",
                **values})
        instances.create("bench", shared.id, trigger, params, interval_seconds=60)
    poller = Poller(host, instances, store, lambda instance, item: None, owner="bench", batch=50)
    _round(poller, datetime.now(timezone.utc))  # set-up and baseline polls; clients built
    cpu, wall, polls = _round(poller, datetime.now(timezone.utc) + timedelta(minutes=2))
    store.close()
    cpu_ms, wall_ms = cpu / polls * 1000, wall / polls * 1000
    print(f"  {what}: {polls} polls, CPU {cpu_ms:.1f} ms/poll, wall {wall_ms:.1f} ms/poll -> "
          f"{POLLS_PER_SECOND * cpu_ms / 1000:.1f} cores for 100,000 polls/min")


def _round(poller, now) -> tuple[float, float, int]:
    cpu, wall, polls = time.process_time(), time.perf_counter(), 0
    while True:
        stats = poller.run_once(now=now)
        if stats.failed:
            raise RuntimeError(f"polls failed: {stats.errors[:3]}")
        polls += stats.polled
        if not stats.claimed:
            return time.process_time() - cpu, time.perf_counter() - wall, polls
