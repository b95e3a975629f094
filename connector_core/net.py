"""The network policy: which addresses a connector may reach, checked where the socket opens.

A connection's endpoint, base URL or proxy is user input on a multi-tenant host. Pointed
at a cloud's instance-metadata service it would hand the host's own credentials to a
tenant (SSRF); pointed at ``127.0.0.1`` or ``10.0.0.0/8`` it would reach services that
trust the host's network. So:

- link-local and metadata addresses are refused always, in every spelling (``2852039166``,
  ``0xa9fea9fe``, ``0251.0376.0251.0376``, ``169.254.43518``, IPv6 forms that embed an
  IPv4 address, zone ids, trailing dots, a name resolving to one);
- loopback (``net.allow_loopback``) and private or other non-public ranges
  (``net.allow_private``) are refused unless the host's settings allow them.

Two checks, for two moments. :meth:`NetworkPolicy.check_url` refuses a URL when it is
configured: anything two URL parsers could read differently (backslashes, userinfo,
control characters, a host urllib and urllib3 disagree about), then the addresses the
host resolves to. :meth:`NetworkPolicy.create_connection` is the one place a socket
opens: it resolves the name again, checks every address, connects only to an approved
one and checks the peer it reached. A name that resolved to a public address when the
URL was checked and to a metadata address later (DNS rebinding) is refused there.
HTTP stacks plug it in as their connect function (urllib3 ``_new_conn``, an httpcore
network backend).
"""

from __future__ import annotations

import functools
import importlib
import ipaddress
import re
import socket
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigurationError

ALLOW_LOOPBACK = "net.allow_loopback"
ALLOW_PRIVATE = "net.allow_private"
CONNECT_TIMEOUT = "net.connect_timeout"

#: The defaults a host starts from (its settings override them).
DEFAULTS: Mapping[str, Any] = {ALLOW_LOOPBACK: False, ALLOW_PRIVATE: False, CONNECT_TIMEOUT: 10}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Metadata services outside the link-local ranges: a cloud's IPv6 instance-metadata
#: network, and metadata addresses some clouds serve from shared or special ranges.
METADATA_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("fd00:ec2::/64", "100.100.100.200/32", "192.0.0.192/32")
)
# RFC 6052: where an IPv4 address sits inside an IPv6 address for each NAT64 prefix length
# (bits 64-71 are the reserved "u" octet and never carry address bits).
_NAT64_SLICES = {
    32: ((32, 64),), 40: ((40, 64), (72, 80)), 48: ((48, 64), (72, 88)),
    56: ((56, 64), (72, 96)), 64: ((72, 104),), 96: ((96, 128),),
}
_WELL_KNOWN_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: operator picks the length
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # RFC 2765 SIIT
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated, still routed by some stacks
_ISATAP_IDS = (0x00005EFE, 0x02005EFE)  # interface ids carrying an IPv4 address

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_URL_HINT = "write it as https://host[:port]/path"
#: ``timeout`` not given: the policy's ``connect_timeout`` applies.
DEFAULT_TIMEOUT: Any = socket._GLOBAL_DEFAULT_TIMEOUT  # type: ignore[attr-defined]


