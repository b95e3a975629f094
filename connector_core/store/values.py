"""Splitting a connection's values into what is queryable and what is sealed.

Every :class:`~connector_core.Secret` in the validated values (top level, in objects, in
key/value lists) is replaced by ``{"$secret": n}`` in the public JSON and its stored form
(the literal, or the ``$env``/``$file`` reference) goes to position ``n`` of the list that
is encrypted. A user's own mapping that happens to look like a marker is kept as
``{"$literal": ...}``, so joining never mistakes it for a secret.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from ..secrets import MASK, Secret, SecretJSONEncoder, dumps

_SECRET = "$secret"
_LITERAL = "$literal"


def split_secrets(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """(public values with markers, the secrets' stored forms in marker order)."""
    sealed: list[Any] = []

    def walk(value: Any) -> Any:
        if isinstance(value, Secret):
            sealed.append(value.to_storage())
            return {_SECRET: len(sealed) - 1}
        if isinstance(value, Mapping):
            out = {k: walk(v) for k, v in value.items()}
            return {_LITERAL: out} if set(out) <= {_SECRET, _LITERAL} and out else out
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        return value

    return walk(dict(values)), sealed


class PublicJSON(NamedTuple):
    """Values split for storing: ``public`` as JSON data, ``sealed`` secrets, and ``text``, the
    canonical JSON of ``public`` (sorted keys, no spaces: what a fingerprint hashes)."""

    public: dict[str, Any]
    sealed: list[Any]
    text: str


def split_secrets_json(values: Mapping[str, Any]) -> PublicJSON:
    """:func:`split_secrets`, its public values made JSON data (times as ISO text, bytes as text).

    One pass of the C JSON encoder instead of a Python walk and then a JSON round trip
    (a job's 100,000 entries cost 11 us each that way): secrets become markers as the
    encoder meets them, in the walk's order. Only when the text shows a user's own
    marker-like key (``"$secret":`` more often than there are secrets, or ``"$literal":``),
    which needs the walk's escaping, is the walk done after all.
    """
    encode, sealed = _splitting_encoder()
    text = encode(dict(values))
    if _needs_walk([text], sealed):
        public, sealed = split_secrets(values)
        text = dumps(public, **_CANONICAL)
    return PublicJSON(json.loads(text), sealed, text)


class ChunkedJSON(NamedTuple):
    """Values split for storing as chunks of one list (a fan-out): ``head`` + a chunk's list
    text + ``tail`` is that chunk's canonical JSON, :attr:`whole` the whole input's."""

    head: str  # '{"a":1,"items":' -- the keys before the list, sorted, and the list's key
    chunks: list[str]  # each chunk's items as a JSON list, '[...]'
    tail: str  # ',"z":2}' -- the keys after it
    sealed: list[Any]

    @property
    def whole(self) -> str:
        return self.head + "[" + ",".join(c[1:-1] for c in self.chunks if c != "[]") + "]" + self.tail

    def public(self) -> dict[str, Any]:
        """The values other than the list (which is null here), as JSON data."""
        loaded: dict[str, Any] = json.loads(self.head + "null" + self.tail)
        return loaded


def split_secrets_chunked(values: Mapping[str, Any], split: str, ranges: list[range]) -> ChunkedJSON:
    """:func:`split_secrets_json` for a fan-out: ``values[split]`` written once, as one list
    text per range of positions, and never decoded back (each chunk's params are stored as
    written). Secret markers number the whole input's secrets: the other keys' first, then
    the items' in order."""
    place = f"\x00{uuid.uuid4().hex}\x00"  # stands for the list while the other keys are written
    place_text = json.dumps(place)
    encode, sealed = _splitting_encoder()
    head, _, tail = encode({**values, split: place}).partition(place_text)
    items = values[split]
    chunks = [encode(list(items[r.start:r.stop])) for r in ranges]
    if _needs_walk([head, tail, *chunks], sealed):
        public, sealed = split_secrets(values)
        plain = SecretJSONEncoder(**_CANONICAL).encode  # every secret is a marker already
        head, _, tail = plain({**public, split: place}).partition(place_text)
        chunks = [plain(public[split][r.start:r.stop]) for r in ranges]
    return ChunkedJSON(head, chunks, tail, sealed)


def _splitting_encoder() -> tuple[Callable[[Any], str], list[Any]]:
    """A canonical JSON encoder that writes each secret it meets as a marker, and the list
    the secrets' stored forms go to, in the order met."""
    sealed: list[Any] = []

    class Splitting(SecretJSONEncoder):
        def default(self, o: Any) -> Any:
            if isinstance(o, Secret):
                sealed.append(o.to_storage())
                return {_SECRET: len(sealed) - 1}
            if isinstance(o, Mapping):
                return dict(o)
            return super().default(o)

    return Splitting(**_CANONICAL).encode, sealed


def _needs_walk(texts: list[str], sealed: list[Any]) -> bool:
    """Whether a user's own marker-like key shows in ``texts``: then only the walk escapes it."""
    found = sum(t.count(f'"{_SECRET}":') for t in texts)
    return found != len(sealed) or any(f'"{_LITERAL}":' in t for t in texts)


_CANONICAL: dict[str, Any] = {"sort_keys": True, "separators": (",", ":")}


def join_secrets(public: Mapping[str, Any], sealed: list[Any]) -> dict[str, Any]:
    """The values as they were given: markers replaced by the decrypted secrets."""
    return _replace_markers(public, sealed.__getitem__)


def display_values(public: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """(values safe to show, the top-level fields holding a secret).

    A top-level secret field is left out (a form shows it blank; saving it blank keeps it);
    a secret nested in an object or list shows as the mask.
    """
    secret_fields = tuple(k for k, v in public.items() if _holds_secret(v))
    shown = {k: v for k, v in public.items() if not (isinstance(v, Mapping) and set(v) == {_SECRET})}
    return _replace_markers(shown, lambda _: MASK), secret_fields


def _replace_markers(value: Any, secret: Callable[[int], Any]) -> Any:
    if isinstance(value, Mapping):
        if set(value) == {_SECRET}:
            return secret(value[_SECRET])
        if set(value) == {_LITERAL}:
            return {k: _replace_markers(v, secret) for k, v in value[_LITERAL].items()}
        return {k: _replace_markers(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_markers(v, secret) for v in value]
    return value


def _holds_secret(value: Any) -> bool:
    if isinstance(value, Mapping):
        if set(value) == {_SECRET}:
            return True
        inner = value[_LITERAL] if set(value) == {_LITERAL} else value
        return any(_holds_secret(v) for v in inner.values())
    if isinstance(value, list):
        return any(_holds_secret(v) for v in value)
    return False
