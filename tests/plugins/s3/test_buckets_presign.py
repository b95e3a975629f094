"""Bucket operations and presigned URLs."""

from __future__ import annotations

import urllib.request
from urllib.parse import parse_qs, urlparse

import pytest

from connector_core import OperationError, ValidationError


def test_create_in_a_region_then_locate_and_delete(host, connect):
    conn = connect()
    created = host.run(conn, "create_bucket", {"bucket": "euro-data", "region": "eu-west-1"})
    assert created["region"] == "eu-west-1"
    location = host.run(conn, "get_bucket_location", {"bucket": "euro-data"})
    assert location == {"bucket": "euro-data", "region": "eu-west-1"}
    assert {b["name"] for b in host.run(conn, "list_buckets", {})} == {"euro-data"}
    assert host.run(conn, "delete_bucket", {"bucket": "euro-data"}) == {"bucket": "euro-data", "deleted": True}
    assert list(host.run(conn, "list_buckets", {})) == []


def test_location_defaults_to_the_connections_bucket(host, conn):
    assert host.run(conn, "get_bucket_location", {})["region"] == "us-east-1"


def test_deleting_a_bucket_that_holds_objects_is_refused(host, conn):
    host.run(conn, "put_object", {"key": "keep.txt", "text": "k"})
    with pytest.raises(OperationError) as info:
        host.run(conn, "delete_bucket", {"bucket": conn["bucket"]})
    assert "not empty" in info.value.message and "delete its objects" in info.value.hint
    assert host.run(conn, "get_object", {"key": "keep.txt"})["text"] == "k"


def test_creating_an_existing_bucket_says_so(host, connect, inject):
    conn = connect()
    host.run(conn, "create_bucket", {"bucket": "mine-in-europe", "region": "eu-west-1"})
    with pytest.raises(OperationError, match="you already own it"):
        host.run(conn, "create_bucket", {"bucket": "mine-in-europe", "region": "eu-west-1"})
    inject("CreateBucket", "BucketAlreadyExists", status=409)
    with pytest.raises(OperationError, match="another account owns it") as info:
        host.run(conn, "create_bucket", {"bucket": "popular-name"})
    assert "choose another name" in info.value.hint


def test_list_buckets_by_prefix(host, connect, raw):
    for name in ("team-a-raw", "team-a-clean", "team-b-raw"):
        raw.create_bucket(Bucket=name)
    names = [b["name"] for b in host.run(connect(), "list_buckets", {"prefix": "team-a-"})]
    assert sorted(names) == ["team-a-clean", "team-a-raw"]


def test_presigned_get_url_downloads_without_credentials(host, conn):
    host.run(conn, "put_object", {"key": "share/me.txt", "text": "shared"})
    out = host.run(conn, "presign_url", {"key": "share/me.txt", "expires_in": 600})
    query = parse_qs(urlparse(out["url"]).query)
    assert query["X-Amz-Expires"] == ["600"] and query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert "wJalrXUtnFEMI" not in out["url"]  # the secret signs the URL; it is never in it
    with urllib.request.urlopen(out["url"], timeout=5) as response:
        assert response.read() == b"shared"


def test_presigned_put_url_uploads_with_the_given_content_type(host, conn):
    out = host.run(conn, "presign_url", {"key": "drop/in.csv", "method": "PUT", "content_type": "text/csv"})
    assert out["headers"] == {"Content-Type": "text/csv"}
    request = urllib.request.Request(out["url"], data=b"a,b", method="PUT", headers=out["headers"])
    urllib.request.urlopen(request, timeout=5).read()
    got = host.run(conn, "get_object", {"key": "drop/in.csv"})
    assert got["text"] == "a,b" and got["content_type"] == "text/csv"


def test_presigned_urls_last_at_most_seven_days(host, conn):
    assert host.run(conn, "presign_url", {"key": "k", "expires_in": 604800})["url"]
    with pytest.raises(ValidationError) as info:
        host.run(conn, "presign_url", {"key": "k", "expires_in": 604801})
    assert "expires_in" in info.value.errors
