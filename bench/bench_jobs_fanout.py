"""Fanned-out put_events: the local runner against two ceilings, and Celery with 1 and 2 workers.

A stand-in PutEvents endpoint (connector_core.aws.stand_in, in its own process: a distant
region's CPU is not ours) answers each call after 20 ms. Measured in one run:

1. **Ceilings.** The latency bound of the local runner's configuration: requests in flight
   (runner threads x put_events concurrency) x 10 entries / 20 ms. The CPU bound of raw
   botocore on one core: one process (one GIL) sending 10-entry PutEvents calls from
   enough threads that the latency is hidden, one cached client.
2. **Local runner.** ``FanoutJobs.submit`` of BENCH_EVENTS entries (default 100,000) through
   the local runner (SQLite store), timed from submit to the parent's merged outcomes:
   its throughput as a fraction of the lower ceiling (target >= 85%). The raw ceiling and
   the local runner alternate for BENCH_ROUNDS rounds, with a ceiling before the first round
   and after every round: each round is judged against the mean of the two ceilings around
   it, and the figure is the median round (best against best is printed beside it).
3. **Celery.** The same through ``connectors worker --pool threads`` processes (1, then 2),
   each with BENCH_CELERY_THREADS chunk threads (enough to be CPU-bound), Redis on
   127.0.0.1:6379 (a database and key prefix of this run's own) and PostgreSQL: the ratio
   of 2 workers to 1 (target >= 1.7x), with each worker's CPU use and the load average.

Environment: BENCH_EVENTS, BENCH_CEILING_EVENTS (default 30,000), BENCH_LOCAL_WORKERS (4),
BENCH_CONCURRENCY (put_events concurrency per chunk, 8), BENCH_CHUNK (the manifest's chunk_size),
BENCH_CELERY_THREADS (8), BENCH_ROUNDS (3), BENCH_SKIP_CELERY=1, BENCH_LOCAL_STORE (a store URL;
SQLite in a temporary folder by default), CONNECTOR_CORE_BENCH_REDIS_URL
(redis://127.0.0.1:6379/13), CONNECTOR_CORE_TEST_DATABASE_URL (PostgreSQL admin URL).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

LATENCY = 0.020
EVENTS = int(os.environ.get("BENCH_EVENTS", "100000"))
CEILING_EVENTS = int(os.environ.get("BENCH_CEILING_EVENTS", "30000"))
LOCAL_WORKERS = int(os.environ.get("BENCH_LOCAL_WORKERS", "4"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
CHUNK = int(os.environ["BENCH_CHUNK"]) if os.environ.get("BENCH_CHUNK") else None  # None: the manifest's
CELERY_THREADS = int(os.environ.get("BENCH_CELERY_THREADS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
RAW_THREADS = 64
TENANT = "bench"
KEYS = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}


def entries(n: int) -> list[dict]:
    return [{"source": "com.example.bench", "detail_type": "Tick", "detail": {"n": i, "payload": "x" * 100}}
            for i in range(n)]


def connection_values(endpoint: str) -> dict:
    return {"auth_mode": "static", "access_key_id": KEYS["aws_access_key_id"],
            "secret_access_key": KEYS["aws_secret_access_key"], "region": "us-east-1",
            "endpoint_url": endpoint, "account_id": "123456789012"}


def machine_busy() -> tuple[int, int]:
    """(busy, total) clock ticks of every CPU so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def raw_botocore_ceiling(endpoint: str, n: int) -> tuple[float, float]:
    """(events/s, events per CPU-second) of raw botocore PutEvents from one process."""
    import json

    import boto3
    from botocore.config import Config

    client = boto3.client("events", region_name="us-east-1", endpoint_url=endpoint,
                          config=Config(max_pool_connections=RAW_THREADS), **KEYS)
    api = [{"Source": e["source"], "DetailType": e["detail_type"], "Detail": json.dumps(e["detail"])}
           for e in entries(10)]
    client.put_events(Entries=api)  # warm: the client's first call loads its models
    calls = iter(range(n // 10))
    lock = threading.Lock()

    def send() -> None:
        while True:
            with lock:
                if next(calls, None) is None:
                    return
            assert client.put_events(Entries=api)["FailedEntryCount"] == 0

    threads = [threading.Thread(target=send) for _ in range(RAW_THREADS)]
    cpu, start = time.process_time(), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return n / wall, n / cpu


def local_runner(endpoint: str, folder: str, n: int, *, on_start: Callable[[], None] | None = None,
                 on_end: Callable[[], None] | None = None) -> dict:
    """Throughput and CPU use of a fan-out of ``n`` entries through the local runner;
    ``on_start``/``on_end`` are called around the timed span (bench/fanout_profile.py)."""
    from connector_core import Host
    from connector_core.jobs import FanoutJobs, Jobs, JobSettings, LocalRunner
    from connector_core.store import ConnectionStore, Keyring, generate_master_key

    host = Host.discover(settings={"net.allow_loopback": True})
    store = ConnectionStore.open(host, os.environ.get("BENCH_LOCAL_STORE") or f"sqlite:///{folder}/bench.db",
                                 Keyring.from_text(generate_master_key(), source="bench"))
    jobs = Jobs(store, LocalRunner(LOCAL_WORKERS), settings=JobSettings(workers=LOCAL_WORKERS))
    fanout = FanoutJobs(jobs)
    connection = store.create(TENANT, "aws.eventbridge", "bench", connection_values(endpoint)).id
    params = {"concurrency": CONCURRENCY}
    fanout.wait(TENANT, fanout.submit(TENANT, connection, "put_events", {"entries": entries(20), **params},
                                      chunk_size=10).id)  # warm: client, validators, store
    request = {"entries": entries(n), **params}
    if on_start:
        on_start()
    cpu, start, machine = time.process_time(), time.perf_counter(), machine_busy()
    parent = fanout.submit(TENANT, connection, "put_events", request, chunk_size=CHUNK)
    del request  # as a caller that submitted its input: it need not stay alive while the job runs
    done = fanout.wait(TENANT, parent.id)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    if on_end:
        on_end()
    busy, total = (now - then for now, then in zip(machine_busy(), machine, strict=True))
    chunks = fanout.chunks(TENANT, parent.id)
    sending = max(c.finished_at for c in chunks) - min(c.started_at for c in chunks)
    jobs.close()
    store.close()
    assert done.result and done.result["successful_count"] == n, done.result
    return {"rate": n / wall, "sending_rate": n / sending.total_seconds(), "cpu": cpu / wall, "cpu_seconds": cpu,
            "per_cpu": n / cpu, "machine_busy": busy / total * (os.cpu_count() or 1),
            "chunks": done.result["fanout"]["chunks"], "chunk_size": done.result["fanout"]["chunk_size"]}


def main() -> None:
    import tempfile

    from connector_core.aws.stand_in import fetch_stats, stand_in_process

    cpus = os.cpu_count() or 1
    latency_bound = LOCAL_WORKERS * CONCURRENCY * 10 / LATENCY
    print(f"events: {EVENTS:,}, chunks of {CHUNK or 'the manifest'}, stand-in latency {LATENCY * 1000:.0f} ms (own process), "
          f"{ROUNDS} rounds of the local runner between raw ceilings; load average {os.getloadavg()[0]:.1f} on {cpus} CPUs")
    print(f"ceiling, latency bound ({LOCAL_WORKERS} runner threads x concurrency {CONCURRENCY} x 10 / 20 ms): "
          f"{latency_bound:8.0f} events/s")
    raws: list[float] = []
    locals_: list[dict] = []
    with stand_in_process(LATENCY) as endpoint:

        def ceiling(label: str) -> None:
            raw_rate, raw_per_cpu = raw_botocore_ceiling(endpoint, CEILING_EVENTS)
            raws.append(raw_rate)
            print(f"{label}: ceiling, CPU bound of raw botocore on one core ({RAW_THREADS} threads, "
                  f"{CEILING_EVENTS:,} events): {raw_rate:8.0f} events/s ({raw_per_cpu:.0f} per CPU-second)", flush=True)

        ceiling("before round 1")
        for round_ in range(1, ROUNDS + 1):
            before = fetch_stats(endpoint)["entries"]
            with tempfile.TemporaryDirectory() as folder:
                local = local_runner(endpoint, folder, EVENTS)
            received = fetch_stats(endpoint)["entries"] - before
            locals_.append(local)
            print(f"round {round_}: local runner ({local['chunks']} chunks of {local['chunk_size']}): {local['rate']:8.0f} "
                  f"events/s submit to merged outcomes, {local['sending_rate']:.0f} events/s first chunk start to last "
                  f"chunk end; {local['per_cpu']:.0f} per CPU-second of this process")
            print(f"  CPU, in cores: this process {local['cpu']:.2f}; the whole machine busy {local['machine_busy']:.2f} "
                  f"of {cpus}; the stand-in received {received:,} entries (warm-up included)", flush=True)
            ceiling(f"after round {round_}")
    # Each round against the mean of the ceilings measured just before and just after it: a
    # shared 2-core machine drifts by 10-30% within a minute, and a round is judged against
    # the machine it met. The figure is the median round; best against best is shown beside
    # it (one fast ceiling sets it alone).
    ceilings = [min((a + b) / 2, latency_bound) for a, b in zip(raws, raws[1:])]
    ratios = sorted(r["rate"] / c for r, c in zip(locals_, ceilings, strict=True))
    sending = sorted(r["sending_rate"] / c for r, c in zip(locals_, ceilings, strict=True))
    median, median_sending = ratios[len(ratios) // 2], sending[len(sending) // 2]
    which = "CPU" if max(raws) <= latency_bound else "latency"
    best, lower = max(r["rate"] for r in locals_), min(max(raws), latency_bound)
    each = ", ".join(f"{r['rate'] / c:.0%}" for r, c in zip(locals_, ceilings, strict=True))
    print(f"local runner / lower ceiling ({which}), each round against the ceilings around it: {each}; "
          f"median {median:.0%} end to end, {median_sending:.0%} while sending (target >= 85%); best against "
          f"best {best / lower:.0%} ({best:.0f} vs {lower:.0f} events/s); load average {os.getloadavg()[0]:.1f}")
    if os.environ.get("BENCH_SKIP_CELERY") != "1":
        from bench import fanout_celery

        fanout_celery.run(EVENTS, CHUNK, CONCURRENCY, CELERY_THREADS)


if __name__ == "__main__":
    main()
