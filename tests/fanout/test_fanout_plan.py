"""Splitting bulk input into chunks and merging the chunks' outputs back, in input order."""

from __future__ import annotations

import copy
import json
from collections import OrderedDict

import pytest

from connector_core import Host, ManifestError
from connector_core import fanout_plan
from connector_core.fanout_plan import (
    ChunkOutcome, Fanout, Listing, chunk_ranges, listed_chunk, merge, without_carried,
)
from connector_core.manifest_loader import parse_manifest

PUT = Fanout(split="entries", chunk_size=3, outcomes="results", position="index",
             sums=("successful_count", "failed_count", "requests"),
             failed_outcome={"index": "$position", "error_code": "$error", "error_message": "$message"},
             failed_count="failed_count")
DELETE = Fanout(split="keys", chunk_size=2, outcomes="errors", sums=("deleted_count", "error_count"),
                failed_outcome={"key": "$item", "code": "$error", "message": "$message"}, failed_count="error_count")


def _put_output(items, failing=()):
    """What the operation returns for one chunk: local positions from 0."""
    results = [{"index": i, "error_code": "MalformedDetail", "error_message": "bad"} if item in failing
               else {"index": i, "event_id": f"id-{item}"} for i, item in enumerate(items)]
    failed = sum(1 for item in items if item in failing)
    return {"results": results, "successful_count": len(items) - failed, "failed_count": failed, "requests": 1}


@pytest.mark.parametrize("total,size", [(0, 3), (1, 3), (3, 3), (10, 3), (10_001, 500)])
def test_every_position_is_in_exactly_one_chunk_in_order(total, size):
    for finer_tail in (False, True):
        ranges = chunk_ranges(total, size, finer_tail=finer_tail)
        assert [p for r in ranges for p in r] == list(range(total))
        assert all(1 <= len(r) <= size for r in ranges)


def test_a_long_inputs_last_chunks_are_cut_finer_so_workers_finish_together():
    ranges = chunk_ranges(100_000, 2000, finer_tail=True)
    assert [len(r) for r in ranges] == [2000] * 46 + [500] * 16  # the last 4 chunks' worth, 4 times finer
    assert [len(r) for r in chunk_ranges(15_999, 2000, finer_tail=True)] == [2000] * 7 + [1999]  # under 8 chunks
    assert [len(r) for r in chunk_ranges(30, 3, finer_tail=True)] == [3] * 10  # too small to cut finer


def test_merge_renumbers_outcomes_to_input_positions_whatever_order_chunks_finish():
    items = [f"e{i}" for i in range(8)]
    chunks = [ChunkOutcome(r.start, items[r.start:r.stop], _put_output(items[r.start:r.stop], failing={"e4"}))
              for r in chunk_ranges(8, 3)]
    merged = merge(PUT, list(reversed(chunks)))
    assert [o["index"] for o in merged["results"]] == list(range(8))
    assert [o.get("event_id") for o in merged["results"]] == [f"id-e{i}" if i != 4 else None for i in range(8)]
    assert merged["results"][4]["error_code"] == "MalformedDetail"
    assert (merged["successful_count"], merged["failed_count"], merged["requests"]) == (7, 1, 3)


def test_a_failed_chunk_gives_each_of_its_items_an_outcome_saying_why():
    items = list(range(7))
    chunks = [
        ChunkOutcome(0, items[0:3], _put_output(items[0:3])),
        ChunkOutcome(3, items[3:6], error={"error": "AuthenticationError", "message": "key ****** refused"}),
        ChunkOutcome(6, items[6:7], _put_output(items[6:7])),
    ]
    merged = merge(PUT, chunks)
    assert [o["index"] for o in merged["results"]] == list(range(7))
    assert merged["results"][3:6] == [
        {"index": i, "error_code": "AuthenticationError", "error_message": "key ****** refused"} for i in (3, 4, 5)]
    assert (merged["successful_count"], merged["failed_count"]) == (4, 3)


