"""The new_objects trigger's cursor against a stand-in listing with a clock the test drives.

The hard cases of polling S3: many objects sharing one LastModified second, objects
written while a poll lists, objects dated before they become visible, batches cut short
by ``max_items``, and restarts from the stored (JSON) cursor.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.plugins.s3.conftest import LOOPBACK, values
from tests.plugins.s3.fakebucket import FakeBucket

from connector_core import Host


@pytest.fixture
def fake(monkeypatch) -> FakeBucket:
    import connector_aws_s3.triggers

    bucket = FakeBucket()
    monkeypatch.setattr(connector_aws_s3.triggers, "s3", lambda connection, context: bucket)
    return bucket


def _poller(fake: FakeBucket, host: Host | None = None, **params):
    """poll() -> dedupe keys; every cursor goes through JSON text; without ``host``, each poll restarts."""
    import connector_aws_s3.hooks

    state = {"cursor": None}
    params = {"bucket": "stand-in", "settle_seconds": 2, **params}

    def poll() -> list[str]:
        polling = host or Host(plugins=[connector_aws_s3.hooks], settings=LOOPBACK)
        conn = polling.connect("aws.s3", values("http://127.0.0.1:9"))
        cursor = json.loads(state["cursor"]) if state["cursor"] else None
        result = polling.poll(conn, "new_objects", params, cursor)
        state["cursor"] = json.dumps(result.cursor)
        return result.dedupe_keys

    return poll, state


def test_a_first_poll_reports_nothing_that_exists_and_then_each_new_version_once(fake):
    fake.put("in/old.csv")
    poll, _ = _poller(fake, prefix="in/")
    assert poll() == []
    fake.tick(500)
    new = [fake.put(f"in/{i:03d}.csv") for i in range(250)]  # all in one second
    fake.tick(300)
    assert poll() == new
    assert poll() == []
    fake.tick(5000)
    again = fake.put("in/007.csv", "changed")
    assert poll() == [again]


def test_include_existing_reports_what_is_there_oldest_first_in_batches(fake):
    early = [fake.put(f"k{i}") for i in (3, 1, 2)]
    fake.tick(2000)
    later = fake.put("k0")
    poll, _ = _poller(fake, include_existing=True, max_items=2)
    assert poll() == sorted(early)[:2]
    assert poll() == [sorted(early)[2], later]
    assert poll() == []


def test_objects_sharing_a_second_across_a_batch_limit_are_all_reported_once(fake):
    poll, state = _poller(fake, max_items=7)
    poll()
    fake.tick(1000)
    batch = [fake.put(f"same/{i:02d}") for i in range(30)]
    got = []
    for _ in range(6):
        got += poll()
    assert got == batch  # oldest first, key order within the second, no repeats
    assert len(json.loads(state["cursor"])["seen"]) <= 1  # only the boundary second is remembered


def test_an_object_written_behind_the_listing_while_a_poll_runs_comes_next_poll(fake):
    for i in range(10):
        fake.put(f"key{i:02d}")
    poll, _ = _poller(fake)
    poll()
    fake.tick(3000)
    written = []

    def write_behind():
        if not written:
            fake.tick(400)
            written.append(fake.put("key00-late"))   # sorts before the listing's position
            written.append(fake.put("key99-ahead"))  # sorts after it: seen by this very poll
    fake.between_pages = write_behind
    first = []
    import connector_aws_s3.triggers as trig

    original = trig.PAGE_SIZE
    trig.PAGE_SIZE = 3
    try:
        first = poll()
        fake.between_pages = None
        second = poll()
    finally:
        trig.PAGE_SIZE = original
    assert first == [written[1]]
    assert second == [written[0]]


def test_an_object_dated_before_it_became_visible_is_found_within_the_settle_time(fake):
    poll, _ = _poller(fake, settle_seconds=10)
    poll()
    fake.tick(20_000)
    fake.put("early-bird")
    assert len(poll()) == 1
    fake.tick(5000)
    late = fake.put("multipart.bin", dated_early_ms=9000)  # upload began 9 s ago
    assert poll() == [late]


_S3_HOST: dict[str, Host] = {}  # one host for every example: restarts are covered above


def trig_hooks():
    import connector_aws_s3.hooks

    return connector_aws_s3.hooks


@settings(max_examples=50, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(
    st.tuples(st.just("put"), st.integers(0, 9), st.integers(0, 2000)),      # key, dated early by (<= settle)
    st.tuples(st.just("tick"), st.integers(0, 2500)),
    st.tuples(st.just("poll"), st.integers(1, 6)),                            # max_items
    st.tuples(st.just("poll_writing"), st.integers(1, 6)),                    # a write between pages
), max_size=40))
def test_every_current_version_is_reported_exactly_once(monkeypatch, steps):
    import connector_aws_s3.triggers as trig

    fake = FakeBucket()  # one per example
    monkeypatch.setattr(trig, "s3", lambda connection, context: fake)
    host = _S3_HOST.setdefault("host", Host(plugins=[trig_hooks()], settings=LOOPBACK))
    trig_page, trig.PAGE_SIZE = trig.PAGE_SIZE, 2  # many pages: writes land inside listings
    cursor = {"text": None}

    def poll(max_items: int) -> list[str]:
        one, state = _poller(fake, host, max_items=max_items, settle_seconds=2)
        state["cursor"] = cursor["text"]
        got = one()
        cursor["text"] = state["cursor"]
        return got

    try:
        assert poll(6) == []  # the baseline, on an empty bucket
        delivered: list[str] = []
        for step in steps:
            if step[0] == "put":
                fake.put(f"k{step[1]}", dated_early_ms=step[2])
            elif step[0] == "tick":
                fake.tick(step[1])
            else:
                if step[0] == "poll_writing":
                    fake.between_pages = lambda: (fake.tick(300), fake.put(f"k{fake.pages % 10}"),
                                                  setattr(fake, "between_pages", None))
                delivered += poll(step[1])
                fake.between_pages = None
        fake.tick(3000)
        for _ in range(len(fake.versions) + 1):  # drain: batches of 1 at worst
            delivered += poll(6)
    finally:
        trig.PAGE_SIZE = trig_page
    assert len(delivered) == len(set(delivered)), "a version was reported twice"
    current = {f"{k}@{ms}:{tag}" for k, (ms, tag) in fake.objects.items()}
    assert current <= set(delivered), "a version was never reported"


def test_a_cursor_of_something_else_is_refused_with_what_to_do(fake):
    import connector_aws_s3.hooks

    from connector_core import ValidationError

    host = Host(plugins=[connector_aws_s3.hooks], settings=LOOPBACK)
    conn = host.connect("aws.s3", values("http://127.0.0.1:9"))
    with pytest.raises(ValidationError, match="not a cursor of this trigger") as info:
        host.poll(conn, "new_objects", {"bucket": "stand-in"}, {"after": 3})
    assert "None to start over" in info.value.user_message


def test_the_first_poll_remembers_only_the_settle_window_not_the_prefix(fake, monkeypatch):
    import connector_aws_s3.triggers as trig

    held = []  # what the poll kept in memory for the cursor, whatever the cursor then drops
    original = trig._write_cursor
    monkeypatch.setattr(trig, "_write_cursor", lambda floor, seen: (held.append(len(seen)), original(floor, seen))[1])
    for i in range(500):
        fake.put(f"old/{i:04d}")
    fake.tick(60_000)
    recent = [fake.put(f"new/{i}") for i in range(3)]
    poll, state = _poller(fake, settle_seconds=2)
    assert poll() == []
    seen = json.loads(state["cursor"])["seen"]
    assert sum(len(digests) for digests in seen.values()) == len(recent)
    assert held == [len(recent)]  # bounded by the window, not by the 503 keys listed
