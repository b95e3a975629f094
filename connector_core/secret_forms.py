"""Every form a secret value can take on its way out of the process.

A secret rarely leaves as its raw text. An SDK may log a JSON request body inside a bytes
``repr`` (``PLANTUNICöDE`` shows as ``PLANTUNIC\\\\u00f6DE``), form bodies and query strings
are URL-encoded (OAuth client secrets), Basic auth headers are base64 of
``user:password``, XML bodies escape ``&<>"'``, signed headers have their whitespace folded. :func:`secret_forms` lists them all, so
that a log masker (and a leak hunter) can look for each.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

# xml.sax.saxutils.escape with quotes would import urllib.request, http.client and email
# (a quarter of the CLI's start): the five replacements are spelt out instead.
_XML_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&apos;"))


def _xml_escape(value: str) -> str:
    for char, entity in _XML_ENTITIES:  # "&" first, or the entities' own "&" would be escaped
        value = value.replace(char, entity)
    return value


def secret_forms(value: str, usernames: Iterable[str] = ()) -> set[str]:
    """``value`` in every encoding it may be written in, ``value`` itself included.

    ``usernames`` are the strings that may pair with ``value`` in a Basic auth header
    (``base64(user:value)``): a username, an OAuth client id.
    """
    # A signed request's canonical form (logged by SDKs) folds a header's whitespace runs into one space.
    folded = " ".join(value.split())
    texts = {value, folded, *_json_forms(value), _xml_escape(value)}
    forms: set[str] = set()
    for text in texts:
        forms.add(text)
        forms.update(_str_reprs(text))
        forms.update(_bytes_reprs(text.encode("utf-8")))
    for encoded in (quote(value, safe=""), quote(value), quote_plus(value), quote_plus(value, safe="/")):
        forms.add(encoded)
        forms.add(encoded.replace("%", "%25"))  # a URL-encoded value inside another URL
    forms.update(_base64_forms(value.encode("utf-8")))
    for user in usernames:
        forms.add(base64.b64encode(f"{user}:{value}".encode("utf-8")).decode("ascii"))
    return forms


def _json_forms(value: str) -> set[str]:
    return {json.dumps(value, ensure_ascii=ascii)[1:-1] for ascii in (True, False)}


def _str_reprs(text: str) -> set[str]:
    """The inside of ``repr(text)`` in both quoting styles (the outer string decides which)."""
    single = repr(text + "'\"")[1:-4]  # holds both quotes: repr uses '...' and escapes '
    double = repr(text + "'")[1:-2] if '"' not in text else single  # repr uses "..." when it can
    return {single, double}


def _bytes_reprs(data: bytes) -> set[str]:
    single = repr(data + b"'\"")[2:-4]
    double = repr(data + b"'")[2:-2] if b'"' not in data else single
    # Logged twice over (a repr inside a repr): every backslash doubled again.
    return {single, double, single.replace("\\", "\\\\"), double.replace("\\", "\\\\")}


def _base64_forms(data: bytes) -> set[str]:
    """base64 of the value alone, and the part of it fixed at each offset inside a longer blob."""
    forms = {base64.b64encode(data).decode("ascii"), base64.urlsafe_b64encode(data).decode("ascii")}
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode("ascii")
        # Characters that depend on the bytes before or after the value are dropped.
        start = -(-offset * 4 // 3) if offset else 0
        end = (offset + len(data)) // 3 * 4
        core = encoded[start:end]
        if len(core) >= 8:
            forms.add(core)
    return forms