def test_an_output_missing_or_repeating_outcomes_still_gives_one_outcome_per_item():
    output = _put_output(["a", "b", "c"])
    output["results"] = [output["results"][0], output["results"][0], {"index": 99}]  # b, c missing
    merged = merge(PUT, [ChunkOutcome(0, ["a", "b", "c"], output)])
    assert [o["index"] for o in merged["results"]] == [0, 1, 2]
    assert [o.get("error_code") for o in merged["results"]] == [None, "NoOutcome", "NoOutcome"]
    assert merged["failed_count"] == 2


def _sent(position, name):
    return {"index": position, "event_id": f"id-{name}"}


_THROTTLED = {"index": 0, "error_code": "Throttled", "error_message": "slow"}
# A chunk's output for items a, b, c: (the chunk's first input position, its outcomes, in order?)
_CHUNK_OUTPUTS = {
    "in order from 0": (0, [_sent(0, "a"), _sent(1, "b"), _sent(2, "c")], True),
    "in order further on": (6, [_sent(0, "a"), _sent(1, "b"), _sent(2, "c")], True),
    "in order with an entry's error": (3, [_THROTTLED, _sent(1, "b"), _sent(2, "c")], True),
    "out of order": (3, [_sent(1, "b"), _sent(0, "a"), _sent(2, "c")], False),
    "a repeated position": (3, [_sent(0, "a"), _sent(0, "b"), _sent(2, "c")], False),
    "an outcome missing": (3, [_sent(0, "a"), _sent(1, "b")], False),
    "an outcome too many": (3, [_sent(0, "a"), _sent(1, "b"), _sent(2, "c"), _sent(3, "d")], False),
    "a position true for 1": (3, [_sent(0, "a"), _sent(True, "b"), _sent(2, "c")], False),
    "a position true for 1 from 0": (0, [_sent(0, "a"), _sent(True, "b"), _sent(2, "c")], False),
    "a position 1.0": (3, [_sent(0, "a"), _sent(1.0, "b"), _sent(2, "c")], False),
    "a position as text": (3, [_sent(0, "a"), _sent("1", "b"), _sent(2, "c")], False),
    "an outcome not a plain dict": (3, [_sent(0, "a"), OrderedDict(_sent(1, "b")), _sent(2, "c")], False),
    "an outcome without position": (3, [_sent(0, "a"), {"event_id": "id-b"}, _sent(2, "c")], False),
}


@pytest.mark.parametrize("start,outcomes,in_order", _CHUNK_OUTPUTS.values(), ids=_CHUNK_OUTPUTS)
def test_outcomes_in_their_items_order_merge_as_the_general_path_merges_them(monkeypatch, start, outcomes, in_order):
    """The shortcut for outputs listing one outcome per item in order changes no merged byte."""
    before = [ChunkOutcome(0, ["x"] * start, _put_output(["x"] * start))] if start else []
    chunks = [*before, ChunkOutcome(start, ["a", "b", "c"], {"results": outcomes, "successful_count": 3,
                                                              "failed_count": 0, "requests": 1})]
    given = copy.deepcopy(chunks)
    shortcut = []
    real = fanout_plan._renumbered
    monkeypatch.setattr(fanout_plan, "_renumbered", lambda *args: shortcut.append(args[2]) or real(*args))
    fast = merge(PUT, chunks)
    assert chunks == given  # the chunks' outputs are left as they were
    monkeypatch.setattr(fanout_plan, "_in_local_order", lambda *args: False)
    general = merge(PUT, chunks)
    assert json.dumps(fast) == json.dumps(general)  # the same values, types (1, not true) and key order
    assert [o["index"] for o in fast["results"]] == list(range(start + 3))
    assert (start in shortcut) == in_order


