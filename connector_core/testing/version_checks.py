"""The conformance check of a version bump: breaking changes need a major version and a migration.

A plugin lists the manifests of its released versions (``previous_manifests``); each is
compared with the current one (see :mod:`connector_core.manifest_diff`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from connector_core import ConnectorError
from connector_core.manifest_diff import diff_manifests, uncovered_changes, version_change

from .subject import Problem, Subject


def check_version_bumps(s: Subject, previous: Iterable[str | os.PathLike]) -> list[Problem]:
    current = s.loaded()
    if current is None:
        return [Problem(s.source(), "the manifest does not load", "fix the problems `manifest loads` reports")]
    problems: list[Problem] = []
    for path in previous:
        try:
            old = s.host.read_manifest(path)
        except ConnectorError as exc:
            problems.append(Problem(os.fspath(path), f"cannot read this earlier manifest: {exc.user_message}",
                                    "point previous_manifests at the released manifest files"))
            continue
        where = f"{current.source} ({old.version} -> {current.version})"
        changes = diff_manifests(old, current)
        breaking = [c for c in changes if c.breaking]
        bump = version_change(old, current)
        if bump in ("same", "downgrade") and changes:
            problems.append(Problem(where, f"the manifest changed but its version did not go up ({bump})",
                                    "raise `version:` (MAJOR for breaking changes, else MINOR or PATCH)"))
        elif breaking and bump != "major":
            listed = "; ".join(f"{c.path}: {c.what}" for c in breaking)
            problems.append(Problem(where, f"breaking changes in a {bump} version: {listed}",
                                    f"make it {int(current.version.split('.')[0]) + 1}.0.0"))
        for c in uncovered_changes(old, current, changes):
            problems.append(Problem(
                f"{where}: {c.path}", f"{c.what}, and no migration from {old.version} handles it: connections "
                "saved with that version will not load",
                f'add `migrations: [{{from: "{old.version.split(".")[0]}", steps: [...]}}]` with a step naming '
                "the field (rename, map, default, drop) or a python step; see docs/manifest.md"))
    return problems
