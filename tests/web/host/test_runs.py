"""Runs over the API against moto: inline results, NDJSON pages and progress, files in and out."""

from __future__ import annotations

import json

import pytest

from connector_core import Host
from connector_core.aws.emulator import EMULATOR_SETTINGS

from .conftest import SECRET


@pytest.fixture
def s3(acme, aws_emulator):
    """A saved S3 connection of acme's on an emptied moto, with its bucket made."""
    aws_emulator.reset()
    values = aws_emulator.connection_values(bucket="run-bucket")
    host = Host.discover(settings=EMULATOR_SETTINGS)
    host.run(host.connect("aws.s3", values), "create_bucket", {"bucket": "run-bucket"})
    return acme.create(values)["id"]


def _run(tenant, connection_id, operation, input_=None, stream=False):
    headers = {"accept": "application/x-ndjson"} if stream else {}
    return tenant.client.post(f"/api/connections/{connection_id}/run/{operation}", json={"input": input_ or {}},
                              headers=headers)


def _lines(reply) -> list[dict]:
    assert reply.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in reply.text.splitlines()]


def test_inline_run_returns_the_result(acme, s3):
    put = _run(acme, s3, "put_object", {"key": "a.txt", "text": "hello"})
    assert put.status_code == 200, put.text
    assert put.json()["ok"] is True and put.json()["result"]["key"] == "a.txt"
    got = _run(acme, s3, "get_object", {"key": "a.txt"})
    assert got.json()["result"]["text"] == "hello"


def test_a_streamed_list_inline_and_as_ndjson_pages(acme, s3):
    for i in range(130):
        assert _run(acme, s3, "put_object", {"key": f"k/{i:03}", "text": "x"}).status_code == 200
    inline = _run(acme, s3, "list_objects", {"prefix": "k/"})
    assert inline.json()["result"]["count"] == 130 and inline.json()["result"]["truncated"] is False
    events = _lines(_run(acme, s3, "list_objects", {"prefix": "k/"}, stream=True))
    pages = [e for e in events if e["type"] == "page"]
    assert [len(p["items"]) for p in pages] == [100, 30]
    assert [i["key"] for p in pages for i in p["items"]] == [f"k/{i:03}" for i in range(130)]
    assert events[-1] == {"type": "result", "result": {"count": 130}}
    assert [e["type"] for e in events].count("result") == 1


def test_upload_with_progress_then_download_into_the_tenants_area(acme, s3):
    content = bytes(range(256)) * (9 * 4096 + 7)  # ~9 MiB: a multipart upload, progress reported
    uploaded = acme.client.post("/api/files", content=content, headers={"x-filename": "../../report.bin",
                                                                        "content-type": "application/octet-stream"})
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["filename"] == "report.bin" and uploaded.json()["size"] == len(content)
    events = _lines(_run(acme, s3, "upload_file", {"file_id": uploaded.json()["file_id"], "key": "big.bin"},
                         stream=True))
    progress = [e for e in events if e["type"] == "progress"]
    assert progress and progress[-1]["done"] == progress[-1]["total"] == len(content)
    assert [e["done"] for e in progress] == sorted(e["done"] for e in progress)
    assert events[-1]["type"] == "result" and events[-1]["result"]["size"] == len(content)

    downloaded = _run(acme, s3, "download_file", {"key": "big.bin"})
    assert downloaded.status_code == 200, downloaded.text
    result = downloaded.json()["result"]
    assert "file_path" not in result and "/" not in downloaded.text.replace("/api/", "")
    fetched = acme.client.get(f"/api/files/{result['file_id']}")
    assert fetched.status_code == 200 and fetched.content == content
    assert "big.bin" in fetched.headers["content-disposition"]


def test_get_object_as_a_file_answers_a_file_id(acme, s3):
    _run(acme, s3, "put_object", {"key": "doc.txt", "text": "as a file"})
    reply = _run(acme, s3, "get_object", {"key": "doc.txt", "result_as": "file"})
    assert reply.status_code == 200, reply.text
    assert acme.client.get(f"/api/files/{reply.json()['result']['file_id']}").text == "as a file"


@pytest.mark.parametrize("operation,input_", [
    ("upload_file", {"file_path": "/etc/passwd", "key": "x"}),
    ("download_file", {"file_path": "/tmp/evil", "key": "x"}),
    ("put_object", {"file_path": "~/.aws/credentials", "key": "x"}),
    ("get_object", {"key": "x", "result_as": "file", "file_path": "/tmp/evil"}),
])
def test_a_server_path_from_a_tenant_is_refused(acme, s3, operation, input_):
    reply = _run(acme, s3, operation, input_)
    assert reply.status_code == 422 and "file_path" in reply.json()["errors"]


