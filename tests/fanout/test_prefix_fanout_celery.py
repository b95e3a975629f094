"""Prefix deletes and copies fanned out over two real Celery workers (issue 13).

Two ``connectors worker --pool threads`` processes, real Redis (a key prefix of this
test's own) and PostgreSQL, moto's server on 127.0.0.1. The worker that takes the parent
lists the prefix and sends a chunk job per page of keys through the broker; the chunks
run on both workers. Redis re-delivers unacknowledged messages after 2 s here, so
deliveries of a chunk or of the listing more than once happen, and must be harmless.
"""

from __future__ import annotations

import time
import uuid

from connector_core.jobs import FanoutJobs, Jobs, JobSettings

from tests.awscli import aws
from tests.conftest import emulator_values, seed_s3_objects
from tests.fanout.conftest import TENANT
from tests.jobs import celerykit

WAIT = 240  # seconds: a bound for waits under load, never an assertion about speed
BUCKET = "celery-prefix-bucket"


def _keys(endpoint: str, bucket: str, prefix: str = "") -> list[str]:
    args = ["--bucket", bucket] + (["--prefix", prefix] if prefix else [])
    return [o["Key"] for o in aws(endpoint, "s3api", "list-objects-v2", *args).get("Contents", [])]


def test_prefix_delete_and_copy_fan_out_over_two_celery_workers(
        tmp_path, redis_server, postgres_store_url, fanout_host, moto_endpoint):
    import boto3

    from connector_core.jobs.celery_runner import CeleryRunner, make_celery_app
    from connector_core.store import ConnectionStore, Keyring, generate_master_key

    raw = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_endpoint,
                       aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x")
    raw.create_bucket(Bucket=BUCKET)
    raw.create_bucket(Bucket="celery-archive")
    doomed = [f"tmp/{n:05d}" for n in range(2500)]
    sources = [f"in/{n:04d}.csv" for n in range(200)]
    seed_s3_objects(BUCKET, doomed + sources + ["keep/1"])
    raw.put_object(Bucket=BUCKET, Key="in/tagged.csv", Body=b"t", Tagging="team=ops", ContentType="text/csv")

    key = generate_master_key()
    prefix = f"cc-prefix-{uuid.uuid4().hex[:10]}:"
    env = celerykit.worker_env(tmp_path, database_url=postgres_store_url, master_key=key, redis_url=redis_server,
                               prefix=prefix, **{**celerykit.FAST_RECOVERY, "CONNECTOR_CORE_JOBS_LEASE_SECONDS": "4"})
    settings = JobSettings.from_environment(env)
    workers = [celerykit.Worker(env, tmp_path / f"worker-{n}.log", concurrency=2, pool="threads") for n in range(2)]
    with ConnectionStore.open(fanout_host, postgres_store_url, Keyring.from_text(key, source="test")) as store:
        jobs = Jobs(store, CeleryRunner(make_celery_app(environ=env, settings=settings), settings=settings),
                    settings=settings)
        fanout = FanoutJobs(jobs)
        try:
            for worker in workers:
                worker.wait_ready()
            values = emulator_values(moto_endpoint, force_path_style=True, bucket=BUCKET)
            connection = store.create(TENANT, "aws.s3", "s3", values).id
            purge = fanout.submit(TENANT, connection, "delete_prefix", {"prefix": "tmp/", "page_size": 250},
                                  chunk_size=250)
            copy = fanout.submit(TENANT, connection, "copy_prefix",
                                 {"prefix": "in/", "bucket": "celery-archive", "page_size": 100}, chunk_size=70)
            purged = fanout.wait(TENANT, purge.id, timeout=WAIT)
            copied = fanout.wait(TENANT, copy.id, timeout=WAIT)
            chunks = fanout.chunks(TENANT, purge.id) + fanout.chunks(TENANT, copy.id)
        finally:
            for worker in workers:
                worker.stop()
            jobs.close()
            celerykit.delete_keys(redis_server, prefix)
    logs = [worker.text() for worker in workers]

    assert purged.state == "succeeded", (purged.error, logs[0][-3000:], logs[1][-3000:])
    assert (purged.result["deleted_count"], purged.result["error_count"]) == (2500, 0)
    assert purged.result["fanout"]["chunks"] == 10 and purged.result["fanout"]["listed_all"] is True
    assert copied.state == "succeeded", copied.error
    assert (copied.result["copied_count"], copied.result["error_count"]) == (201, 0)
    assert copied.result["fanout"]["chunks"] == 3
    assert _keys(moto_endpoint, BUCKET, "tmp/") == []
    assert _keys(moto_endpoint, "celery-archive") == sorted(sources + ["in/tagged.csv"])
    tags = aws(moto_endpoint, "s3api", "get-object-tagging", "--bucket", "celery-archive", "--key", "in/tagged.csv")
    assert tags["TagSet"] == [{"Key": "team", "Value": "ops"}]
    # Each chunk carried its page of keys; the chunks ran on both worker processes.
    assert [k for c in chunks[:10] for k in c.job.params["keys"]] == doomed
    ran_on = [{c.id for c in chunks if c.id in text} for text in logs]
    assert ran_on[0] and ran_on[1], "one worker ran every chunk: no proof of several workers"
    assert ran_on[0] | ran_on[1] == {c.id for c in chunks}
    # The listings ran in a worker too (the test process only sent the two parents).
    assert any(purge.id in text for text in logs) and any(copy.id in text for text in logs)


