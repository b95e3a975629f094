"""What the conformance checks work on: the plugin under test in a host, and problems found."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connector_core import ConnectorError, Host, LoadFailure, Manifest, ValidationError

#: Items read from a streaming operation when sample params run it.
STREAM_LIMIT = 100

@dataclass(frozen=True)
class Problem:
    """One conformance failure: where, what, and the fix."""

    where: str
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}\n      fix: {self.fix}"


@dataclass
class Subject:
    """The plugin under test, loaded in a host of its own."""

    host: Host
    plugin: object
    connector_id: str

    @property
    def plugin_name(self) -> str:
        for info in self.host.plugins():
            if self.connector_id in info.connectors:
                return info.name
        return getattr(self.plugin, "__name__", None) or type(self.plugin).__name__

    def loaded(self) -> Manifest | None:
        try:
            return self.host.manifest(self.connector_id)
        except ConnectorError:
            return None

    def declared(self) -> Manifest | None:
        """The manifest as declared, even if the host refused the plugin's operations."""
        manifest = self.loaded()
        if manifest is not None:
            return manifest
        return declared_manifest(self.host, self.plugin, self.connector_id)

    def source(self) -> str:
        manifest = self.declared()
        return manifest.source if manifest is not None else "the manifest"


def declared_manifest(host: Host, plugin: object, connector_id: str) -> Manifest | None:
    """Read a plugin's manifests as ``host`` would (its fragments, its choice sources); None if unreadable."""
    try:
        sources = list(getattr(plugin, "connector_manifests")() or [])  # a plugin without the hook: None
        parsed = [host.read_manifest(s) for s in sources]
    except Exception:  # the manifest check reports why; here we only want the model
        return None
    return next((m for m in parsed if m.kind != "fragment" and m.id == connector_id), None)


def is_operation_mismatch(failure: LoadFailure) -> bool:
    """Whether a load failure is about operations vs implementations (not the manifest)."""
    return failure.kind in ("unmatched-operation", "unmatched-trigger", "implementations-hook", "async-operation")


def unloadable(s: Subject) -> Problem:
    """The problem to report when a check needs the connector and the host did not load it."""
    reasons = "; ".join(f.reason for f in s.host.load_failures()) or "no plugin declares it"
    return Problem(f"connector {s.connector_id!r}", f"the host did not load it ({reasons})",
                   "fix the problems reported by test_manifest_loads and "
                   "test_operations_match_implementations first")


def consume(result: Any) -> Any:
    """A result mapping, or the first items of a stream."""
    if isinstance(result, Mapping):
        return result
    return list(itertools.islice(result, STREAM_LIMIT))


def connect(s: Subject, values: Mapping[str, Any] | None, what: str, problems: list[Problem]):
    """A connection from the test's values, or None (with a problem saying to fix the test)."""
    if values is None:
        return None
    try:
        return s.host.connect(s.connector_id, values, name=f"conformance-{what}")
    except ValidationError as exc:
        problems.append(Problem(f"the test's {what}", f"does not validate: {exc.message}",
                                f"correct {what} in the conformance test class"))
        return None
