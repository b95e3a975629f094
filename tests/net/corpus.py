"""The SSRF corpus: URL forms that must never reach a metadata, loopback or private address.

Each entry is ``(url, refused_unless)``: ``"never"`` when no setting may allow it
(metadata and link-local addresses, URLs that parsers read differently, bad syntax),
else the setting that allows it (``"net.allow_loopback"``, ``"net.allow_private"``).
Names resolve through :data:`DNS` (the tests' resolver), never through real DNS.
"""

from __future__ import annotations

NEVER = "never"
LOOPBACK = "net.allow_loopback"
PRIVATE = "net.allow_private"

#: A global address standing in for "a public host"; the suite's guard never lets a
#: socket connect to it.
PUBLIC = "93.184.216.34"

DNS = {
    "public.example": [PUBLIC],
    "metadata.example": ["169.254.169.254"],
    "v6-metadata.example": ["fd00:ec2::254"],
    "mapped-metadata.example": ["::ffff:169.254.169.254"],
    "loopback.example": ["127.0.0.1"],
    "localhost": ["127.0.0.1", "::1"],
    "internal.example": ["10.0.0.5"],
    "mixed.example": [PUBLIC, "169.254.169.254"],
    "mixed-private.example": [PUBLIC, "192.168.0.10"],
}

