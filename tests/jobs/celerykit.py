"""A real Redis and real Celery worker processes for the job tests.

Redis: the machine's on 127.0.0.1:6379, else Debian's ``redis-server`` started on a free
loopback port; with neither, the tests are skipped with the reason (a failure under
CI=true). Each run uses a key prefix of its own and deletes its keys at the end.
Workers: ``connectors worker`` subprocesses, each a process group (so a test can kill one
outright), logging to a file the tests read.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MACHINE_REDIS = ("127.0.0.1", 6379)


def _listening(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"Redis is required under CI: {reason}", pytrace=False)
    pytest.skip(f"no Redis: {reason}")


class PrivateRedis:
    """Debian's redis-server on a free loopback port, no persistence, for this run only."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.process: subprocess.Popen | None = None

    def start(self) -> str:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not _listening(("127.0.0.1", port)):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        return f"redis://127.0.0.1:{port}/0"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def redis_url():
    """Generator for a session fixture: yields a Redis URL."""
    try:
        import celery  # noqa: F401
        import redis  # noqa: F401
    except ImportError as exc:
        _unavailable(f"the jobs extra is not installed ({exc.name}): pip install 'connector-core[jobs]'")
    if _listening(MACHINE_REDIS):
        yield "redis://127.0.0.1:6379/0"
        return
    binary = shutil.which("redis-server")
    if binary is None:
        _unavailable("nothing answers on 127.0.0.1:6379 and redis-server is not installed (apt-get install redis-server)")
    server = PrivateRedis(binary)
    try:
        url = server.start()
    except RuntimeError as exc:
        _unavailable(f"nothing answers on 127.0.0.1:6379 and starting redis-server failed: {exc}")
    try:
        yield url
    finally:
        server.stop()


#: Worker settings that bring a dead worker's jobs back within seconds: Redis re-delivers
#: unacknowledged messages after 2 s, leases expire after 2 s (and the reaper re-queues).
FAST_RECOVERY = {
    "CONNECTOR_CORE_BROKER_VISIBILITY_TIMEOUT": "2",
    "CONNECTOR_CORE_BROKER_TRANSPORT_OPTIONS": '{"unacked_restore_interval": 1, "unacked_restore_throttle": 1}',
    "CONNECTOR_CORE_JOBS_LEASE_SECONDS": "2", "CONNECTOR_CORE_JOBS_CHECK_INTERVAL": "0.2",
    "CONNECTOR_CORE_JOBS_RETRY_DELAY": "0.1", "CONNECTOR_CORE_JOBS_MAX_RETRY_DELAY": "1",
}


def worker_env(folder: Path, *, database_url: str, master_key: str, redis_url: str, prefix: str,
               **extra: str) -> dict[str, str]:
    """The environment of ``connectors worker`` processes: this run's store, keys, broker and
    Redis key prefix, no CONNECTOR_CORE_/AWS_ variable of the caller's, no shared AWS config."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CONNECTOR_CORE_", "AWS_"))},
        "PYTHONPATH": str(ROOT), "CONNECTOR_CORE_DATA_DIR": str(folder),
        "CONNECTOR_CORE_DATABASE_URL": database_url, "CONNECTOR_CORE_MASTER_KEYS": master_key,
        "CONNECTOR_CORE_BROKER_URL": redis_url, "CONNECTOR_CORE_BROKER_KEY_PREFIX": prefix,
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        **extra,
    }


def delete_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


class Worker:
    """One ``connectors worker`` process group."""

    def __init__(self, env: dict[str, str], log: Path, *, concurrency: int = 1, pool: str = "prefork",
                 args: tuple[str, ...] = ()) -> None:
        self.log = log
        command = [sys.executable, "-c", "from connector_core.cli import main; main()",
                   "--plugin", "tests.jobs.jobkit", "--setting", "net.allow_loopback=true",
                   "--setting", "aws.max_attempts=1", "worker", f"--concurrency={concurrency}", f"--pool={pool}",
                   "--loglevel=INFO", *args]
        self._out = open(log, "ab")
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=self._out, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> Worker:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.text():
                return self
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited ({self.process.returncode}):\n{self.text()[-3000:]}")
            time.sleep(0.1)
        raise AssertionError(f"the worker did not get ready:\n{self.text()[-3000:]}")

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """kill -9 the whole worker: main process and pool processes, no chance to clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._out.close()
