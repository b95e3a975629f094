"""The ``triggers:`` section of a manifest: checked key by key like operations.

Kept out of :mod:`connector_core.manifest_loader` so that the loader only hooks in one
call; errors use the loader's own checker, so they name the file, line and key path.
"""

from __future__ import annotations

import re
from typing import Any

from .model import DEFAULT_POLL_INTERVAL, Trigger

_TRIGGER_KEYS = {
    "id": str, "label": str, "description": str, "iam_actions": list, "input": dict, "output": dict,
    "poll_interval": int,
}
_KEY_RE = re.compile(r"[a-z][a-z0-9_]*")
_IAM_RE = re.compile(r"[a-z0-9-]+:[A-Za-z0-9*]+")
#: Polling faster than this is a busy loop, not a trigger; use a push source instead.
MIN_POLL_INTERVAL = 1


def parse_triggers(checker: Any, raw: Any, operation_ids: tuple[str, ...]) -> tuple[Trigger, ...]:
    """The checked triggers of a manifest (``checker`` is the loader's ``_Checker``)."""
    if not isinstance(raw, list):
        raise checker.fail(("triggers",), "triggers must be a list", "write `triggers:` then `- id: ...` items")
    triggers = tuple(_trigger(checker, item, ("triggers", i)) for i, item in enumerate(raw))
    ids = [t.id for t in triggers]
    for i, trigger_id in enumerate(ids):
        if trigger_id in ids[:i]:
            raise checker.fail(("triggers", i, "id"), f"duplicate trigger id {trigger_id!r}", "ids must be unique")
        if trigger_id in operation_ids:
            raise checker.fail(("triggers", i, "id"), f"trigger id {trigger_id!r} is also an operation id",
                               "give the trigger its own id, e.g. new_" + trigger_id)
    return triggers


def _trigger(checker: Any, raw: Any, path: tuple) -> Trigger:
    data = checker.mapping(raw, path, _TRIGGER_KEYS, ["id", "label", "output"])
    if not _KEY_RE.fullmatch(data["id"]):
        raise checker.fail(path + ("id",), f"invalid trigger id {data['id']!r}", "use lowercase_with_underscores")
    interval = data.get("poll_interval", DEFAULT_POLL_INTERVAL)
    if interval < MIN_POLL_INTERVAL:
        raise checker.fail(path + ("poll_interval",), f"poll_interval must be at least {MIN_POLL_INTERVAL} second",
                           "write the default interval in whole seconds, e.g. `poll_interval: 60`")
    iam = checker.strings(data.get("iam_actions", []), path + ("iam_actions",), _IAM_RE,
                          "write service:Action, e.g. storage:ListObjects")
    output = checker.section(data["output"], path + ("output",))
    if not output.fields:
        raise checker.fail(path + ("output",), "a trigger's output declares no fields",
                           "list the fields of one item under `output: fields:`")
    return Trigger(
        id=data["id"], label=data["label"], description=data.get("description"),
        input=checker.section(data.get("input", {}), path + ("input",)), output=output,
        poll_interval=interval, iam_actions=tuple(iam),
    )
