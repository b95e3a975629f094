"""The manifest parse cache: same answers as parsing, misses on any edit, never in the way."""

from __future__ import annotations

import pytest

import connector_core.yaml_loader as yaml_loader
from connector_core import ManifestError
from connector_core.yaml_loader import load_yaml

DOC = "manifest_version: 1\nid: test.cache\nconnection:\n  fields:\n    - {key: a, label: A, type: string}\n"


def _no_parsing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("parsed instead of reading the cache")

    monkeypatch.setattr(yaml_loader, "_load_yaml", refuse)


def test_a_second_load_is_served_from_the_cache_with_the_same_lines(cache, monkeypatch):
    first = load_yaml(DOC, "one.yaml")
    assert len(list(cache.glob("manifest-*.json"))) == 1
    _no_parsing(monkeypatch)
    second = load_yaml(DOC, "two.yaml")
    assert second.data == first.data and second.lines == first.lines
    assert second.file == "two.yaml"  # errors found later name the file loaded, not the cached one
    assert second.error(("connection", "fields", 0, "key"), "x").line == 5


def test_an_edited_document_misses(cache, monkeypatch):
    load_yaml(DOC, "m.yaml")
    edited = load_yaml(DOC.replace("label: A", "label: B"), "m.yaml")
    assert edited.data["connection"]["fields"][0]["label"] == "B"
    assert len(list(cache.glob("manifest-*.json"))) == 2


def test_a_corrupt_cache_entry_is_ignored(cache):
    load_yaml(DOC, "m.yaml")
    (entry,) = cache.glob("manifest-*.json")
    entry.write_text("{not json")
    assert load_yaml(DOC, "m.yaml").data["id"] == "test.cache"


def test_errors_are_never_cached(cache):
    bad = DOC + "id: again\n"
    for _ in range(2):
        with pytest.raises(ManifestError) as info:
            load_yaml(bad, "bad.yaml")
        assert info.value.line == 6 and "duplicate key 'id'" in info.value.message
    assert list(cache.glob("*")) == []


def test_values_json_cannot_hold_are_refused_and_the_failure_is_not_cached(cache):
    for _ in range(2):  # refused afresh, not from a cache
        with pytest.raises(ManifestError, match=r"infinite.yaml:1: limit: .inf is not a finite number"):
            load_yaml("limit: .inf\n", "infinite.yaml")
    assert list(cache.glob("*")) == []


def test_caching_can_be_turned_off_and_an_unwritable_cache_is_harmless(tmp_path, monkeypatch):
    monkeypatch.setenv("CONNECTOR_CORE_CACHE_DIR", "")
    assert yaml_loader.cache_dir() is None
    assert load_yaml(DOC, "m.yaml").data["id"] == "test.cache"
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("CONNECTOR_CORE_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    assert load_yaml(DOC, "m.yaml").data["id"] == "test.cache"
