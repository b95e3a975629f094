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
    entries = [{"source": "com.example.jobs", "detail_type": "Tick", "detail": {"n": n}} for n in range(4001)]
    (tmp_path / "entries.json").write_text(json.dumps({"entries": entries}))
    created = cli("store", "create", "--tenant", TENANT, "aws.eventbridge", "--name", "bus", "-c", "bus.json", "--json")
    assert created.exit_code == 0, created.output
    submitted = cli("jobs", "submit", "--tenant", TENANT, json.loads(created.stdout)["id"], "put_events",
                    "-i", "entries.json", "--json")
    parent = json.loads(submitted.stdout)["id"]

    listed = json.loads(cli("jobs", "list", "--tenant", TENANT, "--json").stdout)
    assert [job["id"] for job in listed] == [parent]  # 2000 entries a chunk: three chunks, not listed
    chunks = json.loads(cli("jobs", "list", "--tenant", TENANT, "--chunks-of", parent, "--json").stdout)
    assert [job["chunk_index"] for job in chunks] == [0, 1, 2]
    assert {job["parent_id"] for job in chunks} == {parent}

    shown = cli("jobs", "show", "--tenant", TENANT, parent)
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert f"{parent}  failed  aws.eventbridge put_events" in lines[0]
    assert "  progress: 4001/4001 entries" in lines
    assert "  chunks: 3: 0 queued, 0 running, 0 succeeded, 3 failed, 0 cancelled" in lines
    failed = [line for line in lines if line.startswith("    chunk ")]
    assert [line.split(":")[0:2] for line in failed] == [
        ["    chunk 0", " items 0-1999 (2000)"], ["    chunk 1", " items 2000-3999 (2000)"],
        ["    chunk 2", " item 4000"]]
    assert '  result: {"successful_count": 0, "failed_count": 4001, "requests": 0}' in lines  # "fanout": above
    assert all("127.0.0.1" in line for line in failed)  # the error says why: the refused endpoint
    assert "jobs-cli-secret-0000" not in shown.stdout + shown.stderr
    as_json = json.loads(cli("jobs", "show", "--tenant", TENANT, parent, "--json").stdout)
    assert "chunks" not in as_json and len(as_json["result"]["fanout"]["failed_chunks"]) == 3  # as before


class _Idle:
    """A runner that runs nothing: the chunks stay as the test writes them."""

    name = "idle"

    def start(self, executor):
        pass

    def enqueue(self, tenant, job_id, *, delay=0.0):
        pass

    def close(self, wait=True):
        pass


def test_show_summarizes_a_running_fan_out_by_chunk_state(cli, tmp_path):
    from sqlalchemy import update

    from connector_core import Host
    from connector_core.jobs import Jobs
    from connector_core.jobs.table import jobs as jobs_table
    from connector_core.store import ConnectionStore

    from .conftest import LOOPBACK

    values = {"auth_mode": "static", "access_key_id": "AKIAJOBSCLITEST00000", "secret_access_key": "jobs-cli-secret-0000",
              "region": "us-east-1", "endpoint_url": "http://127.0.0.1:9", "account_id": "123456789012"}
    entries = [{"source": "com.example.jobs", "detail_type": "Tick", "detail": {"n": n}} for n in range(1201)]
    with ConnectionStore.open(Host.discover(settings=LOOPBACK)) as store:
        connection = store.create(TENANT, "aws.eventbridge", "bus", values).id
        with Jobs(store, _Idle()) as jobs:
            parent = jobs.submit(TENANT, connection, "put_events", {"entries": entries}, chunk_size=200).id
            chunk = {c.job.chunk_index: c.id for c in jobs.list(TENANT, parent_id=parent)}

        def set_chunk(index, **values):
            with store.engine.begin() as db:
                db.execute(update(jobs_table).where(jobs_table.c.id == chunk[index]).values(**values))

        set_chunk(0, state="succeeded", attempts=2)  # its worker died once: its entries may have gone out twice
        set_chunk(1, state="failed", attempts=1, error={"error": "AuthenticationError", "hint": None,
                                                        "message": "the security token is invalid", "retryable": False})
        set_chunk(2, state="running", attempts=1, progress={"done": 50, "total": 200, "unit": "entries"})
        set_chunk(3, state="cancelled")

    shown = cli("jobs", "show", "--tenant", TENANT, parent)
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert f"{parent}  running  aws.eventbridge put_events" in lines[0]
    assert lines[1:] == [
        "  progress: 650/1201 entries",  # chunks 0, 1 and 3 finished (600 entries) and 50 of chunk 2
        "  chunks: 7: 3 queued, 1 running, 1 succeeded, 1 failed, 1 cancelled",
        "  failed chunks (1):",
        "    chunk 1: items 200-399 (200): AuthenticationError: the security token is invalid",
        "  re-run chunks (1; their items may have reached the service twice):",
        "    chunk 0: items 0-199 (200), 2 attempts",
    ]
    listed = json.loads(cli("jobs", "show", "--tenant", TENANT, parent, "--json").stdout)
    assert listed["id"] == parent and listed["progress"] is None  # --json: the parent's own record, as before
