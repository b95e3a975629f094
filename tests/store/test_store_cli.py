"""`connectors store ...` as an operator runs it: a new process, settings from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from connector_core.store import generate_master_key

from .conftest import SECRET, s3_values


@pytest.fixture
def cli(tmp_path):
    env = {**os.environ, "CONNECTOR_CORE_DATA_DIR": str(tmp_path / "data"),
           "CONNECTOR_CORE_MASTER_KEYS": generate_master_key()}
    env.pop("CONNECTOR_CORE_DATABASE_URL", None)

    def run(*args: str, **overrides: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", "from connector_core.cli import main; main()", *args],
                              env={**env, **overrides}, capture_output=True, text=True, timeout=120, cwd=tmp_path)

    return run


def test_create_list_show_delete_never_print_the_secret(cli, tmp_path):
    (tmp_path / "conn.json").write_text(json.dumps(s3_values()))
    created = cli("store", "create", "--tenant", "acme", "aws.s3", "--name", "Reports", "-c", "conn.json", "--json")
    assert created.returncode == 0, created.stderr
    record_id = json.loads(created.stdout)["id"]
    listed = cli("store", "list", "--tenant", "acme")
    assert f"{record_id}  aws.s3 1.0.0  Reports" in listed.stdout
    shown = cli("store", "show", "--tenant", "acme", record_id)
    assert 'bucket: "reports-bucket"' in shown.stdout and "secret_access_key: (secret, set)" in shown.stdout
    for result in (created, listed, shown, cli("store", "list", "--tenant", "acme", "--json")):
        assert SECRET not in result.stdout + result.stderr
    assert (tmp_path / "data" / "connections.db").exists()  # SQLite in the data folder by default

    other = cli("store", "show", "--tenant", "globex", record_id)
    assert other.returncode == 1 and other.stdout == ""
    assert other.stderr.count("\n") == 1 and other.stderr.startswith(f"error: no connection '{record_id}'")
    assert cli("store", "list", "--tenant", "globex").stdout == "no connections for tenant globex\n"

    assert cli("store", "delete", "--tenant", "acme", record_id).stdout == f"deleted {record_id}\n"
    assert cli("store", "list", "--tenant", "acme", "--json").stdout.strip() == "[]"


def test_without_a_master_key_the_error_is_one_line_with_the_fix(cli, tmp_path):
    (tmp_path / "conn.json").write_text(json.dumps(s3_values()))
    result = cli("store", "create", "--tenant", "acme", "aws.s3", "--name", "R", "-c", "conn.json",
                 CONNECTOR_CORE_MASTER_KEYS="")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: no master key is configured (set CONNECTOR_CORE_MASTER_KEYS to a key made by "
        "`connectors store generate-key` (or CONNECTOR_CORE_MASTER_KEY_FILE to a file holding one))"]


def test_an_unreachable_database_is_one_line(cli):
    result = cli("store", "list", "--tenant", "acme",
                 CONNECTOR_CORE_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot use the database postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert "check that it is running and CONNECTOR_CORE_DATABASE_URL is right" in line


def test_keys_shows_what_rotation_has_left(cli, tmp_path):
    (tmp_path / "conn.json").write_text(json.dumps(s3_values()))
    old = generate_master_key()
    assert cli("store", "create", "-t", "acme", "aws.s3", "-n", "R", "-c", "conn.json",
               CONNECTOR_CORE_MASTER_KEYS=old).returncode == 0
    both = f"{generate_master_key()},{old}"
    rows = json.loads(cli("store", "keys", "--json", CONNECTOR_CORE_MASTER_KEYS=both).stdout)
    assert [(r["records"], r["newest"], r["configured"]) for r in rows] == [(0, True, True), (1, False, True)]
    assert cli("store", "rotate-key", CONNECTOR_CORE_MASTER_KEYS=both).returncode == 0
    rows = json.loads(cli("store", "keys", "--json", CONNECTOR_CORE_MASTER_KEYS=both).stdout)
    assert [r["records"] for r in rows] == [1, 0]
