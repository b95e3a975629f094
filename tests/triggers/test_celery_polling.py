"""Trigger polls scheduled by Celery beat and run on real Celery workers, with the real Redis.

Two ``connectors worker`` processes (one also runs beat) share a SQLite store with this
test; twelve S3 ``new_objects`` instances of two tenants (moto on 127.0.0.1) are claimed
five per tick. The handler (``tests/triggers/celery_handler.py``) runs in the workers'
pool processes and logs what it got.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter

import boto3
import pytest

from connector_core import Host, ConfigurationError
from tests.conftest import emulator_values
from tests.jobs import celerykit

INSTANCES = 12
WAIT = 90  # seconds: a bound for waiting, not an assertion about speed


@pytest.fixture(scope="module")
def redis_server():
    yield from celerykit.redis_url()


@pytest.fixture
def world(redis_server, moto_endpoint, tmp_path):
    import connector_aws_s3.hooks
    from connector_core.store import ConnectionStore, Keyring, generate_master_key
    from connector_core.triggers.instances import TriggerInstances

    key, url = generate_master_key(), f"sqlite:///{tmp_path / 'store.db'}"
    host = Host(plugins=[connector_aws_s3.hooks], settings={"net.allow_loopback": True})
    store = ConnectionStore.open(host, url, Keyring.from_text(key, source="test"))
    instances = TriggerInstances(store.engine, host)
    raw = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_endpoint,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    raw.create_bucket(Bucket="beat")
    made = {}
    for n in range(INSTANCES):
        tenant = ("acme", "globex")[n % 2]
        conn = store.create(tenant, "aws.s3", f"s3-{n}", emulator_values(moto_endpoint, bucket="beat",
                                                                          force_path_style=True))
        made[f"p{n}/"] = instances.create(tenant, conn.id, "new_objects", {"prefix": f"p{n}/", "include_existing": True},
                                         interval_seconds=1)
    prefix = f"cc-test-triggers-{uuid.uuid4().hex[:10]}:"
    env = celerykit.worker_env(
        tmp_path, database_url=url, master_key=key, redis_url=redis_server, prefix=prefix,
        CONNECTOR_CORE_TRIGGER_HANDLER="tests.triggers.celery_handler:record", CONNECTOR_CORE_TRIGGER_TICK="0.5",
        CONNECTOR_CORE_TRIGGER_BATCH="5", CONNECTOR_CORE_TRIGGER_LEASE="30",
        TRIGGER_TEST_LOG=str(tmp_path / "handled.log"))
    (tmp_path / "handled.log").touch()
    workers = []
    yield env, tmp_path, instances, made, raw, workers
    for worker in workers:
        worker.stop()
    store.close()
    celerykit.delete_keys(redis_server, prefix)


def _handled(tmp_path) -> list[tuple[int, str, str]]:
    rows = [line.split(" ", 2) for line in (tmp_path / "handled.log").read_text().splitlines() if line.strip()]
    return [(int(pid), instance, key.split("@", 1)[0]) for pid, instance, key in rows]


def _wait_for(count, tmp_path, workers):
    deadline = time.monotonic() + WAIT
    while len(_handled(tmp_path)) < count:
        if time.monotonic() > deadline:
            logs = "\n".join(w.text()[-3000:] for w in workers)
            pytest.fail(f"{len(_handled(tmp_path))} of {count} items handled after {WAIT} s; worker logs:\n{logs}")
        time.sleep(0.2)


def test_beat_ticks_claim_due_polls_in_batches_and_workers_deliver_every_item_once(world):
    env, tmp_path, instances, made, raw, workers = world
    for prefix in made:
        for name in ("a", "b"):
            raw.put_object(Bucket="beat", Key=f"{prefix}{name}", Body=name.encode())
    workers.append(celerykit.Worker(env, tmp_path / "worker-beat.log", args=("--beat",)).wait_ready())
    workers.append(celerykit.Worker(env, tmp_path / "worker-2.log").wait_ready())
    _wait_for(2 * INSTANCES, tmp_path, workers)
    for prefix in made:  # the next polls (interval 1 s, from the stored cursors) find only these
        raw.put_object(Bucket="beat", Key=f"{prefix}c", Body=b"c")
    _wait_for(3 * INSTANCES, tmp_path, workers)
    time.sleep(2)  # a few more ticks: nothing may come again

    handled = _handled(tmp_path)
    pairs = Counter((instance, key) for _, instance, key in handled)
    expected = {(inst.id, f"{prefix}{name}") for prefix, inst in made.items() for name in "abc"}
    assert set(pairs) == expected and set(pairs.values()) == {1}  # every object once per instance
    assert os.getpid() not in {pid for pid, _, _ in handled}  # polled and handled on the workers
    assert {inst.tenant for inst in made.values()} == {"acme", "globex"}
    assert all(instances.get(i.tenant, i.id).delivered == 3 for i in made.values())
    logs = workers[0].text() + workers[1].text()
    assert "Scheduler: Sending due task connector-core-trigger-polls" in workers[0].text()  # beat ran there
    assert "'claimed 5, polled 5" in logs  # claimed in batches of CONNECTOR_CORE_TRIGGER_BATCH


def test_a_bad_handler_setting_names_the_variable():
    from connector_core.triggers.celery_polling import poller_settings

    assert poller_settings({}) == {}
    with pytest.raises(ConfigurationError, match="CONNECTOR_CORE_TRIGGER_HANDLER='tests.nowhere:x' cannot be"):
        poller_settings({"CONNECTOR_CORE_TRIGGER_HANDLER": "tests.nowhere:x"})
    with pytest.raises(ConfigurationError, match="CONNECTOR_CORE_TRIGGER_BATCH='0' is not a positive number"):
        poller_settings({"CONNECTOR_CORE_TRIGGER_HANDLER": "tests.triggers.celery_handler:record",
                         "CONNECTOR_CORE_TRIGGER_BATCH": "0"})
