"""Jobs over the host's API: submit (fan-out through chunk jobs), list, read, cancel; tenants
apart, CSRF, refusals before anything is queued, secrets masked, every call audited.

The app runs its jobs as `connectors serve` does: the Jobs it makes on first use, on the
local runner, closed with the app. put_events goes to the stand-in endpoint on 127.0.0.1.
"""

from __future__ import annotations

import json
import time

import pytest

from connector_core import Host
from connector_core.aws.stand_in import PutEventsStandIn

from .conftest import BASE_URL, HOST_SETTINGS, SECRET, Tenant
from .slow_plugin import SlowPlugin, stopped


@pytest.fixture(scope="module")
def jobs_store(tmp_path_factory):
    from connector_core.store import ConnectionStore, Keyring, generate_master_key

    folder = tmp_path_factory.mktemp("jobs")
    host = Host.discover([SlowPlugin(folder)], settings=HOST_SETTINGS)
    store = ConnectionStore.open(host, f"sqlite:///{folder / 'c.db'}",
                                 Keyring.from_text(generate_master_key(), source="test"))
    yield store
    store.close()


@pytest.fixture(scope="module")
def jobs_app(jobs_store):
    from connector_core.web.host_app import create_host_app

    app = create_host_app(jobs_store.host, jobs_store, max_body=4 * 1024 * 1024)
    yield app
    app.state.jobs.close()


@pytest.fixture(scope="module")
def stand_in():
    with PutEventsStandIn(latency=0.002) as endpoint:
        yield endpoint


def bus_values(endpoint: str) -> dict:
    return {"auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": SECRET,
            "region": "us-east-1", "endpoint_url": endpoint, "account_id": "123456789012"}


def events(count: int, tag: str = "t") -> list[dict]:
    return [{"source": "com.example.jobs", "detail_type": "Tick", "detail": {"tag": tag, "n": n}} for n in range(count)]


def submit(tenant: Tenant, connection_id: str, operation: str, input_: dict, **extra):
    return tenant.client.post("/api/jobs", json={"connection_id": connection_id, "operation": operation,
                                                 "input": input_, **extra})


def finished(tenant: Tenant, job_id: str, timeout: float = 120, query: str = "") -> dict:
    """The job once it finished, read through the API as a page polls it."""
    deadline = time.monotonic() + timeout
    pause = 0.02
    while True:
        reply = tenant.client.get(f"/api/jobs/{job_id}{query}")
        assert reply.status_code == 200, reply.text
        job = reply.json()
        if not job["live"] or time.monotonic() > deadline:
            return job
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


@pytest.fixture
def tenants(jobs_app):
    made = [Tenant(jobs_app, f"jobs-{name}-{time.monotonic_ns()}") for name in ("acme", "globex")]
    yield made
    for tenant in made:
        tenant.client.close()


@pytest.fixture
def bus(tenants, stand_in) -> str:
    acme, _ = tenants
    return acme.create(bus_values(stand_in.url), connector_id="aws.eventbridge", name="bus")["id"]


def test_a_fanned_out_put_events_job_merges_every_outcome_in_order(tenants, bus, stand_in):
    acme, _ = tenants
    reply = submit(acme, bus, "put_events", {"entries": events(1234, "fan")}, chunk_size=300)
    assert reply.status_code == 202, reply.text
    job = reply.json()["job"]
    assert job["state"] in ("running", "queued") and job["live"] is True and job["operation"] == "put_events"

    done = finished(acme, job["id"])
    assert done["state"] == "succeeded" and done["live"] is False, done
    assert done["progress"] == {"done": 1234, "total": 1234, "unit": "entries"}
    assert done["outcomes_total"] == 1234 and done["outcomes_failed"] == 0
    assert [o["index"] for o in done["outcomes"]] == list(range(1000))  # the first page
    assert all(o["event_id"] for o in done["outcomes"])
    assert done["result"]["successful_count"] == 1234 and "results" not in done["result"]
    assert done["result"]["fanout"]["chunks"] == 5
    assert done["chunks"]["total"] == 5 and done["chunks"]["states"]["succeeded"] == 5
    assert done["duration"] is not None and done["started_at"] and done["finished_at"]
    second = acme.client.get(f"/api/jobs/{job['id']}?outcomes_offset=1000&outcomes_limit=500").json()
    assert [o["index"] for o in second["outcomes"]] == list(range(1000, 1234))
    assert stand_in.stats()["distinct"] >= 1234

    listed = acme.client.get("/api/jobs").json()
    assert [j["id"] for j in listed["jobs"]] == [job["id"]]  # the parent only, not its chunks
    assert listed["jobs"][0]["state"] == "succeeded" and "outcomes" not in listed["jobs"][0]


