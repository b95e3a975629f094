"""Fixtures for the network policy: a DNS table, a connect recorder, a loopback listener."""

from __future__ import annotations

import errno
import socket
import threading

import pytest


@pytest.fixture
def fake_dns(monkeypatch):
    """Names resolve from this table only; a value may be a list (every lookup gets it) or
    a callable (called per lookup: DNS rebinding)."""
    table: dict[str, object] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.rstrip(".").lower() if isinstance(host, str) else host
        # A name or any parent domain in the table (S3 puts the bucket in front of the host).
        known = next((d for d in _parents(name) if d in table), None) if isinstance(name, str) else None
        if known is not None:
            entry = table[known]
            addresses = entry() if callable(entry) else entry
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, int(port or 0), 0, 0) if ":" in a else (a, int(port or 0)))
                for a in addresses
            ]
        try:  # literals and localhost resolve as the C library does, without DNS traffic
            return real(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        except socket.gaierror:
            if name == "localhost":
                return real(host, port, family, type, proto, flags)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


def _parents(name: str) -> list[str]:
    labels = name.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


@pytest.fixture
def connects(monkeypatch):
    """Every address a socket tried to connect to, in order (the attempt is recorded first)."""
    attempts: list = []
    real_connect = socket.socket.connect  # already the suite's loopback-only guard

    def connect(self, address):
        attempts.append(address)
        return real_connect(self, address)

    def connect_ex(self, address):  # nothing in the project uses it: record and refuse
        attempts.append(address)
        return errno.ECONNREFUSED

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return attempts


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1 that accepts and closes; yields its port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    stop = threading.Event()

    def serve():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()
