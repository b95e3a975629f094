"""Jobs on real Celery worker processes with a real Redis broker.

Two ``connectors worker`` processes (prefork, one pool process each) share a SQLite store
with this test process. Leases are 2 s and Redis re-delivers unacknowledged messages
after 2 s, so re-deliveries happen during these tests, as they do in production after
``visibility_timeout``: each must be a no-op.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from connector_core.jobs import JobSettings, Jobs, JobState

from tests.conftest import emulator_values

from . import celerykit, jobkit
from .conftest import API_KEY, TENANT, TOKEN

WAIT = 40  # seconds: bounds for waits, never assertions about speed


@pytest.fixture(scope="session")
def redis_server():
    yield from celerykit.redis_url()


@dataclass
class Cluster:
    env: dict[str, str]
    state: Path
    tmp: Path
    store: object
    jobs: Jobs
    workers: list
    prefix: str

    def start_worker(self) -> celerykit.Worker:
        worker = celerykit.Worker(self.env, self.tmp / f"worker-{len(self.workers)}.log")
        self.workers.append(worker)
        return worker

    def worker_of(self, pool_pid: int) -> celerykit.Worker:
        """The worker whose pool process is ``pool_pid``."""
        parent = int(Path(f"/proc/{pool_pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        return next(w for w in self.workers if w.process.pid == parent)

    def logs(self, tail: int | None = 4000) -> str:
        return "\n".join(w.text()[-tail if tail else 0:] for w in self.workers)


@pytest.fixture(scope="module")
def cluster(redis_server, tmp_path_factory, jobs_host):
    from connector_core.jobs.celery_runner import CeleryRunner, make_celery_app
    from connector_core.store import ConnectionStore, Keyring, generate_master_key

    tmp = tmp_path_factory.mktemp("celery-jobs")
    state = tmp / "jobkit"
    state.mkdir()
    key = generate_master_key()
    prefix = f"cc-test-{uuid.uuid4().hex[:10]}:"
    url = f"sqlite:///{tmp / 'store.db'}"
    env = celerykit.worker_env(
        tmp, database_url=url, master_key=key, redis_url=redis_server, prefix=prefix,
        CONNECTOR_CORE_JOBS_MAX_ATTEMPTS="3", **celerykit.FAST_RECOVERY, **{jobkit.ENV_STATE: str(state)})
    settings = JobSettings.from_environment(env)
    store = ConnectionStore.open(jobs_host, url, Keyring.from_text(key, source="test"))
    jobs = Jobs(store, CeleryRunner(make_celery_app(environ=env, settings=settings), settings=settings),
                settings=settings)
    cluster = Cluster(env, state, tmp, store, jobs, [], prefix)
    for worker in [cluster.start_worker(), cluster.start_worker()]:
        worker.wait_ready()
    yield cluster
    for worker in cluster.workers:
        worker.stop()
    jobs.close()
    store.close()
    celerykit.delete_keys(redis_server, prefix)


@pytest.fixture(autouse=True)
def _jobkit_state(cluster, monkeypatch):
    monkeypatch.setenv(jobkit.ENV_STATE, str(cluster.state))
    return cluster.state


@pytest.fixture(scope="module")
def conn(cluster) -> str:
    return cluster.store.create(TENANT, "test.jobs", "jobs", {"token": TOKEN, "account": "A-1"}).id


def _finished(cluster, record):
    done = cluster.jobs.wait(TENANT, record.id, timeout=WAIT)
    assert done.finished, f"job still {done.state}; worker logs:\n{cluster.logs()}"
    return done


def _wait_for(predicate, cluster, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen; worker logs:\n{cluster.logs()}")


def test_a_job_runs_on_a_worker_end_to_end_against_s3(cluster, moto_endpoint):
    import boto3

    s3 = cluster.store.create(TENANT, "aws.s3", "s3", emulator_values(moto_endpoint)).id
    made = _finished(cluster, cluster.jobs.submit(TENANT, s3, "create_bucket", {"bucket": "jobs-bucket"}))
    assert made.state == JobState.SUCCEEDED, made.error
    put = _finished(cluster, cluster.jobs.submit(
        TENANT, s3, "put_object", {"bucket": "jobs-bucket", "key": "report.txt", "text": "from a worker"}))
    assert put.state == JobState.SUCCEEDED, put.error
    assert put.result["key"] == "report.txt" and put.attempts == 1
    reader = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="y")
    assert reader.get_object(Bucket="jobs-bucket", Key="report.txt")["Body"].read() == b"from a worker"


def test_a_fanned_out_delete_is_finished_on_the_workers_though_nobody_reads_it(cluster, moto_endpoint):
    import boto3

    reader = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="y")
    reader.create_bucket(Bucket="fanout-on-workers")
    keys = [f"tmp/{n:02d}" for n in range(25)]
    for key in keys + ["keep"]:
        reader.put_object(Bucket="fanout-on-workers", Key=key, Body=b"x")
    s3 = cluster.store.create(TENANT, "aws.s3", "s3", emulator_values(moto_endpoint)).id
    parent = cluster.jobs.submit(TENANT, s3, "delete_objects", {"bucket": "fanout-on-workers", "keys": keys},
                                 chunk_size=10)
    # Read from the store, never through jobs.get/wait (which would merge it in this process).
    _wait_for(lambda: cluster.jobs.records.get(TENANT, parent.id).finished, cluster, "the parent finishing")
    stored = cluster.jobs.records.get(TENANT, parent.id)
    assert stored.state == JobState.SUCCEEDED, stored.error
    assert (stored.result["deleted_count"], stored.result["fanout"]["chunks"]) == (25, 3)
    assert [o["Key"] for o in reader.list_objects_v2(Bucket="fanout-on-workers")["Contents"]] == ["keep"]


def test_a_retryable_failure_is_retried_with_backoff_then_succeeds(cluster, conn):
    done = _finished(cluster, cluster.jobs.submit(TENANT, conn, "flaky", {"name": "c-retry", "failures": 2}))
    assert done.state == JobState.SUCCEEDED and done.attempts == 3 and done.result == {"runs": 3}
    assert jobkit.runs("c-retry") == 3


def test_a_non_retryable_failure_fails_once(cluster, conn):
    done = _finished(cluster, cluster.jobs.submit(
        TENANT, conn, "flaky", {"name": "c-fail", "failures": 1, "retryable": False}))
    assert done.state == JobState.FAILED and done.attempts == 1
    assert done.error["error"] == "OperationError" and "run 1 fails on purpose" in done.error["message"]
    time.sleep(0.5)  # a wrong retry would have come by now (the retry delay is 0.1 s)
    assert jobkit.runs("c-fail") == 1


def test_an_error_naming_secrets_is_masked_in_the_job_and_the_worker_logs(cluster, conn):
    done = _finished(cluster, cluster.jobs.submit(TENANT, conn, "echo", {"text": "leak", "api_key": API_KEY}))
    assert done.state == JobState.FAILED and "refused key" in done.error["message"]
    shown = json.dumps(done.to_dict()) + cluster.logs(tail=None)
    assert API_KEY not in shown and TOKEN not in shown


def test_a_running_job_is_cancelled_on_the_worker(cluster, conn):
    record = cluster.jobs.submit(TENANT, conn, "wait", {"name": "c-cancel"})
    _wait_for(lambda: cluster.jobs.get(TENANT, record.id).progress, cluster, "progress")
    cluster.jobs.cancel(TENANT, record.id)
    done = _finished(cluster, record)
    assert done.state == JobState.CANCELLED and done.progress.done > 0
    assert jobkit.runs("c-cancel", "ends") == 0


def test_the_same_message_delivered_again_is_a_no_op(cluster, conn):
    from connector_core.jobs.celery_runner import TASK_NAME

    record = cluster.jobs.submit(TENANT, conn, "flaky", {"name": "c-dup"}, idempotency_key="c-dup")
    for _ in range(3):  # while it may still run, and again below once it finished
        cluster.jobs.runner.enqueue(TENANT, record.id)
    done = _finished(cluster, record)
    sent = [cluster.jobs.runner.app.send_task(TASK_NAME, args=(TENANT, record.id), queue=cluster.jobs.settings.queue)
            for _ in range(2)]
    _wait_for(lambda: all(f"[{m.id}] succeeded" in cluster.logs() for m in sent), cluster, "late deliveries")
    assert f"'done {record.id}'" in cluster.logs()
    assert done.state == JobState.SUCCEEDED and done.attempts == 1
    assert cluster.jobs.get(TENANT, record.id).result == {"runs": 1}
    assert jobkit.runs("c-dup") == 1
    assert cluster.jobs.submit(TENANT, conn, "flaky", {"name": "c-dup"}, idempotency_key="c-dup").id == record.id


def test_redis_redelivery_after_the_visibility_timeout_is_a_no_op(cluster, conn):
    record = cluster.jobs.submit(TENANT, conn, "wait", {"name": "c-vis"})
    _wait_for(lambda: (cluster.state / "c-vis.pid").exists(), cluster, "the start")
    # The job outlives the 2 s visibility timeout: Redis hands its message out again, and
    # that delivery finds the job running under the first one's lease.
    _wait_for(lambda: f"'busy {record.id}'" in cluster.logs(), cluster, "a re-delivery by Redis")
    (cluster.state / "c-vis.release").touch()
    done = _finished(cluster, record)
    assert done.state == JobState.SUCCEEDED and done.attempts == 1
    assert jobkit.runs("c-vis", "starts") == 1 and jobkit.runs("c-vis", "ends") == 1


def test_a_pool_process_killed_mid_job_is_requeued_and_the_job_completes_once(cluster, conn):
    record = cluster.jobs.submit(TENANT, conn, "wait", {"name": "c-kill"})
    pid_file = cluster.state / "c-kill.pid"
    _wait_for(pid_file.exists, cluster, "the start")
    os.kill(int(pid_file.read_text()), signal.SIGKILL)
    _wait_for(lambda: jobkit.runs("c-kill", "starts") == 2, cluster, "the re-run")
    (cluster.state / "c-kill.release").touch()
    done = _finished(cluster, record)
    assert done.state == JobState.SUCCEEDED and done.attempts == 2
    assert jobkit.runs("c-kill", "ends") == 1


def test_a_whole_worker_killed_mid_job_is_reaped_and_the_job_completes_once(cluster, conn):
    record = cluster.jobs.submit(TENANT, conn, "wait", {"name": "c-dead"})
    pid_file = cluster.state / "c-dead.pid"
    _wait_for(pid_file.exists, cluster, "the start")
    victim = cluster.worker_of(int(pid_file.read_text()))
    victim.kill()
    replacement = cluster.start_worker()
    _wait_for(lambda: jobkit.runs("c-dead", "starts") == 2, cluster, "the re-run on the other worker")
    (cluster.state / "c-dead.release").touch()
    done = _finished(cluster, record)
    assert done.state == JobState.SUCCEEDED and done.attempts == 2
    assert jobkit.runs("c-dead", "ends") == 1
    replacement.wait_ready()


def test_the_broker_message_carries_no_secret(cluster, conn, redis_server):
    import redis

    from connector_core.jobs.celery_runner import CeleryRunner, make_celery_app

    idle = f"idle-{uuid.uuid4().hex[:8]}"  # a queue no worker reads: the message stays to be read
    env = {**cluster.env, "CONNECTOR_CORE_JOBS_QUEUE": idle}
    settings = JobSettings.from_environment(env)
    with Jobs(cluster.store, CeleryRunner(make_celery_app(environ=env, settings=settings), settings=settings),
              settings=settings) as jobs:
        record = jobs.submit(TENANT, conn, "echo", {"text": "hi", "api_key": API_KEY})
    client = redis.Redis.from_url(redis_server)
    messages = client.lrange(cluster.prefix + idle, 0, -1)
    client.close()
    assert len(messages) == 1
    raw = messages[0]
    body = base64.b64decode(json.loads(raw)["body"])
    assert json.loads(body)[0] == [TENANT, record.id]  # the tenant and the job's id: nothing else
    for secret in (API_KEY, TOKEN):
        assert secret.encode() not in raw and secret.encode() not in body
