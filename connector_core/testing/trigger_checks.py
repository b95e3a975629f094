"""Conformance checks for triggers: cursors survive JSON and restarts, polls repeat and lose nothing.

The rules (docs/triggers.md): the cursor a poll returns is plain JSON and comes back
unchanged through JSON text (checked on the cursor as the plugin returned it, before
the host's own round trip); a second poll with the returned cursor repeats nothing; a
poll from the stored cursor in a new host loses and repeats nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from connector_core import ConnectorError, Host, hookimpl
from connector_core.triggers.model import round_trip

from .subject import Problem, Subject, connect

#: Makes ``count`` new items for a trigger; returns their dedupe keys (None: only count them).
ItemMaker = Callable[[Host, Mapping[str, Any], str, Mapping[str, Any], int], "list[str] | None"]


def check_trigger(s: Subject, good: Mapping[str, Any], trigger: str, params: Mapping[str, Any],
                  make_items: ItemMaker, restart: Callable[[], Host], polls: int = 3) -> list[Problem]:
    """Baseline poll, new items, a second poll, then a poll from the stored cursor in a new host."""
    problems: list[Problem] = []
    where = f"trigger {trigger!r}"
    connection = connect(s, good, "good_connection", problems)
    if connection is None:
        return problems
    spy = _CursorSpy()
    host = Host(plugins=[s.plugin, spy], settings=dict(s.host.settings))
    try:
        first = host.poll(connection, trigger, params, None)
        first.commit()
        cursor = first.cursor
        made = make_items(s.host, good, trigger, params, 3)
        found, cursor = _poll_until(host, connection, trigger, params, cursor, made, 3, polls)
        expected = set(made) if made is not None else None
        if expected is not None and not expected <= set(found):
            problems.append(Problem(where, f"a poll after new items missed {sorted(expected - set(found))}",
                                    "return every item newer than the cursor; keep in the cursor what the "
                                    "next poll needs to know (a high-water mark and the keys seen at it)"))
        elif expected is None and len(found) < 3:
            problems.append(Problem(where, f"3 new items were made, a poll found {len(found)}",
                                    "return every item newer than the cursor"))
        again = host.poll(connection, trigger, params, cursor)
        again.commit()
        repeated = set(again.dedupe_keys) & set(found)
        if repeated:
            problems.append(Problem(where, f"a second poll with the returned cursor repeated {sorted(repeated)}",
                                    "the cursor a poll returns must exclude every item that poll returned"))
        stored = json.dumps(again.cursor)
        made = make_items(s.host, good, trigger, params, 2)
        fresh = restart()
        connection = fresh.connect(s.connector_id, good, name="conformance-restart")
        after, _ = _poll_until(fresh, connection, trigger, params, json.loads(stored), made, 2, polls)
        if made is not None and not set(made) <= set(after):
            problems.append(Problem(where, f"after a restart, a poll from the stored cursor lost "
                                           f"{sorted(set(made) - set(after))}",
                                    "keep everything the next poll needs in the cursor (it is all a host stores)"))
        if set(after) & set(found):
            problems.append(Problem(where, f"after a restart, a poll from the stored cursor repeated "
                                           f"{sorted(set(after) & set(found))}",
                                    "the cursor must be plain JSON that holds the whole resume state"))
    except ConnectorError as exc:
        if "cursor that is not JSON" not in exc.user_message:
            problems.append(Problem(where, f"a poll failed: {exc.user_message}",
                                    "make polls with the test's trigger_params succeed against good_connection"))
    problems += spy.problems(where)
    return problems


class _CursorSpy:
    """Sees each cursor as the plugin returned it, before the host's JSON round trip."""

    __name__ = "conformance_cursor_spy"

    def __init__(self) -> None:
        self.cursors: list[Any] = []

    @hookimpl(wrapper=True)
    def connector_poll(self):
        result = yield
        self.cursors.append(getattr(result, "cursor", None))
        return result

    def problems(self, where: str) -> list[Problem]:
        fix = ("return a cursor of strings, numbers, booleans, None, lists and mappings with string keys: "
               "a host keeps it as JSON text and hands back what that text holds")
        for cursor in self.cursors:
            try:
                back = round_trip(cursor)
            except (TypeError, ValueError) as exc:
                return [Problem(where, f"the cursor is not JSON ({exc})", fix)]
            if back != cursor:  # int keys become strings, tuples lists
                return [Problem(where, f"the cursor changes through JSON: {_short(cursor)} comes back as "
                                       f"{_short(back)}", fix)]
        return []


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _poll_until(host: Host, connection: Any, trigger: str, params: Mapping[str, Any], cursor: Any,
                expected: list[str] | None, count: int, polls: int) -> tuple[list[str], Any]:
    """Poll (committing each result) until the expected items came, at most ``polls`` times.

    Sources that deliver asynchronously (a queue) may need more than one poll; none may
    need a wait beyond its own long poll.
    """
    found: list[str] = []
    for _ in range(polls):
        result = host.poll(connection, trigger, params, cursor)
        result.commit()
        found += result.dedupe_keys
        cursor = result.cursor
        if (set(expected) <= set(found)) if expected is not None else len(found) >= count:
            break
    return found, cursor
