"""Running the reference host with uvicorn on a loopback address (``connectors serve``)."""

from __future__ import annotations

import ipaddress
import socket

import click
import uvicorn

from ..host import Host
from ..store.errors import MasterKeyError
from . import hosting


def serve(host: Host, bind: str = "127.0.0.1", port: int = 8000, *, development: bool = False,
          sign_in_tenant: str | None = None) -> None:
    """Serve until interrupted; prints the URL (and a sign-in token) once listening.

    Refuses non-loopback addresses: it speaks plain HTTP, so tokens and cookies must not
    cross a network (put a TLS-terminating proxy in front to expose it).
    """
    if not is_loopback(bind):
        raise click.ClickException(
            f"refusing to listen on {bind}: the host speaks plain HTTP, so it serves loopback only "
            "(use 127.0.0.1, ::1 or localhost, and a TLS proxy in front to expose it)")
    try:
        hosted = hosting.build(host, development=development, sign_in_tenant=sign_in_tenant)
    except MasterKeyError as exc:
        if development:
            raise
        # The first thing a new user meets; the store's hint alone does not name --development.
        raise click.ClickException(f"{exc.message} ({exc.hint}; on one developer's machine, "
                                   "`connectors serve --development` keeps one in the data folder)") from None
    sock = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((bind, port))  # bound here so --port 0 can print the port it got,
    sock.listen(2048)        # and listening, so the URL works as soon as it is printed
    shown = f"[{bind}]" if ":" in bind else bind
    click.echo(f"connector host: http://{shown}:{sock.getsockname()[1]}/  (Ctrl+C stops)", err=True)
    if hosted.sign_in_token:
        click.echo(f"sign in as tenant {sign_in_tenant!r} with this token (shown once):", err=True)
        click.echo(hosted.sign_in_token)
    config = uvicorn.Config(hosted.app, log_level="warning", access_log=False)  # type: ignore[arg-type]
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        hosted.app.state.jobs.close()  # type: ignore[attr-defined]  # before the store its runner uses
        hosted.store.close()


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False
