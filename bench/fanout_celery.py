"""The Celery half of bench_jobs_fanout: the same fan-out on 1 and on 2 worker processes.

Each worker is ``connectors worker --pool threads`` (one process, so one core's worth of
Python at most) running ``threads`` chunks at once, each chunk sending ``concurrency``
PutEvents calls at once: enough in flight to make the process CPU-bound. The store is
PostgreSQL (a database of this run's own, dropped after), the broker the machine's Redis
with a key prefix of this run's own (deleted after).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ADMIN_URL = os.environ.get("CONNECTOR_CORE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CONNECTOR_CORE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[1]
TENANT = "bench"
TICKS = os.sysconf("SC_CLK_TCK")


class _Worker:
    def __init__(self, env: dict[str, str], log: Path, threads: int) -> None:
        self.log = log
        self._out = open(log, "ab")
        command = [sys.executable, "-c", "from connector_core.cli import main; main()",
                   "--setting", "net.allow_loopback=true", "worker", "--pool=threads",
                   f"--concurrency={threads}", "--loglevel=INFO"]  # INFO: its " ready." line
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=self._out, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while " ready." not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"a worker did not start:\n{self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._out.close()


def _database() -> tuple[str, str]:
    import psycopg

    name = f"cc_bench_fanout_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name, ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name


def _drop(name: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _round(env, folder, fanout, connection, endpoint, workers: int, events: int, chunk: int | None, concurrency: int,
           threads: int) -> dict:
    from bench.bench_jobs_fanout import entries, machine_busy
    from connector_core.aws.stand_in import fetch_stats

    running = [_Worker(env, Path(folder) / f"w{workers}-{n}.log", threads) for n in range(workers)]
    try:
        for worker in running:
            worker.wait_ready()
        warm = fanout.submit(TENANT, connection, "put_events", {"entries": entries(40 * workers * threads)},
                             chunk_size=10)
        fanout.wait(TENANT, warm.id, timeout=300)  # every worker thread: client, validators, store
        cpu = [w.cpu_seconds() for w in running]
        stand_in, producer, machine = fetch_stats(endpoint)["cpu_seconds"], time.process_time(), machine_busy()
        start = time.perf_counter()
        parent = fanout.submit(TENANT, connection, "put_events",
                               {"entries": entries(events), "concurrency": concurrency}, chunk_size=chunk)
        done = fanout.wait(TENANT, parent.id, timeout=1800)
        elapsed = time.perf_counter() - start
        used = [w.cpu_seconds() - c for w, c in zip(running, cpu, strict=True)]
        busy, total = (now - then for now, then in zip(machine_busy(), machine, strict=True))
        stand_in = fetch_stats(endpoint)["cpu_seconds"] - stand_in
        producer = time.process_time() - producer
        chunks = fanout.chunks(TENANT, parent.id)
    finally:
        for worker in running:
            worker.stop()
    assert done.result and done.result["successful_count"] == events, (done.state, done.error)
    sending = max(c.finished_at for c in chunks) - min(c.started_at for c in chunks)
    return {"rate": events / elapsed, "sending_rate": events / sending.total_seconds(),
            "workers_cpu": [u / elapsed for u in used], "per_worker_cpu": events / sum(used), "stand_in_cpu": stand_in / elapsed,
            "producer_cpu": producer / elapsed, "machine_busy": busy / total * (os.cpu_count() or 1)}


def run(events: int, chunk: int | None, concurrency: int, threads: int) -> None:
    from connector_core import Host
    from connector_core.aws.stand_in import stand_in_process
    from connector_core.jobs import FanoutJobs, Jobs, JobSettings
    from connector_core.store import ConnectionStore, Keyring, generate_master_key

    try:
        from connector_core.jobs.celery_runner import CeleryRunner, make_celery_app
        import redis

        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as exc:  # no jobs extra, or no Redis: say so, measure the rest
        print(f"celery: skipped ({type(exc).__name__}: {exc})")
        return
    from bench.bench_jobs_fanout import LATENCY, connection_values

    key, prefix = generate_master_key(), f"cc-bench-fanout-{uuid.uuid4().hex[:8]}:"
    name, url = _database()
    try:
        with tempfile.TemporaryDirectory() as folder, stand_in_process(LATENCY) as endpoint:
            env = {**{k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_CORE_")},
                   "PYTHONPATH": str(ROOT), "CONNECTOR_CORE_DATA_DIR": folder, "CONNECTOR_CORE_DATABASE_URL": url,
                   "CONNECTOR_CORE_MASTER_KEYS": key, "CONNECTOR_CORE_BROKER_URL": REDIS_URL,
                   "CONNECTOR_CORE_BROKER_KEY_PREFIX": prefix}
            settings = JobSettings.from_environment(env)
            host = Host.discover(settings={"net.allow_loopback": True})
            store = ConnectionStore.open(host, url, Keyring.from_text(key, source="bench"))
            jobs = Jobs(store, CeleryRunner(make_celery_app(environ=env, settings=settings), settings=settings),
                        settings=settings)
            fanout = FanoutJobs(jobs)
            connection = store.create(TENANT, "aws.eventbridge", "bench", connection_values(endpoint)).id
            rates, per_cpu = {}, {}
            for workers in (1, 2):
                load = os.getloadavg()[0]
                r = _round(env, folder, fanout, connection, endpoint, workers, events, chunk, concurrency, threads)
                rates[workers] = r["rate"]
                per_cpu[workers] = r["per_worker_cpu"]
                print(f"celery, {workers} worker process{'es' if workers > 1 else ''} x {threads} threads "
                      f"(chunks of {chunk or 'the manifest'}, concurrency {concurrency}): {r['rate']:8.0f} events/s submit to merged, "
                      f"{r['sending_rate']:.0f} events/s first chunk start to last chunk end; "
                      f"{r['per_worker_cpu']:.0f} per CPU-second of the workers")
                print(f"  CPU, in cores: worker{'s' if workers > 1 else ''} "
                      f"{' + '.join(f'{c:.2f}' for c in r['workers_cpu'])}, stand-in {r['stand_in_cpu']:.2f}, "
                      f"producer {r['producer_cpu']:.2f}; the whole machine busy {r['machine_busy']:.2f} of "
                      f"{os.cpu_count()}; load average {load:.1f} -> {os.getloadavg()[0]:.1f}")
            jobs.close()
            store.close()
        print(f"celery, 2 workers / 1 worker: {rates[2] / rates[1]:.2f}x throughput (target >= 1.7x on "
              f"{os.cpu_count()} CPUs shared with this producer, the stand-in and the machine's other work); "
              f"{per_cpu[2] / per_cpu[1]:.2f}x events per worker CPU-second (1.0x: a second worker adds no "
              "cost of its own, so throughput follows the CPU the workers get)")
    finally:
        _drop(name)
        _delete_keys(prefix)


def _delete_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
