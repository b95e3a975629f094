"""Running operations from the browser: a 20 MiB upload with a progress bar, a streamed
listing as a table, a presigned URL that works, a download back through the host."""

from __future__ import annotations

import json
import os
import secrets
import urllib.request

import pytest
from playwright.sync_api import expect

from .conftest import call_api

SIZE = 20 * 1024 * 1024


@pytest.fixture
def s3_connection(served_host, aws_emulator, s3_client) -> tuple[str, str]:
    """(connection id, bucket): a saved S3 connection of tenant acme, with its bucket made."""
    bucket = f"ui-runs-{secrets.token_hex(3)}"
    s3_client.create_bucket(Bucket=bucket)
    status, body = call_api(served_host.url, served_host.token, "POST", "/api/connections", {
        "connector_id": "aws.s3", "name": "Transfers", "values": aws_emulator.connection_values(bucket=bucket)})
    assert status == 201, body
    return body["id"], bucket


def test_upload_list_presign_and_download(signed_in, s3_connection, s3_client, tmp_path):
    page = signed_in
    connection_id, bucket = s3_connection
    content = os.urandom(SIZE)
    local = tmp_path / "export.bin"
    local.write_bytes(content)

    # Upload: the file goes to the host (POST /api/files), then to S3 with a progress bar.
    page.open_run(connection_id, "upload_file")
    assert "file_path" not in page.visible_fields()  # a tenant never names a server path
    page.fill("key", "exports/export.bin")
    page.page.set_input_files("#run-file", str(local))
    assert page.run() == "done", page.error("#run-error")
    assert page.page.get_attribute("#upload-progress", "data-percent") == "100"
    progress = page.page.locator("#run-progress")
    assert progress.get_attribute("data-percent") == "100"
    assert int(progress.get_attribute("data-updates")) > 1  # it moved, not jumped
    assert "20.0 MiB of 20.0 MiB" in progress.inner_text()
    page.screenshot("run-upload-file")
    assert s3_client.head_object(Bucket=bucket, Key="exports/export.bin")["ContentLength"] == SIZE

    # List: the streamed pages show as one table.
    s3_client.put_object(Bucket=bucket, Key="exports/small.txt", Body=b"hello")
    page.open_run(connection_id, "list_objects")
    page.fill("prefix", "exports/")
    assert page.run() == "done", page.error("#run-error")
    rows = page.table("#result-items")
    assert {row["key"] for row in rows} == {"exports/export.bin", "exports/small.txt"}
    assert {row["size"] for row in rows} == {str(SIZE), "5"}
    page.screenshot("run-list-objects")

    # Presign: the URL shown fetches the uploaded bytes.
    page.open_run(connection_id, "presign_url")
    page.fill("key", "exports/export.bin")
    assert page.run() == "done", page.error("#run-error")
    url = page.page.get_attribute("#result-url", "href")
    with urllib.request.urlopen(url, timeout=60) as reply:  # moto on 127.0.0.1
        assert reply.read() == content

    # Download: the host keeps the file for the tenant; the page links to it.
    page.open_run(connection_id, "download_file")
    page.fill("key", "exports/export.bin")
    assert page.run() == "done", page.error("#run-error")
    assert page.page.get_attribute("#run-progress", "data-percent") == "100"
    with page.page.expect_download() as download:
        page.page.click("#result-file")
    assert open(download.value.path(), "rb").read() == content


def test_a_refused_input_shows_the_field_and_nothing_runs(signed_in, s3_connection):
    page = signed_in
    connection_id, _ = s3_connection
    page.open_run(connection_id, "presign_url")
    page.input_json('{"key": "a.txt", "expires_in": 999999999}')
    expect(page.page.locator('[id="root.expires_in"]')).to_have_value("999999999", timeout=20_000)  # a loaded machine redraws slowly
    page.page.click("#run-operation")
    page.page.wait_for_selector('[id="root.expires_in__error"]')  # the browser refuses before any call
    assert page.page.get_attribute("#run-status", "data-state") == "idle"


def test_eventbridge_with_a_custom_region_puts_25_events_and_shows_25_outcomes(signed_in, served_host, aws_emulator):
    page = signed_in
    page.new_connection("aws.eventbridge", "Orders bus")
    page.fill_aws_credentials(aws_emulator)
    page.fill("account_id", aws_emulator.account_id)
    assert "custom_region" not in page.visible_fields()
    page.fill("region", "Custom Region")
    page.fill("custom_region", "eu-south-2")
    checks = page.test_connection()
    assert checks and all(c["ok"] for c in checks.values()), checks
    assert any("eu-south-2" in c["text"] for c in checks.values()), checks
    connection_id = page.save()
    status, stored = call_api(served_host.url, served_host.token, "GET", f"/api/connections/{connection_id}")
    assert status == 200 and stored["values"]["region"] == "custom" and stored["values"]["custom_region"] == "eu-south-2"

    page.open_run(connection_id, "put_events")
    events = [{"source": "com.example.orders", "detail_type": "OrderPlaced", "detail": {"order": n}} for n in range(25)]
    page.input_json(json.dumps({"entries": events}))
    page.page.uncheck("#run-as-job")  # bulk work runs as a job unless unticked: here, inline
    assert page.run() == "done", page.error("#run-error")
    outcomes = page.table("#result-results")
    assert len(outcomes) == 25
    assert [int(row["index"]) for row in outcomes] == list(range(25))
    assert all(row["event_id"] not in ("", "—") for row in outcomes)
    assert "25 ok, 0 failed" in page.page.inner_text("#result-results caption")
    page.page.locator("#run-result").screenshot(path=str(page.artifacts / "host-run-put-events.png"))


def test_a_failing_run_shows_the_services_error(signed_in, s3_connection):
    page = signed_in
    connection_id, _ = s3_connection
    page.open_run(connection_id, "list_objects")
    page.fill("bucket", "no-such-bucket-here")
    assert page.run() == "failed"
    box = page.page.locator("#run-error")
    text = box.inner_text()
    assert text.startswith("The operation failed") and "does not exist" in text
    assert "Hint: check the bucket name" in text
    assert page.page.locator("#run-result").count() == 0
