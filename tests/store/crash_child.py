"""A store client that dies on purpose, for the crash tests: ``python crash_child.py MODE URL [ID]``.

Master keys come from CONNECTOR_CORE_MASTER_KEYS. The process ends with ``os._exit``
(no cleanup, no rollback, no flush: as a killed process would) at the point MODE names:

- ``update ID``: inside the update's transaction, after the new ciphertext was written
  and before the commit;
- ``rotate N``: right after the N-th record of a key rotation was committed.
"""

from __future__ import annotations

import os
import sys

from connector_core import Host
from connector_core.store import ConnectionStore

CRASHED = 17


def main(mode: str, url: str, arg: str) -> None:
    store = ConnectionStore.open(Host.discover(), url)
    if mode == "update":
        def die(kind: str) -> None:
            if kind == "update":
                os._exit(CRASHED)

        store.before_commit = die
        values = {"auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "region": "us-east-1",
                  "secret_access_key": "the-new-secret-never-committed", "bucket": "new-bucket",
                  "endpoint_url": "http://127.0.0.1:9"}
        store.update("acme", arg, values, name="never committed")
    elif mode == "rotate":
        done = []

        def count(record_id: str) -> None:
            done.append(record_id)
            if len(done) == int(arg):
                os._exit(CRASHED)

        store.rotate(batch_size=4, on_record=count)
    sys.exit(0)  # the crash point was never reached


if __name__ == "__main__":
    main(*sys.argv[1:4])
