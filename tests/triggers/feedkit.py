"""A small trigger plugin over an in-memory feed, for the trigger tests.

The feed is a list of entries with increasing sequence numbers; the cursor is the last
sequence number seen. ``Feed.fail_next`` makes the next poll raise.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from tests.core.corekit import HEAD, dedent

from connector_core import PollResult, TriggerItem, hookimpl

FEED_MANIFEST = HEAD.format(id="test.feed") + dedent("""
    description: An in-memory feed of entries.
    connection:
      fields:
        - {key: token, label: Token, type: secret, required: false, help: Any text.}
    operations:
      - id: ping
        label: Ping
        description: Does nothing.
        output:
          fields:
            - {key: ok, label: OK, type: boolean, help: Always true.}
    triggers:
      - id: new_entries
        label: New entries
        description: Entries added to the feed since the last poll.
        poll_interval: 5
        input:
          fields:
            - {key: topic, label: Topic, type: string, required: false, help: Only entries of this topic.}
            - {key: limit, label: Limit, type: integer, minimum: 1, default: 100, help: Entries per poll.}
        output:
          fields:
            - {key: seq, label: Sequence number, type: integer, help: Increases by one per entry.}
            - {key: text, label: Text, type: string, min_length: 0, help: The entry.}
    """)


class Feed:
    """The source system: entries, appended by tests, read by polls."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self.polls = 0
        self.fail_next = 0

    def add(self, count: int = 1, topic: str = "a") -> list[str]:
        with self._lock:
            new = [{"seq": next(self._seq), "text": f"entry {topic}", "topic": topic} for _ in range(count)]
            self.entries += new
        return [f"entry-{e['seq']}" for e in new]

    def poll(self, connection, params, cursor, context) -> PollResult:
        self.polls += 1
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("the feed is down")
        after = (cursor or {}).get("after", 0)
        with self._lock:
            new = [e for e in self.entries if e["seq"] > after][: params["limit"]]
        items = [TriggerItem(f"entry-{e['seq']}", {"seq": e["seq"], "text": e["text"]})
                 for e in new if params.get("topic") in (None, e["topic"])]
        return PollResult(items, {"after": new[-1]["seq"] if new else after})


class FeedPlugin:
    """Owns ``test.feed``; ``poll`` can be replaced to return broken results."""

    def __init__(self, manifest_path, feed: Feed, poll=None, triggers=None) -> None:
        self.__name__ = "feed_plugin"
        self._manifest = manifest_path
        self.feed = feed
        self._triggers = triggers if triggers is not None else {"new_entries": poll or feed.poll}

    @hookimpl
    def connector_manifests(self):
        return [self._manifest]

    @hookimpl
    def connector_implementations(self):
        return {"ping": lambda connection, params, context: {"ok": True}}

    @hookimpl
    def connector_triggers(self):
        return self._triggers
