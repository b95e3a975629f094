"""Submitting jobs: refused before anything is queued when the input is bad; no secret in a job."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from connector_core import NotFoundError, ValidationError
from connector_core.jobs import Job, Jobs, JobState
from connector_core.secrets import MASK
from connector_core.store import ConflictError

from .conftest import API_KEY, OTHER_TENANT, TENANT, TOKEN, fast_settings


class HeldRunner:
    """A runner that only records what it was given (the jobs stay queued)."""

    name = "held"

    def __init__(self) -> None:
        self.enqueued: list[tuple[str, str, float]] = []

    def start(self, executor) -> None:
        self.executor = executor

    def enqueue(self, tenant, job_id, *, delay=0.0) -> None:
        self.enqueued.append((tenant, job_id, delay))

    def close(self, wait=True) -> None:
        pass


@pytest.fixture
def held(job_store):
    runner = HeldRunner()
    with Jobs(job_store, runner, settings=fast_settings()) as jobs:
        yield jobs, runner


def _nothing_queued(jobs, runner) -> None:
    assert runner.enqueued == []
    assert jobs.list(TENANT) == [] and jobs.list(OTHER_TENANT) == []


def test_another_tenants_connection_is_refused_as_not_found(held, job_store):
    jobs, runner = held
    theirs = job_store.create(OTHER_TENANT, "test.jobs", "theirs", {"token": TOKEN}).id
    with pytest.raises(NotFoundError) as refused:
        jobs.submit(TENANT, theirs, "noop")
    assert "no connection" in refused.value.message
    _nothing_queued(jobs, runner)


def test_a_deleted_connection_is_refused(held, job_store, connection_id):
    jobs, runner = held
    job_store.delete(TENANT, connection_id)
    with pytest.raises(NotFoundError, match="no connection"):
        jobs.submit(TENANT, connection_id, "noop")
    _nothing_queued(jobs, runner)


def test_an_unknown_operation_is_refused_naming_the_known_ones(held, connection_id):
    jobs, runner = held
    with pytest.raises(NotFoundError) as refused:
        jobs.submit(TENANT, connection_id, "launch_rockets")
    assert "no operation 'launch_rockets'" in refused.value.message
    assert "noop" in refused.value.hint
    _nothing_queued(jobs, runner)


def test_invalid_params_are_refused_listing_every_field(held, connection_id):
    jobs, runner = held
    with pytest.raises(ValidationError) as refused:
        jobs.submit(TENANT, connection_id, "echo", {"text": "x" * 101, "surprise": 1})
    assert set(refused.value.errors) >= {"text", "surprise"}
    with pytest.raises(ValidationError) as missing:
        jobs.submit(TENANT, connection_id, "flaky", {})
    assert "name" in missing.value.errors
    _nothing_queued(jobs, runner)


def test_a_connection_value_the_operation_requires_is_checked_at_submit(held, job_store):
    jobs, runner = held
    bare = job_store.create(TENANT, "test.jobs", "bare", {"token": TOKEN}).id
    with pytest.raises(ValidationError) as refused:
        jobs.submit(TENANT, bare, "accounted")
    assert "connection.account" in refused.value.errors
    _nothing_queued(jobs, runner)


@pytest.mark.parametrize("key", ["", "  ", "k" * 256, 7])
def test_a_malformed_idempotency_key_is_refused(held, connection_id, key):
    jobs, runner = held
    with pytest.raises(ValidationError, match="idempotency_key"):
        jobs.submit(TENANT, connection_id, "noop", idempotency_key=key)
    _nothing_queued(jobs, runner)


@pytest.mark.parametrize("options", [{"max_attempts": 0}, {"max_attempts": True}, {"retry_delay": -1},
                                     {"retry_delay": "soon"}])
def test_bad_retry_options_are_refused(held, connection_id, options):
    jobs, runner = held
    with pytest.raises(ValidationError):
        jobs.submit(TENANT, connection_id, "noop", **options)
    _nothing_queued(jobs, runner)


def test_the_queued_job_carries_ids_and_validated_params_only(held, connection_id):
    jobs, runner = held
    record = jobs.submit(TENANT, connection_id, "flaky", {"name": "n"})
    assert runner.enqueued == [(TENANT, record.id, 0.0)]  # the runner gets ids, nothing else
    assert record.state == JobState.QUEUED and record.attempts == 0
    job = Job.from_json(record.job.to_json())
    assert job == record.job
    assert job.params == {"name": "n", "failures": 0, "retryable": True}  # defaults applied
    assert (job.tenant, job.connection_id, job.operation) == (TENANT, connection_id, "flaky")


def test_no_secret_in_the_job_its_json_or_its_row(held, job_store, connection_id):
    jobs, runner = held
    record = jobs.submit(TENANT, connection_id, "echo", {"text": "hi", "api_key": API_KEY})
    as_json = record.job.to_json()
    assert API_KEY not in as_json and TOKEN not in as_json
    assert json.loads(as_json)["params"]["api_key"] == {"$secret": 0}
    assert API_KEY not in json.dumps(record.to_dict())
    with job_store.engine.connect() as db:
        row = db.execute(text("SELECT * FROM jobs")).one()
    dumped = repr(tuple(row)).encode() + b"".join(v for v in row if isinstance(v, bytes))
    assert API_KEY.encode() not in dumped and TOKEN.encode() not in dumped
    # ... and yet the worker gets both: it decrypts them itself.
    outcome = runner.executor.deliver(TENANT, record.id)
    assert outcome.kind == "done"
    done = jobs.get(TENANT, record.id)
    assert done.state == JobState.SUCCEEDED
    assert done.result == {"text": "hi", "key_length": len(API_KEY), "token_length": len(TOKEN)}


def test_sealed_params_copied_into_another_job_do_not_decrypt(held, job_store, connection_id):
    """An attacker with write access to the table cannot move one job's secret into another."""
    jobs, runner = held
    source = jobs.submit(TENANT, connection_id, "echo", {"text": "a", "api_key": API_KEY})
    target = jobs.submit(TENANT, connection_id, "echo", {"text": "b", "api_key": "other-key-value-0000"})
    with job_store.engine.begin() as db:
        sealed = db.execute(text("SELECT key_id, wrapped_key, secrets FROM jobs WHERE id = :i"),
                            {"i": source.id}).one()
        db.execute(text("UPDATE jobs SET key_id = :k, wrapped_key = :w, secrets = :s WHERE id = :i"),
                   {"k": sealed[0], "w": sealed[1], "s": sealed[2], "i": target.id})
    runner.executor.deliver(TENANT, target.id)
    failed = jobs.get(TENANT, target.id)
    assert failed.state == JobState.FAILED
    assert failed.error["error"] == "DecryptionError"
    assert API_KEY not in json.dumps(failed.to_dict())


