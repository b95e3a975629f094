"""The local runner (the default): jobs run on this process's threads, state in the store."""

from __future__ import annotations

import json
import time

import pytest

from connector_core.jobs import Jobs, JobState, LocalRunner

from . import jobkit
from .conftest import API_KEY, TENANT, TOKEN, fast_settings
from .test_submit import HeldRunner

WAIT = 20  # seconds: a bound for a job that should take milliseconds, never an assertion about time


def _wait_for(predicate, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_a_job_runs_and_its_result_and_timing_are_stored(jobs, connection_id):
    record = jobs.submit(TENANT, connection_id, "echo", {"text": "hello", "api_key": API_KEY})
    done = jobs.wait(TENANT, record.id, timeout=WAIT)
    assert done.state == JobState.SUCCEEDED
    assert done.result == {"text": "hello", "key_length": len(API_KEY), "token_length": len(TOKEN)}
    assert done.attempts == 1 and done.error is None
    assert done.started_at >= done.created_at and done.duration is not None and done.duration >= 0


def test_a_retryable_failure_is_retried_until_it_succeeds(jobs, connection_id):
    record = jobs.submit(TENANT, connection_id, "flaky", {"name": "r", "failures": 2})
    done = jobs.wait(TENANT, record.id, timeout=WAIT)
    assert done.state == JobState.SUCCEEDED
    assert done.result == {"runs": 3} and done.attempts == 3 and jobkit.runs("r") == 3


def test_retries_stop_at_max_attempts_with_the_last_error(jobs, connection_id):
    record = jobs.submit(TENANT, connection_id, "flaky", {"name": "m", "failures": 10}, max_attempts=2)
    done = jobs.wait(TENANT, record.id, timeout=WAIT)
    assert done.state == JobState.FAILED and done.attempts == 2 and jobkit.runs("m") == 2
    assert done.error["error"] == "UnavailableError" and done.error["retryable"] is True
    assert "run 2 fails on purpose" in done.error["message"]


def test_a_non_retryable_failure_fails_once(jobs, connection_id):
    record = jobs.submit(TENANT, connection_id, "flaky", {"name": "n", "failures": 1, "retryable": False})
    done = jobs.wait(TENANT, record.id, timeout=WAIT)
    assert done.state == JobState.FAILED and done.attempts == 1 and jobkit.runs("n") == 1
    assert done.error["error"] == "OperationError" and done.error["retryable"] is False


def test_a_running_job_is_cancelled_and_its_progress_kept(jobs, connection_id, _jobkit_state):
    record = jobs.submit(TENANT, connection_id, "wait", {"name": "w"})
    _wait_for(lambda: (_jobkit_state / "w.pid").exists())
    _wait_for(lambda: jobs.get(TENANT, record.id).progress)  # stored by the heartbeat
    assert jobs.cancel(TENANT, record.id).cancel_requested
    done = jobs.wait(TENANT, record.id, timeout=WAIT)
    assert done.state == JobState.CANCELLED
    assert "cancelled" in done.error["message"]
    assert done.progress.done > 0 and done.progress.unit == "steps"
    assert jobkit.runs("w", "ends") == 0


def test_a_finished_job_delivered_again_does_nothing(jobs, connection_id):
    record = jobs.submit(TENANT, connection_id, "flaky", {"name": "d"}, idempotency_key="msg-1")
    done = jobs.wait(TENANT, record.id, timeout=WAIT)
    for _ in range(3):  # a broker re-delivering the message after its visibility timeout
        assert jobs.executor.deliver(TENANT, record.id).kind == "done"
    again = jobs.submit(TENANT, connection_id, "flaky", {"name": "d"}, idempotency_key="msg-1")
    assert again.id == record.id and again.result == done.result == {"runs": 1}
    assert jobkit.runs("d") == 1


def test_a_second_delivery_of_a_running_job_waits_instead_of_running_it(jobs, connection_id, _jobkit_state):
    record = jobs.submit(TENANT, connection_id, "wait", {"name": "b"})
    _wait_for(lambda: (_jobkit_state / "b.pid").exists())
    outcome = jobs.executor.deliver(TENANT, record.id)
    assert outcome.kind == "busy" and 0 < outcome.delay <= jobs.settings.lease_seconds
    (_jobkit_state / "b.release").touch()
    assert jobs.wait(TENANT, record.id, timeout=WAIT).state == JobState.SUCCEEDED
    assert jobkit.runs("b", "starts") == 1 and jobkit.runs("b", "ends") == 1


def test_an_error_naming_a_secret_is_stored_masked(jobs, connection_id):
    record = jobs.submit(TENANT, connection_id, "echo", {"text": "leak", "api_key": API_KEY})
    done = jobs.wait(TENANT, record.id, timeout=WAIT)
    assert done.state == JobState.FAILED and "refused key" in done.error["message"]
    assert API_KEY not in json.dumps(done.to_dict()) and TOKEN not in json.dumps(done.to_dict())


def test_a_job_whose_worker_died_is_requeued_and_completed_once(job_store, connection_id):
    """A delivery claimed the job and vanished (no heartbeat): the reaper re-queues it."""
    settings = fast_settings(lease_seconds=1.0, check_interval=0.1)
    held = HeldRunner()
    with Jobs(job_store, held, settings=settings) as submitter:
        record = submitter.submit(TENANT, connection_id, "flaky", {"name": "k"})
        claim = submitter.records.claim(TENANT, record.id, "dead-worker:1", settings.lease_seconds)
        assert claim.record.state == JobState.RUNNING
    with Jobs(job_store, LocalRunner(), settings=settings) as jobs:
        done = jobs.wait(TENANT, record.id, timeout=WAIT)
    assert done.state == JobState.SUCCEEDED and done.attempts == 2
    assert jobkit.runs("k") == 1  # the dead delivery never ran the operation; this one did, once


def test_a_restarted_process_runs_the_jobs_left_queued(job_store, connection_id):
    held = HeldRunner()
    with Jobs(job_store, held, settings=fast_settings()) as before_restart:
        ids = [before_restart.submit(TENANT, connection_id, "flaky", {"name": f"q{i}"}).id for i in range(3)]
    with Jobs(job_store, LocalRunner(), settings=fast_settings()) as jobs:
        states = [jobs.wait(TENANT, i, timeout=WAIT).state for i in ids]
    assert states == [JobState.SUCCEEDED] * 3
    assert [jobkit.runs(f"q{i}") for i in range(3)] == [1, 1, 1]


def test_a_worker_that_keeps_dying_is_given_up_on(job_store, connection_id):
    settings = fast_settings(lease_seconds=0.4, check_interval=0.1, max_attempts=2)
    with Jobs(job_store, HeldRunner(), settings=settings) as jobs:
        record = jobs.submit(TENANT, connection_id, "noop")
        for n in range(2):
            jobs.records.claim(TENANT, record.id, f"dead:{n}", settings.lease_seconds)
            time.sleep(0.5)
            assert jobs.executor.reap() == [(TENANT, record.id)]
        assert jobs.executor.deliver(TENANT, record.id).kind == "done"
        failed = jobs.get(TENANT, record.id)
    assert failed.state == JobState.FAILED and failed.attempts == 2
    assert "gave up after 2 attempts" in failed.error["message"]


@pytest.mark.parametrize("n", [20])
def test_many_jobs_run_on_a_bounded_pool(jobs, connection_id, n):
    ids = [jobs.submit(TENANT, connection_id, "noop").id for _ in range(n)]
    assert {jobs.wait(TENANT, i, timeout=WAIT).state for i in ids} == {JobState.SUCCEEDED}


def test_queued_jobs_are_found_page_by_page_oldest_first(job_store, connection_id):
    with Jobs(job_store, HeldRunner(), settings=fast_settings()) as jobs:
        ids = [jobs.submit(TENANT, connection_id, "noop").id for _ in range(5)]
        found, after = [], None
        while page := jobs.records.queued(limit=2, after=after):
            found += [job_id for _, job_id, _, _ in page]
            after = page[-1][3]
    assert found == ids


def test_a_delivery_that_fails_is_tried_again(job_store, connection_id, monkeypatch):
    """The store was down when the job's turn came: it is not left queued for ever."""
    from connector_core import UnavailableError

    with Jobs(job_store, LocalRunner(), settings=fast_settings(lease_seconds=0.4, check_interval=0.1)) as jobs:
        deliver, failures = jobs.executor.deliver, []

        def store_down_once(tenant, job_id):
            if not failures:
                failures.append(job_id)
                raise UnavailableError("cannot use the database: connection refused")
            return deliver(tenant, job_id)

        monkeypatch.setattr(jobs.executor, "deliver", store_down_once)
        record = jobs.submit(TENANT, connection_id, "flaky", {"name": "sd"})
        done = jobs.wait(TENANT, record.id, timeout=WAIT)
    assert failures == [record.id]
    assert done.state == JobState.SUCCEEDED and jobkit.runs("sd") == 1


def test_a_connection_deleted_after_submit_fails_the_job_once(job_store, connection_id):
    with Jobs(job_store, HeldRunner(), settings=fast_settings()) as jobs:
        record = jobs.submit(TENANT, connection_id, "noop")
        job_store.delete(TENANT, connection_id)
        assert jobs.executor.deliver(TENANT, record.id).kind == "done"
        failed = jobs.get(TENANT, record.id)
    assert failed.state == JobState.FAILED and failed.attempts == 1
    assert failed.error["error"] == "NotFoundError" and "no connection" in failed.error["message"]


def test_many_simultaneous_deliveries_of_one_job_run_it_once(job_store, connection_id):
    """Eight deliveries race for the claim (a broker and a reaper both sending it, say)."""
    from concurrent.futures import ThreadPoolExecutor

    with Jobs(job_store, HeldRunner(), settings=fast_settings()) as jobs:
        record = jobs.submit(TENANT, connection_id, "flaky", {"name": "race"})
        with ThreadPoolExecutor(8) as pool:
            kinds = list(pool.map(lambda _: jobs.executor.deliver(TENANT, record.id).kind, range(8)))
        done = jobs.get(TENANT, record.id)
    assert done.state == JobState.SUCCEEDED and done.attempts == 1
    assert jobkit.runs("race") == 1
    assert set(kinds) <= {"done", "busy"} and kinds.count("done") >= 1


def test_a_waiter_wakes_when_this_process_ends_the_job_not_at_its_next_poll(job_store, connection_id):
    """Jobs.wait sleeps between polls, longer the longer it has waited; a job this process
    ends (a local runner's) wakes it at once."""
    import threading

    with Jobs(job_store, HeldRunner(), settings=fast_settings()) as jobs:
        record = jobs.submit(TENANT, connection_id, "noop")
        claim = jobs.records.claim(TENANT, record.id, "this-process:1", 30)
        seen = jobs.records.ends_seen()
        ender = threading.Timer(0.3, jobs.records.finish, (record.id, claim.token, JobState.SUCCEEDED))
        ender.start()
        started = time.monotonic()
        jobs.records.wait_for_an_end(seen, 60)
        woke = time.monotonic() - started
        ender.join()
    assert woke < 30  # woken by the end, not by the 60 s timeout
    assert jobs.records.ends_seen() == seen + 1
    assert jobs.records.get(TENANT, record.id).state == JobState.SUCCEEDED


def test_a_waiter_tells_its_own_jobs_end_from_other_jobs_ends(job_store, connection_id):
    """A fan-out's waiter is woken by each chunk's end; only its own job's end (or ends it
    can no longer tell apart) sends it to the store before its next poll."""
    with Jobs(job_store, HeldRunner(), settings=fast_settings()) as jobs:
        mine, other = (jobs.submit(TENANT, connection_id, "noop") for _ in range(2))
        records = jobs.records
        seen = records.ends_seen()
        claim = records.claim(TENANT, other.id, "this-process:1", 30)
        records.finish(other.id, claim.token, JobState.SUCCEEDED)
        after_other = records.ends_seen()
        assert not records.ended_between(seen, after_other, mine.id)
        claim = records.claim(TENANT, mine.id, "this-process:2", 30)
        records.finish(mine.id, claim.token, JobState.SUCCEEDED)
        latest = records.ends_seen()
        assert records.ended_between(seen, latest, mine.id)
        assert records.ended_between(after_other, latest, mine.id)
        assert not records.ended_between(seen, after_other, mine.id)  # ended after that window
        records._ended_ids.clear()  # forgotten (thousands of ends since): it cannot tell
        assert records.ended_between(seen, latest, other.id)