_METADATA_IPV4 = [
    "169.254.169.254", "169.254.169.254.", "169.254.169.254..", "2852039166", "0xa9fea9fe", "0XA9FEA9FE",
    "0x0a9fea9fe", "025177524776", "0251.0376.0251.0376", "00000251.0376.0251.0376", "0xa9.0xfe.0xa9.0xfe",
    "0251.254.169.254", "0x00a9.254.169.254", "169.254.43518", "169.16689662", "169.254.0xa9fe", "169.254.170.2",
    "169.254.169.123", "169.254.0.1", "169.254.255.255", "100.100.100.200", "192.0.0.192",
]
_METADATA_IPV6 = [
    "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]", "[0:0:0:0:0:ffff:a9fe:a9fe]", "[::FFFF:A9FE:A9FE]",
    "[::ffff:0:a9fe:a9fe]", "[::ffff:0:169.254.169.254]",  # IPv4-translated (SIIT)
    "[64:ff9b::a9fe:a9fe]", "[64:ff9b::169.254.169.254]",  # NAT64 well-known prefix
    "[64:ff9b:1::a9fe:a9fe]", "[64:ff9b:1:a9fe:a9:fe00::]", "[64:ff9b:1:a9:fe:a9fe::]",  # local NAT64 /96 /48 /56
    "[64:ff9b:1:0:a9:fea9:fe00:0]",  # local NAT64 /64
    "[2002:a9fe:a9fe::1]", "[2002:a9fe:a9fe::]",  # 6to4
    "[::a9fe:a9fe]", "[::169.254.169.254]",  # IPv4-compatible
    "[2001:0:4136:e378:8000:63bf:5601:5601]",  # Teredo, client 169.254.169.254
    "[2001:db8::5efe:a9fe:a9fe]", "[2001:db8::200:5efe:a9fe:a9fe]",  # ISATAP interface ids
    "[fe80::1]", "[fe80::1%25eth0]", "[fe80::a9fe:a9fe%251]", "[febf:ffff::1]",
    "[fd00:ec2::254]", "[FD00:EC2::254]", "[fd00:ec2::1]",
]
_LOOPBACK = [
    "127.0.0.1", "127.0.0.1.", "127.255.255.254", "0.0.0.0", "localhost", "LOCALHOST", "localhost.", "loopback.example",
    "[::1]", "[0:0:0:0:0:0:0:1]", "[::1%25lo]", "[::]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
    "[::ffff:0:7f00:1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "[::127.0.0.1]",
]
_PRIVATE = [
    "10.0.0.1", "192.168.1.1", "172.16.0.1",
    "172.31.255.255", "100.64.0.1", "198.18.0.1", "192.0.2.1", "224.0.0.1", "240.0.0.1", "255.255.255.255",
    "[fd12:3456::1]", "[fc00::1]", "[::ffff:10.0.0.1]", "[64:ff9b::a00:1]", "[2002:c0a8:101::1]", "[ff02::1]",
    "[2001:db8::1]", "internal.example",
]
# IPv4 addresses in a spelling other than a.b.c.d: refused even where the address is allowed.
_AMBIGUOUS_IPV4 = [
    "127.1", "127.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "0x7f.1", "0177.1", "0", "0x0",
    "012.0.0.1", "10.1", "167772161", "0xa000001", "0xc0a80101", "0300.0250.1.1", "1.1.1.01",
]
_METADATA_NAMES = [
    "metadata.example", "metadata.example.", "METADATA.Example", "v6-metadata.example", "mapped-metadata.example",
    "mixed.example",
]
# Parsers that disagree, characters a parser drops or rewrites, userinfo, other schemes.
_MALFORMED = [
    "http://169.254.169.254\\@public.example/",
    "http://169.254.169.254\\\\@public.example/",
    "http://public.example\\@169.254.169.254/",
    "http://public.example\\.169.254.169.254/",
    "http://169.254.169.254\\public.example/",
    "http://public.example@169.254.169.254/",
    "http://user:pass@169.254.169.254/",
    "http://public.example:80@169.254.169.254/",
    "http://:@169.254.169.254/",
    "http://@169.254.169.254/",
    "http://169.254.169.254%2f@public.example/",
    "http://169.254.169.254%23@public.example/",
    "http://%31%36%39.254.169.254/",
    "http://169.254.169.254%2e/",
    "http://169.254.169.254%00.public.example/",
    "http://public.example%2f@169.254.169.254/",
    "http://169.254.169.254\t/",
    "http://169.254.\t169.254/",
    "http://169.254.169.254\n.public.example/",
    "http://169.254.169\r.254/",
    "http://169.254.169.254 /",
    " http://169.254.169.254/",
    "http://169.254.169.254/\n",
    "http://169.254.169.254\x00/",
    "http://169.254.169.254\x0b/",
    "http://169.254.169.254\u200b/",
    "http://169.254.169.254\u3000/",
    "http://\xa0169.254.169.254/",
    "http://１６９.２５４.１６９.２５４/",
    "http://169。254。169。254/",
    "http://169．254．169．254/",
    "http://①⑥⑨.②⑤④.①⑥⑨.②⑤④/",
    "http://١٦٩.٢٥٤.١٦٩.٢٥٤/",
    "http://metadata.exampl\u0435/",
    "http://[::ffff:a9fe:a9fe]:80@public.example/",
    "http://public.example:80\\@169.254.169.254:80/",
    "http://169.254.169.254:0/",
    "http://169.254.169.254:99999/",
    "http://169.254.169.254:８０/",
    "ftp://169.254.169.254/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "dict://127.0.0.1:6379/info",
    "http:169.254.169.254/",
    "http:/169.254.169.254/",
    "http:\\\\169.254.169.254/",
    "//169.254.169.254/",
    "169.254.169.254",
    "http://",
    "http://[::1",
    "http://[169.254.169.254]/",
]

CORPUS: list[tuple[str, str]] = (
    [(f"http://{h}/latest/meta-data/", NEVER) for h in _METADATA_IPV4]
    + [(f"http://{h}:80/", NEVER) for h in _METADATA_IPV6]
    + [(f"https://{h}/", NEVER) for h in _METADATA_NAMES]
    + [(f"http://{h}:4566/", LOOPBACK) for h in _LOOPBACK]
    + [(f"http://{h}:9000/", PRIVATE) for h in _PRIVATE]
    + [("https://mixed-private.example/", PRIVATE)]
    + [(f"http://{h}:4566/", NEVER) for h in _AMBIGUOUS_IPV4]
    + [(url, NEVER) for url in _MALFORMED]
)
