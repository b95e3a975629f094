"""Fan-out of bulk operations: the manifest's ``fanout:`` declaration, splitting, merging.

An operation whose input is a long list (events to publish, keys to delete) can declare
how its work splits into chunks that run as separate jobs on several workers, and how the
chunks' outputs merge back into one output of the operation's own shape::

    fanout:
      split: entries            # the input list cut into chunks (one child job each)
      chunk_size: 500           # items per chunk
      outcomes: results         # the output list of per-item outcomes, concatenated in input order
      position: index           # (optional) the outcome key holding the item's input position
      sums: [successful_count, failed_count, requests]   # integer outputs added up
      chunk_failed:             # each item of a chunk whose job failed as a whole gets:
        outcome: {index: $position, error_code: $error, error_message: $message}
        count: failed_count     # ...and is counted here

Chunks may also come from a listing instead of an input list: with ``list:``, a run
that leaves the ``split`` input out has a worker read a streaming operation of the same
connector (objects under a prefix) and queue one chunk of ``chunk_size`` listed items at
a time, each chunk carrying its items in ``split``; outcomes merge in listing order::

    fanout:
      list:
        operation: list_objects                   # a streaming operation of this connector
        params: {bucket: bucket, prefix: prefix}  # its input <- this operation's input
        item: key                                 # the listed item's field a chunk carries
        carry: {size: sizes, etag: etags}         # (optional) more listed fields -> list inputs
        resume: start_after                       # its input that lists after a given item
      split: keys
      ...

``carry`` hands a chunk what the listing already said about each item (an object's size
and ETag), each field as a list input aligned with ``split``; a chunk whose listed items
lack a field goes without that input (the operation then finds it out itself), as do
the chunks of a list split, which cuts ``split`` alone.

Placeholders in ``chunk_failed.outcome``: ``$position`` (the item's input position),
``$item`` (the item itself), ``$error`` (the failure's type) and ``$message`` (its masked
message). Output keys that are neither outcomes nor sums (a bucket name) come from the
first chunk that produced them.

Pure functions, no store and no runner: :mod:`connector_core.jobs.fanout` runs them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Placeholders of ``chunk_failed.outcome``.
PLACEHOLDERS = ("$position", "$item", "$error", "$message")
#: A chunk bigger than this is one worker doing the whole job again.
MAX_CHUNK_SIZE = 100_000
_FANOUT_KEYS = {"split": str, "chunk_size": int, "outcomes": str, "position": str, "sums": list,
                "chunk_failed": dict, "list": dict}
_LIST_KEYS = {"operation": str, "params": dict, "item": str, "carry": dict, "resume": str}


@dataclass(frozen=True)
class Listing:
    """Where a fan-out's items come from when its ``split`` input is left out: a streaming
    operation of the same connector, read page by page by a worker."""

    operation: str
    params: Mapping[str, str]  # the listing's input -> the fanned-out operation's input
    item: str
    resume: str  # the listing's input that lists after a given item: a re-run goes on, never repeats
    carry: Mapping[str, str] = field(default_factory=dict)  # listed field -> list input aligned with split
_CHUNK_FAILED_KEYS = {"outcome": dict, "count": str}


@dataclass(frozen=True)
class Fanout:
    """How one operation's bulk input splits into chunks and its outputs merge back."""

    split: str
    chunk_size: int
    outcomes: str
    position: str | None = None
    sums: tuple[str, ...] = ()
    failed_outcome: Mapping[str, Any] = field(default_factory=dict)
    failed_count: str | None = None
    listing: Listing | None = None


@dataclass(frozen=True)
class ChunkOutcome:
    """What one chunk's job ended with: its output, or the (masked) error that ended it."""

    start: int
    items: Sequence[Any]
    result: Mapping[str, Any] | None = None
    error: Mapping[str, Any] | None = None  # {"error": type name, "message": masked text, ...}


def chunk_ranges(total: int, chunk_size: int, *, finer_tail: bool = False) -> list[range]:
    """Consecutive input positions per chunk; every position in exactly one chunk.

    ``finer_tail``: the last :data:`TAIL_CHUNKS` chunks' worth of a long input (at least
    twice that many chunks) is cut :data:`TAIL_CHUNKS` times finer. Workers then finish
    nearly together, instead of the last few full chunks running alone while every other
    worker waits (a chunk's requests in flight are its own ``concurrency``, far below what a
    worker process sends when all its threads are busy).
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    fine = chunk_size // TAIL_CHUNKS
    tail = total - TAIL_CHUNKS * chunk_size if finer_tail and fine and total >= 2 * TAIL_CHUNKS * chunk_size else total
    return ([range(start, min(start + chunk_size, tail)) for start in range(0, tail, chunk_size)]
            + [range(start, min(start + fine, total)) for start in range(tail, total, fine or 1)])


#: How many chunks' worth at the end of a long input ``chunk_ranges(finer_tail=True)`` cuts
#: finer, and by how much: the local runner's default threads.
TAIL_CHUNKS = 4


def without_carried(spec: Fanout, params: Mapping[str, Any]) -> Mapping[str, Any]:
    """``params`` less a listing's carried lists, for a list split: it cuts ``split`` alone,
    so its chunks go without them (the operation finds out what they would have said)."""
    carried = spec.listing.carry.values() if spec.listing else ()
    return {k: v for k, v in params.items() if k not in carried} if any(n in params for n in carried) else params


def listed_chunk(listing: Listing, split: str, listed: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A chunk's inputs from its listed items: ``split`` the items, and each carried field
    whose every item has it (else the chunk goes without: the operation finds it out)."""
    inputs: dict[str, Any] = {split: [item[listing.item] for item in listed]}
    for listed_field, name in listing.carry.items():
        values = [item.get(listed_field) for item in listed]
        if None not in values:
            inputs[name] = values
    return inputs


