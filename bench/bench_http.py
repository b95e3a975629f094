"""The HTTP toolkit against bare httpx2, to a local server in another process.

1. Per-request overhead: inside one operation run, ``client(connection, context).get``
   (policy check, auth, retry and error handling, deadline, cached session) against a bare
   ``httpx2.Client.get`` on a kept-alive connection to the same server. Rounds interleave
   the two; the figure is the median ratio over rounds. Target <= 1.05x.
2. Client reuse: ``host.connect`` (a fresh ``Connection``) then ``host.run`` of an
   operation making one GET, with the toolkit's cached client, against the same operation
   building a new ``httpx2.Client`` per call (TLS context, pool, TCP handshake) as code
   without a cache would. Target >= 10x.

The server is a minimal asyncio HTTP/1.1 responder in a child process, so it neither
shares the GIL with the client nor dominates the time as ``http.server`` would.
On a loaded machine wall and CPU ratios swing by more than the gap being measured:
``BENCH_CALLGRIND=1`` adds the instructions per request of each side counted by
valgrind (:mod:`bench.http_instructions`), which do not depend on the load.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

ROUNDS = 15
REQUESTS = 300  # per round and side
CALLS = 200  # per side, client reuse
_SERVER = r"""
import asyncio, sys
BODY = b'{"ok": true}'
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)

async def serve(reader, writer):
    try:
        while True:  # one request: the request line, headers up to a blank line, no body (GETs)
            while (await reader.readline()) not in (b"\r\n", b""):
                pass
            if reader.at_eof():
                break
            writer.write(RESPONSE)
    except ConnectionError:
        pass
    writer.close()

async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
"""
MANIFEST = """\
manifest_version: 1
id: bench.rest
name: Bench REST
version: 1.0.0
extends: [http.credentials]
operations:
  - id: toolkit_loop
    label: Toolkit loop
    input:
      fields:
        - {key: n, label: N, type: integer, required: true}
    output:
      fields:
        - {key: seconds, label: Seconds, type: number}
        - {key: cpu, label: Thread CPU seconds, type: number}
  - id: one_cached
    label: One GET, cached client
    output:
      fields:
        - {key: ok, label: OK, type: boolean}
  - id: one_new_client
    label: One GET, new client
    output:
      fields:
        - {key: ok, label: OK, type: boolean}
"""


def toolkit_loop(connection, params, context):
    from connector_core.http import client

    api = client(connection, context)
    start, cpu = time.perf_counter(), time.thread_time()
    for _ in range(params["n"]):
        api.get("/ping")
    return {"seconds": time.perf_counter() - start, "cpu": time.thread_time() - cpu}


def one_cached(connection, params, context):
    from connector_core.http import client

    return {"ok": client(connection, context).get("/ping").json()["ok"]}


def one_new_client(connection, params, context):
    import httpx2

    with httpx2.Client(base_url=connection["base_url"], headers={"X-API-Key": connection["api_key"]["value"].reveal()},
                       trust_env=False) as bare:
        return {"ok": bare.get("/ping").json()["ok"]}


def _bare_loop(bare, url: str, n: int) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.thread_time()
    for _ in range(n):
        bare.get(url).raise_for_status()
    return time.perf_counter() - start, time.thread_time() - cpu


def _per_call(fn, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def main() -> None:
    import httpx2

    from ._support import host_with

    server = subprocess.Popen([sys.executable, "-c", _SERVER], stdout=subprocess.PIPE, text=True)
    try:
        base_url = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        implementations = {"toolkit_loop": toolkit_loop, "one_cached": one_cached, "one_new_client": one_new_client}
        with host_with(MANIFEST, implementations, {"net.allow_loopback": True}) as host:
            values = {"base_url": base_url, "auth_type": "api_key",
                      "api_key": {"key": "X-API-Key", "value": "bench-key-0123456789"}}
            connection = host.connect("bench.rest", values)
            with httpx2.Client(headers={"X-API-Key": "bench-key-0123456789"}, trust_env=False) as bare:
                host.run(connection, "toolkit_loop", {"n": REQUESTS})  # warm-up: pool, caches
                _bare_loop(bare, f"{base_url}/ping", REQUESTS)
                ratios, cpu_ratios, toolkit_us, bare_us = [], [], [], []
                for _ in range(ROUNDS):
                    ours = host.run(connection, "toolkit_loop", {"n": REQUESTS})
                    theirs, theirs_cpu = _bare_loop(bare, f"{base_url}/ping", REQUESTS)
                    ratios.append(ours["seconds"] / theirs)
                    cpu_ratios.append(ours["cpu"] / theirs_cpu)
                    toolkit_us.append(ours["seconds"] / REQUESTS * 1e6)
                    bare_us.append(theirs / REQUESTS * 1e6)

            cached = lambda: host.run(host.connect("bench.rest", values), "one_cached")  # noqa: E731
            fresh = lambda: host.run(host.connect("bench.rest", values), "one_new_client")  # noqa: E731
            _per_call(cached, 50)
            _per_call(fresh, 20)
            reuse = [(_per_call(cached, CALLS // 5), _per_call(fresh, CALLS // 5)) for _ in range(5)]
    finally:
        server.terminate()
        server.wait()

    ratio = statistics.median(ratios)
    print(f"per request, kept-alive, to a local asyncio server (median of {ROUNDS} rounds x {REQUESTS}):")
    print(f"  bare httpx2.Client.get                  {statistics.median(bare_us):7.1f} us")
    print(f"  connector_core.http client().get        {statistics.median(toolkit_us):7.1f} us")
    cpu_ratio = statistics.median(cpu_ratios)
    print(f"  toolkit / bare, wall time: {ratio:.3f}x (target <= 1.05x: {'met' if ratio <= 1.05 else 'NOT met'})")
    print(f"  toolkit / bare, the calling thread's CPU: {cpu_ratio:.3f}x")
    cached_s = statistics.median(c for c, _ in reuse)
    fresh_s = statistics.median(f for _, f in reuse)
    speedup = fresh_s / cached_s
    print(f"host.connect + host.run of one GET (median of 5 x {CALLS // 5}):")
    print(f"  cached toolkit client                   {cached_s * 1e6:7.1f} us")
    print(f"  new httpx2.Client per call              {fresh_s * 1e6:7.1f} us")
    print(f"  speed-up of the cache: {speedup:.1f}x (target >= 10x: {'met' if speedup >= 10 else 'NOT met'})")
    if os.environ.get("BENCH_CALLGRIND"):  # minutes: four runs under valgrind
        from .http_instructions import main as instructions

        print("instructions per request under callgrind (independent of the machine's load):")
        instructions()


if __name__ == "__main__":
    main()
