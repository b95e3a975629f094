"""Delivery with durable cursors: trigger instances in the store, leases, at-least-once, restarts.

Every test runs on SQLite and on PostgreSQL (the store's fixtures). Time is passed in
(``now=``), so lease expiry and back-off are exercised without waiting.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from connector_core import NotFoundError
from connector_core.triggers.delivery import Poller, TriggerScheduler

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)


class Crash(BaseException):
    """The process dies here: nothing after it runs, nothing is committed."""


def _setup(open_store, tenant="acme"):
    host, store, instances = open_store()
    conn = store.create(tenant, "test.feed", "feed", {})
    instance = instances.create(tenant, conn.id, "new_entries", {"limit": 100}, now=T0)
    return host, store, instances, instance


def _poller(host, store, instances, seen, fail_on=None, owner="p1", lease=60):
    def handler(instance, item):
        if fail_on is not None and fail_on(item):
            raise fail_on.error
        seen.append(item.dedupe_key)
    return Poller(host, instances, store, handler, owner=owner, lease_seconds=lease)


def test_each_item_is_handled_once_and_the_cursor_is_stored(open_store, feed):
    host, store, instances, instance = _setup(open_store)
    seen: list[str] = []
    poller = _poller(host, store, instances, seen)
    keys = feed.add(3)
    stats = poller.run_once(now=T0)
    assert (stats.claimed, stats.items, seen) == (1, 3, keys)
    stored = instances.get("acme", instance.id)
    assert stored.cursor == {"after": 3} and stored.delivered == 3
    assert stored.next_due_at == T0 + timedelta(seconds=5)  # the manifest's poll_interval
    assert poller.run_once(now=T0 + timedelta(seconds=1)).claimed == 0  # not due yet
    more = feed.add(2)
    poller.run_once(now=T0 + timedelta(seconds=5))
    assert seen == keys + more


def test_a_lease_keeps_other_pollers_off_until_it_expires(open_store, feed):
    host, store, instances, instance = _setup(open_store)
    (first,) = instances.claim_due("p1", now=T0, lease_seconds=60)
    assert instances.claim_due("p2", now=T0 + timedelta(seconds=59)) == []
    (second,) = instances.claim_due("p2", now=T0 + timedelta(seconds=61))
    assert second.instance.id == instance.id
    assert instances.commit(first, {"after": 99}, 1) is False  # p1 lost its lease: nothing changes
    assert instances.get("acme", instance.id).cursor is None
    assert instances.commit(second, {"after": 1}, 1) is True


def test_a_failing_handler_moves_nothing_and_the_items_come_again(open_store, feed):
    host, store, instances, instance = _setup(open_store)
    keys = feed.add(3)
    seen: list[str] = []

    def fail_on(item):
        return item.dedupe_key == keys[1]
    fail_on.error = RuntimeError("downstream is down")
    _poller(host, store, instances, seen, fail_on).run_once(now=T0)
    stored = instances.get("acme", instance.id)
    assert stored.cursor is None and stored.failures == 1
    assert stored.last_error == "RuntimeError: downstream is down"
    assert stored.next_due_at == T0 + timedelta(seconds=10)  # back-off: interval x 2
    _poller(host, store, instances, seen).run_once(now=stored.next_due_at)
    # The first item was handled twice (documented: at least once), then all three once more.
    assert seen == [keys[0]] + keys
    assert instances.get("acme", instance.id).failures == 0


def test_a_restart_between_polls_resumes_from_the_stored_cursor(open_store, feed):
    host, store, instances, instance = _setup(open_store)
    seen: list[str] = []
    first = feed.add(2)
    _poller(host, store, instances, seen).run_once(now=T0)
    store.close()
    second = feed.add(2)
    host, store, instances = open_store()  # a new process: new host, new engine
    _poller(host, store, instances, seen, owner="p2").run_once(now=T0 + timedelta(seconds=5))
    assert seen == first + second


def test_a_crash_during_a_poll_loses_nothing_and_repeats_only_that_poll(open_store, feed):
    host, store, instances, instance = _setup(open_store)
    before = feed.add(2)
    seen: list[str] = []
    _poller(host, store, instances, seen).run_once(now=T0)
    during = feed.add(4)

    def fail_on(item):
        return item.dedupe_key == during[2]
    fail_on.error = Crash()
    with pytest.raises(Crash):
        _poller(host, store, instances, seen, fail_on, lease=60).run_once(now=T0 + timedelta(seconds=5))
    store.close()
    host, store, instances = open_store()
    restarted = _poller(host, store, instances, seen, owner="p2")
    assert restarted.run_once(now=T0 + timedelta(seconds=30)).claimed == 0  # the dead poller's lease holds
    restarted.run_once(now=T0 + timedelta(seconds=66))
    assert set(seen) == set(before + during)  # nothing lost
    duplicates = [k for k in set(seen) if seen.count(k) > 1]
    assert sorted(duplicates) == sorted(during[:2])  # only what the crashed poll had handled


def test_concurrent_pollers_never_claim_one_instance_twice(open_store, feed):
    host, store, instances, _ = _setup(open_store)
    conn = store.list("acme")[0]
    for _ in range(59):
        instances.create("acme", conn.id, "new_entries", now=T0)
    claimed: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        while True:
            got = instances.claim_due(f"w{n}", limit=5, now=T0)
            if not got:
                return
            with lock:
                claimed.extend(c.instance.id for c in got)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(claimed) == 60 and len(set(claimed)) == 60


def test_instances_belong_to_their_tenant(open_store, feed):
    host, store, instances, instance = _setup(open_store, tenant="acme")
    other = store.create("globex", "test.feed", "theirs", {})
    with pytest.raises(NotFoundError):
        instances.create("acme", other.id, "new_entries")  # another tenant's connection
    with pytest.raises(NotFoundError):
        instances.get("globex", instance.id)
    with pytest.raises(NotFoundError):
        instances.delete("globex", instance.id)
    with pytest.raises(NotFoundError):
        instances.set_enabled("globex", instance.id, False)
    assert instances.list("globex") == []
    assert [i.id for i in instances.list("acme")] == [instance.id]


def test_deleting_the_connection_deletes_its_trigger_instances(open_store, feed):
    host, store, instances, instance = _setup(open_store)
    store.delete("acme", instance.connection_id)
    assert instances.list("acme") == []


def test_a_disabled_instance_is_not_polled(open_store, feed):
    host, store, instances, instance = _setup(open_store)
    instances.set_enabled("acme", instance.id, False)
    assert instances.claim_due("p1", now=T0 + timedelta(days=1)) == []


def test_the_in_process_scheduler_delivers_new_items(open_store, feed):
    host, store, instances, instance = _setup(open_store)
    instances.set_enabled("acme", instance.id, True)
    keys = feed.add(3)
    got: list[str] = []
    done = threading.Event()

    def handler(instance, item):
        got.append(item.dedupe_key)
        if len(got) == 3:
            done.set()

    poller = Poller(host, instances, store, handler, owner="sched")
    with TriggerScheduler(poller, workers=2, max_sleep=0.05):
        assert done.wait(30), "the scheduler did not deliver the items"
    assert got == keys


def test_a_batch_commit_stores_only_the_polls_whose_lease_still_holds(open_store, feed):
    host, store, instances, first = _setup(open_store)
    second = instances.create("acme", first.connection_id, "new_entries", now=T0)
    old = {c.instance.id: c for c in instances.claim_due("p1", now=T0, lease_seconds=60)}
    (taken,) = instances.claim_due("p2", now=T0 + timedelta(seconds=61), limit=1)  # p2 takes one over
    committed = instances.commit_many([(old[first.id], {"after": 7}, 7), (old[second.id], {"after": 8}, 8)],
                                      now=T0 + timedelta(seconds=62))
    kept = ({first.id, second.id} - {taken.instance.id}).pop()
    assert committed == {kept}
    assert instances.get("acme", kept).cursor in ({"after": 7}, {"after": 8})
    assert instances.get("acme", taken.instance.id).cursor is None
