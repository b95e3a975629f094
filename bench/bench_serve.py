"""`connectors serve` under load: 50 concurrent clients for 10 s per request kind.

A real ``connectors serve`` process (uvicorn on 127.0.0.1, SQLite in a temporary data
folder, development keys) and moto's server as another process; this process runs 50
asyncio clients, each on one kept-alive HTTP/1.1 connection sending its next request as
soon as the last answered (no think time: latency includes queueing behind the other 49).
Clients send the Bearer token printed by ``--sign-in-token``. For each kind, 10 s:

- form: ``GET /api/connectors/aws.s3/form``
- validate: ``POST /api/connectors/aws.s3/validate`` with S3 connection values
- create: ``POST /api/connections`` (a new stored connection, secret sealed, each time)
- test: ``POST /api/connections/{id}/test`` of a stored connection against moto (HeadBucket
  and ListObjectsV2)

Printed per kind: requests, requests a second, p50 / p99 latency, errors (any non-2xx or
broken connection). Targets: zero errors; p99 <= 50 ms for form and validate.
``BENCH_SERVE_CLIENTS`` and ``BENCH_SERVE_SECONDS`` change the load.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLIENTS = int(os.environ.get("BENCH_SERVE_CLIENTS", "50"))
SECONDS = float(os.environ.get("BENCH_SERVE_SECONDS", "10"))
BUCKET = "bench-serve"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Connection:
    """One kept-alive HTTP/1.1 connection: the smallest client, so the figures are the server's."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        payload = json.dumps(body).encode() if body is not None else b""
        head = (f"{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {self.token}\r\n"
                f"content-length: {len(payload)}\r\n")
        if body is not None:
            head += "content-type: application/json\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        status_line = await self.reader.readline()
        headers = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        data = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return int(status_line.split()[1]), data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _load(port: int, token: str, make_request, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def client(n: int) -> None:
        nonlocal errors
        connection = Connection(port, token)
        i = 0
        while time.monotonic() < stop:
            method, path, body = make_request(n, i)
            i += 1
            start = time.perf_counter()
            try:
                status, _ = await connection.request(method, path, body)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                errors += 1
                connection.close()
                continue
            latencies.append(time.perf_counter() - start)
            if not 200 <= status < 300:
                errors += 1
        connection.close()

    await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    return latencies, errors


def _start_serve(data: Path, endpoint_port: int) -> tuple[subprocess.Popen, int, str]:
    env = {**os.environ, "CONNECTOR_CORE_DATA_DIR": str(data)}
    for name in ("CONNECTOR_CORE_DATABASE_URL", "CONNECTOR_CORE_MASTER_KEYS", "CONNECTOR_CORE_MASTER_KEY_FILE"):
        env.pop(name, None)
    command = [sys.executable, "-c", "from connector_core.cli import main; main()",
               "--setting", "net.allow_loopback=true",
               "--setting", "web.rate_limit.test_per_minute=0", "--setting", "web.rate_limit.run_per_minute=0",
               "serve", "--port", "0", "--development", "--sign-in-token", "bench"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stderr.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        process.kill()
        raise SystemExit(f"connectors serve did not start: {line}{process.stderr.read()}")
    return process, int(match.group(1)), process.stdout.readline().strip()


def main() -> None:
    import boto3

    moto_port = _free_port()
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{moto_port}"
    with tempfile.TemporaryDirectory() as folder:
        serve = None
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="AKIAEXAMPLE",
                                 aws_secret_access_key="x").create_bucket(Bucket=BUCKET)
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            serve, port, token = _start_serve(Path(folder), moto_port)
            _run_all(port, token, endpoint)
        finally:
            if serve is not None:
                serve.terminate()
                serve.wait(timeout=20)
            moto.terminate()
            moto.wait(timeout=20)


def _run_all(port: int, token: str, endpoint: str) -> None:
    values = {"auth_mode": "static", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
              "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "region": "us-east-1",
              "endpoint_url": endpoint, "bucket": BUCKET}

    async def setup() -> str:
        connection = Connection(port, token)
        status, body = await connection.request("POST", "/api/connections",
                                                {"connector_id": "aws.s3", "name": "bench", "values": values})
        connection.close()
        assert status == 201, body
        return json.loads(body)["id"]

    saved = asyncio.run(setup())
    kinds = {
        "form": lambda n, i: ("GET", "/api/connectors/aws.s3/form", None),
        "validate": lambda n, i: ("POST", "/api/connectors/aws.s3/validate", values),
        "create": lambda n, i: ("POST", "/api/connections",
                                {"connector_id": "aws.s3", "name": f"bench {n}-{i}", "values": values}),
        "test": lambda n, i: ("POST", f"/api/connections/{saved}/test", {}),
    }
    load = os.getloadavg()[0]
    print(f"{CLIENTS} clients x {SECONDS:g} s per kind against connectors serve (load average {load:.1f}, "
          f"{os.cpu_count()} cores)")
    print(f"{'kind':<10}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}  target")
    for kind, make in kinds.items():
        asyncio.run(_load(port, token, make, 1.0))  # warm-up: connections, caches, the first argon2 check
        latencies, errors = asyncio.run(_load(port, token, make, SECONDS))
        latencies.sort()
        p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
        p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan")
        target = "p99 <= 50 ms, 0 errors" if kind in ("form", "validate") else "0 errors"
        met = (errors == 0 and (kind not in ("form", "validate") or p99 <= 50))
        print(f"{kind:<10}{len(latencies):>10}{len(latencies) / SECONDS:>9.0f}{p50:>9.1f}{p99:>9.1f}{errors:>8}  "
              f"{target}: {'met' if met else 'NOT met'}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
