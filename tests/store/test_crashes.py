"""A process killed mid-write leaves the old record; a killed rotation resumes to completion."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from connector_core.store import ConnectionStore, Keyring, generate_master_key

from .conftest import SECRET, s3_values
from .crash_child import CRASHED

CHILD = Path(__file__).with_name("crash_child.py")


def _child(*args: str, keys: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONNECTOR_CORE_MASTER_KEYS": keys}
    return subprocess.run([sys.executable, str(CHILD), *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_crash_between_encrypt_and_commit_leaves_the_old_record(store, store_url, master_key):
    record = store.create("acme", "aws.s3", "Reports", s3_values())
    result = _child("update", store_url, record.id, keys=master_key)
    assert result.returncode == CRASHED, result.stderr
    store.engine.dispose()  # forget pooled connections; read what is on disk / on the server
    after = store.get("acme", record.id)
    assert after == record  # name, values, revision, timestamps: all the old ones
    connection = store.load_connection("acme", record.id)
    assert connection["secret_access_key"].reveal() == SECRET and connection["bucket"] == "reports-bucket"
    # The store is still writable afterwards (no lock left behind).
    assert store.update("acme", record.id, name="After the crash").revision == record.revision + 1


def test_interrupted_rotation_resumes_to_completion(store_url, host, master_key):
    with ConnectionStore.open(host, store_url, Keyring.from_text(master_key, source="old")) as old:
        ids = [old.create("acme", "aws.s3", f"c{i}", s3_values()).id for i in range(10)]
    keys = f"{generate_master_key()},{master_key}"
    result = _child("rotate", store_url, "6", keys=keys)
    assert result.returncode == CRASHED, result.stderr
    with ConnectionStore.open(host, store_url, Keyring.from_text(keys, source="both")) as s:
        newest, oldest = s.keyring.ids
        assert s.count_by_key() == {newest: 6, oldest: 4}  # six committed, one at a time
        for record_id in ids:  # every record readable in between
            assert s.load_connection("acme", record_id)["secret_access_key"].reveal() == SECRET
    # Run again, as an operator would: `connectors store rotate-key` finishes the job.
    env = {**os.environ, "CONNECTOR_CORE_MASTER_KEYS": keys, "CONNECTOR_CORE_DATABASE_URL": store_url}
    rerun = subprocess.run([sys.executable, "-c", "from connector_core.cli import main; main()", "store", "rotate-key"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"re-wrapped 4 record(s) with master key {newest}" in rerun.stdout
    with ConnectionStore.open(host, store_url, Keyring.from_text(keys.split(",")[0], source="new")) as s:
        assert s.count_by_key() == {newest: 10}
        assert all(s.load_connection("acme", i)["secret_access_key"].reveal() == SECRET for i in ids)
