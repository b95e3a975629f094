"""Job overhead: a no-op operation as a job, enqueue to result, per job.

Baseline: ``host.run(connection, "noop")`` in this process (load nothing, run, validate).
Then the same operation submitted with ``Jobs.submit`` and read back with ``Jobs.wait``:

- local runner (4 threads in this process), SQLite store in a temporary folder;
- Celery runner: one ``connectors worker`` process (prefork, 2 pool processes) on the
  Redis at 127.0.0.1:6379 (``BENCH_REDIS_URL``), a key prefix of this run, same store.

"one at a time": submit, wait for the result, next (latency). "in flight": submit
``BENCH_JOBS`` jobs, then wait for all (per job = total / jobs: throughput).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

JOBS = int(os.environ.get("BENCH_JOBS", 300))
SEQUENTIAL = int(os.environ.get("BENCH_SEQUENTIAL", 100))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[1]


def _per_job(jobs, conn_id: str) -> tuple[float, float]:
    """(seconds per job one at a time, seconds per job with many in flight)."""
    start = time.perf_counter()
    for _ in range(SEQUENTIAL):
        record = jobs.submit("bench", conn_id, "noop")
        assert jobs.wait("bench", record.id, timeout=60).state == "succeeded"
    one = (time.perf_counter() - start) / SEQUENTIAL
    start = time.perf_counter()
    ids = [jobs.submit("bench", conn_id, "noop").id for _ in range(JOBS)]
    for job_id in ids:
        assert jobs.wait("bench", job_id, timeout=120).state == "succeeded"
    return one, (time.perf_counter() - start) / JOBS


def main() -> None:
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        _run("SQLite", f"sqlite:///{folder}/store.db", Path(folder))
    from bench.bench_store import _postgres_url

    found = _postgres_url()
    if found is None:
        return
    admin, name = found
    import psycopg
    from sqlalchemy.engine import make_url

    try:
        with tempfile.TemporaryDirectory() as folder:
            _run("PostgreSQL", make_url(admin).set(database=name).render_as_string(hide_password=False), Path(folder))
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(engine: str, url: str, folder: Path) -> None:
    from bench import jobs_noop
    from connector_core import Host
    from connector_core.jobs import Jobs, JobSettings, LocalRunner
    from connector_core.store import ConnectionStore, Keyring, generate_master_key

    key = generate_master_key()
    host = Host(plugins=[jobs_noop])
    store = ConnectionStore.open(host, url, Keyring.from_text(key, source="bench"))
    conn = store.create("bench", "bench.jobs", "noop", {"token": "bench-secret"})
    connection = store.load_connection("bench", conn.id)
    for _ in range(50):
        host.run(connection, "noop")
    start = time.perf_counter()
    for _ in range(2000):
        host.run(connection, "noop")
    direct = (time.perf_counter() - start) / 2000
    print(f"{engine} store; load average {os.getloadavg()[0]:.1f}; direct host.run of the no-op: "
          f"{direct * 1e6:,.0f} µs per call")

    settings = JobSettings()
    with Jobs(store, LocalRunner(), settings=settings) as jobs:
        one, flight = _per_job(jobs, conn.id)
    _report("local runner (4 threads)", one, flight, direct)

    prefix = f"cc-bench-{uuid.uuid4().hex[:8]}:"
    env = {**os.environ, "CONNECTOR_CORE_BROKER_URL": REDIS_URL, "CONNECTOR_CORE_BROKER_KEY_PREFIX": prefix,
           "CONNECTOR_CORE_DATABASE_URL": url, "CONNECTOR_CORE_MASTER_KEYS": key, "PYTHONPATH": str(ROOT),
           "CONNECTOR_CORE_DATA_DIR": str(folder)}
    try:
        from connector_core.jobs.celery_runner import CeleryRunner, make_celery_app
    except Exception as exc:  # no jobs extra
        print(f"  celery runner: skipped ({exc})")
        store.close()
        return
    log = open(folder / "worker.log", "wb")
    worker = subprocess.Popen(
        [sys.executable, "-c", "from connector_core.cli import main; main()", "--plugin", "bench.jobs_noop",
         "worker", "--concurrency=2", "--loglevel=WARNING"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        runner = CeleryRunner(make_celery_app(environ=env, settings=settings), settings=settings)
        with Jobs(store, runner, settings=settings) as jobs:
            warm = jobs.submit("bench", conn.id, "noop")
            if jobs.wait("bench", warm.id, timeout=60).state != "succeeded":
                print("  celery runner: the worker did not run the warm-up job:", (folder / "worker.log").read_text())
                return
            one, flight = _per_job(jobs, conn.id)
        _report("celery runner (1 worker, 2 pool processes)", one, flight, direct)
    finally:
        worker.terminate()
        worker.wait(30)
        log.close()
        store.close()
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)


def _report(name: str, one: float, flight: float, direct: float) -> None:
    print(f"  {name}: one at a time {one * 1000:,.1f} ms per job ({one / direct:,.0f}x a direct call); "
          f"{JOBS} in flight {flight * 1000:,.2f} ms per job ({1 / flight:,.0f} jobs/s)")
