"""The host's jobs on Celery when configured: CONNECTOR_CORE_JOBS_RUNNER=celery sends what
POST /api/jobs accepts to a real `connectors worker` process over a real Redis; the job's
progress and merged outcomes come back through the API from the shared store."""

from __future__ import annotations

import time
import uuid

import pytest

from connector_core import Host
from connector_core.aws.stand_in import PutEventsStandIn
from tests.jobs import celerykit

from .conftest import HOST_SETTINGS, Tenant
from .test_jobs import bus_values, events, submit


@pytest.fixture(scope="module")
def redis_server():
    yield from celerykit.redis_url()


@pytest.fixture(scope="module")
def celery_app(redis_server, tmp_path_factory):
    from connector_core.store import ConnectionStore, Keyring, generate_master_key
    from connector_core.web.host_app import create_host_app

    folder = tmp_path_factory.mktemp("jobs-celery")
    key, prefix = generate_master_key(), f"cc-web-{uuid.uuid4().hex[:10]}:"
    url = f"sqlite:///{folder / 'store.db'}"
    env = celerykit.worker_env(folder, database_url=url, master_key=key, redis_url=redis_server, prefix=prefix)
    store = ConnectionStore.open(Host.discover(settings=HOST_SETTINGS), url, Keyring.from_text(key, source="test"))
    worker = celerykit.Worker(env, folder / "worker.log", pool="threads", concurrency=4)
    with pytest.MonkeyPatch.context() as patch:  # the host's configuration, read when its Jobs is made
        patch.setenv("CONNECTOR_CORE_JOBS_RUNNER", "celery")
        for name in ("CONNECTOR_CORE_BROKER_URL", "CONNECTOR_CORE_BROKER_KEY_PREFIX"):
            patch.setenv(name, env[name])
        app = create_host_app(store.host, store)
        try:
            worker.wait_ready()
            yield app, worker
        finally:
            app.state.jobs.close()
            worker.stop()
            store.close()
            celerykit.delete_keys(redis_server, prefix)


def test_a_fanned_out_job_runs_on_a_celery_worker(celery_app):
    app, worker = celery_app
    acme = Tenant(app, f"celery-{time.monotonic_ns()}")
    with PutEventsStandIn(latency=0) as stand_in:
        bus = acme.create(bus_values(stand_in.url), connector_id="aws.eventbridge", name="bus")["id"]
        reply = submit(acme, bus, "put_events", {"entries": events(30, "celery")}, chunk_size=10)
        assert reply.status_code == 202, reply.text
        path = f"/api/jobs/{reply.json()['job']['id']}"
        deadline = time.monotonic() + 60
        while (job := acme.client.get(path).json())["live"] and time.monotonic() < deadline:
            time.sleep(0.1)
        received = stand_in.stats()["entries"]
    assert job["state"] == "succeeded", (job, worker.text()[-3000:])
    assert [o["index"] for o in job["outcomes"]] == list(range(30)) and job["chunks"]["states"]["succeeded"] == 3
    assert received == 30
    ran = [line for line in worker.text().splitlines() if "connector_core.jobs.deliver[" in line and " succeeded in " in line]
    assert len(ran) == 3  # the worker ran the three chunks, not the host
