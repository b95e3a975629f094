"""Rate limits per tenant, and runs that stop when their client goes away (a real server)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from connector_core import Host
from connector_core.web.ratelimit import Limit, RateLimiter

from .conftest import BASE_URL, HOST_SETTINGS, Tenant, s3_values
from .slow_plugin import SlowPlugin, stopped


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limited(store):
    from connector_core.web.host_app import create_host_app

    clock = Clock()
    limiter = RateLimiter({"test": Limit(per_minute=6, burst=2), "run": Limit(per_minute=60, burst=1)}, clock=clock)
    return create_host_app(store.host, store, limiter=limiter), clock


def test_test_connection_is_rate_limited_per_tenant(limited):
    app, clock = limited
    acme, globex = Tenant(app, f"rl-acme-{id(clock)}"), Tenant(app, f"rl-globex-{id(clock)}")
    draft = {"connector_id": "aws.s3", "values": s3_values(bucket="rl-bucket")}
    assert [acme.client.post("/api/connections/test", json=draft).status_code for _ in range(2)] == [200, 200]
    limited_reply = acme.client.post("/api/connections/test", json=draft)
    assert limited_reply.status_code == 429 and limited_reply.json()["error"] == "rate_limited"
    assert limited_reply.headers["retry-after"] == "10"  # 6 a minute: one every 10 s
    assert globex.client.post("/api/connections/test", json=draft).status_code == 200  # its own bucket
    clock.now += 10
    assert acme.client.post("/api/connections/test", json=draft).status_code == 200
    saved = acme.create(s3_values())["id"]
    assert acme.client.post(f"/api/connections/{saved}/test").status_code == 429


def test_runs_are_rate_limited(limited):
    app, clock = limited
    acme = Tenant(app, f"rl-run-{id(clock)}")
    saved = acme.create(s3_values())["id"]
    first = acme.client.post(f"/api/connections/{saved}/run/presign_url", json={"input": {"key": "a"}})
    assert first.status_code == 200, first.text
    second = acme.client.post(f"/api/connections/{saved}/run/presign_url", json={"input": {"key": "a"}})
    assert second.status_code == 429 and second.headers["retry-after"] == "1"


def test_limiter_refills_and_caps_at_the_burst():
    clock = Clock()
    limiter = RateLimiter({"run": Limit(per_minute=60, burst=3)}, clock=clock)
    assert [limiter.take("a", "run") for _ in range(4)] == [0, 0, 0, 1.0]
    clock.now += 3600
    assert [limiter.take("a", "run") == 0 for _ in range(4)] == [True, True, True, False]
    assert RateLimiter({"run": Limit(0, 0)}).take("a", "run") == 0  # 0 a minute: unlimited
    settings = RateLimiter.from_settings({"web.rate_limit.run_per_minute": 5}).limits
    assert settings["run"] == Limit(5, 30) and settings["test"] == Limit(30, 10)


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory):
    """The host app with the slow connector, served by uvicorn on a loopback port."""
    import uvicorn

    from connector_core.store import ConnectionStore, Keyring, generate_master_key
    from connector_core.web.host_app import create_host_app

    folder = tmp_path_factory.mktemp("slow")
    host = Host.discover([SlowPlugin(folder)], settings=HOST_SETTINGS)
    store = ConnectionStore.open(host, f"sqlite:///{folder / 'c.db'}", Keyring.from_text(generate_master_key(), source="test"))
    app = create_host_app(host, store, files_dir=folder / "files")
    tenant = Tenant(app, "slow")
    connection = tenant.create({"token": "slow-secret-token"}, connector_id="test.slow")["id"]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/api/connections/{connection}/run", tenant
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


def test_a_client_leaving_an_ndjson_stream_cancels_the_run(slow_server):
    import httpx2

    url, tenant = slow_server
    stopped["forever"].clear()
    headers = {"authorization": f"Bearer {tenant.token}", "accept": "application/x-ndjson"}
    with httpx2.stream("POST", f"{url}/forever", json={"input": {}}, headers=headers, timeout=10) as reply:
        assert reply.status_code == 200
        first = next(reply.iter_lines())
        assert '"type":"page"' in first.replace(" ", "")
    assert stopped["forever"].wait(15), "the run went on after its client left"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:  # the audit event is written as the stream closes
        runs = [e for e in tenant.client.get("/api/audit").json()["events"] if e["detail"].get("operation") == "forever"]
        if runs:
            break
        time.sleep(0.05)
    assert runs and runs[0]["detail"]["ok"] is False and runs[0]["detail"]["streamed"] is True


def test_a_client_leaving_an_inline_run_cancels_it(slow_server):
    import httpx2

    url, tenant = slow_server
    stopped["wait"].clear()
    with pytest.raises(httpx2.ReadTimeout):
        httpx2.post(f"{url}/wait", json={"input": {}}, headers={"authorization": f"Bearer {tenant.token}"},
                    timeout=0.5)
    assert stopped["wait"].wait(15), "the run went on after its client left"
