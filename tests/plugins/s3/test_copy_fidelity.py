"""Copy and move keep the object's tags, metadata and headers at every size (issue 9, item 7).

Below the multipart threshold S3's CopyObject copies them; at and above it the copy is a
multipart upload that copies only bytes. Each case is read back twice: with boto3 and with
the AWS CLI (``aws s3api``) against the same moto server.
"""

from __future__ import annotations

import os

import pytest

from connector_core import AccessDeniedError
from tests.awscli import aws

MIB = 1024 * 1024
PARTS = {"multipart_threshold": 5 * MIB, "multipart_chunksize": 5 * MIB, "max_concurrency": 4}
TAGS = {"project": "zürich-2024", "owner": "ops team", "empty": ""}
HEADERS = {
    "ContentType": "application/x-ledger",
    "ContentDisposition": 'attachment; filename="ledger.bin"',
    "ContentEncoding": "identity",
    "ContentLanguage": "de-CH",
    "CacheControl": "max-age=60",
    "WebsiteRedirectLocation": "/elsewhere.html",
    "Metadata": {"origin": "erp", "batch": "42"},
}
#: Below, exactly at, and above the 5 MiB threshold (the last in three parts).
SIZES = {"below": MIB, "at": 5 * MIB, "above": 11 * MIB}


def _put_source(raw, bucket: str, key: str, size: int) -> bytes:
    body = os.urandom(size)
    tagging = "&".join(f"{k}={v}" for k, v in TAGS.items()).replace(" ", "%20").replace("ü", "%C3%BC")
    raw.put_object(Bucket=bucket, Key=key, Body=body, Tagging=tagging, **HEADERS)
    return body


def _assert_faithful(raw, endpoint: str, bucket: str, key: str, body: bytes) -> None:
    head = raw.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == len(body)
    assert {name: head.get(name) for name in HEADERS} == HEADERS
    tags = raw.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    assert {t["Key"]: t["Value"] for t in tags} == TAGS
    assert raw.get_object(Bucket=bucket, Key=key)["Body"].read() == body
    # The AWS CLI, another client, sees the same tags and headers.
    cli_tags = aws(endpoint, "s3api", "get-object-tagging", "--bucket", bucket, "--key", key)["TagSet"]
    assert {t["Key"]: t["Value"] for t in cli_tags} == TAGS
    cli_head = aws(endpoint, "s3api", "head-object", "--bucket", bucket, "--key", key)
    assert cli_head["ContentLength"] == len(body)
    assert cli_head["ContentType"] == HEADERS["ContentType"] and cli_head["Metadata"] == HEADERS["Metadata"]
    assert cli_head["CacheControl"] == HEADERS["CacheControl"]


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_copy_keeps_tags_and_headers(host, conn, raw, endpoint, size, count_calls):
    body = _put_source(raw, conn["bucket"], "src.bin", size)
    part_copies = count_calls("UploadPartCopy")
    out = host.run(conn, "copy_object", {"source_key": "src.bin", "key": "dst.bin", **PARTS})
    assert out["size"] == size
    assert (len(part_copies) > 0) == (size >= PARTS["multipart_threshold"])
    _assert_faithful(raw, endpoint, conn["bucket"], "dst.bin", body)
    _assert_faithful(raw, endpoint, conn["bucket"], "src.bin", body)  # the source is untouched


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_move_keeps_tags_and_headers_then_deletes_the_source(host, conn, raw, endpoint, size):
    raw.create_bucket(Bucket="archive-bucket")
    body = _put_source(raw, conn["bucket"], "src.bin", size)
    out = host.run(conn, "move_object", {"source_key": "src.bin", "bucket": "archive-bucket",
                                         "key": "moved.bin", **PARTS})
    assert out["source_deleted"] is True and out["size"] == size
    _assert_faithful(raw, endpoint, "archive-bucket", "moved.bin", body)
    listed = aws(endpoint, "s3api", "list-objects-v2", "--bucket", conn["bucket"])
    assert listed.get("Contents", []) == []


def test_an_in_place_storage_class_change_of_a_large_object_keeps_its_tags(host, conn, raw, endpoint):
    body = _put_source(raw, conn["bucket"], "big.bin", 6 * MIB)
    host.run(conn, "copy_object", {"source_key": "big.bin", "key": "big.bin", "storage_class": "STANDARD_IA",
                                   **PARTS})
    assert raw.head_object(Bucket=conn["bucket"], Key="big.bin")["StorageClass"] == "STANDARD_IA"
    _assert_faithful(raw, endpoint, conn["bucket"], "big.bin", body)


def test_an_object_without_tags_is_copied_without_tags(host, conn, raw):
    raw.put_object(Bucket=conn["bucket"], Key="plain.bin", Body=os.urandom(6 * MIB))
    host.run(conn, "copy_object", {"source_key": "plain.bin", "key": "copy.bin", **PARTS})
    assert raw.get_object_tagging(Bucket=conn["bucket"], Key="copy.bin")["TagSet"] == []


@pytest.mark.parametrize("size", [MIB, 6 * MIB], ids=["below", "above"])
def test_a_move_whose_tags_cannot_be_copied_keeps_the_source(host, conn, raw, inject, size):
    """If the copy cannot get the source's tags, the move fails and the source stays, tags and all."""
    body = _put_source(raw, conn["bucket"], "src.bin", size)
    inject("PutObjectTagging", "AccessDenied")
    # A store that ignores TaggingDirective (or a multipart copy): the copy arrives without tags.
    inject("GetObjectTagging", parsed={"TagSet": []}, when=lambda p: "dst.bin" in p["url_path"])
    deletes = inject("DeleteObject", parsed={})
    with pytest.raises(AccessDeniedError, match="access denied: s3:PutObjectTagging"):
        host.run(conn, "move_object", {"source_key": "src.bin", "key": "dst.bin", **PARTS})
    assert deletes == []
    assert raw.get_object(Bucket=conn["bucket"], Key="src.bin")["Body"].read() == body
    assert {t["Key"] for t in raw.get_object_tagging(Bucket=conn["bucket"], Key="src.bin")["TagSet"]} == set(TAGS)
