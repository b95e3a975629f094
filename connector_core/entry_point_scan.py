"""The entry points of one group, found without importing ``importlib.metadata``.

``importlib.metadata`` brings ``email``, ``zipfile``, ``csv`` and ``socket`` with it (about
15 ms, a tenth of a CLI cold start) and reads each plugin's METADATA through the e-mail
parser for a version only ``connectors plugins`` shows. For the layout almost every
install has (the standard ``PathFinder`` is the only distribution finder and every
``sys.path`` entry is a directory or absent), this module reads each ``*.dist-info`` /
``*.egg-info``'s ``entry_points.txt`` in the order ``importlib.metadata.entry_points``
does: ``sys.path`` order, then directory-listing order, the first distribution of a
normalized name winning. Anything else (zip files or eggs on the path, a third-party
distribution finder) is answered by ``importlib.metadata`` itself. A distribution's
version is read through ``importlib.metadata`` too, when asked.
"""

from __future__ import annotations

import os
import re
import sys
from functools import cached_property, reduce
from importlib import import_module
from typing import Any

_INFO_SUFFIXES = (".dist-info", ".egg-info")
# importlib.metadata.EntryPoint.pattern: "module[:attr.attr] [extras]".
_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")


class Distribution:
    """An installed distribution's metadata directory; ``version`` is read on first use."""

    def __init__(self, path: str) -> None:
        self.path = path

    @cached_property
    def version(self) -> str | None:
        from importlib.metadata import PathDistribution  # only `connectors plugins` asks
        from pathlib import Path

        return PathDistribution(Path(self.path)).version


class EntryPoint:
    """``name = value`` from a ``[group]`` of ``entry_points.txt``, as importlib.metadata's."""

    def __init__(self, name: str, value: str, group: str, dist: Distribution | None = None) -> None:
        self.name, self.value, self.group, self.dist = name, value, group, dist

    def load(self) -> Any:
        match = _VALUE.match(self.value)
        if match is None:
            raise ValueError(f"malformed entry point value {self.value!r}")
        module = import_module(match.group("module"))
        return reduce(getattr, filter(None, (match.group("attr") or "").split(".")), module)

    def __repr__(self) -> str:
        return f"EntryPoint(name={self.name!r}, value={self.value!r}, group={self.group!r})"


def entry_points(group: str) -> list[Any]:
    """The entry points of ``group``, as ``importlib.metadata.entry_points(group=group)`` lists them."""
    scanned = _scan(group)
    if scanned is None:
        from importlib.metadata import entry_points as metadata_entry_points

        return list(metadata_entry_points(group=group))
    return scanned


def _scan(group: str) -> list[EntryPoint] | None:
    """The plain-layout answer, or None when only importlib.metadata can answer exactly."""
    from importlib.machinery import PathFinder

    if [f for f in sys.meta_path if getattr(f, "find_distributions", None) is not None] != [PathFinder]:
        return None
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for entry in sys.path:
        root = os.fspath(entry) or os.getcwd()
        if os.path.basename(root).lower().endswith(".egg") or os.path.isfile(root):
            return None  # eggs and zip files: importlib.metadata's own business
        try:
            children = os.listdir(root)
        except OSError:
            continue
        for child in children:
            if not child.lower().endswith(_INFO_SUFFIXES):
                continue
            stem, suffix = os.path.splitext(child)
            if suffix not in _INFO_SUFFIXES:
                return None  # ".DIST-INFO": importlib.metadata names it from its METADATA
            name = _normalize(stem.partition("-")[0])
            if name in seen:
                continue
            seen.add(name)
            path = os.path.join(root, child)
            found += _read_group(path, group)
    return found


def _normalize(name: str) -> str:
    # importlib.metadata.Prepared.normalize (PEP 503, with underscores)
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _read_group(path: str, group: str) -> list[EntryPoint]:
    try:
        with open(os.path.join(path, "entry_points.txt"), encoding="utf-8") as file:
            text = file.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        return []
    dist = Distribution(path)
    out = []
    section = None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section is not None:
            name, equals, value = line.partition("=")
            if not equals:  # in any group: importlib.metadata raises TypeError here too
                raise TypeError(f"entry point line without '=' in {path}: {line!r}")
            if section == group:
                out.append(EntryPoint(name.strip(), value.strip(), section, dist))
    return out