def parse_ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    """The address an inet_aton-style literal means, or None if ``host`` is not one.

    C resolvers accept 1 to 4 dot-separated parts, each decimal, octal (leading 0) or
    hex (0x); the last part fills the remaining bytes. ``ipaddress`` accepts only the
    dotted-quad form, so a disguised metadata address must be decoded here.
    """
    if not host.isascii():
        return None
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
            elif part.isdigit():
                numbers.append(int(part, 10))
            else:
                return None
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    return ipaddress.IPv4Address(value * 256 ** (4 - len(head)) + last)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells (any IPv4 spelling, IPv6 with or without brackets
    or zone id, trailing dots ignored), or None if it is a name."""
    host = host.strip("[]") if host.startswith("[") else host.rstrip(".")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.replace("%25", "%", 1))
        except ValueError:
            return None
    return parse_ipv4_literal(host)


def _bits(value: int, start: int, end: int) -> int:
    """Bits ``start``..``end`` (0 = most significant) of a 128-bit value."""
    return (value >> (128 - end)) & ((1 << (end - start)) - 1)


def _nat64_embedded(value: int, length: int) -> ipaddress.IPv4Address:
    result = 0
    for start, end in _NAT64_SLICES[length]:
        result = (result << (end - start)) | _bits(value, start, end)
    return ipaddress.IPv4Address(result)


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address an IPv6 address may carry and reach (empty for IPv4 or none).

    Mapped ``::ffff:0:0/96``, translated ``::ffff:0:0:0/96``, NAT64 ``64:ff9b::/96`` and
    ``64:ff9b:1::/48`` (every RFC 6052 prefix length, since the operator chooses it),
    6to4 ``2002::/16``, Teredo (server and client), IPv4-compatible ``::/96``, ISATAP.
    """
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    plain = ipaddress.IPv6Address(int(address))  # without the zone id
    value = int(plain)
    low32 = ipaddress.IPv4Address(value & 0xFFFFFFFF)
    found: list[ipaddress.IPv4Address] = []
    if plain.ipv4_mapped is not None:
        found.append(plain.ipv4_mapped)
    if plain.sixtofour is not None:
        found.append(plain.sixtofour)
    if plain.teredo is not None:
        found.extend(plain.teredo)
    if plain in _IPV4_TRANSLATED or plain in _WELL_KNOWN_NAT64:
        found.append(low32)
    if plain in _IPV4_COMPATIBLE and value > 1:  # :: and ::1 are themselves, not IPv4
        found.append(low32)
    if plain in _LOCAL_NAT64:
        found.extend(_nat64_embedded(value, length) for length in (48, 56, 64, 96))
    if _bits(value, 64, 96) in _ISATAP_IDS:
        found.append(low32)
    return found


