"""Claiming due trigger polls from PostgreSQL with 1, 2 and 4 worker processes.

20,000 trigger instances are due at once. Each worker process loops: claim a batch of
100 (``FOR UPDATE SKIP LOCKED``), then store each instance's cursor and next due time,
until nothing is due -- once with one transaction per poll (``Poller.deliver``, the
scheduler's pool) and once with one per batch (``Poller.run_once``).
Printed: polls claimed and committed per second, the ratio to one process, and how many
instances were claimed twice (must be 0). The poll itself is left out: this is the
store's share of every poll, the figure the capacity model in docs/triggers.md uses.

PostgreSQL: ``CONNECTOR_CORE_TEST_DATABASE_URL`` (default postgresql://postgres@127.0.0.1:5432/postgres);
a database of its own is created and dropped.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import uuid
from datetime import datetime, timedelta, timezone

INSTANCES = int(os.environ.get("BENCH_INSTANCES", 20_000))
BATCH = 100
ADMIN_URL = os.environ.get("CONNECTOR_CORE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _worker(url: str, name: str, batched: bool, out) -> None:
    from connector_core.store import engine as engines
    from connector_core.triggers.instances import TriggerInstances

    instances = TriggerInstances(engines.create_store_engine(url), host=None)
    claimed = []
    later = datetime.now(timezone.utc) + timedelta(days=1)
    while True:
        claims = instances.claim_due(name, limit=BATCH, lease_seconds=600)
        if not claims:
            break
        if batched:  # Poller.run_once: the batch's cursors in one transaction
            instances.commit_many([(claim, {"after": 1}, 1) for claim in claims], now=later)
        else:  # Poller.deliver (the scheduler's pool): one transaction per poll
            for claim in claims:
                instances.commit(claim, {"after": 1}, 1, now=later)
        claimed += [claim.instance.id for claim in claims]
    out.put(claimed)


def _round(url: str, processes: int, batched: bool) -> tuple[float, int, int]:
    from sqlalchemy import update

    from connector_core.store import engine as engines
    from connector_core.triggers.instances import trigger_instances

    engine = engines.create_store_engine(url)
    with engine.begin() as db:
        db.execute(update(trigger_instances).values(next_due_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    engine.dispose()
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(url, f"w{n}", batched, out)) for n in range(processes)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    results = [out.get() for _ in workers]
    elapsed = time.perf_counter() - start
    for w in workers:
        w.join()
    ids = [i for r in results for i in r]
    return len(ids) / elapsed, len(ids), len(ids) - len(set(ids))


def main() -> None:
    import psycopg
    from sqlalchemy import insert

    from connector_core import Host
    from connector_core.store import ConnectionStore, Keyring, generate_master_key
    from connector_core.triggers.instances import trigger_instances

    name = f"cc_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        print(f"skipped: no PostgreSQL at {ADMIN_URL} ({str(exc).strip().splitlines()[0]})")
        return
    admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        host = Host.discover()
        with ConnectionStore.open(host, url, Keyring.from_text(generate_master_key(), source="bench")) as store:
            conn = store.create("bench", "aws.s3", "bench", {"auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
                                                             "secret_access_key": "x", "region": "us-east-1",
                                                             "bucket": "bench-bucket"})
            now = datetime.now(timezone.utc)
            rows = [{"id": uuid.uuid4().hex, "tenant": f"t{i % 100}", "connection_id": conn.id,
                     "connector_id": "aws.s3", "trigger_id": "new_objects", "params": {"prefix": f"p{i}/"},
                     "cursor": None, "interval_seconds": 60, "enabled": True, "next_due_at": now,
                     "failures": 0, "delivered": 0, "created_at": now} for i in range(INSTANCES)]
            with store.engine.begin() as db:
                db.execute(insert(trigger_instances), rows)
        print(f"{INSTANCES:,} due instances on PostgreSQL; claims in batches of {BATCH}")
        for batched, what in ((False, "one commit per poll"), (True, "one commit per batch")):
            print(f" {what}:")
            base = None
            for processes in (1, 2, 4):
                rate, count, twice = _round(url, processes, batched)
                base = base or rate
                print(f"  {processes} process{'es' if processes > 1 else '  '}: {rate:8,.0f} polls/s "
                      f"({rate / base:.2f}x of 1 process), {count:,} claimed, {twice} claimed twice", flush=True)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
