"""Runs in one process do not share sending threads: a run stuck on a slow endpoint holds
only its own, so another tenant's run is not kept waiting behind it."""

from __future__ import annotations

import threading
import time

from connector_core.aws.stand_in import PutEventsStandIn

from .conftest import event, values


def test_a_run_stuck_on_a_slow_endpoint_does_not_hold_up_another(host):
    with PutEventsStandIn(latency=8.0) as slow, PutEventsStandIn(latency=0) as fast:
        stuck = host.connect("aws.eventbridge", values(slow.url), name="slow")
        quick = host.connect("aws.eventbridge", values(fast.url), name="fast")
        # 640 entries at concurrency 64: 64 requests in flight, each answered after 8 s.
        slow_run = threading.Thread(target=host.run, args=(stuck, "put_events", {
            "entries": [event(i) for i in range(640)], "concurrency": 64}))
        slow_run.start()
        try:
            time.sleep(1.0)  # its 64 requests sent, every one of its threads waiting on an answer
            out = host.run(quick, "put_events", {"entries": [event(i) for i in range(30)], "concurrency": 8})
            assert out["successful_count"] == 30
            assert slow.stats()["entries"] == 0  # done before the slow endpoint answered anything
        finally:
            slow_run.join()
