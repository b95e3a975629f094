"""Fixtures for the foundation's tests: manifests written to tmp_path, hosts of test plugins."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import sys

import pytest

# leaky_plugin.py is imported by name, as `connectors --plugin leaky_plugin` does in its CLI runs.
sys.path.insert(0, str(Path(__file__).parent))
from tests.core.corekit import TestPlugin, dedent  # noqa: E402

from connector_core import Host, SecretMasker  # noqa: E402


@pytest.fixture(autouse=True)
def _private_parse_cache(tmp_path_factory, monkeypatch):
    """Manifests parsed by these tests are cached in a throwaway directory, not ~/.cache."""
    monkeypatch.setenv("CONNECTOR_CORE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "parse-cache"))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private, initially empty manifest cache folder (parse cache and checked models)."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("CONNECTOR_CORE_CACHE_DIR", str(directory))
    return directory


@pytest.fixture
def write_manifest(tmp_path: Path) -> Callable[..., Path]:
    """Write a manifest (dedented) to tmp_path; returns its path."""
    counter = iter(range(10_000))

    def write(text: str, name: str | None = None) -> Path:
        path = tmp_path / (name or f"manifest_{next(counter)}.yaml")
        path.write_text(dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def make_host(write_manifest, monkeypatch) -> Callable[..., Host]:
    """A Host serving one test connector from manifest text and implementations.

    Unless ``process_masker=True``, the host gets a private log masker, so that the secret
    values these tests connect with do not teach the process-wide masker to hide them in
    every later test's output.
    """

    def make(text: str, implementations: Mapping[str, Any] | None = None, *, process_masker: bool = False,
             **kwargs: Any) -> Host:
        if not process_masker:
            monkeypatch.setattr(SecretMasker, "_process", SecretMasker())
        path = write_manifest(text)
        plugin = TestPlugin("test_plugin", [path], implementations, **kwargs)
        host = Host(plugins=[plugin], settings={"net.allow_loopback": True})
        assert host.load_failures() == [], host.load_failures()
        return host

    return make
