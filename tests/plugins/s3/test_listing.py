"""Listing objects: lazy pagination, common prefixes, start after, limits."""

from __future__ import annotations

import pytest


@pytest.fixture
def keys(raw, bucket) -> list[str]:
    names = [f"data/{i:03d}.json" for i in range(120)] + ["logs/a.log", "logs/b.log", "top.txt"]
    for name in names:
        raw.put_object(Bucket=bucket, Key=name, Body=b"{}")
    return sorted(names)


def test_every_page_is_followed(host, conn, keys, count_calls):
    calls = count_calls("ListObjectsV2")
    items = list(host.run(conn, "list_objects", {"page_size": 7}))
    assert [i["key"] for i in items] == keys
    assert all(i["kind"] == "object" and i["size"] == 2 for i in items)
    assert len(calls) == -(-len(keys) // 7)  # 18 pages of 7 keys


def test_pages_are_fetched_only_as_items_are_consumed(host, conn, keys, count_calls):
    calls = count_calls("ListObjectsV2")
    stream = host.run(conn, "list_objects", {"page_size": 10})
    assert len(calls) == 0  # nothing requested until the first item is asked for
    first = [next(stream) for _ in range(10)]
    assert len(calls) == 1 and first[0]["key"] == keys[0]
    next(stream)
    assert len(calls) == 2


def test_delimiter_returns_common_prefixes(host, conn, keys):
    items = list(host.run(conn, "list_objects", {"delimiter": "/"}))
    assert items == [{"kind": "prefix", "key": "data/"}, {"kind": "prefix", "key": "logs/"},
                     {**items[2], "kind": "object", "key": "top.txt"}]


def test_prefix_start_after_and_max_keys(host, conn, keys, count_calls):
    logs = [i["key"] for i in host.run(conn, "list_objects", {"prefix": "logs/"})]
    assert logs == ["logs/a.log", "logs/b.log"]

    after = [i["key"] for i in host.run(conn, "list_objects", {"prefix": "data/", "start_after": "data/117.json"})]
    assert after == ["data/118.json", "data/119.json"]

    calls = count_calls("ListObjectsV2")
    limited = [i["key"] for i in host.run(conn, "list_objects", {"max_keys": 12, "page_size": 7})]
    assert limited == keys[:12]
    assert [c["query_string"]["max-keys"] for c in calls] == [7, 5]  # never more than needed


def test_listing_a_missing_bucket_says_so(host, connect):
    from connector_core import NotFoundError

    conn = connect(bucket="no-such-bucket-here")
    with pytest.raises(NotFoundError, match="no-such-bucket-here"):
        list(host.run(conn, "list_objects", {}))