def test_a_failures_only_list_is_concatenated_and_constants_kept():
    keys = ["k0", "k1", "k2", "k3", "k4"]
    chunks = [
        ChunkOutcome(0, keys[0:2], {"bucket": "b", "deleted_count": 1, "error_count": 1,
                                     "errors": [{"key": "k1", "code": "AccessDenied", "message": "no"}]}),
        ChunkOutcome(2, keys[2:4], error={"error": "ThrottledError", "message": "slow down"}),
        ChunkOutcome(4, keys[4:5], {"bucket": "b", "deleted_count": 1, "error_count": 0, "errors": []}),
    ]
    merged = merge(DELETE, chunks)
    assert merged["bucket"] == "b"
    assert (merged["deleted_count"], merged["error_count"]) == (2, 3)
    assert merged["errors"] == [{"key": "k1", "code": "AccessDenied", "message": "no"},
                                {"key": "k2", "code": "ThrottledError", "message": "slow down"},
                                {"key": "k3", "code": "ThrottledError", "message": "slow down"}]


def test_the_shipped_connectors_declare_their_bulk_operations():
    host = Host(entry_points=True)
    put = next(op for op in host.manifest("aws.eventbridge").operations if op.id == "put_events")
    delete = next(op for op in host.manifest("aws.s3").operations if op.id == "delete_objects")
    assert (put.fanout.split, put.fanout.position, put.fanout.failed_count) == ("entries", "index", "failed_count")
    assert (delete.fanout.split, delete.fanout.outcomes) == ("keys", "errors")


OPERATION = """\
manifest_version: 1
id: acme.bulk
name: Bulk
version: 1.0.0
operations:
  - id: send
    label: Send
    input:
      fields:
        - {key: items, label: Items, type: list, items: {type: string}}
        - {key: mode, label: Mode, type: string}
    output:
      fields:
        - {key: outcomes, label: Outcomes, type: json}
        - {key: sent, label: Sent, type: integer}
        - {key: note, label: Note, type: string}
    fanout:
"""


@pytest.mark.parametrize("fanout,path,words", [
    ("      split: mode\n      chunk_size: 10\n      outcomes: outcomes\n", "operations[0].fanout.split",
     "not a list input"),
    ("      split: items\n      chunk_size: 0\n      outcomes: outcomes\n", "operations[0].fanout.chunk_size",
     "chunk_size must be 1 to"),
    ("      split: items\n      chunk_size: 10\n      outcomes: sent\n", "operations[0].fanout.outcomes",
     "not a list output"),
    ("      split: items\n      chunk_size: 10\n      outcomes: outcomes\n      sums: [note]\n",
     "operations[0].fanout.sums[0]", "not an integer output"),
    ("      split: items\n      chunk_size: 10\n      outcomes: outcomes\n      sums: [sent]\n"
     "      chunk_failed: {outcome: {why: $reason}}\n", "operations[0].fanout.chunk_failed.outcome.why",
     "unknown placeholder '$reason'"),
    ("      split: items\n      chunk_size: 10\n      outcomes: outcomes\n      chunk_failed: {count: sent}\n",
     "operations[0].fanout.chunk_failed.count", "not one of sums"),
    ("      split: items\n      chunk_sise: 10\n      outcomes: outcomes\n", "operations[0].fanout.chunk_sise",
     "unknown key"),
])
def test_a_wrong_fanout_declaration_is_a_load_error_naming_the_key(fanout, path, words):
    with pytest.raises(ManifestError) as caught:
        parse_manifest(OPERATION + fanout, "bulk.yaml")
    assert caught.value.path == path
    assert words in str(caught.value)


def test_a_right_declaration_loads():
    _, manifest = parse_manifest(OPERATION + "      split: items\n      chunk_size: 10\n      outcomes: outcomes\n"
                                 "      sums: [sent]\n", "bulk.yaml")
    assert manifest.operations[0].fanout == Fanout(split="items", chunk_size=10, outcomes="outcomes", sums=("sent",))


LISTED = OPERATION.replace("""    fanout:
""", """    fanout:
      split: items
      chunk_size: 10
      outcomes: outcomes
      list:
@LISTING@
  - id: browse
    label: Browse
    input:
      fields:
        - {key: folder, label: Folder, type: string}
        - {key: after, label: After, type: string}
    output:
      stream: @STREAM@
      fields:
        - {key: name, label: Name, type: string}
""")


