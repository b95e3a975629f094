"""The jobs table: the migration creates what the code declares, on one Alembic head."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect, text


def test_the_migrations_have_exactly_one_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "connector_core.store:migrations")
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several Alembic heads {heads}: set down_revision of the newest revision"


def test_the_migrated_jobs_table_has_the_declared_columns_and_indexes(job_store):
    from connector_core.jobs.table import jobs

    found = inspect(job_store.engine)
    assert {c["name"] for c in found.get_columns("jobs")} == {c.name for c in jobs.columns}
    indexes = {tuple(ix["column_names"]): bool(ix["unique"]) for ix in found.get_indexes("jobs")}
    assert indexes[("tenant", "idempotency_key")] is True
    assert ("state", "lease_expires_at") in indexes
    # Waiting on a fan-out counts running chunks from this index alone (their rows are large).
    assert ("parent_id", "state") in indexes and ("lease_token",) in indexes


def test_a_fingerprint_from_the_params_text_is_the_one_from_the_params():
    # Jobs stored before the text was reused keep matching their idempotency key's work.
    from connector_core.jobs.service import _fingerprint, _fingerprint_text
    from connector_core.store.values import split_secrets_json

    params = {"entries": [{"b": 1, "a": "Zürich", "n": [1.5, None, True]}], "concurrency": 8, "ü": "x"}
    public, sealed, text = split_secrets_json(params)
    assert _fingerprint_text("conn-1", "put_events", text, len(sealed)) == \
        _fingerprint("conn-1", "put_events", public, len(sealed))
    assert _fingerprint_text("conn-1", "put_events", text, 0) != _fingerprint_text("conn-2", "put_events", text, 0)


def _migrate(engine, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "connector_core.store:migrations")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_a_job_stored_before_0006_keeps_its_params_after_the_migration(store_url):
    from connector_core.errors import NotFoundError
    from connector_core.jobs.records import JobStore
    from connector_core.store.engine import create_store_engine

    engine = create_store_engine(store_url)
    try:
        _migrate(engine, "0005_jobs_lookups")
        params = {"entries": [{"detail": "Zürich", "n": i} for i in range(300)], "token": {"$secret": 0}}
        with engine.begin() as db:
            db.execute(text(
                "INSERT INTO jobs (id, tenant, connection_id, connector_id, operation, params, idempotency_key,"
                " fingerprint, state, cancel_requested, attempts, max_attempts, retry_delay, created_at)"
                " VALUES ('job-1', 'acme', 'conn-1', 'test.jobs', 'noop', :params, 'key-1', 'f', 'queued',"
                " false, 0, 3, 1.0, :created)"), {"params": json.dumps(params), "created": datetime.now(timezone.utc)})
        _migrate(engine, "head")

        records = JobStore(engine)
        assert records.get("acme", "job-1").job.params == params
        assert "params" not in {c["name"] for c in inspect(engine).get_columns("jobs")}
        with pytest.raises(NotFoundError):
            records.get("globex", "job-1")
        claimed = records.claim("acme", "job-1", "worker", 30.0)
        assert claimed.record.job.params == params  # the delivery that runs it reads them
        # Deleted with its job: no params left behind under the job's id.
        with engine.begin() as db:
            db.execute(text("DELETE FROM jobs WHERE id = 'job-1'"))
            assert db.execute(text("SELECT count(*) FROM job_params")).scalar() == 0
    finally:
        engine.dispose()
