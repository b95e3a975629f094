"""Deleting and copying every object under a prefix, run directly with Host.run (issue 13).

Against moto's server on 127.0.0.1, with more keys than one ListObjectsV2 page (1,000)
or DeleteObjects request (1,000) holds; read back with boto3 and with the AWS CLI.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from connector_core import AccessDeniedError, ValidationError
from tests.awscli import aws
from tests.conftest import seed_s3_objects

MIB = 1024 * 1024
TAGS = {"project": "zürich", "owner": "ops team"}
HEADERS = {"ContentType": "text/csv", "CacheControl": "max-age=60", "ContentDisposition": "inline",
           "Metadata": {"origin": "erp"}}


def put_keys(raw, bucket: str, keys: list[str], **extra) -> None:
    """Write small objects, several at once (moto's server answers one request per thread)."""
    def put(key: str) -> None:
        raw.put_object(Bucket=bucket, Key=key, Body=key.encode(), **extra)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, keys))


def listed(endpoint: str, bucket: str, prefix: str = "") -> list[str]:
    """Every key under ``prefix``, as the AWS CLI lists it (it follows the pages itself)."""
    args = ["--bucket", bucket] + (["--prefix", prefix] if prefix else [])
    return [o["Key"] for o in aws(endpoint, "s3api", "list-objects-v2", *args).get("Contents", [])]


def test_delete_prefix_deletes_every_page_and_nothing_else(host, conn, raw, endpoint, count_calls):
    bucket = conn["bucket"]
    doomed = [f"tmp/{n:05d}.txt" for n in range(2500)]
    kept = ["tmp", "tmp.txt", "tmq/1.txt", "keep/tmp/1.txt"]
    seed_s3_objects(bucket, doomed + kept)
    deletes, lists = count_calls("DeleteObjects"), count_calls("ListObjectsV2")
    seen = []
    out = host.run(conn, "delete_prefix", {"prefix": "tmp/"}, progress=lambda d, t, u: seen.append(d))
    assert out == {"bucket": bucket, "prefix": "tmp/", "deleted_count": 2500, "error_count": 0, "errors": []}
    assert sorted(c["body"].count(b"<Key>") for c in deletes) == [500, 1000, 1000]  # S3's limit per request
    assert [c["query_string"]["max-keys"] for c in lists] == [1000, 1000, 1000]
    assert seen[-1] == 2500
    assert sorted(listed(endpoint, bucket)) == sorted(kept)


def test_delete_prefix_with_small_pages_and_the_whole_bucket_only_when_confirmed(host, conn, raw, endpoint):
    bucket = conn["bucket"]
    put_keys(raw, bucket, [f"a/{n}" for n in range(30)] + ["b/1"])
    out = host.run(conn, "delete_prefix", {"prefix": "a/", "page_size": 7})
    assert out["deleted_count"] == 30 and listed(endpoint, bucket) == ["b/1"]
    with pytest.raises(ValidationError) as refused:
        host.run(conn, "delete_prefix", {})
    assert "confirm_whole_bucket" in refused.value.errors
    assert listed(endpoint, bucket) == ["b/1"]  # refused before any request
    out = host.run(conn, "delete_prefix", {"confirm_whole_bucket": "delete-every-object"})
    assert out == {"bucket": bucket, "deleted_count": 1, "error_count": 0, "errors": []}
    assert listed(endpoint, bucket) == []


def test_delete_prefix_given_keys_deletes_exactly_those(host, conn, raw, endpoint):
    bucket = conn["bucket"]
    put_keys(raw, bucket, ["x/1", "x/2", "x/3"])
    out = host.run(conn, "delete_prefix", {"prefix": "x/", "keys": ["x/1", "x/3", "x/gone"]})
    assert (out["deleted_count"], out["error_count"]) == (3, 0)  # a missing key counts as deleted, as in S3
    assert listed(endpoint, bucket) == ["x/2"]
    with pytest.raises(ValidationError) as refused:
        host.run(conn, "delete_prefix", {"prefix": "x/", "keys": ["x/2", "y/1"]})
    assert refused.value.errors == {"keys[1]": ["'y/1' is not under the prefix 'x/'"]}


def test_copy_prefix_keeps_tags_metadata_and_headers_at_every_size(host, conn, raw, endpoint, count_calls):
    bucket = conn["bucket"]
    raw.create_bucket(Bucket="archive-bucket")
    keys = [f"in/{n:04d}.csv" for n in range(123)]
    tagging = "project=z%C3%BCrich&owner=ops%20team"
    put_keys(raw, bucket, keys, Tagging=tagging, **HEADERS)
    big = os.urandom(6 * MIB)  # at least the multipart threshold: a multipart copy
    raw.put_object(Bucket=bucket, Key="in/zz-big.bin", Body=big, Tagging=tagging, **HEADERS)
    raw.put_object(Bucket=bucket, Key="other/1.csv", Body=b"no")
    part_copies = count_calls("UploadPartCopy")
    out = host.run(conn, "copy_prefix", {"prefix": "in/", "bucket": "archive-bucket",
                                         "destination_prefix": "2024/in/", "multipart_threshold": 5 * MIB,
                                         "multipart_chunksize": 5 * MIB, "page_size": 50})
    assert out == {"source_bucket": bucket, "prefix": "in/", "bucket": "archive-bucket",
                   "destination_prefix": "2024/in/", "copied_count": 124, "error_count": 0, "errors": []}
    assert part_copies  # the big object went through the multipart copy
    copies = listed(endpoint, "archive-bucket")
    assert copies == [f"2024/{k}" for k in keys] + ["2024/in/zz-big.bin"]
    assert len(listed(endpoint, bucket, "in/")) == 124  # the sources stay
    for key in ("2024/in/0000.csv", "2024/in/0122.csv", "2024/in/zz-big.bin"):
        cli_tags = aws(endpoint, "s3api", "get-object-tagging", "--bucket", "archive-bucket", "--key", key)
        assert {t["Key"]: t["Value"] for t in cli_tags["TagSet"]} == TAGS
        head = raw.head_object(Bucket="archive-bucket", Key=key)
        assert {name: head.get(name) for name in HEADERS} == HEADERS
    assert raw.get_object(Bucket="archive-bucket", Key="2024/in/zz-big.bin")["Body"].read() == big
    assert raw.get_object(Bucket="archive-bucket", Key="2024/in/0042.csv")["Body"].read() == b"in/0042.csv"