def test_a_worker_killed_while_listing_is_replaced_and_the_listing_resumes_without_a_key_twice(
        tmp_path, redis_server, postgres_store_url, fanout_host, moto_endpoint):
    """The worker listing the prefix is killed with SIGKILL part-way; another worker takes the
    parent over when its lease expires and lists on after the last chunk queued."""
    import boto3

    from connector_core.jobs.celery_runner import CeleryRunner, make_celery_app
    from connector_core.store import ConnectionStore, Keyring, generate_master_key

    raw = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_endpoint,
                       aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x")
    raw.create_bucket(Bucket=BUCKET)
    doomed = [f"tmp/{n:05d}" for n in range(2500)]
    seed_s3_objects(BUCKET, doomed + ["keep/1"])
    key = generate_master_key()
    prefix = f"cc-prefix-{uuid.uuid4().hex[:10]}:"
    env = celerykit.worker_env(tmp_path, database_url=postgres_store_url, master_key=key, redis_url=redis_server,
                               prefix=prefix, **{**celerykit.FAST_RECOVERY, "CONNECTOR_CORE_JOBS_LEASE_SECONDS": "4"})
    settings = JobSettings.from_environment(env)
    victim = celerykit.Worker(env, tmp_path / "victim.log", concurrency=2, pool="threads")
    workers = [victim]
    with ConnectionStore.open(fanout_host, postgres_store_url, Keyring.from_text(key, source="test")) as store:
        jobs = Jobs(store, CeleryRunner(make_celery_app(environ=env, settings=settings), settings=settings),
                    settings=settings)
        fanout = FanoutJobs(jobs)
        try:
            victim.wait_ready()
            values = emulator_values(moto_endpoint, force_path_style=True, bucket=BUCKET)
            connection = store.create(TENANT, "aws.s3", "s3", values).id
            # Pages of 25 keys: a hundred ListObjectsV2 requests, time enough to kill the lister part-way.
            parent = fanout.submit(TENANT, connection, "delete_prefix", {"prefix": "tmp/", "page_size": 25},
                                   chunk_size=100)

            def listing_on_victim() -> bool:
                record = fanout.get(TENANT, parent.id)
                owner = (record.lease_owner or "").split(":")[1:2]
                return owner == [str(victim.process.pid)] and len(fanout.chunks(TENANT, parent.id)) >= 3

            deadline = time.monotonic() + WAIT
            while not listing_on_victim():
                assert time.monotonic() < deadline, f"the victim never listed:\n{victim.text()[-3000:]}"
                assert "chunks" not in fanout.get(TENANT, parent.id).job.params["keys"]["$fanout"], \
                    "the listing ended before the kill: no proof"
                time.sleep(0.02)
            victim.kill()
            queued_by_victim = len(fanout.chunks(TENANT, parent.id))
            survivor = celerykit.Worker(env, tmp_path / "survivor.log", concurrency=2, pool="threads")
            workers.append(survivor)
            survivor.wait_ready()
            done = fanout.wait(TENANT, parent.id, timeout=WAIT)
            chunks = fanout.chunks(TENANT, parent.id)
        finally:
            for worker in workers:
                worker.stop()
            jobs.close()
            celerykit.delete_keys(redis_server, prefix)

    assert done.state == "succeeded", (done.error, workers[-1].text()[-3000:])
    assert done.attempts == 2  # the victim's listing, then the survivor's, which went on after it
    assert 3 <= queued_by_victim < 25
    assert [k for c in chunks for k in c.job.params["keys"]] == doomed  # every key in one chunk, in order
    assert (done.result["deleted_count"], done.result["error_count"]) == (2500, 0)
    assert _keys(moto_endpoint, BUCKET) == ["keep/1"]
    print(f"\nthe killed worker had queued {queued_by_victim} of 25 chunks; the survivor listed on after them")
