"""The trigger handler the Celery polling test's workers call (CONNECTOR_CORE_TRIGGER_HANDLER).

Appends ``PID INSTANCE KEY`` to the file named by ``TRIGGER_TEST_LOG`` (flushed per line).
"""

from __future__ import annotations

import os


def record(instance, item) -> None:
    with open(os.environ["TRIGGER_TEST_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {instance.id} {item.dedupe_key}\n")
