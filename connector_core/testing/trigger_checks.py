"""Conformance checks for triggers: cursors survive JSON and restarts, polls repeat and lose nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from connector_core import ConnectorError, Host

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
    try:
        first = s.host.poll(connection, trigger, params, None)
        first.commit()
        cursor = first.cursor
        made = make_items(s.host, good, trigger, params, 3)
        found, cursor = _poll_until(s.host, connection, trigger, params, cursor, made, 3, polls)
        expected = set(made) if made is not None else None
        if expected is not None and not expected <= set(found):
            problems.append(Problem(where, f"a poll after new items missed {sorted(expected - set(found))}",
                                    "return every item newer than the cursor; keep in the cursor what the "
                                    "next poll needs to know (a high-water mark and the keys seen at it)"))
        elif expected is None and len(found) < 3:
            problems.append(Problem(where, f"3 new items were made, a poll found {len(found)}",
                                    "return every item newer than the cursor"))
        again = s.host.poll(connection, trigger, params, cursor)
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
        problems.append(Problem(where, f"a poll failed: {exc.user_message}",
                                "make polls with the test's trigger_params succeed against good_connection"))
    return problems


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
