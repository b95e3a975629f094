"""A test connector whose operations run until cancelled, recording when they stop."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from connector_core import OperationError, hookimpl

MANIFEST = """\
manifest_version: 1
id: test.slow
name: Slow
version: 1.0.0
connection:
  fields:
    - {key: token, label: Token, type: secret}
operations:
  - id: forever
    label: List forever
    output:
      stream: true
      fields:
        - {key: n, label: N, type: integer}
  - id: wait
    label: Wait until cancelled
    output:
      fields:
        - {key: ok, label: OK, type: boolean}
"""

stopped = {"forever": threading.Event(), "wait": threading.Event()}


def forever(connection, params, context):
    def items():
        n = 0
        try:
            while True:
                yield {"n": n}
                n += 1
                time.sleep(0.001)
        finally:
            stopped["forever"].set()

    return items()


def wait(connection, params, context):
    deadline = time.monotonic() + 60
    while not context.cancelled and time.monotonic() < deadline:
        time.sleep(0.01)
    stopped["wait"].set()
    raise OperationError("wait was cancelled")


class SlowPlugin:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "slow.yaml"
        self.path.write_text(MANIFEST)

    @hookimpl
    def connector_manifests(self):
        return [self.path]

    @hookimpl
    def connector_implementations(self):
        return {"forever": forever, "wait": wait}
