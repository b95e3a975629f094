"""Trigger polls on Celery workers, scheduled by Celery beat (the ``jobs`` extra).

Beat sends one *tick* every ``CONNECTOR_CORE_TRIGGER_TICK`` seconds (default 1). A
worker that takes a tick claims a batch of due polls from the store (leases, ``FOR
UPDATE SKIP LOCKED`` on PostgreSQL), polls them and commits their cursors
(:meth:`Poller.run_once`); when the batch was full, more are due, so it sends another
tick at once for the next free worker. Adding workers adds polling capacity; no poll runs
twice at once (the lease), and a worker killed mid-poll only delays its batch until the
leases expire (see docs/triggers.md for what repeats).

Ticks carry nothing but their name and expire after a few ticks' time: a backlog of
ticks while workers are busy is dropped, not worked through.

Settings (environment): ``CONNECTOR_CORE_TRIGGER_HANDLER`` -- ``module:function`` called
as ``handler(instance, item)`` in the worker for every item (required to poll: without
it a worker polls nothing); ``CONNECTOR_CORE_TRIGGER_TICK`` (seconds);
``CONNECTOR_CORE_TRIGGER_BATCH`` (polls claimed per tick, default 50);
``CONNECTOR_CORE_TRIGGER_LEASE`` (seconds, default 300: longer than a poll and its handling).
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ConfigurationError
from .delivery import Handler, Poller

TASK_NAME = "connector_core.triggers.poll_due"
ENV_HANDLER = "CONNECTOR_CORE_TRIGGER_HANDLER"
ENV_TICK = "CONNECTOR_CORE_TRIGGER_TICK"
ENV_BATCH = "CONNECTOR_CORE_TRIGGER_BATCH"
ENV_LEASE = "CONNECTOR_CORE_TRIGGER_LEASE"
#: A tick older than this many ticks is dropped by the worker that would take it.
TICK_EXPIRY = 5


def add_trigger_polling(app: Any, make_poller: Callable[[], Poller], *, queue: str,
                        environ: Mapping[str, str] | None = None) -> None:
    """Register the tick task and the beat entry that sends it on ``app``.

    ``make_poller`` builds this process's :class:`Poller` (called once per worker
    process, after the pool forked).
    """
    env = os.environ if environ is None else environ
    tick = _number(env, ENV_TICK, 1.0)
    pollers = _PerProcess(make_poller)
    options = {"queue": queue, "expires": tick * TICK_EXPIRY}

    @app.task(name=TASK_NAME, ignore_result=True)
    def poll_due() -> str:
        poller = pollers.get()
        stats = poller.run_once()
        if stats.claimed >= poller.batch:  # more are due: the next free worker takes the next batch
            poll_due.apply_async(**options)
        return f"claimed {stats.claimed}, polled {stats.polled}, items {stats.items}, failed {stats.failed}"

    app.conf.beat_schedule = {**(app.conf.beat_schedule or {}),
                              "connector-core-trigger-polls": {"task": TASK_NAME, "schedule": tick,
                                                               "options": options}}


def poller_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The handler, batch and lease from the environment, as :class:`Poller` keywords; None: no handler set."""
    env = os.environ if environ is None else environ
    spec = env.get(ENV_HANDLER, "").strip()
    if not spec:
        return {}
    return {"handler": _resolve(spec), "batch": int(_number(env, ENV_BATCH, 50)),
            "lease_seconds": _number(env, ENV_LEASE, 300.0)}


def _resolve(spec: str) -> Handler:
    module, _, name = spec.partition(":")
    try:
        handler = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigurationError(f"{ENV_HANDLER}={spec!r} cannot be imported ({type(exc).__name__}: {exc})",
                                 hint="write module:function, importable by the worker") from None
    if not callable(handler):
        raise ConfigurationError(f"{ENV_HANDLER}={spec!r} is not a function", hint="write module:function")
    return handler


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = -1
    if value <= 0:
        raise ConfigurationError(f"{name}={raw!r} is not a positive number", hint=f"e.g. {name}={default:g}")
    return value


class _PerProcess:
    """One object per process, built on first use (a forked pool process must not share
    its parent's database connections)."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._pid: int | None = None
        self._value: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._value is None or self._pid != os.getpid():
                self._value, self._pid = self._factory(), os.getpid()
            return self._value