@pytest.mark.parametrize("file_id", ["../../../etc/passwd", "/etc/passwd", "0" * 32, "a" * 31, "A" * 32, 5,
                                     "..%2f..%2fetc%2fpasswd"])
def test_bad_file_ids_are_not_found(acme, s3, file_id):
    reply = _run(acme, s3, "upload_file", {"file_id": file_id, "key": "x"})
    assert reply.status_code == 404 and reply.json()["error"] == "not_found"
    if isinstance(file_id, str):
        assert acme.client.get(f"/api/files/{file_id}").status_code == 404


def test_another_tenants_file_is_not_found(acme, globex, s3):
    theirs = acme.client.post("/api/files", content=b"acme's data").json()["file_id"]
    assert globex.client.get(f"/api/files/{theirs}").status_code == 404
    globex_s3 = globex.create(acme.client.get(f"/api/connections/{s3}").json()["values"]
                              | {"secret_access_key": "emulator-secret-key-0123456789"})["id"]
    assert _run(globex, globex_s3, "upload_file", {"file_id": theirs, "key": "x"}).status_code == 404
    assert _run(acme, s3, "upload_file", {"file_id": theirs, "key": "x"}).status_code == 200


def test_file_id_only_where_a_file_is_read(acme, s3):
    file_id = acme.client.post("/api/files", content=b"x").json()["file_id"]
    for operation in ("list_objects", "download_file"):
        reply = _run(acme, s3, operation, {"file_id": file_id, "key": "x"})
        assert reply.status_code == 422 and "file_id" in reply.json()["errors"]


def test_upload_file_without_a_file_names_file_id(acme, s3):
    reply = _run(acme, s3, "upload_file", {"key": "x"})
    assert reply.status_code == 422 and "file_id" in reply.json()["errors"]


def test_oversized_upload_is_a_413_and_nothing_is_kept(app, acme):
    area = app.state.files
    before = set(area.folder(acme.name).iterdir())
    old, area.max_bytes = area.max_bytes, 1000
    try:
        assert acme.client.post("/api/files", content=b"x" * 1001).status_code == 413

        def chunks():
            for _ in range(5):
                yield b"y" * 400

        assert acme.client.post("/api/files", content=chunks()).status_code == 413
    finally:
        area.max_bytes = old
    assert set(area.folder(acme.name).iterdir()) == before


def test_bad_run_requests(acme, s3, globex):
    assert _run(acme, s3, "nope").status_code == 404 and _run(acme, s3, "nope").json()["error"] == "unknown_operation"
    bad = _run(acme, s3, "presign_url", {"key": "a", "expires_in": 10**9})
    assert bad.status_code == 422 and "expires_in" in bad.json()["errors"]
    assert acme.client.post(f"/api/connections/{s3}/run/list_objects", json={"input": [1]}).status_code == 422
    assert acme.client.post(f"/api/connections/{s3}/run/list_objects", content=b"{",
                            headers={"content-type": "application/json"}).status_code == 400
    assert _run(globex, s3, "list_objects").status_code == 404


def test_a_connector_failure_is_a_masked_502_inline_and_an_error_event_streamed(acme, s3):
    inline = _run(acme, s3, "get_object", {"key": "missing.txt"})
    assert inline.status_code == 502, inline.text
    assert inline.json()["ok"] is False and inline.json()["error"] == "connector_error"
    assert inline.json()["kind"] == "NotFoundError" and inline.json()["message"]
    streamed = _lines(_run(acme, s3, "get_object", {"key": "missing.txt"}, stream=True))
    assert [e["type"] for e in streamed] == ["error"] and streamed[0]["error"] == "connector_error"
    assert "emulator-secret-key" not in inline.text + json.dumps(streamed)


def test_presign_and_fetch(acme, s3, aws_emulator):
    import urllib.request

    _run(acme, s3, "put_object", {"key": "p.txt", "text": "presigned"})
    url = _run(acme, s3, "presign_url", {"key": "p.txt"}).json()["result"]["url"]
    with urllib.request.urlopen(url, timeout=10) as reply:
        assert reply.read() == b"presigned"
    assert SECRET not in url


def test_a_long_list_inline_is_truncated_and_the_rest_not_read(acme, s3, monkeypatch):
    monkeypatch.setattr("connector_core.web.runs_api.INLINE_ITEMS", 5)
    for i in range(12):
        _run(acme, s3, "put_object", {"key": f"t/{i:02}", "text": "x"})
    result = _run(acme, s3, "list_objects", {"prefix": "t/"}).json()["result"]
    assert result == {"items": result["items"], "count": 5, "truncated": True}
    assert [i["key"] for i in result["items"]] == [f"t/{i:02}" for i in range(5)]
    run = [e for e in acme.client.get("/api/audit").json()["events"] if e["action"] == "operation.run"][0]
    assert run["detail"] == {"connector_id": "aws.s3", "operation": "list_objects", "ok": True, "streamed": False}
