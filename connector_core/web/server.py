"""Running the app with uvicorn on a loopback address (``connectors serve``)."""

from __future__ import annotations

import ipaddress
import socket

import click
import uvicorn

from ..host import Host
from .app import create_app


def serve(host: Host, bind: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted; prints the URL once listening. Refuses non-loopback addresses."""
    if not is_loopback(bind):
        raise click.ClickException(
            f"refusing to listen on {bind}: the form page has no sign-in yet, so it serves "
            "loopback only (use 127.0.0.1, ::1 or localhost)")
    sock = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((bind, port))  # bound here so --port 0 can print the port it got,
    sock.listen(2048)        # and listening, so the URL works as soon as it is printed
    shown = f"[{bind}]" if ":" in bind else bind
    click.echo(f"form page: http://{shown}:{sock.getsockname()[1]}/  (Ctrl+C stops)", err=True)
    config = uvicorn.Config(create_app(host), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False
