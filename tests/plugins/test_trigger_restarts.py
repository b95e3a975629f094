"""Restarting trigger workers: killed (SIGKILL) between and during polls, against moto.

Each worker is its own process (``tests/plugins/trigger_worker.py``) on a SQLite store
file the test made; its handler logs ``PID INSTANCE KEY`` and is slowed down so that a
kill lands in the middle of a poll. After every kill a new worker starts. What may
repeat is what docs/triggers.md says: the items the killed worker handled in the poll
(or receive batch) it never finished; nothing is ever lost. The tests count the
duplicates and check each one against that rule.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import boto3
import pytest

from connector_core import Host
from tests.conftest import emulator_values

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {"net.allow_loopback": True, "aws.max_attempts": 1}
LEASE = 3  # seconds: how long a killed worker's claim keeps the next one waiting
VISIBILITY = 3  # seconds: how long SQS hides a received message


class Workers:
    """Starts worker processes on one store and reads what their handlers logged."""

    def __init__(self, tmp_path, config) -> None:
        self.log = tmp_path / "handled.log"
        self.log.touch()
        self.config = {**config, "log": str(self.log), "lease_seconds": LEASE, "visibility_timeout": VISIBILITY}
        self.running: list[subprocess.Popen] = []

    def start(self, delay: float = 0.0) -> subprocess.Popen:
        config = json.dumps({**self.config, "delay": delay})
        process = subprocess.Popen([sys.executable, "-m", "tests.plugins.trigger_worker", config], cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.running.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(30)

    def handled(self, process: subprocess.Popen | None = None) -> list[str]:
        """The dedupe keys handled (by one process, or all), in order."""
        rows = [line.split(" ", 2) for line in self.log.read_text().splitlines() if line.strip()]
        return [key for pid, _, key in rows if process is None or int(pid) == process.pid]

    def wait_for(self, condition, what: str, process: subprocess.Popen | None = None) -> None:
        deadline = time.monotonic() + 120
        while not condition():
            alive = [p for p in ([process] if process else self.running) if p.poll() is None]
            if process is not None and not alive:
                pytest.fail(f"the worker died: {process.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"waited 120 s for {what}; handled so far: {self.handled()}")
            time.sleep(0.05)

    def close(self) -> None:
        for process in self.running:
            if process.poll() is None:
                self.kill(process)


def _store(host, tmp_path):
    from connector_core.store import ConnectionStore, Keyring, generate_master_key
    from connector_core.triggers.instances import TriggerInstances

    key = generate_master_key()
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = ConnectionStore.open(host, url, Keyring.from_text(key, source="test"))
    return store, TriggerInstances(store.engine, host), {"store_url": url, "master_key": key}


def _set_up(host, store, instances):
    """The instances' first polls (set-up, baseline) in this process."""
    from connector_core.triggers.delivery import Poller

    Poller(host, instances, store, lambda i, item: None).run_once()


# -- S3 new_objects ------------------------------------------------------------------------


@pytest.fixture
def s3_world(moto_endpoint, tmp_path):
    import connector_aws_s3.hooks

    host = Host(plugins=[connector_aws_s3.hooks], settings=SETTINGS)
    store, instances, where = _store(host, tmp_path)
    raw = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_endpoint,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    raw.create_bucket(Bucket="restarts")
    conn = store.create("acme", "aws.s3", "restarts", emulator_values(moto_endpoint, bucket="restarts",
                                                                       force_path_style=True))
    instance = instances.create("acme", conn.id, "new_objects", {"prefix": "in/"}, interval_seconds=1)
    _set_up(host, store, instances)
    workers = Workers(tmp_path, {**where, "plugin": "connector_aws_s3.hooks", "settings": SETTINGS,
                                 "mode": "poller"})
    yield workers, instances, instance, lambda names: [raw.put_object(Bucket="restarts", Key=f"in/{n}", Body=n)
                                                       for n in names]
    workers.close()
    store.close()


def _objects(keys: list[str]) -> list[str]:
    return [key.split("@", 1)[0] for key in keys]  # dedupe key: KEY@LASTMODIFIED_MS:ETAG


def test_s3_a_worker_killed_during_a_poll_loses_nothing_and_repeats_only_what_it_handled(s3_world):
    workers, instances, instance, put = s3_world
    put([f"{n:02d}" for n in range(8)])
    first = workers.start(delay=0.4)
    workers.wait_for(lambda: len(workers.handled(first)) >= 3, "the first worker to handle 3 objects", first)
    workers.kill(first)  # in the middle of the poll: its cursor was never stored
    killed = workers.handled(first)
    second = workers.start()
    workers.wait_for(lambda: len(workers.handled(second)) == 8, "the restarted worker to handle all 8", second)
    workers.wait_for(lambda: instances.get("acme", instance.id).delivered == 8, "its commit", second)
    workers.kill(second)

    everything = workers.handled()
    assert sorted(_objects(everything)) == sorted(_objects(killed) + [f"in/{n:02d}" for n in range(8)])
    assert sorted(set(_objects(everything))) == [f"in/{n:02d}" for n in range(8)]  # nothing lost
    duplicates = [key for key, n in Counter(everything).items() if n > 1]
    # Documented: the items the killed worker handled in its unfinished poll come again, once.
    assert sorted(duplicates) == sorted(killed) and len(duplicates) >= 3
    assert Counter(workers.handled(second)) == Counter(set(everything))  # the new worker: each once
    assert instances.get("acme", instance.id).delivered == 8  # only the finished poll counted