def test_copy_prefix_reports_each_key_it_could_not_copy_in_key_order(host, conn, raw, inject):
    bucket = conn["bucket"]
    raw.create_bucket(Bucket="dest-bucket")
    put_keys(raw, bucket, [f"p/{n:03d}" for n in range(25)])
    inject("CopyObject", "AccessDenied",
           when=lambda params: params["headers"]["x-amz-copy-source"].endswith(("/p/003", "/p/017")))
    out = host.run(conn, "copy_prefix", {"prefix": "p/", "bucket": "dest-bucket", "page_size": 10,
                                         "concurrency": 4})
    assert (out["copied_count"], out["error_count"]) == (23, 2)
    assert [(e["key"], e["code"]) for e in out["errors"]] == [("p/003", "AccessDenied"), ("p/017", "AccessDenied")]
    assert len(raw.list_objects_v2(Bucket="dest-bucket")["Contents"]) == 23


def test_a_denied_delete_request_fails_the_run_with_the_permission_to_fix(host, conn, raw, inject):
    put_keys(raw, conn["bucket"], [f"d/{n}" for n in range(5)])
    inject("DeleteObjects", "AccessDenied")
    with pytest.raises(AccessDeniedError) as denied:
        host.run(conn, "delete_prefix", {"prefix": "d/"})
    assert "s3:DeleteObject" in denied.value.hint


@pytest.mark.parametrize("params, field", [
    ({"prefix": "in/", "destination_prefix": "in/copies/"}, "destination_prefix"),   # inside the source
    ({"prefix": "in/sub/", "destination_prefix": "in/"}, "destination_prefix"),      # the source inside it
    ({"prefix": "in/"}, "destination_prefix"),                                        # the same keys
    ({"destination_prefix": "backup/"}, "destination_prefix"),                        # the whole bucket
    ({"prefix": "in/", "bucket": "192.168.5.4"}, "bucket"),
    ({"prefix": "in/", "source_bucket": "xn--bucket"}, "source_bucket"),
    ({"prefix": "é" * 600}, "prefix"),                                                # 1,200 bytes of UTF-8
])
def test_bad_copies_are_refused_before_any_request(host, conn, raw, count_calls, params, field):
    calls = count_calls("ListObjectsV2")
    with pytest.raises(ValidationError) as refused:
        host.run(conn, "copy_prefix", params)
    assert field in refused.value.errors, refused.value.errors
    assert calls == []


def test_a_copy_to_another_bucket_may_keep_the_same_prefix(host, conn, raw, endpoint):
    raw.create_bucket(Bucket="mirror-bucket")
    put_keys(raw, conn["bucket"], ["in/a", "in/b"])
    out = host.run(conn, "copy_prefix", {"prefix": "in/", "bucket": "mirror-bucket"})
    assert out["copied_count"] == 2 and listed(endpoint, "mirror-bucket") == ["in/a", "in/b"]


def test_listed_sizes_and_etags_spare_each_read_and_a_source_rewritten_since_is_not_copied(
        host, conn, raw, endpoint, count_calls):
    bucket = conn["bucket"]
    raw.create_bucket(Bucket="dest-bucket")
    put_keys(raw, bucket, ["p/small"])
    raw.put_object(Bucket=bucket, Key="p/big", Body=os.urandom(5 * MIB))
    etags = [raw.head_object(Bucket=bucket, Key=key)["ETag"].strip('"') for key in ("p/big", "p/small")]
    raw.put_object(Bucket=bucket, Key="p/big", Body=os.urandom(5 * MIB))  # rewritten since it was listed
    heads = count_calls("HeadObject")
    listing = {"prefix": "p/", "bucket": "dest-bucket", "keys": ["p/big", "p/small"], "multipart_threshold": 5 * MIB,
               "sizes": [5 * MIB, len(b"p/small")], "etags": etags}
    out = host.run(conn, "copy_prefix", listing)
    assert (out["copied_count"], [(e["key"], e["code"]) for e in out["errors"]]) == (1, [("p/big", "PreconditionFailed")])
    assert "changed since it was listed" in out["errors"][0]["message"]
    assert len(heads) == 1  # the big one's multipart copy reads its headers (and finds it changed); the small one nothing
    assert listed(endpoint, "dest-bucket") == ["p/small"]
    with pytest.raises(ValidationError) as refused:
        host.run(conn, "copy_prefix", {**listing, "sizes": [1]})
    assert refused.value.errors == {"sizes": ["give one per key, in the order of keys, and only with keys"]}
