"""Triggers: what a manifest declares, and what a poll returns.

A trigger is polled: given a connection, the trigger's params and the last **cursor**,
the owner returns new items and the next cursor. The cursor is plain JSON, because a
host stores it between polls (and across restarts); whatever the owner needs to
resume -- a high-water mark, the keys already seen at that mark -- lives in it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..manifest import Section

#: The poll interval a trigger gets when its manifest gives none (seconds).
DEFAULT_POLL_INTERVAL = 60


@dataclass(frozen=True)
class Trigger:
    """A declared trigger: its id, label, input (params) and output (one item's data)."""

    id: str
    label: str
    input: Section
    output: Section
    description: str | None = None
    poll_interval: int = DEFAULT_POLL_INTERVAL
    iam_actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class TriggerItem:
    """One new thing a poll found.

    ``dedupe_key`` identifies the thing across polls (an object's key and ETag, an
    event's id): delivery is at least once, so a handler that must not act twice
    remembers the keys it has seen. ``data`` matches the trigger's ``output`` fields.
    """

    dedupe_key: str
    data: dict[str, Any]


@dataclass
class PollResult:
    """What a poll returns: the new items, in order, and the cursor to poll from next.

    ``on_commit`` (optional) is what the source needs done once the items are handled
    and the cursor stored -- deleting received queue messages, say. The host never
    calls it itself during :meth:`Host.poll`; the delivery loop (or whoever stores the
    cursor) calls :meth:`commit` after the handler succeeded. A poll whose result is
    never committed is repeated from the old cursor: items come again (at least once).
    """

    items: list[TriggerItem] = field(default_factory=list)
    cursor: Any = None
    on_commit: Callable[[], None] | None = None

    def commit(self) -> None:
        """Tell the source the items are handled (idempotent)."""
        callback, self.on_commit = self.on_commit, None
        if callback is not None:
            callback()

    @property
    def dedupe_keys(self) -> list[str]:
        return [item.dedupe_key for item in self.items]


def items_of(raw: Iterable[Any]) -> list[TriggerItem]:
    """TriggerItems from what a plugin returned (TriggerItem or ``(key, data)`` pairs)."""
    out = []
    for item in raw:
        if not isinstance(item, TriggerItem):
            key, data = item
            item = TriggerItem(key, data)
        out.append(item)
    return out


def round_trip(cursor: Any) -> Any:
    """The cursor as a store gives it back: through JSON text. Raises ValueError/TypeError."""
    return json.loads(json.dumps(cursor, allow_nan=False))