def test_failed_entries_are_counted_and_can_be_read_alone(jobs_app, tenants):
    acme, _ = tenants
    reject = (lambda e: ("MalformedDetail", "entry refused") if json.loads(e["Detail"])["n"] == 3 else None)
    with PutEventsStandIn(latency=0, reject=reject) as refusing:
        connection = acme.create(bus_values(refusing.url), connector_id="aws.eventbridge", name="refusing")["id"]
        job = submit(acme, connection, "put_events", {"entries": events(12, "fail")}, chunk_size=5).json()["job"]
        done = finished(acme, job["id"], query="?failed=1")
    assert done["state"] == "succeeded" and done["outcomes_failed"] == 1 and done["outcomes_total"] == 12
    assert done["outcomes"] == [{"index": 3, "error_code": "MalformedDetail", "error_message": "entry refused"}]
    assert done["result"]["failed_count"] == 1


def test_any_operation_may_run_as_a_job(tenants, bus, aws_emulator):
    acme, _ = tenants
    aws_emulator.reset()
    values = aws_emulator.connection_values(bucket="job-bucket")
    s3 = acme.create(values)["id"]
    made = finished(acme, submit(acme, s3, "create_bucket", {"bucket": "job-bucket"}).json()["job"]["id"])
    assert made["state"] == "succeeded", made
    put = finished(acme, submit(acme, s3, "put_object", {"key": "a.txt", "text": "hi"}).json()["job"]["id"])
    assert put["state"] == "succeeded" and put["result"]["key"] == "a.txt" and put["outcomes"] is None
    listed = finished(acme, submit(acme, s3, "list_objects", {}).json()["job"]["id"])
    assert [item["key"] for item in listed["result"]["items"]] == ["a.txt"]  # a streamed list, kept

    one = submit(acme, bus, "put_events", {"entries": events(3, "one")}).json()["job"]
    small = finished(acme, one["id"])
    assert small["state"] == "succeeded" and small["chunks"] is None  # fits in one chunk: an ordinary job
    assert [o["index"] for o in small["outcomes"]] == [0, 1, 2] and "results" not in small["result"]


def test_another_tenants_job_is_the_same_404_as_a_missing_one(tenants, bus):
    acme, globex = tenants
    job = submit(acme, bus, "put_events", {"entries": events(2, "mine")}).json()["job"]
    theirs = globex.client.get(f"/api/jobs/{job['id']}")
    missing = globex.client.get("/api/jobs/0123456789abcdef0123456789abcdef")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert globex.client.post(f"/api/jobs/{job['id']}/cancel").json() == missing.json()
    assert globex.client.get("/api/jobs").json()["jobs"] == []
    assert submit(globex, bus, "put_events", {"entries": events(2)}).status_code == 404  # acme's connection
    assert finished(acme, job["id"])["state"] == "succeeded"  # globex's cancel did nothing


def test_refused_input_queues_nothing_and_names_the_fields(tenants, bus):
    acme, _ = tenants
    bad = submit(acme, bus, "put_events", {"entries": [{"source": "a.b", "detail_type": "T", "detail": {}},
                                                       {"detail_type": "T", "detail": {}}]})
    assert bad.status_code == 422 and "entries[1].source" in bad.json()["errors"], bad.text
    unknown = submit(acme, bus, "no_such_operation", {})
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_operation"
    assert "put_events" in unknown.json()["hint"]
    missing = acme.client.post("/api/jobs", json={"operation": "put_events", "input": {}})
    assert missing.status_code == 422 and "connection_id" in missing.json()["errors"]
    not_object = submit(acme, bus, "put_events", [1, 2])  # type: ignore[arg-type]
    assert not_object.status_code == 422 and "input" in not_object.json()["errors"]
    not_split = submit(acme, bus, "describe_event_bus", {}, chunk_size=3)
    assert not_split.status_code == 422 and "chunk_size" in not_split.json()["errors"]
    assert acme.client.get("/api/jobs?state=bogus").status_code == 400

    gone = acme.create(bus_values("http://127.0.0.1:9"), connector_id="aws.eventbridge", name="gone")["id"]
    assert acme.client.delete(f"/api/connections/{gone}").status_code == 204
    deleted = submit(acme, gone, "put_events", {"entries": events(1)})
    assert deleted.status_code == 404 and deleted.json()["error"] == "not_found"
    assert acme.client.get("/api/jobs").json()["jobs"] == []  # none of these was queued


def test_an_operation_on_the_hosts_files_runs_inline_only(tenants, jobs_app):
    acme, _ = tenants
    s3 = acme.create({"auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": SECRET,
                      "region": "us-east-1", "endpoint_url": "http://127.0.0.1:9", "bucket": "bbb"})["id"]
    upload = submit(acme, s3, "upload_file", {"key": "a", "file_id": "x"})
    assert upload.status_code == 422 and "file_id" in upload.json()["errors"]
    download = submit(acme, s3, "download_file", {"key": "a"})
    assert download.status_code == 422 and "file_id" in download.json()["errors"]


