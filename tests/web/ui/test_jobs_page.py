"""Jobs from the browser: a put_events of 3,000 entries started from the run page runs as a
fanned-out job against the stand-in endpoint; its page shows the bar advance to done, the
chunks, the outcomes (failed entries highlighted, or alone); the Jobs page lists it; a
long job's bar moves on the Jobs page without a reload, and its Cancel button cancels it."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from connector_core.aws.stand_in import PutEventsStandIn

from .conftest import call_api

ENTRIES = 3000
REFUSED = {7, 1500, 2999}  # the stand-in refuses these entries, as EventBridge refuses a malformed one
LONG = 180_000  # ms: the machine is shared; a slow job is not a wrong one


def _refuse_some(entry):
    n = json.loads(entry["Detail"])["n"]
    return ("MalformedDetail", f"entry {n} is malformed") if n in REFUSED else None


@pytest.fixture(scope="module")
def stand_in():
    # 20 ms a call, one call in flight per chunk (concurrency 1 below): 300 calls in two
    # chunks (the manifest's 2000 entries a chunk) take about 4 s, so the page sees the bar on its way.
    with PutEventsStandIn(latency=0.02, reject=_refuse_some) as endpoint:
        yield endpoint


def _bus(served_host, endpoint: str, name: str) -> str:
    status, body = call_api(served_host.url, served_host.token, "POST", "/api/connections", {
        "connector_id": "aws.eventbridge", "name": name, "values": {
            "auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
            "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYJOBSPAGE", "region": "us-east-1",
            "endpoint_url": endpoint, "account_id": "123456789012"}})
    assert status == 201, body
    return body["id"]


def _events(count: int) -> list[dict]:
    return [{"source": "com.example.jobs", "detail_type": "Tick", "detail": {"n": n}} for n in range(count)]


def test_a_put_events_of_3000_entries_runs_as_a_job_and_shows_its_outcomes(signed_in, served_host, stand_in):
    page = signed_in
    connection_id = _bus(served_host, stand_in.url, "Bulk bus")
    page.open_run(connection_id, "put_events")
    expect(page.page.locator("#run-as-job")).to_be_checked()  # bulk work runs as a job unless unticked
    expect(page.page.locator("#run-operation")).to_have_text("Start job")
    # Thousands of entries are sent as JSON straight away: drawn into the form they would take minutes.
    page.page.click("details.input-json summary")
    page.page.fill("#input-json", json.dumps({"entries": _events(ENTRIES), "concurrency": 1}))
    page.page.click("#submit-input-json")

    page.page.wait_for_url(re.compile(r"/jobs/[0-9a-f]{32}$"), timeout=LONG)
    job_id = page.page.url.rsplit("/", 1)[1]
    progress = page.page.locator("#job-progress")
    expect(progress).to_have_attribute("data-percent", "100", timeout=LONG)
    expect(page.page.locator("#job-state")).to_have_attribute("data-state", "succeeded", timeout=LONG)
    assert int(progress.get_attribute("data-updates")) > 1  # it moved, not jumped
    assert "3,000 of 3,000 entries" in progress.inner_text()
    expect(page.page.locator("#job-chunks")).to_have_attribute("data-succeeded", "2")  # the manifest's 2000 a chunk
    counts = page.page.locator("#job-outcome-counts")
    expect(counts).to_have_attribute("data-total", str(ENTRIES))
    assert counts.get_attribute("data-failed") == str(len(REFUSED))
    assert page.page.locator("#cancel-job").count() == 0  # nothing to cancel once done
    expect(page.page.locator("#job-connection")).to_have_text("Bulk bus")
    assert page.page.inner_text("#job-duration")
    page.page.screenshot(path=str(page.artifacts / "host-job-put-events.png"))  # the window: state, bar, first outcomes

    rows = page.table("#job-outcomes")
    assert [int(r["index"]) for r in rows] == list(range(500))  # the first page of outcomes
    assert rows[7]["error_code"] == "MalformedDetail" and rows[8]["event_id"] not in ("", "—")
    assert page.page.locator("#job-outcomes tbody tr.failed").count() == 1  # entry 7, highlighted
    page.page.click("#failed-only")
    expect(page.page.locator("#job-outcomes tbody tr")).to_have_count(len(REFUSED))
    assert [int(r["index"]) for r in page.table("#job-outcomes")] == sorted(REFUSED)
    assert page.page.locator("#job-outcomes tbody tr.failed").count() == len(REFUSED)

    page.page.click("#nav-jobs")
    row = page.page.locator(f'#job-list tr[data-job="{job_id}"]')
    expect(row).to_have_attribute("data-state", "succeeded")
    assert row.locator(".progress").get_attribute("data-percent") == "100"
    expect(row).to_contain_text("Bulk bus")  # the connection's name, once the page has read the names
    assert "Create (put events)" in row.inner_text()
    page.screenshot("jobs-list")


def test_a_long_job_is_cancelled_from_its_page(signed_in, served_host):
    page = signed_in
    with PutEventsStandIn(latency=0.1) as slow:
        connection_id = _bus(served_host, slow.url, "Slow bus")
        # 20 chunks of 100 entries, 10 calls each at 0.1 s: the runner's 4 threads need ~5 s
        # for every 4 chunks; Cancel stops the chunks not started yet.
        status, body = call_api(served_host.url, served_host.token, "POST", "/api/jobs", {
            "connection_id": connection_id, "operation": "put_events", "chunk_size": 100,
            "input": {"entries": _events(2000), "concurrency": 1}})
        assert status == 202, body
        job_id = body["job"]["id"]
        # The list re-reads itself while a job is live: the bar moves with no reload.
        page.goto("/jobs")
        bar = page.page.locator(f'#job-list tr[data-job="{job_id}"] .progress')
        expect(bar).to_have_count(1)
        first = bar.get_attribute("data-done")
        expect(bar).not_to_have_attribute("data-done", first, timeout=LONG)
        page.page.click(f'#job-list tr[data-job="{job_id}"] a')
        expect(page.page.locator("#job-state")).to_have_attribute("data-state", "running", timeout=LONG)
        page.page.click("#cancel-job")
        expect(page.page.locator("#job-state")).to_have_attribute("data-state", "cancelled", timeout=LONG)
        expect(page.page.locator("#job-error")).to_contain_text("cancelled")
        counts = page.page.locator("#job-outcome-counts")
        assert 0 < int(counts.get_attribute("data-failed")) < 2000  # the chunks never started
        received = slow.stats()["entries"]
    assert received < 2000
