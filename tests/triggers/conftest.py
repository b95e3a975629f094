"""Fixtures for the trigger tests: the in-memory feed and its plugin."""

from __future__ import annotations

import pytest

from tests.triggers.feedkit import FEED_MANIFEST, Feed, FeedPlugin


@pytest.fixture
def feed_manifest(tmp_path):
    path = tmp_path / "feed.yaml"
    path.write_text(FEED_MANIFEST, encoding="utf-8")
    return path


@pytest.fixture
def feed() -> Feed:
    return Feed()


@pytest.fixture
def feed_plugin(feed_manifest, feed) -> FeedPlugin:
    return FeedPlugin(feed_manifest, feed)