def test_cancel_stops_a_running_job_and_both_are_audited(jobs_app, tenants):
    acme, _ = tenants
    slow = acme.create({"token": "slow-secret-token"}, connector_id="test.slow", name="slow")["id"]
    stopped["wait"].clear()
    job = submit(acme, slow, "wait", {}).json()["job"]
    deadline = time.monotonic() + 30
    while acme.client.get(f"/api/jobs/{job['id']}").json()["state"] != "running":
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.05)
    cancelled = acme.client.post(f"/api/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["job"]["cancel_requested"] is True
    assert stopped["wait"].wait(30), "the operation was not told to stop"
    assert finished(acme, job["id"])["state"] == "cancelled"
    events_ = acme.client.get("/api/audit").json()["events"]
    actions = [(e["action"], e["detail"].get("job_id"), e["detail"].get("operation")) for e in events_]
    assert ("job.cancel", job["id"], "wait") in actions and ("job.submit", job["id"], "wait") in actions


def test_jobs_are_listed_newest_first_a_page_at_a_time(tenants, bus):
    acme, _ = tenants
    ids = [submit(acme, bus, "put_events", {"entries": events(1, f"p{i}")}).json()["job"]["id"] for i in range(5)]
    first = acme.client.get("/api/jobs?limit=2").json()
    second = acme.client.get(f"/api/jobs?limit=2&before={first['next']}").json()
    third = acme.client.get(f"/api/jobs?limit=2&before={second['next']}").json()
    assert [j["id"] for j in first["jobs"] + second["jobs"] + third["jobs"]] == ids[::-1]
    assert third["next"] is None
    for job_id in ids:
        finished(acme, job_id)


def test_a_browser_session_needs_the_csrf_token(jobs_app, tenants, bus):
    from starlette.testclient import TestClient

    acme, _ = tenants
    with TestClient(jobs_app, base_url=BASE_URL) as browser:
        csrf = browser.post("/api/session", json={"token": acme.token}).json()["csrf_token"]
        body = {"connection_id": bus, "operation": "put_events", "input": {"entries": events(1)}}
        assert browser.post("/api/jobs", json=body).status_code == 403
        accepted = browser.post("/api/jobs", json=body, headers={"x-csrf-token": csrf})
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["job"]["id"]
        assert browser.get(f"/api/jobs/{job_id}").status_code == 200  # reads need no token
        assert browser.post(f"/api/jobs/{job_id}/cancel").status_code == 403
        assert browser.post(f"/api/jobs/{job_id}/cancel", headers={"x-csrf-token": csrf}).status_code == 200
    assert TestClient(jobs_app, base_url=BASE_URL).get("/api/jobs").status_code == 401


def test_submits_take_a_token_of_the_tenants_run_limit(jobs_store, stand_in):
    from connector_core.web.host_app import create_host_app
    from connector_core.web.ratelimit import Limit, RateLimiter

    app = create_host_app(jobs_store.host, jobs_store, limiter=RateLimiter(
        {"test": Limit(60, 10), "run": Limit(per_minute=60, burst=1)}, clock=lambda: 1000.0))
    try:
        acme = Tenant(app, f"jobs-rl-{time.monotonic_ns()}")
        bus = acme.create(bus_values(stand_in.url), connector_id="aws.eventbridge", name="bus")["id"]
        assert submit(acme, bus, "put_events", {"entries": events(1, "rl")}).status_code == 202
        refused = submit(acme, bus, "put_events", {"entries": events(1, "rl")})
        assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
        assert len(acme.client.get("/api/jobs").json()["jobs"]) == 1
    finally:
        app.state.jobs.close()


def test_the_app_stops_its_runner_when_it_shuts_down(jobs_store, stand_in):
    import threading

    from starlette.testclient import TestClient

    from connector_core.web.host_app import create_host_app

    def runner_threads() -> int:
        return sum(t.name.startswith("job") for t in threading.enumerate())

    before = runner_threads()
    app = create_host_app(jobs_store.host, jobs_store)
    acme = Tenant(app, f"jobs-life-{time.monotonic_ns()}")
    with TestClient(app, base_url=BASE_URL, headers={"authorization": f"Bearer {acme.token}"}) as client:
        bus = client.post("/api/connections", json={"connector_id": "aws.eventbridge", "name": "bus",
                                                    "values": bus_values(stand_in.url)}).json()["id"]
        reply = client.post("/api/jobs", json={"connection_id": bus, "operation": "put_events",
                                               "input": {"entries": events(2, "life")}})
        assert reply.status_code == 202 and runner_threads() > before  # started on first use
    assert runner_threads() == before  # closed with the app: no thread left behind
