"""`connectors jobs ...` as an operator runs it: the store and keys from the environment (in-process)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from connector_core.cli import main
from connector_core.store import generate_master_key

from .conftest import API_KEY, OTHER_TENANT, TENANT, TOKEN


@pytest.fixture
def cli(tmp_path, monkeypatch, _jobkit_state):
    monkeypatch.setenv("CONNECTOR_CORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CONNECTOR_CORE_MASTER_KEYS", generate_master_key())
    monkeypatch.delenv("CONNECTOR_CORE_DATABASE_URL", raising=False)
    monkeypatch.delenv("CONNECTOR_CORE_JOBS_RUNNER", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["--plugin", "tests.jobs.jobkit", *args], catch_exceptions=False)

    return run


def test_submit_show_list_cancel_and_refusals(cli, tmp_path):
    (tmp_path / "conn.json").write_text(json.dumps({"token": TOKEN}))
    (tmp_path / "input.json").write_text(json.dumps({"text": "hi", "api_key": API_KEY}))
    created = cli("store", "create", "--tenant", TENANT, "test.jobs", "--name", "j", "-c", "conn.json", "--json")
    assert created.exit_code == 0, created.output
    conn = json.loads(created.stdout)["id"]

    submitted = cli("jobs", "submit", "--tenant", TENANT, conn, "echo", "-i", "input.json", "--key", "k1", "--json")
    assert submitted.exit_code == 0, submitted.output
    job = json.loads(submitted.stdout)  # the local runner: submit waits for the result
    assert job["state"] == "succeeded" and job["result"]["key_length"] == len(API_KEY)
    again = cli("jobs", "submit", "--tenant", TENANT, conn, "echo", "-i", "input.json", "--key", "k1", "--json")
    assert json.loads(again.stdout)["id"] == job["id"]

    shown = cli("jobs", "show", "--tenant", TENANT, job["id"])
    assert f"{job['id']}  succeeded  test.jobs echo  attempts 1/5" in shown.stdout
    listed = cli("jobs", "list", "--tenant", TENANT, "--state", "succeeded", "--json")
    assert [j["id"] for j in json.loads(listed.stdout)] == [job["id"]]
    cancelled = cli("jobs", "cancel", "--tenant", TENANT, job["id"], "--json")
    assert json.loads(cancelled.stdout)["state"] == "succeeded"  # finished: it stays as it was

    theirs = cli("jobs", "show", "--tenant", OTHER_TENANT, job["id"])
    assert theirs.exit_code == 1 and "no job" in theirs.stderr
    refused = cli("jobs", "submit", "--tenant", OTHER_TENANT, conn, "echo", "-i", "input.json")
    assert refused.exit_code == 1 and "error: no connection" in refused.stderr
    (tmp_path / "bad.json").write_text(json.dumps({"name": "f", "failures": 1, "retryable": False}))
    failed = cli("jobs", "submit", "--tenant", TENANT, conn, "flaky", "-i", "bad.json")
    assert failed.exit_code == 1 and "failed" in failed.stdout and "run 1 fails on purpose (give fewer failures)" in failed.stdout
    for result in (submitted, again, shown, listed, cancelled, theirs, refused, failed):
        assert API_KEY not in result.stdout + result.stderr and TOKEN not in result.stdout + result.stderr


def test_list_shows_a_fan_out_once_and_its_chunks_on_request(cli, tmp_path):
    # The endpoint is refused by the network policy: the chunks fail at once, offline.
    (tmp_path / "bus.json").write_text(json.dumps({
        "auth_mode": "static", "access_key_id": "AKIAJOBSCLITEST00000", "secret_access_key": "jobs-cli-secret-0000",
        "region": "us-east-1", "endpoint_url": "http://127.0.0.1:9", "account_id": "123456789012"}))
    entries = [{"source": "com.example.jobs", "detail_type": "Tick", "detail": {"n": n}} for n in range(1001)]
    (tmp_path / "entries.json").write_text(json.dumps({"entries": entries}))
    created = cli("store", "create", "--tenant", TENANT, "aws.eventbridge", "--name", "bus", "-c", "bus.json", "--json")
    assert created.exit_code == 0, created.output
    submitted = cli("jobs", "submit", "--tenant", TENANT, json.loads(created.stdout)["id"], "put_events",
                    "-i", "entries.json", "--json")
    parent = json.loads(submitted.stdout)["id"]

    listed = json.loads(cli("jobs", "list", "--tenant", TENANT, "--json").stdout)
    assert [job["id"] for job in listed] == [parent]  # 500 entries a chunk: three chunks, not listed
    chunks = json.loads(cli("jobs", "list", "--tenant", TENANT, "--chunks-of", parent, "--json").stdout)
    assert [job["chunk_index"] for job in chunks] == [0, 1, 2]
    assert {job["parent_id"] for job in chunks} == {parent}
