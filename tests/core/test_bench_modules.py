"""Every benchmark module imports (``make bench`` runs them; the suite never times anything)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import bench

MODULES = sorted(m.name for m in pkgutil.iter_modules([str(Path(bench.__file__).parent)]))


@pytest.mark.parametrize("name", MODULES)
def test_a_benchmark_module_imports(name):
    module = importlib.import_module(f"bench.{name}")
    if name.startswith("bench_"):
        assert callable(module.main)  # what `python -m bench` calls
