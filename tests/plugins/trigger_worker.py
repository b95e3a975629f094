"""A trigger worker process for the restart tests: ``python -m tests.plugins.trigger_worker CONFIG_JSON``.

It opens the store the test made, then polls (``Poller``) or dispatches (one
``InboxDispatcher`` per queue) until killed. Its handler appends ``PID INSTANCE KEY`` to
the log file (flushed: a SIGKILL loses nothing written) and then sleeps ``delay``
seconds, so that a test can kill it in the middle of a poll.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main(config: dict) -> None:
    import importlib

    from connector_core import Host
    from connector_core.store import ConnectionStore, Keyring
    from connector_core.triggers.delivery import Poller
    from connector_core.triggers.instances import TriggerInstances

    plugin = importlib.import_module(config["plugin"])
    host = Host(plugins=[plugin], settings=config["settings"])
    store = ConnectionStore.open(host, config["store_url"], Keyring.from_text(config["master_key"], source="test"))
    instances = TriggerInstances(store.engine, host)
    log = open(config["log"], "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the process

    def handler(instance, item):
        log.write(f"{os.getpid()} {instance.id} {item.dedupe_key}\n")
        log.flush()
        time.sleep(config["delay"])

    if config["mode"] == "dispatcher":
        from connector_aws_eventbridge.inbox import queue_inboxes
        from connector_core.triggers.dispatch import InboxDispatcher

        (inbox,) = queue_inboxes(host, instances, store, wait_seconds=1,
                                 visibility_timeout=config["visibility_timeout"])
        dispatcher = InboxDispatcher(host, inbox, instances, handler)
        while True:
            dispatcher.run_once()
    poller = Poller(host, instances, store, handler, lease_seconds=config["lease_seconds"])
    while True:
        if not poller.run_once().claimed:
            time.sleep(0.1)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
