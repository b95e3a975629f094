"""A plugin of small operations for the job tests, importable by a worker (``--plugin tests.jobs.jobkit``).

Counters are files under ``JOBKIT_STATE_DIR`` (one line per run), so a test counts what a
worker *process* did. ``wait`` writes its pid to NAME.pid and runs until NAME.release exists.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from connector_core import OperationError, UnavailableError, hookimpl

MANIFEST = Path(__file__).with_name("jobkit.yaml")
ENV_STATE = "JOBKIT_STATE_DIR"


def state_dir() -> Path:
    return Path(os.environ[ENV_STATE])


def runs(name: str, suffix: str = "runs") -> int:
    path = state_dir() / f"{name}.{suffix}"
    return len(path.read_text().splitlines()) if path.exists() else 0


def _count(name: str, suffix: str = "runs") -> int:
    with open(state_dir() / f"{name}.{suffix}", "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()}\n")
    return runs(name, suffix)


def noop(connection, params, context):
    return {"ok": True}


def echo(connection, params, context):
    key = params.get("api_key")
    token = connection.get("token")
    if params["text"] == "leak":  # a careless plugin putting secrets in its message
        raise OperationError(f"refused key {key.reveal()} with token {token.reveal()}")
    return {"text": params["text"], "key_length": len(key.reveal()) if key else 0,
            "token_length": len(token.reveal()) if token else 0}


def accounted(connection, params, context):
    return {"ok": True}


def flaky(connection, params, context):
    n = _count(params["name"])
    if n <= params["failures"]:
        error = UnavailableError if params["retryable"] else OperationError
        raise error(f"run {n} fails on purpose", hint="it succeeds later" if params["retryable"] else "give fewer failures")
    return {"runs": n}


def wait(connection, params, context):
    name = params["name"]
    _count(name, "starts")
    (state_dir() / f"{name}.pid").write_text(str(os.getpid()))
    steps = 0
    while not (state_dir() / f"{name}.release").exists():
        context.check_cancelled()
        steps += 1
        context.progress(steps, None, "steps")
        time.sleep(0.02)
    _count(name, "ends")
    return {"steps": steps}


@hookimpl
def connector_manifests():
    return [MANIFEST]


@hookimpl
def connector_implementations():
    return {"noop": noop, "echo": echo, "accounted": accounted, "flaky": flaky, "wait": wait}
