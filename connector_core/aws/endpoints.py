"""The endpoint policy: which hosts a connection's endpoint URL or proxy may point at.

A connection's ``endpoint_url`` is user input on a multi-tenant host. Pointed at the
instance-metadata service it would hand the host's own role credentials to a tenant
(SSRF), so link-local and metadata addresses are refused always, in every spelling
(``2852039166``, ``0xa9fea9fe``, ``0251.0376.0251.0376``, ``169.254.43518``,
``::ffff:169.254.169.254``, trailing dots, a hostname resolving to one). Private and
loopback ranges are refused unless the host's settings allow them. Every check runs
before any socket to the endpoint is opened.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigurationError

ALLOW_LOOPBACK = "aws.allow_loopback_endpoints"
ALLOW_PRIVATE = "aws.allow_private_endpoints"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Metadata services outside the link-local ranges: EC2's IPv6 IMDS (and its /64).
_ALWAYS_REFUSED_NETWORKS = (ipaddress.ip_network("fd00:ec2::/64"),)
# IPv6 prefixes that embed an IPv4 address in their last 32 bits and reach it.
_EMBEDDING_NETWORKS = (
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64 well-known prefix
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use NAT64
    ipaddress.ip_network("::/96"),  # deprecated IPv4-compatible addresses
)


def parse_ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    """The address an inet_aton-style literal means, or None if ``host`` is not one.

    C resolvers accept 1 to 4 dot-separated parts, each decimal, octal (leading 0) or
    hex (0x); the last part fills the remaining bytes. ``ipaddress`` accepts only the
    dotted-quad form, so a disguised metadata address must be decoded here.
    """
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        try:
            if part[:2].lower() == "0x":
                numbers.append(int(part[2:], 16) if part[2:] else 0)
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            else:
                if not part.isdigit():
                    return None
                numbers.append(int(part, 10))
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    value = value * 256 ** (4 - len(head)) + last
    return ipaddress.IPv4Address(value)


def _literal_address(host: str) -> IPAddress | None:
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])  # drop a zone id
        except ValueError:
            return None
    return parse_ipv4_literal(host)


def _unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries, if it carries one; else itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
        for network in _EMBEDDING_NETWORKS:
            if address in network and int(address) & 0xFFFFFFFF and address != ipaddress.IPv6Address("::1"):
                return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def classify(address: IPAddress) -> str:
    """``"metadata"`` (link-local or metadata), ``"loopback"``, ``"private"`` or ``"public"``."""
    inner = _unwrap(address)
    for candidate in {address, inner}:
        if candidate.is_link_local or any(candidate in n for n in _ALWAYS_REFUSED_NETWORKS):
            return "metadata"
    for candidate in {address, inner}:
        if candidate.is_loopback or candidate.is_unspecified:
            return "loopback"
    for candidate in {address, inner}:
        if not candidate.is_global or candidate.is_multicast:
            return "private"
    return "public"


def check_address(address: IPAddress | str, settings: Mapping[str, Any], *, what: str = "endpoint") -> None:
    """Raise :class:`ConfigurationError` if the policy refuses this address."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address)
    kind = classify(address)
    if kind == "metadata":
        raise ConfigurationError(
            f"the {what} points at {address}, a link-local or instance-metadata address, "
            "which is never allowed",
            hint=f"use the service's public endpoint or a routable {what} URL",
        )
    if kind == "loopback" and not settings.get(ALLOW_LOOPBACK, False):
        raise ConfigurationError(
            f"the {what} points at the loopback address {address}",
            hint=f"remove the {what} URL, or have the host administrator set {ALLOW_LOOPBACK}",
        )
    if kind == "private" and not settings.get(ALLOW_PRIVATE, False):
        raise ConfigurationError(
            f"the {what} points at the private or non-public address {address}",
            hint=f"remove the {what} URL, or have the host administrator set {ALLOW_PRIVATE}",
        )


def _resolve(host: str, port: int | None, what: str) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ConfigurationError(
            f"the {what} host {host!r} does not resolve ({exc})",
            hint=f"check the spelling of the {what} URL",
        ) from None
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def check_endpoint(url: str, settings: Mapping[str, Any], *, what: str = "endpoint") -> None:
    """Check a URL against the endpoint policy; raise :class:`ConfigurationError` if refused.

    The host part is decoded (every IPv4 spelling, IPv6, trailing dots) and, if it is a
    name, resolved with :func:`socket.getaddrinfo`: every address it resolves to must be
    allowed. Nothing connects to the host.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(
            f"the {what} URL is not a valid URL ({exc})", hint="write it as https://host[:port]"
        ) from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigurationError(
            f"the {what} URL must be an http:// or https:// URL with a host",
            hint="write it as https://host[:port]",
        )
    host = host.rstrip(".")
    if not host:
        raise ConfigurationError(f"the {what} URL has no host", hint="write it as https://host[:port]")
    literal = _literal_address(host)
    addresses = [literal] if literal is not None else _resolve(host, port, what)
    for address in addresses:
        check_address(address, settings, what=what)


__all__ = ["ALLOW_LOOPBACK", "ALLOW_PRIVATE", "check_address", "check_endpoint", "classify"]