def merge(spec: Fanout, chunks: Sequence[ChunkOutcome]) -> dict[str, Any]:
    """One output of the operation's shape from its chunks, outcomes in input order.

    A chunk that failed as a whole contributes ``chunk_failed.outcome`` for each of its
    items; with ``position`` declared, a chunk's output that lacks an item's outcome gets
    one too (error ``NoOutcome``), so every input item ends with exactly one outcome.
    """
    merged: dict[str, Any] = {name: 0 for name in spec.sums}
    outcomes: list[Any] = []
    for chunk in sorted(chunks, key=lambda c: c.start):
        if chunk.result is None:
            error = chunk.error or {"error": "NotRun", "message": "the chunk's job never ran"}
            outcomes.extend(_failed(spec, chunk.start + i, item, error) for i, item in enumerate(chunk.items))
            if spec.failed_count:
                merged[spec.failed_count] = merged.get(spec.failed_count, 0) + len(chunk.items)
            continue
        for name, value in chunk.result.items():
            if name in spec.sums:
                merged[name] += int(value or 0)
            elif name != spec.outcomes and merged.get(name) is None:
                merged[name] = value
        outcomes.extend(_rebased(spec, chunk, chunk.result, merged))
    merged[spec.outcomes] = outcomes
    return merged


def _rebased(spec: Fanout, chunk: ChunkOutcome, result: Mapping[str, Any], merged: dict[str, Any]) -> list[Any]:
    """A finished chunk's outcomes (``result``: its output) with positions made input-wide (and holes filled)."""
    listed = list(result.get(spec.outcomes) or ())
    if spec.position is None:
        return listed
    if _in_local_order(listed, spec.position, len(chunk.items)):
        return _renumbered(listed, spec.position, chunk.start)
    by_position: dict[int, Any] = {}
    for outcome in listed:
        local = outcome.get(spec.position) if isinstance(outcome, Mapping) else None
        if isinstance(local, int) and 0 <= local < len(chunk.items) and local not in by_position:
            by_position[local] = {**outcome, spec.position: chunk.start + local}
    missing = {"error": "NoOutcome", "message": "the chunk's output has no outcome for this item"}
    out = []
    for local, item in enumerate(chunk.items):
        if local in by_position:
            out.append(by_position[local])
        else:
            out.append(_failed(spec, chunk.start + local, item, missing))
            if spec.failed_count:
                merged[spec.failed_count] = merged.get(spec.failed_count, 0) + 1
    return out


def _in_local_order(listed: list[Any], position: str, count: int) -> bool:
    """Whether ``listed`` holds one dict per item, each naming its own item's local position
    (an int, 0 to ``count - 1``) in order: what an operation returns. Then the general path
    (a dict of positions, holes filled) would give the same outcomes, at twice the CPU."""
    if len(listed) != count or set(map(type, listed)) != {dict}:
        return False
    positions = [outcome.get(position) for outcome in listed]
    # == alone takes True and 1.0 for 1, which the general path renumbers, or not, otherwise.
    return positions == list(range(count)) and set(map(type, positions)) == {int}


def _renumbered(listed: list[dict[str, Any]], position: str, start: int) -> list[dict[str, Any]]:
    """:func:`_in_local_order` outcomes with input-wide positions; the caller's dicts left as they were."""
    if start == 0:  # already input-wide: shared as they are, as outcomes without a position are
        return listed
    renumbered = []
    for outcome, input_position in zip(listed, range(start, start + len(listed))):
        outcome = outcome.copy()  # copy-then-set: twice as fast as {**outcome, position: ...}
        outcome[position] = input_position
        renumbered.append(outcome)
    return renumbered


def _failed(spec: Fanout, position: int, item: Any, error: Mapping[str, Any]) -> dict[str, Any]:
    values = {"$position": position, "$item": item, "$error": error.get("error") or "Error",
              "$message": error.get("message") or ""}
    return {key: values.get(value, value) if isinstance(value, str) else value
            for key, value in spec.failed_outcome.items()}


