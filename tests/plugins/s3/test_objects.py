"""Object operations through the host: put, get, head, tags, delete, delete in bulk."""

from __future__ import annotations

import base64

import pytest

from connector_core import AccessDeniedError, NotFoundError, ValidationError


def test_text_round_trip_keeps_type_metadata_and_tags(host, conn):
    put = host.run(conn, "put_object", {
        "key": "reports/q1.csv", "text": "a,b\n1,2\n", "content_type": "text/csv",
        "metadata": {"team": "data"}, "tags": {"project": "x", "stage": "raw"},
    })
    assert put["size"] == 8 and put["etag"]

    got = host.run(conn, "get_object", {"key": "reports/q1.csv"})
    assert got["text"] == "a,b\n1,2\n"
    assert got["content_type"] == "text/csv"
    assert got["metadata"] == {"team": "data"}
    assert got["etag"] == put["etag"]

    head = host.run(conn, "head_object", {"key": "reports/q1.csv"})
    assert head["size"] == 8 and head["metadata"] == {"team": "data"}
    assert host.run(conn, "get_object_tagging", {"key": "reports/q1.csv"})["tags"] == {"project": "x", "stage": "raw"}


def test_bytes_round_trip_and_byte_range(host, conn):
    data = bytes(range(256)) * 4
    host.run(conn, "put_object", {"key": "blob.bin", "body_base64": base64.b64encode(data).decode()})

    whole = host.run(conn, "get_object", {"key": "blob.bin", "result_as": "base64"})
    assert base64.b64decode(whole["body_base64"]) == data

    part = host.run(conn, "get_object", {"key": "blob.bin", "result_as": "base64", "range": "bytes=10-19"})
    assert base64.b64decode(part["body_base64"]) == data[10:20]
    assert part["size"] == 10
    assert part["content_range"] == "bytes 10-19/1024"


def test_get_a_given_version(host, conn, raw, bucket):
    raw.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = host.run(conn, "put_object", {"key": "v.txt", "text": "one"})
    host.run(conn, "put_object", {"key": "v.txt", "text": "two"})

    assert host.run(conn, "get_object", {"key": "v.txt"})["text"] == "two"
    old = host.run(conn, "get_object", {"key": "v.txt", "version_id": first["version_id"]})
    assert old["text"] == "one" and old["version_id"] == first["version_id"]


def test_get_object_streams_to_a_file(host, conn, tmp_path):
    host.run(conn, "put_object", {"key": "doc.txt", "text": "x" * 5000})
    seen = []
    out = host.run(conn, "get_object", {"key": "doc.txt", "result_as": "file", "file_path": str(tmp_path / "doc.txt")},
                   progress=lambda done, total, unit: seen.append((done, total)))
    assert (tmp_path / "doc.txt").read_text() == "x" * 5000
    assert out["size"] == 5000 and out["file_path"] == str(tmp_path / "doc.txt")
    assert seen[-1] == (5000, 5000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.txt"]  # no temporary left


def test_in_memory_reads_are_bounded(host, conn):
    host.run(conn, "put_object", {"key": "big.txt", "text": "x" * 2000})
    with pytest.raises(ValidationError) as info:
        host.run(conn, "get_object", {"key": "big.txt", "max_bytes": 1000})
    assert "max_bytes" in info.value.errors
    assert "local file" in info.value.errors["max_bytes"][0]


def test_binary_content_as_text_says_to_use_base64(host, conn):
    host.run(conn, "put_object", {"key": "bin", "body_base64": base64.b64encode(b"\xff\xfe\x00").decode()})
    with pytest.raises(ValidationError) as info:
        host.run(conn, "get_object", {"key": "bin"})
    assert "base64" in info.value.errors["result_as"][0]


def test_missing_object_is_not_found(host, conn):
    with pytest.raises(NotFoundError, match="nothing-here"):
        host.run(conn, "get_object", {"key": "nothing-here"})
    with pytest.raises(NotFoundError):
        host.run(conn, "head_object", {"key": "nothing-here"})


def test_encryption_and_storage_class(host, conn, endpoint):
    host.run(conn, "put_object", {"key": "sse.txt", "text": "s", "server_side_encryption": "AES256",
                                  "storage_class": "STANDARD_IA"})
    head = host.run(conn, "head_object", {"key": "sse.txt"})
    assert head["server_side_encryption"] == "AES256"
    assert head["storage_class"] == "STANDARD_IA"

    import boto3

    kms = boto3.client("kms", region_name="us-east-1", endpoint_url=endpoint)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    host.run(conn, "put_object", {"key": "kms.txt", "text": "k", "server_side_encryption": "aws:kms",
                                  "kms_key_id": key_id})
    head = host.run(conn, "head_object", {"key": "kms.txt"})
    assert head["server_side_encryption"] == "aws:kms"
    assert key_id in head["kms_key_id"]


def test_tags_can_be_replaced_and_removed(host, conn):
    host.run(conn, "put_object", {"key": "t.txt", "text": "t", "tags": {"a": "1"}})
    host.run(conn, "put_object_tagging", {"key": "t.txt", "tags": {"b": "2"}})
    assert host.run(conn, "get_object_tagging", {"key": "t.txt"})["tags"] == {"b": "2"}
    host.run(conn, "delete_object_tagging", {"key": "t.txt"})
    assert host.run(conn, "get_object_tagging", {"key": "t.txt"})["tags"] == {}


def test_delete_object(host, conn):
    host.run(conn, "put_object", {"key": "gone.txt", "text": "g"})
    host.run(conn, "delete_object", {"key": "gone.txt"})
    with pytest.raises(NotFoundError):
        host.run(conn, "head_object", {"key": "gone.txt"})


def test_delete_objects_in_batches_of_1000(host, conn, raw, bucket, count_calls):
    keys = [f"k/{i:05d}" for i in range(2500)]
    for key in keys[:30]:
        raw.put_object(Bucket=bucket, Key=key, Body=b"")
    calls = count_calls("DeleteObjects")
    result = host.run(conn, "delete_objects", {"keys": keys})
    assert sorted(c["body"].count(b"<Key>") for c in calls) == [500, 1000, 1000]
    assert result["deleted_count"] == 2500 and result["error_count"] == 0
    assert raw.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_delete_objects_reports_each_key_refused(host, conn, inject):
    inject("DeleteObjects", parsed={"Deleted": [{"Key": "a"}],
                                    "Errors": [{"Key": "b", "Code": "AccessDenied", "Message": "Access Denied"}]})
    result = host.run(conn, "delete_objects", {"keys": ["a", "b"]})
    assert result["deleted_count"] == 1 and result["error_count"] == 1
    assert result["errors"] == [{"key": "b", "code": "AccessDenied", "message": "Access Denied"}]


def test_access_denied_names_the_permission(host, conn, inject):
    inject("PutObject", "AccessDenied")
    with pytest.raises(AccessDeniedError) as info:
        host.run(conn, "put_object", {"key": "x", "text": "x"})
    assert info.value.action == "s3:PutObject"
    assert "s3:PutObject" in info.value.hint and f"arn:aws:s3:::{conn['bucket']}/x" in info.value.hint


def test_empty_objects(host, conn):
    host.run(conn, "put_object", {"key": "empty.txt", "text": ""})
    assert host.run(conn, "get_object", {"key": "empty.txt"})["text"] == ""
    assert host.run(conn, "get_object", {"key": "empty.txt", "result_as": "base64"})["body_base64"] == ""
    assert host.run(conn, "head_object", {"key": "empty.txt"})["size"] == 0
