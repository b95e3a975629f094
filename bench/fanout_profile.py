"""Where a fanned-out put_events spends the local runner's CPU: ``python -m bench.fanout_profile``.

Each function named below is wrapped to add up the CPU time of the thread running it
(``time.thread_time``: a thread waiting for the GIL or for a socket is not counted; the
outermost call only, so recursion counts once). One fan-out of BENCH_EVENTS entries (default
100,000) then runs through bench_jobs_fanout's local runner against the 20 ms stand-in in
its own process. Printed: each function's CPU seconds, calls and share of
this process's CPU from submit to merged outcomes, and botocore's share
(``BaseClient._make_api_call``, the calls themselves): raw botocore's own loop spends ~97% of
its CPU there, so the gap is what the runner, the store and the plugin cost. A diagnostic,
not a figure: per-call functions (a JSON encode per entry) are not wrapped, since the
wrapper would cost more than they do. Shares are steadier than throughput on a busy machine.
"""

from __future__ import annotations

import functools
import importlib
import os
import tempfile
import threading
import time
from collections import Counter
from typing import Any

from bench import bench_jobs_fanout as fanout_bench

EVENTS = int(os.environ.get("BENCH_EVENTS", "100000"))
#: (module, attribute path) of each function accounted for.
ACCOUNTED = [
    ("botocore.client", "BaseClient._make_api_call"),
    ("connector_core.jobs.service", "Jobs.submit"),
    ("connector_core.host", "Host.validate_input"),
    ("connector_core.jobs.fanout", "split_secrets_chunked"),
    ("connector_core.jobs.records", "JobStore.insert_encoded_many"),
    ("connector_core.jobs.service", "Jobs.wait"),
    ("connector_core.jobs.records", "JobStore.any_chunk_running"),
    ("connector_core.jobs.execute", "JobExecutor.deliver"),
    ("connector_core.jobs.records", "JobStore.claim"),
    ("connector_core.jobs.execute", "JobExecutor._run"),
    ("connector_core.store.store", "ConnectionStore.load_connection"),
    ("connector_core.host", "Host.run"),
    ("connector_aws_eventbridge.events", "put_events"),
    ("connector_aws_eventbridge.events", "build_entries"),
    ("connector_aws_eventbridge.events", "_Sender.send"),
    ("connector_aws_eventbridge.events", "_Sender._record"),
    ("connector_core.host", "Host._validated_output"),
    ("connector_core.jobs.model", "json_result"),
    ("connector_core.jobs.records", "JobStore.finish"),
    ("connector_core.jobs.execute", "JobExecutor._finish_parent"),
    ("connector_core.jobs.records", "JobStore.chunks_to_merge"),
    ("connector_core.jobs.records", "JobStore.heartbeat_many"),
]


class Accounts:
    """Thread CPU seconds and calls per wrapped function."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.counting = False  # only the timed span counts: not the warm-up, nor the close after
        self._inside = threading.local()

    def wrap(self, owner: Any, attribute: str, label: str) -> None:
        original = getattr(owner, attribute)
        inside, seconds, calls = self._inside, self.seconds, self.calls

        @functools.wraps(original)
        def accounted(*args: Any, **kwargs: Any) -> Any:
            active = inside.__dict__.setdefault("labels", set())
            if label in active:  # recursion: the outer call counts it
                return original(*args, **kwargs)
            active.add(label)
            start = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                if self.counting:
                    seconds[label] += time.thread_time() - start
                    calls[label] += 1
                active.discard(label)

        setattr(owner, attribute, accounted)

    def start(self) -> None:
        self.seconds.clear()
        self.calls.clear()
        self.counting = True

    def stop(self) -> None:
        self.counting = False


def install(accounts: Accounts) -> None:
    for module_name, path in ACCOUNTED:
        owner: Any = importlib.import_module(module_name)
        *parents, attribute = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        accounts.wrap(owner, attribute, path)


def main() -> None:
    from connector_core import Host
    from connector_core.aws.stand_in import stand_in_process

    Host.discover()  # the plugins' modules imported, to be wrapped
    accounts = Accounts()
    install(accounts)
    with stand_in_process(fanout_bench.LATENCY) as endpoint, tempfile.TemporaryDirectory() as folder:
        result = fanout_bench.local_runner(endpoint, folder, EVENTS, on_start=accounts.start, on_end=accounts.stop)
    rate, cpu = result["rate"], result["cpu_seconds"]
    print(f"{EVENTS:,} events through the local runner ({fanout_bench.LOCAL_WORKERS} threads x concurrency "
          f"{fanout_bench.CONCURRENCY}): {rate:.0f} events/s, {cpu:.2f} s of CPU; botocore's share "
          f"{accounts.seconds['BaseClient._make_api_call'] / cpu:.1%} (raw botocore's loop: ~97%)")
    print(f"{'CPU s':>7} {'share':>6} {'calls':>7}  function (inclusive: a caller's time holds its callees')")
    for label, seconds in accounts.seconds.most_common():
        print(f"{seconds:7.2f} {seconds / cpu:6.1%} {accounts.calls[label]:7d}  {label}")


if __name__ == "__main__":
    main()
