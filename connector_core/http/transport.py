"""An httpx2 transport whose every connect goes through the network policy.

httpx2 opens sockets through httpcore2's *network backend*. :class:`PolicyBackend`
replaces the default one: it asks :meth:`NetworkPolicy.create_connection
<connector_core.net.NetworkPolicy.create_connection>` for the socket, which resolves the
host, checks every address it resolves to and connects only to an approved one. So the
check is made on the address actually connected to, on every new connection (redirect
hops and DNS rebinding included), not on a name looked up earlier.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore2
import httpx2

# httpcore's exceptions as httpx's, most specific first (what httpx2.HTTPTransport does).
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx2.HTTPError]], ...] = (
    (httpcore2.ConnectTimeout, httpx2.ConnectTimeout),
    (httpcore2.ReadTimeout, httpx2.ReadTimeout),
    (httpcore2.WriteTimeout, httpx2.WriteTimeout),
    (httpcore2.PoolTimeout, httpx2.PoolTimeout),
    (httpcore2.TimeoutException, httpx2.TimeoutException),
    (httpcore2.ConnectError, httpx2.ConnectError),
    (httpcore2.ReadError, httpx2.ReadError),
    (httpcore2.WriteError, httpx2.WriteError),
    (httpcore2.NetworkError, httpx2.NetworkError),
    (httpcore2.UnsupportedProtocol, httpx2.UnsupportedProtocol),
    (httpcore2.LocalProtocolError, httpx2.LocalProtocolError),
    (httpcore2.RemoteProtocolError, httpx2.RemoteProtocolError),
    (httpcore2.ProtocolError, httpx2.ProtocolError),
)


def _as_httpx2(exc: Exception) -> Exception:
    for source, target in _EXCEPTIONS:
        if isinstance(exc, source):
            return target(str(exc))
    return exc


class _SocketStream(httpcore2.NetworkStream):
    """A connected (optionally TLS) socket, as httpcore2 reads and writes it."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            self._sock.settimeout(timeout)
            return self._sock.recv(max_bytes)
        except socket.timeout as exc:
            raise httpcore2.ReadTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpcore2.ReadError(str(exc)) from exc

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:  # h11 ends a message with b"": no syscall for it
            return
        try:
            self._sock.settimeout(timeout)
            self._sock.sendall(buffer)
        except socket.timeout as exc:
            raise httpcore2.WriteTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpcore2.WriteError(str(exc)) from exc

    def close(self) -> None:
        self._sock.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore2.NetworkStream:
        try:
            self._sock.settimeout(timeout)
            return _SocketStream(ssl_context.wrap_socket(self._sock, server_hostname=server_hostname))
        except socket.timeout as exc:
            self.close()
            raise httpcore2.ConnectTimeout(str(exc) or "timed out") from exc
        except OSError as exc:  # ssl.SSLError included
            self.close()
            raise httpcore2.ConnectError(str(exc)) from exc

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object" and isinstance(self._sock, ssl.SSLSocket):
            return self._sock  # has selected_alpn_protocol(), which is what httpcore2 asks
        if info == "client_addr":
            return self._sock.getsockname()
        if info == "server_addr":
            return self._sock.getpeername()
        if info == "socket":
            return self._sock
        if info == "is_readable":
            # An idle pooled connection that is readable was closed by the server.
            readable, _, _ = select.select([self._sock], [], [], 0)
            return bool(readable)
        return None


class PolicyBackend(httpcore2.NetworkBackend):
    """httpcore2's network backend, connecting through the network policy."""

    def __init__(self, policy: Any) -> None:
        self.policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        source = None if local_address is None else (local_address, 0)
        try:
            # Raises ConfigurationError when no resolved address is allowed: nothing is sent.
            sock = self.policy.create_connection(
                (host, port), timeout=timeout, source_address=source, socket_options=list(socket_options or ()))
        except socket.timeout as exc:
            raise httpcore2.ConnectTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpcore2.ConnectError(str(exc)) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _SocketStream(sock)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore2.NetworkStream:
        raise httpcore2.ConnectError("Unix sockets are not reachable through the network policy")

    def sleep(self, seconds: float) -> None:
        import time

        time.sleep(seconds)


class _ResponseStream(httpx2.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except Exception as exc:
            raise _as_httpx2(exc) from exc

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class PolicyTransport(httpx2.BaseTransport):
    """An HTTP/1.1 connection pool (httpcore2) whose sockets come from :class:`PolicyBackend`."""

    def __init__(self, policy: Any, *, max_connections: int = 20, keepalive_expiry: float = 30.0,
                 verify: bool | ssl.SSLContext = True) -> None:
        context = verify if isinstance(verify, ssl.SSLContext) else httpx2.create_ssl_context(verify=verify)
        self._pool = httpcore2.ConnectionPool(
            ssl_context=context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=keepalive_expiry,
            http1=True,
            http2=False,
            retries=0,  # retries are the client's job: it knows which requests are idempotent
            network_backend=PolicyBackend(policy),
        )

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        assert isinstance(request.stream, httpx2.SyncByteStream)
        core_request = httpcore2.Request(
            method=request.method,
            url=httpcore2.URL(scheme=request.url.raw_scheme, host=request.url.raw_host,
                             port=request.url.port, target=request.url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = self._pool.handle_request(core_request)
        except Exception as exc:
            mapped = _as_httpx2(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        stream = response.stream
        if not isinstance(stream, Iterable):  # a sync pool answers with a sync stream
            raise TypeError(f"the connection pool returned a {type(stream).__name__}, not a byte iterator")
        return httpx2.Response(status_code=response.status, headers=response.headers,
                              stream=_ResponseStream(stream), extensions=response.extensions)

    def close(self) -> None:
        self._pool.close()


__all__ = ["PolicyBackend", "PolicyTransport"]
