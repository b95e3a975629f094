"""Bad input is refused before any request, naming the field and the rule broken."""

from __future__ import annotations

import os

import pytest

from connector_core import ValidationError


@pytest.fixture
def no_requests(count_calls):
    """Fails the test if the plugin sent any S3 request."""
    calls = []
    for op in ("PutObject", "GetObject", "HeadObject", "ListObjectsV2", "DeleteObjects", "CreateBucket",
               "HeadBucket", "CreateMultipartUpload", "PutObjectTagging", "CopyObject"):
        calls += [count_calls(op)]
    yield
    assert all(c == [] for c in calls), "a request was sent despite invalid input"


# The manifest's length limits and pattern catch the first rules (its message quotes the
# pattern); the code catches those a pattern cannot say clearly.
@pytest.mark.parametrize(("name", "rule"), [
    ("ab", "at least 3 characters"),
    ("a" * 64, "at most 63 characters"),
    ("My-Bucket", "must match the pattern"),
    ("my_bucket", "must match the pattern"),
    ("-bucket", "must match the pattern"),
    ("bucket-", "must match the pattern"),
    ("my..bucket", "two adjacent dots"),
    ("192.168.5.4", "IP address"),
    ("xn--bucket", "reserved prefix"),
    ("sthree-bucket", "reserved prefix"),
    ("bucket-s3alias", "reserved suffix"),
    ("bucket--ol-s3", "reserved suffix"),
])
def test_bucket_naming_rules(host, conn, no_requests, name, rule):
    with pytest.raises(ValidationError) as info:
        host.run(conn, "put_object", {"bucket": name, "key": "k", "text": "t"})
    assert rule in " ".join(info.value.errors["bucket"])


def test_bucket_naming_rules_apply_to_the_connection(host, connect):
    with pytest.raises(ValidationError) as info:
        connect(bucket="Bad_Bucket")
    assert "bucket" in info.value.errors


def test_source_bucket_is_named_in_the_message(host, conn, no_requests):
    with pytest.raises(ValidationError) as info:
        host.run(conn, "copy_object", {"source_bucket": "192.168.0.1", "source_key": "a", "key": "b"})
    assert "IP address" in info.value.errors["source_bucket"][0]


def test_keys_are_limited_to_1024_utf8_bytes(host, conn, no_requests):
    key = "é" * 600  # 600 characters, 1,200 bytes
    with pytest.raises(ValidationError) as info:
        host.run(conn, "put_object", {"key": key, "text": "t"})
    assert "1024 bytes" in info.value.errors["key"][0] and "1200" in info.value.errors["key"][0]
    with pytest.raises(ValidationError) as info:
        host.run(conn, "get_object", {"key": "a" * 1025})
    assert "key" in info.value.errors


def test_every_bad_key_of_a_bulk_delete_is_named(host, conn, no_requests):
    with pytest.raises(ValidationError) as info:
        host.run(conn, "delete_objects", {"keys": ["ok", "é" * 600, "fine", "ü" * 1000]})
    assert set(info.value.errors) == {"keys[1]", "keys[3]"}


def test_a_key_of_exactly_1024_bytes_is_accepted(host, conn):
    key = "k" * 1024
    host.run(conn, "put_object", {"key": key, "text": "t"})
    assert host.run(conn, "get_object", {"key": key})["text"] == "t"


def test_missing_local_file(host, conn, tmp_path, no_requests):
    with pytest.raises(ValidationError) as info:
        host.run(conn, "upload_file", {"file_path": str(tmp_path / "nope.bin"), "key": "k"})
    assert "does not exist" in info.value.errors["file_path"][0]
    with pytest.raises(ValidationError) as info:
        host.run(conn, "put_object", {"file_path": str(tmp_path), "key": "k"})
    assert "not a regular file" in info.value.errors["file_path"][0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_local_file(host, conn, tmp_path, no_requests):
    path = tmp_path / "secret.bin"
    path.write_bytes(b"x")
    path.chmod(0)
    with pytest.raises(ValidationError) as info:
        host.run(conn, "upload_file", {"file_path": str(path), "key": "k"})
    assert "not readable" in info.value.errors["file_path"][0]


def test_download_into_a_missing_folder(host, conn, tmp_path, no_requests):
    with pytest.raises(ValidationError) as info:
        host.run(conn, "download_file", {"key": "k", "file_path": str(tmp_path / "missing" / "out.bin")})
    assert "does not exist" in info.value.errors["file_path"][0]
    with pytest.raises(ValidationError) as info:
        host.run(conn, "get_object", {"key": "k", "result_as": "file", "file_path": str(tmp_path / "nowhere" / "x")})
    assert "does not exist" in info.value.errors["file_path"][0]


def test_download_does_not_overwrite_when_told_not_to(host, conn, tmp_path, no_requests):
    target = tmp_path / "exists.bin"
    target.write_bytes(b"keep")
    with pytest.raises(ValidationError, match="already exists"):
        host.run(conn, "download_file", {"key": "k", "file_path": str(target), "overwrite": False})
    assert target.read_bytes() == b"keep"


@pytest.mark.parametrize(("params", "path", "rule"), [
    ({"metadata": {"n": 1}}, "metadata.n", "must be a string"),
    ({"metadata": {"big": "x" * 3000}}, "metadata", "2 KB"),
    ({"metadata": {"city": "Zürich"}}, "metadata.city", "must be ASCII"),
    ({"metadata": {"straße": "x"}}, "metadata.straße", "the key is not ASCII"),
    ({"tags": {f"t{i}": "v" for i in range(11)}}, "tags", "at most 10"),
    ({"tags": {"k": "v" * 257}}, "tags", "256 characters"),
    ({"body_base64": "not base64!"}, "body_base64", "not valid base64"),
    ({"text": "t", "encoding": "no-such-codec"}, "encoding", "unknown text encoding"),
])
def test_upload_options_are_checked(host, conn, no_requests, params, path, rule):
    params = {"key": "k", **({"text": "t"} if "body_base64" not in params else {}), **params}
    with pytest.raises(ValidationError) as info:
        host.run(conn, "put_object", params)
    assert rule in " ".join(info.value.errors[path])


def test_exactly_one_content_source(host, conn, no_requests):
    with pytest.raises(ValidationError):
        host.run(conn, "put_object", {"key": "k", "text": "a", "body_base64": "YQ=="})
    with pytest.raises(ValidationError):
        host.run(conn, "put_object", {"key": "k"})


def test_a_kms_key_applies_only_with_kms_encryption(host, conn, bucket, count_calls):
    """The form hides the KMS key unless AWS KMS keys are chosen, and the server ignores it then."""
    calls = count_calls("PutObject")
    host.run(conn, "put_object", {"key": "k", "text": "t", "server_side_encryption": "AES256", "kms_key_id": "alias/kms-key-never-sent"})
    sent = repr(calls)
    # A distinctive key id: a short one could turn up by chance inside a random request id.
    assert calls and "AES256" in sent and "kms-key-never-sent" not in sent and "SSEKMSKeyId" not in sent


def test_object_operations_need_a_bucket(host, connect, no_requests):
    with pytest.raises(ValidationError) as info:
        host.run(connect(), "get_object", {"key": "k"})
    assert "fill in the connection's bucket name or give one here" in info.value.errors["bucket"][0]


def test_a_bucket_input_serves_a_connection_without_a_bucket(host, connect, bucket):
    conn = connect()
    assert "bucket" not in conn
    host.run(conn, "put_object", {"bucket": bucket, "key": "k", "text": "hello"})
    assert host.run(conn, "get_object", {"bucket": bucket, "key": "k"})["text"] == "hello"
