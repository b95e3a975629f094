"""A real PostgreSQL server for the store's tests: the machine's, else one started here.

``CONNECTOR_CORE_TEST_DATABASE_URL`` (default postgresql://postgres@127.0.0.1:5432/postgres)
names a server where the test user may create databases. When nothing answers there, a
private cluster is started from Debian's binaries (``/usr/lib/postgresql/*/bin``) in a
temporary folder, as an unprivileged user, on a free loopback port, and stopped at the end.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ENV_URL = "CONNECTOR_CORE_TEST_DATABASE_URL"


def configured_url() -> str:
    return os.environ.get(ENV_URL) or DEFAULT_URL


def reachable(url: str) -> str | None:
    """None if ``url`` accepts a connection, else why not (one line)."""
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=3).close()
        return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


class PrivateServer:
    """A throwaway cluster: initdb + pg_ctl as an unprivileged user, on 127.0.0.1."""

    def __init__(self, folder: Path | None = None) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not binaries:
            raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql (apt-get install postgresql)")
        self.bin = Path(binaries[-1]).parent
        # Directly under the system temp folder: pytest's own is private to root, and the
        # unprivileged server user must be able to reach its data folder.
        self.folder = folder or Path(tempfile.mkdtemp(prefix="cc-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.user = None
        if os.geteuid() == 0:  # initdb refuses root: run it as an unprivileged account
            for name in ("postgres", "nobody"):
                try:
                    self.user = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user is not None:
            command = ["setpriv", f"--reuid={self.user.pw_uid}", f"--regid={self.user.pw_gid}",
                       "--clear-groups", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.folder)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")

    def start(self) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -F"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")
        return self.url

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
