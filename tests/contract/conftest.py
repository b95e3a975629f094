"""Fixtures for the hook-contract tests: test plugins (tests/core/corekit.py) and manifests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.core.corekit import HEAD, dedent


def connector_text(connector_id: str, operations: tuple[str, ...] = ("ping",), extra: str = "") -> str:
    """A small connector manifest: one optional field, operations returning ``{"echo": ...}``."""
    text = HEAD.format(id=connector_id) + dedent("""
        connection:
          fields:
            - {key: region, label: Region, type: string, required: false}
        """)
    if operations:
        text += "operations:\n"
        for op in operations:
            text += (f"  - id: {op}\n    label: {op}\n"
                     "    input:\n      fields:\n        - {key: text, label: Text, type: string, required: false}\n"
                     "    output:\n      fields:\n        - {key: echo, label: Echo, type: string, min_length: 0}\n"
                     "        - {key: by, label: By, type: string}\n")
    return text + extra


@pytest.fixture
def connector_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a small connector manifest for ``connector_id``; returns its path."""
    counter = iter(range(10_000))

    def write(connector_id: str, operations: tuple[str, ...] = ("ping",), extra: str = "") -> Path:
        path = tmp_path / f"{connector_id.replace('.', '_')}_{next(counter)}.yaml"
        path.write_text(connector_text(connector_id, operations, extra), encoding="utf-8")
        return path

    return write