def test_s3_a_worker_killed_between_polls_repeats_nothing(s3_world):
    workers, instances, instance, put = s3_world
    put(["a1", "a2", "a3"])
    first = workers.start()
    workers.wait_for(lambda: instances.get("acme", instance.id).delivered == 3, "the first poll's commit", first)
    workers.kill(first)
    put(["b1", "b2", "b3"])
    second = workers.start()
    workers.wait_for(lambda: len(workers.handled(second)) == 3, "the restarted worker's poll", second)
    workers.kill(second)
    assert _objects(workers.handled(first)) == ["in/a1", "in/a2", "in/a3"]
    assert sorted(_objects(workers.handled(second))) == ["in/b1", "in/b2", "in/b3"]
    assert not [key for key, n in Counter(workers.handled()).items() if n > 1]  # no duplicates


# -- EventBridge events: per-instance polls and the queue's dispatcher --------------------------


@pytest.fixture(params=["dispatcher", "poller"])
def eb_world(request, moto_endpoint, tmp_path):
    import connector_aws_eventbridge.hooks

    settings = {**SETTINGS, "eventbridge.dispatcher": request.param == "dispatcher"}
    host = Host(plugins=[connector_aws_eventbridge.hooks], settings=settings)
    store, instances, where = _store(host, tmp_path)
    conn = store.create("acme", "aws.eventbridge", "restarts",
                        emulator_values(moto_endpoint, account_id="123456789012"))
    params = {"wait_seconds": 0, "visibility_timeout": VISIBILITY}
    instance = instances.create("acme", conn.id, "events", {**params, "event_pattern": {"source": ["orders"]}},
                                interval_seconds=1)
    instances.create("acme", conn.id, "events", {**params, "event_pattern": {"source": ["other"]}},
                     interval_seconds=1)  # a second rule on the shared queue: its events are not ours
    _set_up(host, store, instances)
    workers = Workers(tmp_path, {**where, "plugin": "connector_aws_eventbridge.hooks", "settings": settings,
                                 "mode": request.param})
    connection = store.load_connection("acme", conn.id)

    def put(count: int, source: str = "orders") -> list[str]:
        entries = [{"source": source, "detail_type": "Placed", "detail": {"n": n}} for n in range(count)]
        return [e["event_id"] for e in host.run(connection, "put_events", {"entries": entries})["results"]]

    global _sqs
    _sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_endpoint,
                        aws_access_key_id="testing", aws_secret_access_key="testing")
    yield workers, instances, instance, put
    workers.close()
    store.close()


_sqs = None


def _queue_depth(queue: str) -> int:
    attributes = _sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_eventbridge_a_worker_killed_while_handling_loses_nothing_and_repeats_only_its_unfinished_batch(eb_world):
    workers, instances, instance, put = eb_world
    sent = put(8)
    put(2, source="other")
    first = workers.start(delay=0.4)
    workers.wait_for(lambda: len([k for k in workers.handled(first) if k in sent]) >= 3,
                     "the first worker to handle 3 events", first)
    workers.kill(first)  # its messages were not deleted: SQS sends them again after the visibility timeout
    killed = workers.handled(first)
    second = workers.start()
    workers.wait_for(lambda: set(sent) <= set(workers.handled()) and set(killed) <= set(workers.handled(second)),
                     "every event, and the killed worker's again", second)
    time.sleep(VISIBILITY + 1)  # anything else that could come again has had its chance
    workers.kill(second)

    ours = [key for key in workers.handled() if key in sent]
    assert set(ours) == set(sent)  # nothing lost
    duplicates = {key: n for key, n in Counter(ours).items() if n > 1}
    # Documented: only what the killed worker handled without finishing comes again, once.
    assert set(duplicates) <= set(killed) and killed[-1] in duplicates
    assert set(duplicates.values()) == {2}
    assert len(ours) == len(sent) + len(duplicates)


def test_eventbridge_a_worker_killed_between_receives_repeats_nothing(eb_world):
    workers, instances, instance, put = eb_world
    before = put(4)
    first = workers.start()
    workers.wait_for(lambda: instances.get("acme", instance.id).delivered == 4, "the first delivery", first)
    # Its messages are deleted right after the delivery is recorded: wait for the queue to be empty.
    workers.wait_for(lambda: _queue_depth(instances.get("acme", instance.id).cursor["queue_url"]) == 0,
                     "the handled messages to be deleted", first)
    workers.kill(first)
    after = put(4)
    second = workers.start()
    workers.wait_for(lambda: set(after) <= set(workers.handled(second)), "the new events", second)
    time.sleep(VISIBILITY + 1)
    workers.kill(second)
    assert sorted(k for k in workers.handled(first) if k in before + after) == sorted(before)
    assert sorted(k for k in workers.handled(second) if k in before + after) == sorted(after)
