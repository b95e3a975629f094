"""A fan-out's parent is finished by the worker that ends its last chunk, with nobody reading it.

The parent is read here straight from the store (``jobs.records``), never through
``Jobs.get``/``wait``, which would merge it themselves. Put_events against the stand-in
endpoint on 127.0.0.1, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import threading

from connector_core.aws.stand_in import PutEventsStandIn
from connector_core.jobs import Jobs, LocalRunner
from connector_core.jobs import fanout as fanout_module
from connector_core.jobs.records import JobStore

from tests.fanout.conftest import (
    SECRET_KEY, TENANT, connection_values, entries, fast_settings, stored_when_finished,
)

WAIT = 120  # seconds: a bound for waits under load, never an assertion about speed


class _Held:
    """A runner that runs nothing: the test delivers each queued job itself, as a worker would."""

    name = "held"

    def __init__(self) -> None:
        self.queued: list[str] = []

    def start(self, executor) -> None:
        pass

    def enqueue(self, tenant: str, job_id: str, *, delay: float = 0.0) -> None:
        self.queued.append(job_id)

    def close(self, wait: bool = True) -> None:
        pass


def _merges_recorded(monkeypatch, parent_id: str) -> list[bool]:
    """Every attempt to record the parent's end, and whether the store took it."""
    attempts: list[bool] = []
    real = JobStore.finish

    def finish(self, job_id, token, state, **values):
        done = real(self, job_id, token, state, **values)
        if job_id == parent_id:
            attempts.append(done)
        return done

    monkeypatch.setattr(JobStore, "finish", finish)
    return attempts


def test_the_parent_is_finished_in_the_store_though_nobody_reads_it(fanout_store):
    with PutEventsStandIn(latency=0.002) as stand_in:
        jobs = Jobs(fanout_store, LocalRunner(4), settings=fast_settings())
        connection = fanout_store.create(TENANT, "aws.eventbridge", "bus", connection_values(stand_in.url)).id
        parent = jobs.submit(TENANT, connection, "put_events", {"entries": entries(1234)}, chunk_size=250)
        stored = stored_when_finished(jobs, parent.id, WAIT)
        chunks = jobs.list(TENANT, parent_id=parent.id)
        read = jobs.get(TENANT, parent.id)
        jobs.close()
    assert stored.state == "succeeded", stored.error
    assert [o["index"] for o in stored.outcomes] == list(range(1234))
    assert all(o.get("event_id") for o in stored.outcomes)
    assert stored.result["successful_count"] == 1234
    assert stored.result["fanout"]["chunks"] == 5 and stored.result["fanout"]["failed_chunks"] == []
    assert stored.finished_at >= max(c.finished_at for c in chunks)
    assert read.to_dict() == stored.to_dict()  # a reader afterwards finds it as the worker left it


def test_two_chunks_ending_at_once_and_a_reader_record_one_merge(fanout_store, monkeypatch):
    runner = _Held()
    jobs = Jobs(fanout_store, runner, settings=fast_settings())
    with PutEventsStandIn(latency=0) as stand_in:
        connection = fanout_store.create(TENANT, "aws.eventbridge", "bus", connection_values(stand_in.url)).id
        parent = jobs.submit(TENANT, connection, "put_events", {"entries": entries(300)}, chunk_size=150)
        merges = _merges_recorded(monkeypatch, parent.id)
        # Both chunk deliveries have recorded their end before either looks for unfinished
        # chunks, when a reader comes too: all three find the parent's chunks all finished.
        together = threading.Barrier(3, timeout=WAIT)
        real_count = JobStore.any_chunk_running

        def count_together(records, parent_id):
            together.wait()
            return real_count(records, parent_id)

        monkeypatch.setattr(JobStore, "any_chunk_running", count_together)
        results: dict[str, object] = {}

        def deliver(job_id: str) -> None:
            results[job_id] = jobs.executor.deliver(TENANT, job_id).kind

        def read() -> None:
            together.wait()
            results["reader"] = jobs.get(TENANT, parent.id)

        threads = [threading.Thread(target=deliver, args=(job_id,)) for job_id in runner.queued]
        threads.append(threading.Thread(target=read))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT)
        stored = jobs.records.get(TENANT, parent.id)
        jobs.close()
    assert not together.broken and [results[job_id] for job_id in runner.queued] == ["done", "done"]
    assert merges.count(True) == 1  # however many got as far as recording it
    assert stored.state == "succeeded" and [o["index"] for o in stored.outcomes] == list(range(300))
    assert results["reader"].to_dict() == stored.to_dict()


def test_a_merge_failing_in_the_worker_fails_no_chunk_and_is_left_to_the_next_reader(
        fanout_store, monkeypatch, caplog):
    runner = _Held()
    jobs = Jobs(fanout_store, runner, settings=fast_settings())
    with PutEventsStandIn(latency=0) as stand_in:
        connection = fanout_store.create(TENANT, "aws.eventbridge", "bus", connection_values(stand_in.url)).id
        parent = jobs.submit(TENANT, connection, "put_events", {"entries": entries(300)}, chunk_size=100)

        def store_gone(*args):
            raise RuntimeError(f"the database refused the merge (connected with {SECRET_KEY})")

        monkeypatch.setattr(fanout_module, "finish_if_last", store_gone)
        with caplog.at_level(logging.WARNING, logger="connector_core.jobs.execute"):
            kinds = [jobs.executor.deliver(TENANT, job_id).kind for job_id in runner.queued]
        chunks = jobs.list(TENANT, parent_id=parent.id)
        unmerged = jobs.records.get(TENANT, parent.id)
        read = jobs.wait(TENANT, parent.id, timeout=WAIT)  # merges once no worker did within a lease
        jobs.close()
    assert kinds == ["done"] * 3 and all(c.state == "succeeded" for c in chunks)
    assert unmerged.state == "running"
    assert "merging its chunks failed" in caplog.text and SECRET_KEY not in caplog.text
    assert read.state == "succeeded" and [o["index"] for o in read.outcomes] == list(range(300))
    assert jobs.records.get(TENANT, parent.id).to_dict() == read.to_dict()
