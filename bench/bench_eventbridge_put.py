"""Put events: the plugin's batched, concurrent sending vs a plain loop on raw boto3.

A stand-in PutEvents endpoint on 127.0.0.1 (an asyncio HTTP server, in a child process by
default) answers every call with success entries after 20 ms, like a distant region; moto's server is too
slow to show pipelining. 10,000 events go through ``host.run`` with 8 concurrent
requests, then through a loop of 10-entry ``put_events`` calls on one cached boto3 client.
The ceiling is 8 requests x 10 entries / 20 ms = 4,000 events/s.

Environment: ``BENCH_EVENTS`` (default 10000); ``BENCH_SERVER=thread`` runs the stand-in
in a thread of this process instead, where its CPU competes with the client for the GIL
(a distant region's CPU is not ours, hence the child process by default).

Targets: >= 5x the plain loop's throughput, >= 70% of the ceiling.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import uuid

LATENCY = 0.020
EVENTS = int(os.environ.get("BENCH_EVENTS", "10000"))
CONCURRENCY = 8
KEYS = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}


class StandInPutEvents:
    """An HTTP/1.1 keep-alive server answering every request as a successful PutEvents."""

    def __init__(self, latency: float = LATENCY) -> None:
        self.latency = latency
        self.requests = 0
        self._prefix = uuid.uuid4().hex[:12]
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stand-in-putevents", daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        self._ready.wait(5)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()
        for task in asyncio.all_tasks(self._loop):
            task.cancel()
        self._loop.run_until_complete(asyncio.sleep(0))
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                # Cheap on purpose: this server shares the client's process (and its GIL).
                count = body.count(b'"DetailType"')
                self.requests += 1
                await asyncio.sleep(self.latency)
                ids = ",".join(f'{{"EventId":"{self._prefix}-{self.requests}-{i}"}}' for i in range(count))
                payload = b'{"FailedEntryCount":0,"Entries":[%s]}' % ids.encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
                             b"x-amzn-RequestId: bench\r\nContent-Length: %d\r\n\r\n%s" % (len(payload), payload))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


def _serve_in_child(queue, latency: float) -> None:
    server = StandInPutEvents(latency)
    queue.put(server.__enter__())
    threading.Event().wait()  # until the parent terminates this process


class _ChildProcessStandIn:
    """The same server in a child process, so its CPU does not share the client's GIL."""

    def __enter__(self) -> str:
        import multiprocessing

        queue = multiprocessing.Queue()
        self._process = multiprocessing.Process(target=_serve_in_child, args=(queue, LATENCY), daemon=True)
        self._process.start()
        return queue.get(timeout=10)

    def __exit__(self, *exc) -> None:
        self._process.terminate()
        self._process.join(5)


def _entries(n: int) -> list[dict]:
    return [{"source": "com.example.bench", "detail_type": "Tick", "detail": {"n": i, "payload": "x" * 100}}
            for i in range(n)]


class _ImplementationTimer:
    """A hook wrapper (the public way to time runs): time spent in the implementation alone."""

    seconds = 0.0

    def __init__(self) -> None:
        from connector_core import hookimpl

        @hookimpl(wrapper=True)
        def connector_run():
            start = time.perf_counter()
            try:
                return (yield)
            finally:
                self.seconds = time.perf_counter() - start

        self.connector_run = connector_run


def _plugin(endpoint: str, n: int, timer: _ImplementationTimer) -> float:
    import connector_aws_eventbridge.hooks
    from connector_core import Host

    host = Host(plugins=[connector_aws_eventbridge.hooks, timer], settings={"net.allow_loopback": True})
    conn = host.connect("aws.eventbridge", {
        "auth_mode": "static", "access_key_id": KEYS["aws_access_key_id"],
        "secret_access_key": KEYS["aws_secret_access_key"], "region": "us-east-1",
        "endpoint_url": endpoint, "account_id": "123456789012"})
    params = {"concurrency": CONCURRENCY}
    host.run(conn, "put_events", {"entries": _entries(10), **params})  # warm: client, validators
    entries = _entries(n)
    start = time.perf_counter()
    out = host.run(conn, "put_events", {"entries": entries, **params})
    elapsed = time.perf_counter() - start
    assert out["successful_count"] == n, out["failed_count"]
    return elapsed


def _plain_loop(endpoint: str, n: int) -> float:
    import boto3

    client = boto3.client("events", region_name="us-east-1", endpoint_url=endpoint, **KEYS)
    api = [{"Source": e["source"], "DetailType": e["detail_type"], "Detail": json.dumps(e["detail"])}
           for e in _entries(n)]
    client.put_events(Entries=api[:10])  # warm
    start = time.perf_counter()
    for i in range(0, n, 10):
        response = client.put_events(Entries=api[i:i + 10])
        assert response["FailedEntryCount"] == 0
    return time.perf_counter() - start


def main() -> None:
    ceiling = CONCURRENCY * 10 / LATENCY
    timer = _ImplementationTimer()
    cpu = os.cpu_count() or 1
    # The stand-in in a child process by default: a real region's CPU is not ours.
    in_child = os.environ.get("BENCH_SERVER", "process") != "thread"
    with (_ChildProcessStandIn() if in_child else StandInPutEvents()) as endpoint:
        plugin = _plugin(endpoint, EVENTS, timer)
        plain = _plain_loop(endpoint, EVENTS)
    plugin_rate, plain_rate = EVENTS / plugin, EVENTS / plain
    sending = timer.seconds
    print(f"events: {EVENTS}, stand-in latency {LATENCY * 1000:.0f} ms "
          f"({'child process' if in_child else 'thread of this process'}), concurrency {CONCURRENCY}, "
          f"load average {os.getloadavg()[0]:.1f} on {cpu} CPUs")
    print(f"plugin (host.run, batched, {CONCURRENCY} concurrent): {plugin:6.2f} s  {plugin_rate:8.0f} events/s")
    print(f"  of which sending (the implementation):     {sending:6.2f} s  {EVENTS / sending:8.0f} events/s;"
          f" the host's input/output validation: {plugin - sending:.2f} s")
    print(f"plain loop (raw boto3, 10 per call):        {plain:6.2f} s  {plain_rate:8.0f} events/s")
    print(f"speedup: {plugin_rate / plain_rate:.1f}x (target >= 5x)")
    print(f"fraction of the {ceiling:.0f} events/s ceiling: {plugin_rate / ceiling:.0%} end to end, "
          f"{EVENTS / sending / ceiling:.0%} for the sending alone (target >= 70%)")


if __name__ == "__main__":
    main()
