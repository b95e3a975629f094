"""Request bodies and error replies of the JSON API: one clear 4xx, never the input echoed."""

from __future__ import annotations

import json
import weakref
from collections.abc import Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from ..errors import ValidationError
from ..secrets import dumps

if TYPE_CHECKING:
    from ..host import Host
    from ..manifest import Field, Section

#: The largest request body accepted; forms are small, so 1 MiB is generous.
DEFAULT_MAX_BODY = 1024 * 1024


class ApiError(Exception):
    """An error reply: HTTP status, a machine-readable code, a message that says what to do."""

    def __init__(self, status: int, code: str, message: str, *,
                 headers: Mapping[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})  # e.g. Retry-After; not part of the JSON body
        self.extra = extra

    def response(self) -> Response:
        reply = json_response({"ok": False, "error": self.code, "message": self.message, **self.extra},
                              status=self.status)
        reply.headers.update(self.headers)
        return reply


def json_response(data: Any, status: int = 200) -> Response:
    """JSON through the secret-aware encoder: a Secret can never be serialized in clear."""
    return Response(dumps(data, ensure_ascii=False), status_code=status, media_type="application/json")


async def json_object(request: Request, max_bytes: int) -> dict[str, Any]:
    """The body as a JSON object, or ApiError (415 wrong type, 413 too large, 400 malformed).

    Requiring ``application/json`` also stops cross-site form posts: a browser sends that
    type cross-origin only after a CORS preflight, which this API never grants.
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, "unsupported_media_type",
                       "send the body as JSON with the header Content-Type: application/json")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        chunks.append(chunk)
    try:
        data = json.loads(b"".join(chunks).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise ApiError(400, "malformed_json", f"the body is not valid UTF-8 JSON{where}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "not_an_object", "the body must be a JSON object of field names to values")
    return data


def invalid(exc: ValidationError, submitted: Any, message: str | None = None,
            public: Collection[str] = ()) -> ApiError:
    """422 ``invalid`` with ``errors`` (field path -> messages), nothing submitted quoted but ``public`` words."""
    errors = {scrub(path, submitted, public): [scrub(m, submitted, public) for m in messages]
              for path, messages in exc.errors.items()}
    return ApiError(422, "invalid", message or "some fields are not valid; see `errors`", errors=errors)


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(413, "body_too_large", f"the body is larger than {max_bytes} bytes; send less")


def scrub(text: str, submitted: Any, public: Collection[str] = ()) -> str:
    """``text`` with every string the client submitted (6+ characters) replaced by ``****``.

    Validation messages should never quote input, but a plugin's message might; a secret
    typed into the wrong field must not come back in a reply either way. ``public`` words
    (see :func:`public_words`) are kept: every form shows them, so they are nobody's secret.
    """
    for value in sorted(_strings(submitted) - set(public), key=len, reverse=True):
        text = text.replace(value, "****")
    return text


_PUBLIC_WORDS: weakref.WeakKeyDictionary[Host, frozenset[str]] = weakref.WeakKeyDictionary()


def public_words(host: Host) -> frozenset[str]:
    """The choice and rule values of every installed manifest.

    Rule messages quote them ("is required when auth_mode is 'static'"); masked because the
    client happened to send the same choice, they would read "when auth_mode is '****'".
    """
    words = _PUBLIC_WORDS.get(host)
    if words is None:
        sections = [section for m in host.connectors()
                    for section in (m.connection, *(op.input for op in m.operations), *(t.input for t in m.triggers))]
        words = _PUBLIC_WORDS[host] = frozenset(w for section in sections for w in _section_words(section))
    return words


def _section_words(section: Section) -> Iterator[str]:
    for rule in section.rules:
        if rule.when is not None:
            values = rule.when.value if isinstance(rule.when.value, (list, tuple)) else [rule.when.value]
            yield from (v for v in values if isinstance(v, str))
    for f in section.fields:
        yield from _field_words(f)


def _field_words(f: Field) -> Iterator[str]:
    yield from (c.value for c in f.choices)
    if f.items is not None:
        yield from _field_words(f.items)
    if f.section is not None:
        yield from _section_words(f.section)


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value} if len(value) >= 6 else set()
    if isinstance(value, Mapping):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()
