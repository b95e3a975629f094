"""The conformance suite's trigger check: passes a correct plugin, catches cursors that repeat or lose."""

from __future__ import annotations

import pytest
from tests.triggers.feedkit import FEED_MANIFEST, Feed, FeedPlugin

from connector_core import Host, PollResult, TriggerItem
from connector_core.testing import ConnectorConformance, Subject
from connector_core.testing.trigger_checks import check_trigger

_FEED = Feed()


@pytest.fixture(scope="module")
def module_feed_plugin(tmp_path_factory):
    path = tmp_path_factory.mktemp("feed") / "feed.yaml"
    path.write_text(FEED_MANIFEST, encoding="utf-8")
    return FeedPlugin(path, _FEED)


class TestFeedConformance(ConnectorConformance):
    connector_id = "test.feed"
    good_connection = {}
    trigger_params = {"new_entries": {"limit": 50}}
    hypothesis_examples = 10

    @pytest.fixture
    def connector_plugin(self, module_feed_plugin):
        return module_feed_plugin

    def make_trigger_items(self, host, good, trigger, params, count):
        return _FEED.add(count)


def _check(plugin) -> list[str]:
    host = Host(plugins=[plugin])
    subject = Subject(host, plugin, "test.feed")
    problems = check_trigger(subject, {}, "new_entries", {}, lambda *a: plugin.feed.add(a[-1]),
                             lambda: Host(plugins=[plugin]))
    return [str(p) for p in problems]


def test_a_cursor_that_ignores_what_was_returned_is_reported_as_repeating(feed_manifest, feed):
    def poll(connection, params, cursor, context):
        return PollResult([TriggerItem(f"entry-{e['seq']}", {"seq": e["seq"], "text": ""}) for e in feed.entries],
                          {"after": 0})

    problems = _check(FeedPlugin(feed_manifest, feed, poll=poll))
    assert any("a second poll with the returned cursor repeated ['entry-1', 'entry-2', 'entry-3']" in p
               for p in problems)
    assert any("after a restart, a poll from the stored cursor repeated" in p for p in problems)


def test_a_cursor_that_skips_ahead_is_reported_as_losing_items(feed_manifest, feed):
    def poll(connection, params, cursor, context):
        result = feed.poll(connection, params, cursor, context)
        result.cursor["after"] += 1  # off by one: the next entry is never seen
        return result

    problems = _check(FeedPlugin(feed_manifest, feed, poll=poll))
    assert any("missed ['entry-1']" in p for p in problems)
    assert any("after a restart, a poll from the stored cursor lost ['entry-4', 'entry-5']" in p for p in problems)


def test_a_cursor_that_is_not_json_is_reported_as_such(feed_manifest, feed):
    from datetime import datetime, timezone

    def poll(connection, params, cursor, context):
        result = feed.poll(connection, params, cursor, context)
        result.cursor["at"] = datetime(2026, 12, 1, tzinfo=timezone.utc)  # a store cannot keep this
        return result

    problems = _check(FeedPlugin(feed_manifest, feed, poll=poll))
    assert len(problems) == 1
    assert "the cursor is not JSON (Object of type datetime is not JSON serializable)" in problems[0]
    assert "a poll failed" not in problems[0]


def test_a_cursor_that_changes_through_json_is_reported(feed_manifest, feed):
    def poll(connection, params, cursor, context):
        result = feed.poll(connection, params, cursor, context)
        result.cursor = {"after": result.cursor["after"], "by_topic": {1: "a"}}  # an int key comes back a string
        return result

    problems = _check(FeedPlugin(feed_manifest, feed, poll=poll))
    assert any("the cursor changes through JSON: {'after': 0, 'by_topic': {1: 'a'}} comes back as "
               "{'after': 0, 'by_topic': {'1': 'a'}}" in p for p in problems), problems


def test_a_correct_plugin_has_no_problems(feed_plugin):
    assert _check(feed_plugin) == []