def _listed(listing: str, stream: str) -> str:
    return LISTED.replace("@LISTING@", listing).replace("@STREAM@", stream)


GOOD_LIST = "        operation: browse\n        params: {folder: mode}\n        item: name\n        resume: after"


@pytest.mark.parametrize("listing,stream,path,words", [
    (GOOD_LIST.replace("browse", "send"), "true", "operations[0].fanout.list.operation", "not a streaming operation"),
    (GOOD_LIST, "false", "operations[0].fanout.list.operation", "name one of: (none)"),
    (GOOD_LIST.replace("item: name", "item: size"), "true", "operations[0].fanout.list.item",
     "'size' is not an output field of browse"),
    (GOOD_LIST.replace("{folder: mode}", "{folder: nothing}"), "true", "operations[0].fanout.list.params.folder",
     "not an input of this operation"),
    (GOOD_LIST.replace("resume: after", "resume: since"), "true", "operations[0].fanout.list",
     "'since' is not an input of browse"),
    (GOOD_LIST.replace("\n        resume: after", ""), "true", "operations[0].fanout.list", "'resume'"),
    (GOOD_LIST + "\n        carry: {name: mode}", "true", "operations[0].fanout.list.carry.name",
     "'mode' is not an optional list input of this operation"),
    (GOOD_LIST + "\n        carry: {size: items}", "true", "operations[0].fanout.list.carry.size",
     "'items' is not an optional list input"),  # the split itself: checked before the listing's fields
])
def test_a_wrong_listing_is_a_load_error_naming_the_key(listing, stream, path, words):
    with pytest.raises(ManifestError) as caught:
        parse_manifest(_listed(listing, stream), "bulk.yaml")
    assert caught.value.path == path
    assert words in str(caught.value)


def test_a_listing_needs_an_optional_split_input():
    text = _listed(GOOD_LIST, "true").replace(
        "{key: items, label: Items, type: list,", "{key: items, label: Items, type: list, required: true,")
    with pytest.raises(ManifestError) as caught:
        parse_manifest(text, "bulk.yaml")
    assert caught.value.path == "operations[0].fanout.split" and "never run" in str(caught.value)


def test_a_right_listing_loads_and_the_s3_prefix_operations_declare_one():
    _, manifest = parse_manifest(_listed(GOOD_LIST, "true"), "bulk.yaml")
    assert manifest.operations[0].fanout.listing == Listing("browse", {"folder": "mode"}, "name", "after")
    s3 = Host(entry_points=True).manifest("aws.s3")
    for operation in ("delete_prefix", "copy_prefix"):
        listing = s3.operation(operation).fanout.listing
        assert (listing.operation, listing.item, listing.resume) == ("list_objects", "key", "start_after")
    assert s3.operation("copy_prefix").fanout.listing.carry == {"size": "sizes", "etag": "etags"}


def test_a_listing_carries_what_it_said_of_each_item_and_a_split_cuts_it_alike():
    copy = Host(entry_points=True).manifest("aws.s3").operation("copy_prefix").fanout
    listed = [{"key": "a", "size": 1, "etag": "e1"}, {"key": "b", "size": 2, "etag": "e2"}]
    assert listed_chunk(copy.listing, "keys", listed) == {"keys": ["a", "b"], "sizes": [1, 2], "etags": ["e1", "e2"]}
    partly = [listed[0], {"key": "b", "size": 2}]  # an item the listing gave no ETag: the chunk reads them all
    assert listed_chunk(copy.listing, "keys", partly) == {"keys": ["a", "b"], "sizes": [1, 2]}
    given = {"keys": list("abcd"), "sizes": [1, 2, 3, 4], "etags": list("wxyz"), "prefix": "p"}
    # A list split cuts the keys alone: its chunks go without the lists aligned with them.
    assert without_carried(copy, given) == {"keys": list("abcd"), "prefix": "p"}