def parse_fanout(checker: Any, raw: Any, path: tuple, operation: Any) -> Fanout:
    """The checked ``fanout:`` of one operation (``checker`` is the manifest loader's)."""
    data = checker.mapping(raw, path, _FANOUT_KEYS, ["split", "chunk_size", "outcomes"])
    inputs = {f.key: f for f in operation.input.fields}
    outputs = {f.key: f for f in operation.output.fields}
    split = inputs.get(data["split"])
    if split is None or split.type != "list":
        raise checker.fail(path + ("split",), f"split names {data['split']!r}, not a list input of this operation",
                           f"name one of: {', '.join(k for k, f in inputs.items() if f.type == 'list') or '(none)'}")
    if not 1 <= data["chunk_size"] <= MAX_CHUNK_SIZE:
        raise checker.fail(path + ("chunk_size",), f"chunk_size must be 1 to {MAX_CHUNK_SIZE:,}",
                           "write how many items one child job takes, e.g. `chunk_size: 500`")
    if operation.output.stream:
        raise checker.fail(path, "a streaming operation cannot fan out", "remove `fanout:` or `stream: true`")
    outcomes = outputs.get(data["outcomes"])
    if outcomes is None or outcomes.type not in ("list", "json"):
        raise checker.fail(path + ("outcomes",), f"outcomes names {data['outcomes']!r}, not a list output",
                           "name the output list that holds one outcome per item (or per failed item)")
    sums = tuple(checker.strings(data.get("sums", []), path + ("sums",)))
    for i, name in enumerate(sums):
        if name not in outputs or outputs[name].type != "integer":
            raise checker.fail(path + ("sums", i), f"{name!r} is not an integer output of this operation",
                               "list the integer outputs that add up across chunks")
    failed = checker.mapping(data.get("chunk_failed", {}), path + ("chunk_failed",), _CHUNK_FAILED_KEYS, [])
    count = failed.get("count")
    if count is not None and count not in sums:
        raise checker.fail(path + ("chunk_failed", "count"), f"count {count!r} is not one of sums",
                           "name the summed output that counts failed items")
    for key, value in failed.get("outcome", {}).items():
        if isinstance(value, str) and value.startswith("$") and value not in PLACEHOLDERS:
            raise checker.fail(path + ("chunk_failed", "outcome", key), f"unknown placeholder {value!r}",
                               f"use one of {', '.join(PLACEHOLDERS)}")
    listing = None
    if "list" in data:
        raw_list = checker.mapping(data["list"], path + ("list",), _LIST_KEYS,
                                   ["operation", "params", "item", "resume"])
        for name, source in raw_list["params"].items():
            if not isinstance(source, str) or source not in inputs:
                raise checker.fail(path + ("list", "params", name), f"{source!r} is not an input of this operation",
                                   "map each input of the listing to one of this operation's inputs")
        if split.required:
            raise checker.fail(path + ("split",), f"{data['split']!r} is required, so the listing would never run",
                               "make the split input optional: left out, the items come from the listing")
        for listed_field, name in raw_list.get("carry", {}).items():
            target = inputs.get(name) if isinstance(name, str) else None
            if target is None or target.type != "list" or target.required or name == data["split"]:
                raise checker.fail(path + ("list", "carry", listed_field), f"{name!r} is not an optional list "
                                   "input of this operation", "carry each listed field into a list input of its own")
        listing = Listing(raw_list["operation"], dict(raw_list["params"]), raw_list["item"], raw_list["resume"],
                          dict(raw_list.get("carry", {})))
    return Fanout(split=data["split"], chunk_size=data["chunk_size"], outcomes=data["outcomes"],
                  position=data.get("position"), sums=sums, failed_outcome=dict(failed.get("outcome", {})),
                  failed_count=count, listing=listing)


def check_listings(checker: Any, operations: Sequence[Any]) -> None:
    """Each ``fanout.list`` names a streaming operation of the same manifest, its inputs and its item field."""
    by_id = {op.id: op for op in operations}
    for index, operation in enumerate(operations):
        listing = operation.fanout.listing if operation.fanout else None
        if listing is None:
            continue
        path = ("operations", index, "fanout", "list")
        source = by_id.get(listing.operation)
        if source is None or not source.output.stream or source.fanout is not None:
            streaming = [op.id for op in operations if op.output.stream]
            raise checker.fail(path + ("operation",), f"{listing.operation!r} is not a streaming operation here",
                               f"name one of: {', '.join(streaming) or '(none)'}")
        inputs = {f.key for f in source.input.fields}
        for name in [*listing.params, listing.resume]:
            if name not in inputs:
                raise checker.fail(path, f"{name!r} is not an input of {listing.operation}",
                                   f"use its inputs: {', '.join(sorted(inputs))}")
        listed = {f.key for f in source.output.fields}
        if listing.item not in listed:
            raise checker.fail(path + ("item",), f"{listing.item!r} is not an output field of {listing.operation}",
                               "name the field of each listed item that a chunk carries, e.g. `item: key`")
        for name in listing.carry:
            if name not in listed:
                raise checker.fail(path + ("carry", name), f"{name!r} is not an output field of {listing.operation}",
                                   f"carry its output fields: {', '.join(sorted(listed))}")
