"""The checked-manifest cache: a manifest that passed every check is not checked again.

Checking a manifest (every key, every pattern's safety, every default, every rule plan)
was most of a CLI cold start. Once a document has passed, its model is pickled next to
the parse cache (:func:`connector_core.yaml_loader.cache_dir`), keyed by a hash of

- the document's text and the name it was loaded under (errors and ``Manifest.source``
  name it),
- the code: the size and mtime of every module of the checker and the model, and of
  PyYAML's package (:func:`code_fingerprint`), and this package's version,
- the Python version, and this file's format.

A document that changed, a checker that changed, or another interpreter misses, and the
document goes through the full check again. So does one whose ``choices_from`` sources
now answer differently (an SDK upgrade adds a region, say): each entry records a digest
of what every source it used returned, and is served only while they still return it.

Reading the cache cannot run code: the unpickler accepts only the model's own classes
(:data:`_MODEL_MODULES`), and only files this user owns and nobody else can write. Anything
unexpected -- missing, corrupt, foreign, unreadable or unwritable -- is a miss, silently.
Failures are never cached, and a file's new entry replaces its older ones.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .manifest import Manifest

if TYPE_CHECKING:
    from .manifest_loader import ChoiceSources

_FORMAT = b"model-1"
_PACKAGE_DIR = Path(__file__).parent
#: Folders (under the package) holding the checker and the model: their modules' sizes and
#: mtimes are part of every key. tests/core/test_manifest_model_cache.py checks that every
#: module a check imports is covered.
_CODE_DIRS = ("", "triggers")

#: What a cached model is made of: the dataclasses these modules define, MISSING, and the
#: lazily decoded line map. The unpickler refuses any other global.
_MODEL_MODULES = ("connector_core.manifest", "connector_core.triggers.model", "connector_core.fanout_plan",
                  "connector_core.migrations")
_ALSO_ALLOWED = {("connector_core.manifest", "MISSING"), ("connector_core.yaml_loader", "CachedLines")}


@functools.cache
def code_fingerprint() -> bytes:
    """The package's version, the name, size and mtime of each checker and model module,
    and of PyYAML's package (an upgrade may read a document differently).

    Computed once per process: a few dozen ``stat`` calls, against a check's milliseconds.
    """
    from importlib.util import find_spec

    from . import __version__

    parts = [__version__]
    for folder in _CODE_DIRS:
        with os.scandir(_PACKAGE_DIR / folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.endswith(".py") and entry.is_file():
                    stat = entry.stat()
                    parts.append(f"{folder}/{entry.name}:{stat.st_size}:{stat.st_mtime_ns}")
    yaml = find_spec("yaml")  # found, not imported: a start served from the cache never imports it
    if yaml is not None and yaml.origin:
        stat = os.stat(yaml.origin)
        parts.append(f"{yaml.origin}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts).encode()


def _entry_path(text: str, file: str) -> Path | None:
    from .yaml_loader import cache_dir

    directory = cache_dir()
    if directory is None:
        return None
    digest = hashlib.sha256(b"\0".join((
        _FORMAT, sys.version.encode(), code_fingerprint(), file.encode("utf-8", "surrogateescape"),
        text.encode("utf-8", "surrogateescape"),
    ))).hexdigest()
    return directory / f"{_file_prefix(file)}{digest[:40]}.pickle"


def _file_prefix(file: str) -> str:
    """Entries start with a hash of the file's name, so that a new one replaces its older ones."""
    return f"model-{hashlib.sha256(file.encode('utf-8', 'surrogateescape')).hexdigest()[:16]}-"


def read(text: str, file: str, choice_sources: ChoiceSources) -> Manifest | None:
    """The cached model of a document checked before, or None (then check it)."""
    try:
        path = _entry_path(text, file)
        if path is None:
            return None
        raw = _read_own_file(path)
        if raw is None:
            return None
        sources, manifest = _Unpickler(io.BytesIO(raw)).load()
        if not isinstance(manifest, Manifest):
            return None
        for name, digest in sources:
            if name not in choice_sources or _choices_digest(choice_sources[name]()) != digest:
                return None
        return manifest
    except Exception:  # corrupt, truncated, foreign or from another version: check instead
        return None


def write(text: str, file: str, manifest: Manifest, used: Mapping[str, list[tuple[str, str]]]) -> None:
    """Keep a model that passed the check; ``used`` is what each choice source returned for it."""
    from .yaml_loader import CachedLines

    try:
        path = _entry_path(text, file)
        if path is None:
            return
        where = manifest.where
        if not isinstance(where.lines, CachedLines):  # decoded only if an error needs a line
            manifest = dataclasses.replace(
                manifest, where=dataclasses.replace(where, lines=CachedLines.of(where.lines)))
        sources = tuple((name, _choices_digest(choices)) for name, choices in sorted(used.items()))
        data = pickle.dumps((sources, manifest), protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)  # atomic: concurrent processes never read half a file
        for older in path.parent.glob(f"{_file_prefix(file)}*.pickle"):  # after an edit or an upgrade
            if older != path:
                older.unlink(missing_ok=True)
    except Exception:  # a read-only home, a full disk, an unpicklable value: just don't cache
        pass


def recording(choice_sources: ChoiceSources, used: dict[str, list[tuple[str, str]]]) -> dict[str, Callable[[], list]]:
    """``choice_sources`` whose answers are noted in ``used``, for :func:`write`."""

    def recorded(name: str, source: Callable[[], Iterable[tuple[str, str]]]) -> Callable[[], list]:
        def call() -> list:
            used[name] = [(value, caption) for value, caption in source()]
            return used[name]

        return call

    return {name: recorded(name, source) for name, source in choice_sources.items()}


def _choices_digest(choices: Iterable[tuple[str, str]]) -> str:
    return hashlib.sha256(repr([tuple(pair) for pair in choices]).encode()).hexdigest()


def _read_own_file(path: Path) -> bytes | None:
    """The file's bytes, if this user owns it and nobody else may write it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        stat = os.fstat(fd)
        if hasattr(os, "geteuid") and (stat.st_uid != os.geteuid() or stat.st_mode & 0o022):
            return None
        return fh.read()


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module in _MODEL_MODULES or (module, name) in _ALSO_ALLOWED:
            found = getattr(sys.modules.get(module) or __import__(module, fromlist=[name]), name, None)
            if (module, name) in _ALSO_ALLOWED or (
                    isinstance(found, type) and found.__module__ == module and dataclasses.is_dataclass(found)):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a manifest model")
