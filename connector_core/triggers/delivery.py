"""Delivery: claim due trigger instances, poll them, hand each item to the handler, then commit.

At least once: the cursor moves (and the source is told, ``PollResult.commit``) only
after the handler returned for every item of the poll. What can repeat, and when:

- the handler raised for an item: nothing is committed; the instance is retried after a
  back-off from the old cursor, so the items before the failing one come again;
- the process died during a poll: the lease expires and another poller repeats the poll
  from the stored cursor (the items handled before the death come again);
- the process died after the cursor was stored but before the source was told (an SQS
  delete): the source sends those items again.

Every repeat carries the item's dedupe key; a handler that must act once remembers keys.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ..errors import ConnectorError
from .instances import Claim, TriggerInstance, TriggerInstances
from .model import TriggerItem

log = logging.getLogger(__name__)

#: ``handler(instance, item)``: called once per item, in order; raise to refuse the poll.
Handler = Callable[[TriggerInstance, TriggerItem], None]


class ConnectionSource(Protocol):
    """Where connections come from (a :class:`~connector_core.store.ConnectionStore`)."""

    def load_connection(self, tenant: str, connection_id: str) -> Any: ...


@dataclass
class PollStats:
    """What one round of claiming and polling did."""

    claimed: int = 0
    polled: int = 0
    items: int = 0
    failed: int = 0
    lost_leases: int = 0
    errors: list[str] = field(default_factory=list)


class Poller:
    """Claims due instances in batches and delivers their items; one per process is enough.

    Many pollers (threads, processes, machines) may share one store: claims never overlap.
    ``lease_seconds`` must exceed a poll plus its handling; a poll that outlives its lease
    may be repeated by another poller (a duplicate, never a loss).
    """

    def __init__(self, host: Any, instances: TriggerInstances, connections: ConnectionSource, handler: Handler,
                 *, owner: str | None = None, batch: int = 50, lease_seconds: float = 300) -> None:
        self.host = host
        self.instances = instances
        self.connections = connections
        self.handler = handler
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.batch = batch
        self.lease_seconds = lease_seconds

    def claim(self, now: datetime | None = None) -> list[Claim]:
        return self.instances.claim_due(self.owner, limit=self.batch, lease_seconds=self.lease_seconds, now=now)

    def run_once(self, now: datetime | None = None) -> PollStats:
        """Claim one batch, poll and handle each instance in turn, then store the batch's cursors at once.

        One transaction for the whole batch's cursors (instead of one per instance) is what
        lets one store serve many polls per second; the price is that a crash mid-batch
        repeats the batch's finished polls too (duplicates, never a loss).
        """
        stats = PollStats()
        done = []
        for claim in self.claim(now):
            stats.claimed += 1
            result = self._poll_and_handle(claim, stats, now)
            if result is not None:
                done.append((claim, result))
        if done:
            committed = self.instances.commit_many([(c, r.cursor, len(r.items)) for c, r in done], now=now)
            for claim, result in done:
                self._acknowledge(claim, result, claim.instance.id in committed, stats)
        return stats

    def deliver(self, claim: Claim, stats: PollStats | None = None, *, now: datetime | None = None) -> None:
        """Poll one claimed instance, hand its items to the handler, commit the cursor."""
        stats = stats if stats is not None else PollStats()
        result = self._poll_and_handle(claim, stats, now)
        if result is not None:
            committed = self.instances.commit(claim, result.cursor, len(result.items), now=now)
            self._acknowledge(claim, result, committed, stats)

    def _poll_and_handle(self, claim: Claim, stats: PollStats, now: datetime | None) -> Any:
        """The poll's result once the handler took every item; None when it failed (recorded)."""
        instance = claim.instance
        try:
            connection = self.connections.load_connection(instance.tenant, instance.connection_id)
            result = self.host.poll(connection, instance.trigger_id, instance.params, instance.cursor,
                                    instance=instance.id)
            for item in result.items:
                self.handler(instance, item)
        except Exception as exc:  # the handler's or the poll's: retried later from the old cursor
            message = exc.user_message if isinstance(exc, ConnectorError) else f"{type(exc).__name__}: {exc}"
            message = self.host.mask(message)
            log.warning("trigger instance %s (%s %s) failed: %s", instance.id, instance.connector_id,
                        instance.trigger_id, message)
            stats.failed += 1
            stats.errors.append(message)
            self.instances.fail(claim, message, now=now)
            return None
        stats.polled += 1
        stats.items += len(result.items)
        return result

    def _acknowledge(self, claim: Claim, result: Any, committed: bool, stats: PollStats) -> None:
        instance = claim.instance
        if not committed:
            # Another poller owns it now and repeats the poll from the stored cursor.
            log.warning("trigger instance %s: lease lost before commit; its items will come again", instance.id)
            stats.lost_leases += 1
            return
        try:
            result.commit()
        except Exception as exc:  # the cursor is stored: the source re-sends, a duplicate at worst
            log.warning("trigger instance %s: acknowledging the source failed (%s); items may come again",
                        instance.id, type(exc).__name__)


class Background:
    """A loop in a daemon thread: ``start()``, ``stop()``, or ``with``; ``_loop`` checks ``_stop``."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self):
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float | None = 30) -> None:
        """Stop after the round in flight."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _loop(self) -> None:
        raise NotImplementedError


class TriggerScheduler(Background):
    """The in-process scheduler: a thread that claims due polls and runs them on a bounded pool.

    ``start()`` and ``stop()``; it sleeps until the next instance is due (at most
    ``max_sleep`` seconds, so instances created meanwhile start soon).
    """

    def __init__(self, poller: Poller, *, workers: int = 4, max_sleep: float = 1.0) -> None:
        self.poller = poller
        self.workers = workers
        self.max_sleep = max_sleep
        self.rounds = 0
        super().__init__("trigger-scheduler")

    def _loop(self) -> None:
        with ThreadPoolExecutor(self.workers, thread_name_prefix="trigger-poll") as pool:
            while not self._stop.is_set():
                try:
                    claims = self.poller.claim()
                    list(pool.map(self.poller.deliver, claims))  # one batch at a time: bounded
                    self.rounds += 1
                    if claims:
                        continue  # more may be due
                    self._stop.wait(self._sleep())
                except Exception:  # the store is down, say: keep the scheduler alive
                    log.exception("trigger scheduler round failed")
                    self._stop.wait(self.max_sleep)

    def _sleep(self) -> float:
        from .instances import _now

        due = self.poller.instances.next_due_at()
        if due is None:
            return self.max_sleep
        return max(0.0, min(self.max_sleep, (due - _now()).total_seconds()))
