"""Triggers as part of the contract: declared in manifests, matched at load, polled by the host."""

from __future__ import annotations

import pytest
from tests.core.corekit import HEAD, dedent
from tests.triggers.feedkit import FEED_MANIFEST, FeedPlugin

from connector_core import (
    Host, ManifestError, NotFoundError, OperationError, PollResult, TriggerItem, ValidationError, hookimpl,
)
from connector_core.manifest_loader import parse_manifest


def test_a_declared_trigger_is_in_the_manifest_model(feed_plugin):
    host = Host(plugins=[feed_plugin])
    trigger = host.manifest("test.feed").trigger("new_entries")
    assert (trigger.label, trigger.poll_interval) == ("New entries", 5)
    assert trigger.input.keys == ("topic", "limit")
    assert trigger.output.keys == ("seq", "text")
    assert host.manifest("test.feed").summary()["triggers"] == ["new_entries"]


@pytest.mark.parametrize("change, where, says", [
    ("    poll_interval: 5\n", "    poll_interval: 0\n", "poll_interval must be at least 1"),
    ("    poll_interval: 5\n", "    poll_intervall: 5\n", "did you mean 'poll_interval'"),
    ("  - id: new_entries\n", "  - id: ping\n", "also an operation id"),
    ("  - id: new_entries\n", "  - id: New\n", "invalid trigger id"),
])
def test_a_bad_trigger_declaration_names_the_line_and_the_fix(change, where, says):
    text = FEED_MANIFEST.replace(change, where)
    assert text != FEED_MANIFEST
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, "feed.yaml")
    message = str(info.value)
    assert says in message and "feed.yaml" in message and "triggers[0]" in message
    assert message.startswith(f"feed.yaml:{text[:text.rindex(where)].count(chr(10)) + 1}:")


def test_a_trigger_without_output_fields_and_a_fragment_with_triggers_are_refused():
    no_output = HEAD.format(id="test.x") + dedent("""
        triggers:
          - {id: t, label: T, output: {}}
        """)
    with pytest.raises(ManifestError, match="declares no fields"):
        parse_manifest(no_output)
    fragment = "manifest_version: 1\nkind: fragment\nid: test.frag\ntriggers: []\n"
    with pytest.raises(ManifestError, match="a fragment cannot declare triggers"):
        parse_manifest(fragment)


def test_a_declared_trigger_without_implementation_is_a_load_error_naming_the_plugin(feed_manifest, feed):
    host = Host(plugins=[FeedPlugin(feed_manifest, feed, triggers={})])
    (failure,) = host.load_failures()
    assert failure.plugin == "feed_plugin"
    assert "triggers of 'test.feed' do not match its manifest" in failure.reason
    assert "declared but not implemented: new_entries" in failure.reason
    with pytest.raises(NotFoundError):
        host.manifest("test.feed")


def test_an_undeclared_trigger_implementation_is_a_load_error(feed_manifest, feed):
    host = Host(plugins=[FeedPlugin(feed_manifest, feed, triggers={"new_entries": feed.poll, "other": feed.poll})])
    (failure,) = host.load_failures()
    assert "implemented but not declared: other" in failure.reason


def test_poll_returns_new_items_and_a_cursor_that_resumes_after_them(feed_plugin, feed):
    host = Host(plugins=[feed_plugin])
    conn = host.connect("test.feed", {})
    keys = feed.add(3)
    first = host.poll(conn, "new_entries", {}, None)
    assert first.dedupe_keys == keys
    assert first.items[0].data == {"seq": 1, "text": "entry a"}
    assert host.poll(conn, "new_entries", {}, first.cursor).items == []
    more = feed.add(2)
    assert host.poll(conn, "new_entries", {}, first.cursor).dedupe_keys == more


def test_poll_validates_params_before_the_plugin_is_called(feed_plugin, feed):
    host = Host(plugins=[feed_plugin])
    conn = host.connect("test.feed", {})
    with pytest.raises(ValidationError) as info:
        host.poll(conn, "new_entries", {"limit": 0}, None)
    assert "limit" in info.value.errors
    with pytest.raises(NotFoundError, match="no trigger 'nope'") as info:
        host.poll(conn, "nope", {}, None)
    assert "new_entries" in info.value.user_message
    with pytest.raises(ValidationError, match="cursor"):
        host.poll(conn, "new_entries", {}, {"when": object()})
    assert feed.polls == 0


@pytest.mark.parametrize("result, says", [
    (PollResult([TriggerItem("k", {"seq": "one", "text": ""})], {}), "does not match its manifest"),
    (PollResult([TriggerItem("", {"seq": 1, "text": ""})], {}), "without a dedupe key"),
    (PollResult([("k", {"seq": 1, "text": ""}), ("k", {"seq": 2, "text": ""})], {}), "dedupe key 'k' twice"),
    (PollResult([], {"at": {1, 2}}), "cursor that is not JSON"),
    ([], "not a PollResult"),
])
def test_a_broken_poll_result_is_reported_as_the_plugins_bug(feed_manifest, feed, result, says):
    host = Host(plugins=[FeedPlugin(feed_manifest, feed, poll=lambda *args: result)])
    conn = host.connect("test.feed", {})
    with pytest.raises(OperationError, match=says) as info:
        host.poll(conn, "new_entries", {}, None)
    assert "bug in the plugin" in info.value.user_message


def test_a_failing_poll_is_an_operation_error_naming_the_trigger(feed_plugin, feed):
    host = Host(plugins=[feed_plugin])
    feed.fail_next = 1
    with pytest.raises(OperationError, match="trigger new_entries failed: RuntimeError: the feed is down"):
        host.poll(host.connect("test.feed", {}), "new_entries", {}, None)


def test_the_returned_cursor_is_what_a_store_gives_back(feed_manifest, feed):
    # Tuples become lists in JSON: the host hands back the cursor as it will be stored.
    host = Host(plugins=[FeedPlugin(feed_manifest, feed, poll=lambda *a: PollResult([], {"at": (1, "k")}))])
    assert host.poll(host.connect("test.feed", {}), "new_entries").cursor == {"at": [1, "k"]}


def test_commit_runs_the_sources_callback_once(feed_manifest, feed):
    acked = []
    poll = lambda *a: PollResult([TriggerItem("k", {"seq": 1, "text": ""})], {}, lambda: acked.append(1))  # noqa: E731
    host = Host(plugins=[FeedPlugin(feed_manifest, feed, poll=poll)])
    result = host.poll(host.connect("test.feed", {}), "new_entries")
    assert acked == []  # polling alone acknowledges nothing
    result.commit()
    result.commit()
    assert acked == [1]


def test_a_hook_wrapper_sees_every_poll_with_validated_params(feed_plugin, feed):
    seen = []

    class Audit:
        @hookimpl(wrapper=True)
        def connector_poll(self, connector_id, trigger, params, cursor):
            result = yield
            seen.append((connector_id, trigger, dict(params), cursor, len(result.items)))
            return result

    host = Host(plugins=[feed_plugin, Audit()])
    feed.add(2)
    host.poll(host.connect("test.feed", {}), "new_entries", {"topic": "a"}, {"after": 1})
    assert seen == [("test.feed", "new_entries", {"topic": "a", "limit": 100}, {"after": 1}, 1)]