def classify(address: IPAddress) -> str:
    """``"metadata"`` (link-local or metadata), ``"loopback"``, ``"private"`` or ``"public"``.

    An IPv6 address that embeds an IPv4 address gets the stricter of both classes.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        address = ipaddress.IPv6Address(int(address))
    candidates = [address, *embedded_ipv4(address)]
    if any(c.is_link_local or any(c in n for n in METADATA_NETWORKS) for c in candidates):
        return "metadata"
    if any(c.is_loopback or c.is_unspecified for c in candidates):
        return "loopback"
    if any(not c.is_global or c.is_multicast for c in candidates):
        return "private"
    return "public"


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


@functools.lru_cache(maxsize=None)
def _warn_deprecated(old: str, new: str) -> None:
    # Once per process and name: a host reads its settings for every client it builds.
    warnings.warn(f"the setting {old} is deprecated; use {new}", DeprecationWarning, stacklevel=4)


def _shown(address: IPAddress) -> str:
    """``::ffff:a9fe:a9fe`` -> ``::ffff:a9fe:a9fe (carrying 169.254.169.254)``: say what it reaches."""
    inner = sorted({str(a) for a in embedded_ipv4(address)})
    return f"{address} (carrying {', '.join(inner)})" if inner else str(address)


def _url_field(what: str) -> str:
    """``"endpoint"`` -> ``"endpoint URL"``; ``"base URL"`` stays as it is."""
    return what if what.lower().endswith("url") else f"{what} URL"


def _describe_char(char: str) -> str:
    names = {"\\": "a backslash", " ": "a space"}
    return f"{names.get(char, 'the character')} (U+{ord(char):04X})"


@dataclass(frozen=True)
class NetworkPolicy:
    """What a host lets connectors reach. Immutable and hashable: build one per settings."""

    allow_loopback: bool = False
    allow_private: bool = False
    #: Seconds a connect may take when the caller gives no timeout (None: no limit).
    connect_timeout: float | None = DEFAULTS[CONNECT_TIMEOUT]

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], *, aliases: Mapping[str, str] | None = None) -> NetworkPolicy:
        """The policy of a host's settings: ``net.allow_loopback``, ``net.allow_private``,
        ``net.connect_timeout``.

        ``aliases`` maps an older setting name to its ``net.*`` name (a toolkit keeps its
        former names working this way); an alias that is set true allows too, and warns
        once with a :class:`DeprecationWarning`.
        """
        allowed = {name: _flag(settings.get(name, DEFAULTS[name])) for name in (ALLOW_LOOPBACK, ALLOW_PRIVATE)}
        for old, new in (aliases or {}).items():
            if _flag(settings.get(old, False)):
                _warn_deprecated(old, new)
                allowed[new] = True
        timeout = settings.get(CONNECT_TIMEOUT, DEFAULTS[CONNECT_TIMEOUT])
        return cls(allowed[ALLOW_LOOPBACK], allowed[ALLOW_PRIVATE], None if timeout is None else float(timeout))

    # -- addresses ------------------------------------------------------------------------

    def check_address(self, address: IPAddress | str, *, what: str = "endpoint") -> IPAddress:
        """The address, if the policy allows it; else :class:`ConfigurationError`."""
        if isinstance(address, str):
            parsed = parse_ip_literal(address)
            if parsed is None:
                raise ConfigurationError(f"the {what} address {address!r} is not an IP address", hint=_URL_HINT)
            address = parsed
        refusal = self._refusal(address)
        if refusal is None:
            return address
        reason, setting = refusal
        raise ConfigurationError(
            f"the {what} points at {_shown(address)}, {reason}",
            hint=f"remove the {_url_field(what)}, or have the host administrator set {setting}" if setting
            else f"use the service's public endpoint or a routable {_url_field(what)}",
        )

    def _refusal(self, address: IPAddress) -> tuple[str, str | None] | None:
        """``(why, the setting that would allow it)`` if refused; None if allowed."""
        kind = classify(address)
        if kind == "metadata":
            return "a link-local or instance-metadata address, which is never allowed", None
        if kind == "loopback" and not self.allow_loopback:
            return "a loopback address", ALLOW_LOOPBACK
        if kind == "private" and not self.allow_private:
            return "a private or non-public address", ALLOW_PRIVATE
        return None

    def _check_connect(self, host: str, address: str) -> None:
        """At connect time the URL was already approved: a refusal means the name's
        addresses changed since (DNS rebinding) or a layer rewrote the host."""
        ip = parse_ip_literal(address)
        refusal = self._refusal(ip) if ip is not None else ("not an IP address", None)
        if refusal is not None:
            reason, setting = refusal
            raise ConfigurationError(
                f"refused to connect: {host} resolved to {_shown(ip) if ip else address}, {reason}",
                hint=f"have the host administrator set {setting} if this address is intended" if setting
                else "the name's address changed after the URL was checked; use the service's public endpoint",
            )

    def resolve(self, host: str, port: int | None, *, what: str = "endpoint") -> list[tuple]:
        """``getaddrinfo`` results for ``host``, after checking every address (one refused
        address refuses the name: a resolver may hand out any of them later)."""
        try:
            return self._checked_addresses(host, port, what)
        except (socket.gaierror, UnicodeError) as exc:
            raise ConfigurationError(
                f"the {what} host {host!r} does not resolve ({exc})", hint=f"check the spelling of the {_url_field(what)}"
            ) from None

    def _checked_addresses(self, host: str, port: int | None, what: str | None) -> list[tuple]:
        """Resolve and check every address; ``what`` None: as at connect time."""
        host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        for info in infos:
            address = str(info[4][0])  # an IPv4/IPv6 sockaddr's first item is the address text
            if what is None:
                self._check_connect(host, address)
            else:
                self.check_address(address, what=what)
        return infos

    # -- URLs -----------------------------------------------------------------------------

    def check_url(self, url: str, *, what: str = "endpoint") -> tuple[str, str, int]:
        """``(scheme, host, port)`` of an http(s) URL the policy allows; else
        :class:`ConfigurationError` naming ``what`` (``"endpoint"``, ``"proxy"``, ``"base URL"``).

        Refused: backslashes, whitespace and control characters, userinfo (``user@``),
        percent-encoding or non-ASCII in the host, other schemes, any URL on which
        ``urllib.parse`` and urllib3 (and httpx, when installed) read a different host or
        port, and hosts whose address (or any resolved address) the policy refuses.
        ``host`` is lower-case, without brackets; ``port`` is explicit or the scheme's.
        """
        scheme, host, port = _split(url, what)
        literal = parse_ip_literal(host)
        if literal is not None:  # the precise refusal first: "never allowed", "set net.allow_loopback"
            self.check_address(literal, what=what)
        _check_unambiguous(url, what, scheme, host, port)
        if literal is None:
            self.resolve(host, port, what=what)
        return scheme, host, port

    # -- sockets --------------------------------------------------------------------------

    def create_connection(
        self,
        address: tuple[str, int],
        timeout: Any = DEFAULT_TIMEOUT,
        source_address: tuple[str, int] | None = None,
        socket_options: Iterable[tuple[int, int, Any]] | None = None,
    ) -> socket.socket:
        """A connected TCP socket to ``address``, opened only to an address the policy allows.

        Drop-in for :func:`socket.create_connection` and urllib3's ``create_connection``:
        the name is resolved here, every address is checked, the socket connects to an
        approved IP (never to the name again) and the peer it reached is checked too.
        ``timeout`` is seconds or None (blocking); left out, ``connect_timeout`` applies.
        Raises :class:`ConfigurationError` when refused, :class:`OSError` (``socket.gaierror``
        for a name that does not resolve) when unreachable: that may be transient.
        """
        host, port = address
        infos = self._checked_addresses(host, port, None)
        if not isinstance(timeout, (int, float)) and timeout is not None:
            timeout = self.connect_timeout
        error: OSError | None = None
        for family, kind, proto, _, sockaddr in infos:
            sock = socket.socket(family, kind, proto)
            try:
                for option in socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
                self._check_connect(host, sock.getpeername()[0])
                return sock
            except OSError as exc:
                error = exc
                sock.close()
            except BaseException:
                sock.close()
                raise
        raise error or OSError(f"no address found for {host!r}")

    def build_opener(self, *handlers: Any) -> Any:
        """A :func:`urllib.request.build_opener` whose HTTP(S) connections open through
        :meth:`create_connection` (pass a ``ProxyHandler`` among ``handlers`` for proxies)."""
        import http.client
        import urllib.request

        connect = self.create_connection

        class PolicyHTTPConnection(http.client.HTTPConnection):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self._create_connection = connect

        class PolicyHTTPSConnection(http.client.HTTPSConnection):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self._create_connection = connect

        class PolicyHTTPHandler(urllib.request.HTTPHandler):
            def http_open(self, req: Any) -> Any:
                return self.do_open(PolicyHTTPConnection, req)

        class PolicyHTTPSHandler(urllib.request.HTTPSHandler):
            def https_open(self, req: Any) -> Any:
                # No context: the connection builds the default verifying one, as HTTPSHandler does.
                return self.do_open(PolicyHTTPSConnection, req)

        return urllib.request.build_opener(PolicyHTTPHandler, PolicyHTTPSHandler, *handlers)


def split_url(url: str, *, what: str = "endpoint") -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an http(s) URL that every parser reads the same way
    (see :meth:`NetworkPolicy.check_url`); no address check, no DNS."""
    scheme, host, port = _split(url, what)
    _check_unambiguous(url, what, scheme, host, port)
    return scheme, host, port


