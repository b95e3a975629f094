"""Dispatch: one receive loop per shared inbox, routing its messages to trigger instances.

Some triggers deliver through a queue that many trigger instances share (the rules of
one cloud account and region, say, all sending to one queue). Polling each instance
would cost a receive call per instance per interval, and each receive would see, and hand back, the
other instances' messages. An :class:`InboxDispatcher` runs one receive loop per inbox
instead, so receive calls grow with inboxes, not with instances. Every message names the
trigger instance it is for (the trigger's set-up puts the id in it).

For each received batch the dispatcher looks the named instances up in the store (one
query) and, per instance:

- **enabled and set up on this inbox** (:meth:`Inbox.serves`): its items go to the
  handler, in order, each dedupe key once per batch (a source may deliver one message
  twice); when the handler returned for all of them, the delivery is recorded in the
  store, then the messages are deleted. A handler that raised: nothing is deleted, the
  error is recorded (masked), and the messages come again after the source's visibility
  timeout, with the same dedupe keys (at least once);
- **disabled**: its messages are left alone; they come again after the visibility
  timeout, until the instance is enabled or the queue's retention drops them;
- **unroutable** -- no instance named, an unknown (deleted) instance, or one set up on
  another inbox (a message written into the queue by hand): left alone until the source
  has delivered it ``orphan_receives`` times (room for an instance whose set-up is in
  flight, or a rolling switch from per-instance polls), then deleted and counted as
  ``dropped`` with a warning. Deleting a trigger instance should tear down its source
  (its rule) too; until then its messages end here.

A dispatcher never moves cursors: the inbox acknowledges (deletes) messages itself, so
several dispatchers (processes, machines) may receive from one inbox at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import ConnectorError
from .delivery import Background, Handler
from .instances import TriggerInstance, TriggerInstances
from .model import TriggerItem

log = logging.getLogger(__name__)

#: Deliveries of an unroutable message before it is deleted.
ORPHAN_RECEIVES = 5


@dataclass(frozen=True)
class InboxMessage:
    """One received message: the instance it is for, its item, and what deletes it."""

    route: str | None  # the trigger instance id the message names (None: it names none)
    item: TriggerItem | None  # None: not an item of the trigger (an unreadable body)
    receipt: str
    receives: int = 1  # how many times the source has delivered this message


class Inbox(Protocol):
    """A source shared by many trigger instances, provided by the trigger's plugin."""

    #: Identifies the inbox (a queue URL): instances set up on it say so in their cursor.
    key: str

    def receive(self) -> list[InboxMessage]:
        """One (long-polled) receive call; an empty list when nothing came."""

    def delete(self, receipts: list[str]) -> None:
        """Acknowledge handled messages: the source never sends them again."""

    def serves(self, instance: TriggerInstance) -> bool:
        """True if ``instance`` is set up to receive from this inbox (its cursor says so)."""


@dataclass
class DispatchStats:
    """What one receive and its routing did."""

    received: int = 0
    delivered: int = 0
    failed: int = 0
    left: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)


class InboxDispatcher(Background):
    """Receives from one inbox and hands each message to its trigger instance's handler.

    ``run_once()`` does one receive; ``start()``/``stop()`` (or ``with``) run it in a thread
    until stopped. ``host`` masks the handler's error messages before they are stored.
    """

    def __init__(self, host: Any, inbox: Inbox, instances: TriggerInstances, handler: Handler,
                 *, orphan_receives: int = ORPHAN_RECEIVES, idle_sleep: float = 1.0) -> None:
        self.host = host
        self.inbox = inbox
        self.instances = instances
        self.handler = handler
        self.orphan_receives = orphan_receives
        self.idle_sleep = idle_sleep
        self.totals = DispatchStats()
        super().__init__(f"inbox-dispatcher-{id(self):x}")

    def run_once(self) -> DispatchStats:
        stats = DispatchStats()
        messages = self.inbox.receive()
        stats.received = len(messages)
        by_route: dict[str | None, list[InboxMessage]] = {}
        for message in messages:
            by_route.setdefault(message.route, []).append(message)
        known = self.instances.by_ids([r for r in by_route if r is not None])
        for route, group in by_route.items():
            instance = known.get(route) if route is not None else None
            if instance is not None and self.inbox.serves(instance):
                if instance.enabled:
                    self._deliver(instance, group, stats)
                else:
                    stats.left += len(group)
            else:
                self._orphans(route, group, stats)
        self._add(stats)
        return stats

    def _deliver(self, instance: TriggerInstance, group: list[InboxMessage], stats: DispatchStats) -> None:
        items: dict[str, TriggerItem] = {}
        unreadable = 0
        for message in group:
            if message.item is None:
                unreadable += 1
            else:
                items.setdefault(message.item.dedupe_key, message.item)
        try:
            for item in items.values():
                self.handler(instance, item)
        except Exception as exc:  # retried by the source after its visibility timeout
            text = exc.user_message if isinstance(exc, ConnectorError) else f"{type(exc).__name__}: {exc}"
            text = self.host.mask(text)
            log.warning("trigger instance %s: handler failed (%s); its %d messages come again",
                        instance.id, text, len(group))
            self.instances.record_dispatch(instance.id, 0, text)
            stats.failed += len(group)
            stats.errors.append(text)
            return
        self.instances.record_dispatch(instance.id, len(items))
        if unreadable:
            log.warning("trigger instance %s: %d messages were not events; deleted", instance.id, unreadable)
        self.inbox.delete([m.receipt for m in group])  # a failed delete: the source re-sends (duplicates)
        stats.delivered += len(items)
        stats.dropped += unreadable

    def _orphans(self, route: str | None, group: list[InboxMessage], stats: DispatchStats) -> None:
        expired = [m.receipt for m in group if m.receives >= self.orphan_receives]
        stats.left += len(group) - len(expired)
        if expired:
            log.warning("inbox %s: deleting %d messages for %s after %d deliveries (no trigger instance set up "
                        "on this inbox has that id; tear down the source that sends them)", self.inbox.key,
                        len(expired), f"trigger instance {route[:64]!r}" if route else "no trigger instance",
                        self.orphan_receives)
            self.inbox.delete(expired)
            stats.dropped += len(expired)

    def _add(self, stats: DispatchStats) -> None:
        for name in ("received", "delivered", "failed", "left", "dropped"):
            setattr(self.totals, name, getattr(self.totals, name) + getattr(stats, name))

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # the queue or the store is down, say: keep receiving
                log.exception("inbox %s: a receive round failed", self.inbox.key)
                self._stop.wait(self.idle_sleep)

