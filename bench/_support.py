"""Helpers shared by the benchmarks."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def host_with(manifest: str, implementations: Mapping[str, Callable[..., Any]],
              settings: Mapping[str, Any] | None = None) -> Iterator[Any]:
    """A Host with one plugin: ``manifest`` (YAML text) and its operations' implementations."""
    from connector_core import Host, hookimpl

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.yaml"
        path.write_text(manifest)

        class BenchPlugin:
            @hookimpl
            def connector_manifests(self):
                return [path]

            @hookimpl
            def connector_implementations(self):
                return dict(implementations)

        yield Host(plugins=[BenchPlugin()], settings=dict(settings or {}))