def test_the_same_idempotency_key_returns_the_first_job_and_queues_nothing(held, connection_id):
    jobs, runner = held
    first = jobs.submit(TENANT, connection_id, "noop", idempotency_key="order-42")
    again = jobs.submit(TENANT, connection_id, "noop", idempotency_key="order-42")
    assert again.id == first.id
    assert len(runner.enqueued) == 1
    with pytest.raises(ConflictError, match="used for other work"):
        jobs.submit(TENANT, connection_id, "echo", {"text": "x"}, idempotency_key="order-42")
    # Keys are per tenant: another tenant's identical key is its own job.
    other_conn = jobs.store.create(OTHER_TENANT, "test.jobs", "o", {}).id
    theirs = jobs.submit(OTHER_TENANT, other_conn, "noop", idempotency_key="order-42")
    assert theirs.id != first.id


def test_jobs_of_another_tenant_are_not_found(held, connection_id):
    jobs, _ = held
    record = jobs.submit(TENANT, connection_id, "noop")
    for call in (jobs.get, jobs.cancel):
        with pytest.raises(NotFoundError, match="no job"):
            call(OTHER_TENANT, record.id)
    assert jobs.list(OTHER_TENANT) == []
    assert jobs.get(TENANT, record.id).state == JobState.QUEUED


def test_a_queued_job_cancelled_never_runs(held, connection_id, _jobkit_state):
    jobs, runner = held
    record = jobs.submit(TENANT, connection_id, "flaky", {"name": "c"})
    assert jobs.cancel(TENANT, record.id).state == JobState.CANCELLED
    assert runner.executor.deliver(TENANT, record.id).kind == "done"  # the delivery comes anyway
    assert not (_jobkit_state / "c.runs").exists()
    assert jobs.get(TENANT, record.id).state == JobState.CANCELLED


def test_a_chunks_checked_input_still_gets_its_secrets_wrapped(jobs_host):
    """A fan-out chunk's params (validated whole at submit, read back from JSON) are not
    validated again, except where JSON carries a secret as a plain value: that is wrapped
    again, so the plugin still gets a Secret and the log masker still learns it."""
    connection = jobs_host.connect("test.jobs", {"token": "connection-token-1"})
    params = jobs_host.validate_input("test.jobs", "echo", {"text": "hi", "api_key": "chunk-secret-123"})
    as_stored = json.loads(json.dumps({**params, "api_key": params["api_key"].reveal()}))
    out = jobs_host.run(connection, "echo", as_stored, checked_input=True)
    assert out == {"text": "hi", "key_length": 16, "token_length": 18}
    assert jobs_host.mask("said chunk-secret-123") == "said " + MASK