def _refusal(what: str, problem: str, hint: str = _URL_HINT) -> ConfigurationError:
    return ConfigurationError(f"the {_url_field(what)} {problem}", hint=hint)


def _split(url: str, what: str) -> tuple[str, str, int]:
    """The syntax checks and urllib's reading of the URL."""
    refuse = functools.partial(_refusal, what)
    if not isinstance(url, str):
        raise refuse("must be text")
    for char in url:
        if char == "\\" or char.isspace() or not char.isprintable():
            raise refuse(f"contains {_describe_char(char)}", "remove it; percent-encode it if it belongs in the path")
    start = _SCHEME_RE.match(url)
    if start is None or start.group(1).lower() not in _DEFAULT_PORTS:
        raise refuse("must be an http:// or https:// URL with a host")
    scheme = start.group(1).lower()
    authority = re.split(r"[/?#]", url[start.end():], maxsplit=1)[0]
    if "@" in authority:
        raise refuse(
            "contains a user name or password (user@host)",
            f"remove it: give credentials in the connection's credential fields, not in the {_url_field(what)}",
        )
    if not authority.isascii():
        raise refuse("has non-ASCII characters in its host", "write an internationalised name in its xn-- form")
    if "%" in re.sub(r"\[[^\]]*%25[^\]]*\]", "", authority):
        raise refuse("has percent-encoding in its host", "write the host name plainly")
    default_port = _DEFAULT_PORTS[scheme]
    try:
        parts = urlsplit(url)
        ours = (_normal_host(parts.hostname or ""), default_port if parts.port is None else parts.port)
    except ValueError as exc:
        raise refuse(f"is not a valid URL ({exc})") from None
    host, port = ours
    if not host:
        raise refuse("has no host")
    if port == 0:
        raise refuse("has port 0", "give a port between 1 and 65535, or none")
    return scheme, host, port


