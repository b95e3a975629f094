"""Transfers through the transfer manager: multipart upload/download, copy, move, failures."""

from __future__ import annotations

import os

import pytest

from connector_core import AccessDeniedError, ConnectorError, NotFoundError

MIB = 1024 * 1024
PARTS = {"multipart_threshold": 5 * MIB, "multipart_chunksize": 5 * MIB, "max_concurrency": 4}


@pytest.fixture
def big_file(tmp_path):
    path = tmp_path / "src" / "big.bin"
    path.parent.mkdir()
    path.write_bytes(os.urandom(MIB) * 13)  # 13 MiB: three 5 MiB parts
    return path


def test_upload_in_parts_with_progress_then_download(host, conn, big_file, tmp_path, count_calls):
    parts = count_calls("UploadPart")
    seen = []
    up = host.run(conn, "upload_file", {"file_path": str(big_file), "key": "big.bin",
                                        "content_type": "application/x-test",
                                        "metadata": {"origin": "test"}, "tags": {"t": "1"}, **PARTS},
                  progress=lambda done, total, unit: seen.append((done, total, unit)))
    assert up == {"bucket": conn["bucket"], "key": "big.bin", "size": 13 * MIB}
    assert len(parts) == 3
    assert seen[-1] == (13 * MIB, 13 * MIB, "B") and [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)

    head = host.run(conn, "head_object", {"key": "big.bin"})
    assert head["size"] == 13 * MIB and head["content_type"] == "application/x-test"
    assert head["metadata"] == {"origin": "test"}
    assert host.run(conn, "get_object_tagging", {"key": "big.bin"})["tags"] == {"t": "1"}

    target = tmp_path / "out" / "copy.bin"
    target.parent.mkdir()
    seen.clear()
    down = host.run(conn, "download_file", {"key": "big.bin", "file_path": str(target), **PARTS},
                    progress=lambda done, total, unit: seen.append((done, total)))
    assert down["size"] == 13 * MIB and down["file_path"] == str(target)
    assert target.read_bytes() == big_file.read_bytes()
    assert seen[-1] == (13 * MIB, 13 * MIB)
    assert os.listdir(target.parent) == ["copy.bin"]


def test_a_failed_multipart_upload_is_aborted(host, conn, big_file, raw, inject, count_calls):
    started = count_calls("CreateMultipartUpload")
    inject("UploadPart", "AccessDenied", when=lambda p: p["query_string"].get("partNumber") == 2)
    with pytest.raises(AccessDeniedError):
        host.run(conn, "upload_file", {"file_path": str(big_file), "key": "half.bin", **PARTS})
    assert len(started) == 1  # an upload was under way when the part failed
    assert raw.list_multipart_uploads(Bucket=conn["bucket"]).get("Uploads", []) == []
    assert raw.list_objects_v2(Bucket=conn["bucket"]).get("KeyCount") == 0


def test_a_failed_download_leaves_the_target_untouched(host, conn, big_file, tmp_path, inject):
    host.run(conn, "upload_file", {"file_path": str(big_file), "key": "big.bin", **PARTS})
    target = tmp_path / "dest.bin"
    target.write_bytes(b"previous content")
    inject("GetObject", "InternalError", status=500, when=lambda p: "bytes=5242880" in str(p["headers"].get("Range")))
    with pytest.raises(ConnectorError):
        host.run(conn, "download_file", {"key": "big.bin", "file_path": str(target), **PARTS})
    assert target.read_bytes() == b"previous content"
    assert sorted(os.listdir(tmp_path)) == ["dest.bin", "src"]  # no temporary file left


def test_download_of_a_missing_key_leaves_nothing(host, conn, tmp_path):
    with pytest.raises(NotFoundError):
        host.run(conn, "download_file", {"key": "missing", "file_path": str(tmp_path / "x.bin")})
    assert os.listdir(tmp_path) == []


def test_copy_uses_multipart_copy_above_the_threshold(host, conn, big_file, count_calls):
    host.run(conn, "upload_file", {"file_path": str(big_file), "key": "big.bin", "metadata": {"m": "1"}, **PARTS})
    part_copies = count_calls("UploadPartCopy")
    out = host.run(conn, "copy_object", {"source_key": "big.bin", "key": "copied/big.bin", **PARTS})
    assert len(part_copies) == 3
    assert out["size"] == 13 * MIB and out["etag"].endswith("-3")
    head = host.run(conn, "head_object", {"key": "copied/big.bin"})
    assert head["size"] == 13 * MIB and head["metadata"] == {"m": "1"}


def test_copy_between_buckets(host, conn, raw):
    raw.create_bucket(Bucket="other-bucket")
    host.run(conn, "put_object", {"key": "a.txt", "text": "A"})
    host.run(conn, "copy_object", {"source_key": "a.txt", "bucket": "other-bucket", "key": "b.txt"})
    assert raw.get_object(Bucket="other-bucket", Key="b.txt")["Body"].read() == b"A"


def test_move_deletes_the_source_after_the_copy(host, conn):
    host.run(conn, "put_object", {"key": "from.txt", "text": "payload"})
    out = host.run(conn, "move_object", {"source_key": "from.txt", "key": "to.txt"})
    assert out["source_deleted"] is True
    assert host.run(conn, "get_object", {"key": "to.txt"})["text"] == "payload"
    with pytest.raises(NotFoundError):
        host.run(conn, "head_object", {"key": "from.txt"})


def test_a_failed_move_keeps_the_source(host, conn, inject):
    host.run(conn, "put_object", {"key": "from.txt", "text": "payload"})
    deletes = inject("DeleteObject", parsed={})
    inject("CopyObject", "AccessDenied")
    with pytest.raises(AccessDeniedError):
        host.run(conn, "move_object", {"source_key": "from.txt", "key": "to.txt"})
    assert deletes == []  # the delete was never even attempted
    assert host.run(conn, "get_object", {"key": "from.txt"})["text"] == "payload"
