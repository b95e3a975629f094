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


# The store's engines: every store-backed trigger test runs on SQLite and on PostgreSQL.
from tests.store.conftest import postgres_admin_url, postgres_database, store_url  # noqa: E402,F401


@pytest.fixture
def feed_host(feed_plugin):
    from connector_core import Host

    return Host(plugins=[feed_plugin])


@pytest.fixture
def master_key() -> str:
    from connector_core.store import generate_master_key

    return generate_master_key()


@pytest.fixture
def open_store(store_url, master_key, feed_plugin):
    """``open_store()``: a new host and store on the same database (a process restart)."""
    from connector_core import Host
    from connector_core.store import ConnectionStore, Keyring
    from connector_core.triggers.instances import TriggerInstances

    opened = []

    def open_():
        host = Host(plugins=[feed_plugin])
        store = ConnectionStore.open(host, store_url, Keyring.from_text(master_key, source="test"))
        opened.append(store)
        return host, store, TriggerInstances(store.engine, host)

    yield open_
    for store in opened:
        store.close()