def _check_unambiguous(url: str, what: str, scheme: str, host: str, port: int) -> None:
    """Refuse a URL the HTTP stacks read differently from urllib, and IPv4 addresses in a
    spelling other than a.b.c.d (parsers disagree about octal and short forms)."""
    address = parse_ip_literal(host) if ":" not in host else None
    if address is not None and str(address) != host.rstrip("."):
        raise _refusal(what, f"writes the address {address} as {host!r}, which parsers read differently",
                       f"write it as {address}")
    for reading in _other_readings(url, _DEFAULT_PORTS[scheme]):
        if reading != (host, port):
            raise _refusal(what, "is read differently by different URL parsers",
                           "write it as plain https://host[:port]/path")


def _normal_host(host: str) -> str:
    return host.strip("[]").replace("%25", "%").lower()


@functools.lru_cache(maxsize=None)
def _optional_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _other_readings(url: str, default_port: int) -> Iterable[tuple[str, int] | None]:
    """``(host, port)`` as the HTTP stacks read the URL; None when one cannot parse it."""
    from urllib3.util import parse_url

    try:
        parsed = parse_url(url)
        yield _normal_host(parsed.host or ""), default_port if parsed.port is None else parsed.port
    except ValueError:  # LocationParseError is a ValueError
        yield None
    for name in ("httpx", "httpx2"):  # the HTTP toolkit's client, under either name
        module = _optional_module(name)
        if module is None:
            continue
        try:
            parsed = module.URL(url)  # leaves out the scheme's default port
            host = _normal_host(parsed.raw_host.decode("ascii"))
            yield host, default_port if parsed.port is None else parsed.port
        except (module.InvalidURL, ValueError):
            yield None


__all__ = [
    "ALLOW_LOOPBACK",
    "ALLOW_PRIVATE",
    "CONNECT_TIMEOUT",
    "DEFAULTS",
    "METADATA_NETWORKS",
    "NetworkPolicy",
    "classify",
    "embedded_ipv4",
    "parse_ip_literal",
    "parse_ipv4_literal",
    "split_url",
]
