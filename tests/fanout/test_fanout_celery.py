"""The kill-worker proof: a fanned-out put_events of 10,000 entries on two real Celery workers
(``connectors worker --pool threads``), real Redis, PostgreSQL, the stand-in endpoint on
127.0.0.1 -- and one worker killed with SIGKILL in the middle.

Every entry must end with exactly one reported outcome; the endpoint may receive an entry
twice only if its chunk ran twice, which the parent's result lists (the killed worker's
chunks among them). The duplicates are counted and printed.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter

from connector_core.aws.stand_in import PutEventsStandIn
from connector_core.jobs import FanoutJobs, Jobs, JobSettings

from tests.fanout.conftest import TENANT, connection_values, entries, position_of
from tests.jobs import celerykit

ENTRIES = 10_000
CHUNK = 250
WAIT = 180  # seconds: a bound for waits under load, never an assertion about speed


def _running_on(fanout: FanoutJobs, parent_id: str, pid: int) -> dict[int, int]:
    """Chunks running on worker process ``pid`` (owner ``host:pid:delivery``): index -> entries sent so far."""
    chunks = fanout.chunks(TENANT, parent_id)
    return {c.job.chunk_index: (c.progress.done if c.progress else 0) for c in chunks
            if c.state == "running" and (c.lease_owner or "").split(":")[1:2] == [str(pid)]}


def _wait_for(predicate, what: str, logs) -> object:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen; worker logs:\n{logs()}")


def test_a_worker_killed_mid_fanout_loses_nothing_and_duplicates_only_its_chunks(
        tmp_path, redis_server, postgres_store_url, fanout_host):
    from connector_core.jobs.celery_runner import CeleryRunner, make_celery_app
    from connector_core.store import ConnectionStore, Keyring, generate_master_key

    key = generate_master_key()
    prefix = f"cc-fanout-{uuid.uuid4().hex[:10]}:"
    env = celerykit.worker_env(tmp_path, database_url=postgres_store_url, master_key=key, redis_url=redis_server,
                               prefix=prefix, **{**celerykit.FAST_RECOVERY,
                                                 # 4 s: a live worker's heartbeat is late by seconds at load 20
                                                 "CONNECTOR_CORE_JOBS_LEASE_SECONDS": "4"})
    settings = JobSettings.from_environment(env)
    workers = []
    with PutEventsStandIn(latency=0.02) as stand_in, \
            ConnectionStore.open(fanout_host, postgres_store_url, Keyring.from_text(key, source="test")) as store:
        jobs = Jobs(store, CeleryRunner(make_celery_app(environ=env, settings=settings), settings=settings),
                    settings=settings)
        fanout = FanoutJobs(jobs)
        try:
            for n in range(2):
                workers.append(celerykit.Worker(env, tmp_path / f"worker-{n}.log", concurrency=4, pool="threads"))
            for worker in workers:
                worker.wait_ready()

            def logs() -> str:
                return "\n".join(w.text()[-3000:] for w in workers)

            connection = store.create(TENANT, "aws.eventbridge", "bus", connection_values(stand_in.url)).id
            parent = fanout.submit(TENANT, connection, "put_events",
                                   {"entries": entries(ENTRIES), "concurrency": 2}, chunk_size=CHUNK)
            victim, survivor = workers
            # Wait until the victim is part-way through chunks, freeze it (so it claims nothing
            # more while we look), note what it was running, then kill it outright.
            _wait_for(lambda: any(sent > 0 for sent in _running_on(fanout, parent.id, victim.process.pid).values()),
                      "the victim sending a chunk", logs)
            os.killpg(victim.process.pid, signal.SIGSTOP)
            killed_chunks = _running_on(fanout, parent.id, victim.process.pid)
            victim.kill()
            done = _wait_for(lambda: (r := fanout.get(TENANT, parent.id)).finished and r, "the parent finishing",
                             logs)
        finally:
            for worker in workers:
                worker.stop()
            jobs.close()
            celerykit.delete_keys(redis_server, prefix)
        received = stand_in.stats()

    # Every entry: exactly one reported outcome, in input order, and it was published.
    assert done.state == "succeeded", done.error
    assert [o["index"] for o in done.outcomes] == list(range(ENTRIES))
    assert all(o.get("event_id") and "error_code" not in o for o in done.outcomes)
    assert done.result["successful_count"] == ENTRIES and done.result["failed_count"] == 0
    assert received["distinct"] == ENTRIES
    # Duplicates at the receiver: only entries of chunks that ran more than once -- the killed
    # worker's, each of which ran again. (A live worker whose heartbeats stalled past its lease
    # under load is taken for dead too: its chunk re-runs, is listed, and may duplicate.)
    rerun = {c["chunk"]: c["attempts"] for c in done.result["fanout"]["rerun_chunks"]}
    duplicated = Counter(position_of(detail) // CHUNK for detail in received["duplicates"])
    assert set(duplicated) <= set(rerun), (duplicated, rerun)
    assert set(killed_chunks) <= set(rerun), (killed_chunks, rerun)
    assert set(duplicated) & set(killed_chunks), "the kill came too late to duplicate anything: no proof"
    extra = received["entries"] - ENTRIES
    print(f"\nkilled worker was running chunks {sorted(killed_chunks)} "
          f"({sum(killed_chunks.values())} entries reported sent); the parent lists re-run chunks {sorted(rerun)}; "
          f"receiver: {received['entries']} entries, {ENTRIES} distinct, {len(received['duplicates'])} entries "
          f"received twice or more ({extra} extra deliveries), in chunks {sorted(duplicated)}")
