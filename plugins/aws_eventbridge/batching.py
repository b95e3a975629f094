"""Splitting PutEvents entries into requests that respect the service limits.

Pure functions, no AWS: sizes follow AWS's documented PutEvents entry-size formula
("Calculating PutEvents event entry size", EventBridge user guide): ``Time`` counts 14
bytes when present; ``Source``, ``DetailType``, ``Detail`` and each ``Resources`` item count
their UTF-8 byte length. ``EventBusName`` and ``TraceHeader`` do not count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: At most this many entries per PutEvents call.
MAX_ENTRIES = 10
#: The default request-size cap: 256 KiB, valid in every region and partition (AWS raised
#: the limit to 1 MiB in 2026, but not everywhere at once).
DEFAULT_MAX_REQUEST_BYTES = 256 * 1024
#: What a ``Time`` parameter counts for, whatever its value.
TIME_BYTES = 14


def entry_size(entry: Mapping[str, Any]) -> int:
    """The size of one PutEvents request entry (API-shaped: ``Source``, ``Detail``...), in bytes."""
    size = TIME_BYTES if entry.get("Time") is not None else 0
    # ASCII text is as many bytes in UTF-8 as it has characters: counted without encoding a copy.
    for key in ("Source", "DetailType", "Detail"):
        value = entry.get(key)
        if value is not None:
            size += len(value) if value.isascii() else len(value.encode("utf-8"))
    for resource in entry.get("Resources") or ():
        if resource is not None:
            size += len(resource) if resource.isascii() else len(resource.encode("utf-8"))
    return size


def plan_batches(
    indices: Iterable[int],
    sizes: Sequence[int],
    max_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    max_entries: int = MAX_ENTRIES,
) -> list[list[int]]:
    """Group entry indices, in the given order, into requests within both limits.

    ``sizes[i]`` is the size of entry ``i``. Each index appears in exactly one batch.
    Greedy and order-preserving: a batch is closed when the next entry would exceed
    ``max_entries`` or ``max_bytes``. An entry larger than ``max_bytes`` on its own is
    refused (callers reject such entries before planning).
    """
    if max_entries < 1 or max_bytes < 1:
        raise ValueError("max_entries and max_bytes must be positive")
    batches: list[list[int]] = []
    current: list[int] = []
    current_bytes = 0
    for index in indices:
        size = sizes[index]
        if size > max_bytes:
            raise ValueError(f"entry {index} is {size} bytes, over the {max_bytes}-byte request cap")
        if current and (len(current) >= max_entries or current_bytes + size > max_bytes):
            batches.append(current)
            current, current_bytes = [], 0
        current.append(index)
        current_bytes += size
    if current:
        batches.append(current)
    return batches


def oversized(sizes: Sequence[int], max_bytes: int) -> list[int]:
    """The indices of entries that cannot fit in any request."""
    return [i for i, size in enumerate(sizes) if size > max_bytes]
