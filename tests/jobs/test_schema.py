"""The jobs table: the migration creates what the code declares, on one Alembic head."""

from __future__ import annotations

from sqlalchemy import inspect


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
