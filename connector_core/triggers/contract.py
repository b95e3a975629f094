"""The host's side of a poll: what a plugin's poll result must be, checked once, here."""

from __future__ import annotations

from typing import Any

from ..errors import OperationError, ValidationError
from .model import PollResult, items_of, round_trip


def stored_cursor(cursor: Any, connector_id: str) -> Any:
    """The cursor as a store would hand it back (JSON round trip), or a ValidationError."""
    try:
        return round_trip(cursor)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"cursor": [f"is not JSON: {exc}"]},
                              hint="pass the cursor the previous poll returned, or None for the first poll",
                              connector=connector_id) from None


def checked_result(result: Any, output: Any, connector_id: str, trigger: str) -> PollResult:
    """The plugin's poll result with each item's data validated and the cursor JSON round-tripped.

    ``output`` validates one item's data (the trigger's ``output`` section). Anything
    wrong is a bug in the plugin, reported as an OperationError that names the trigger.
    """

    def bug(message: str) -> OperationError:
        return OperationError(f"trigger {trigger} {message}",
                              hint="this is a bug in the plugin; report it to its author", connector=connector_id)

    if not isinstance(result, PollResult):
        raise bug(f"returned {type(result).__name__}, not a PollResult")
    try:
        items = items_of(result.items)
    except (TypeError, ValueError):
        raise bug("returned items that are neither TriggerItem nor (dedupe_key, data) pairs") from None
    seen: set[str] = set()
    checked = []
    for n, item in enumerate(items):
        if not isinstance(item.dedupe_key, str) or not item.dedupe_key:
            raise bug(f"returned item {n} without a dedupe key (a non-empty string)")
        if item.dedupe_key in seen:
            raise bug(f"returned dedupe key {item.dedupe_key!r} twice in one poll")
        seen.add(item.dedupe_key)
        try:
            data = output.load(item.data if item.data is not None else {})
        except ValidationError as exc:
            raise bug(f"returned item {item.dedupe_key!r} that does not match its manifest: {exc.message}") from None
        checked.append(type(item)(item.dedupe_key, data))
    try:
        cursor = round_trip(result.cursor)
    except (TypeError, ValueError) as exc:
        raise bug(f"returned a cursor that is not JSON ({exc}); a host stores cursors as JSON text") from None
    return PollResult(checked, cursor, result.on_commit)
