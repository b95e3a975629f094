"""Pagination: lazy iterators over every item of a paged API, for ``stream: true`` outputs.

Each helper is a generator: it fetches a page only when the previous one's items are
used up, so an operation that returns it streams results as the host consumes them, and a
caller that stops early fetches no more pages. Cancellation through the run context is
checked before each page.

- :func:`paginate_link`: follow ``Link: <...>; rel="next"`` (RFC 8288; GitHub, GitLab).
- :func:`paginate_cursor`: pass the body's cursor field back as a parameter until absent.
- :func:`paginate_offset`: ``offset``/``limit`` until a short page.
- :func:`paginate_page`: ``page=1, 2, ...`` until an empty (or short) page.

``items`` names where the page's list is in the JSON body: a key, a dotted path
(``data.items``), or None when the body is the list itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .. import errors as E
from .client import HttpClient


def _pluck(body: Any, path: str | None) -> Any:
    value = body
    for key in path.split(".") if path else ():
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _items(body: Any, path: str | None, api: HttpClient) -> list[Any]:
    found = _pluck(body, path)
    if found is None and path:
        return []
    if not isinstance(found, list):
        raise E.OperationError(
            f"the page has no list at {path or 'its top level'!r}", hint="check the `items` path given to the "
            "paginator against the API's response", connector=api.session.connector_id)
    return found


def paginate_link(api: HttpClient, url: str, *, params: Mapping[str, Any] | None = None,
                  items: str | None = None, max_pages: int | None = None) -> Iterator[Any]:
    """Every item, following each response's ``Link: rel="next"`` URL (checked by the policy like any URL)."""
    next_url: str | None = url
    page_params = dict(params or {})
    pages = 0
    while next_url and (max_pages is None or pages < max_pages):
        response = api.request("GET", next_url, params=page_params or None)
        pages += 1
        yield from _items(response.json(), items, api)
        next_url = (response.links.get("next") or {}).get("url")
        page_params = {}  # the next link carries its own query


def paginate_cursor(api: HttpClient, url: str, *, params: Mapping[str, Any] | None = None,
                    items: str | None = "data", cursor: str = "next_cursor", cursor_param: str = "cursor",
                    max_pages: int | None = None) -> Iterator[Any]:
    """Every item, passing the body's ``cursor`` field (a dotted path) back as ``cursor_param``."""
    page_params = dict(params or {})
    pages = 0
    seen: set[str] = set()
    while max_pages is None or pages < max_pages:
        body = api.json("GET", url, params=page_params)
        pages += 1
        yield from _items(body, items, api)
        token = _pluck(body, cursor)
        if token in (None, "", False) or str(token) in seen:  # a repeated cursor would loop forever
            return
        seen.add(str(token))
        page_params[cursor_param] = token


def paginate_offset(api: HttpClient, url: str, *, params: Mapping[str, Any] | None = None,
                    items: str | None = "data", limit: int = 100, offset_param: str = "offset",
                    limit_param: str = "limit", start: int = 0) -> Iterator[Any]:
    """Every item, asking ``limit`` at a time from ``offset`` on, until a page has fewer than ``limit``."""
    offset = start
    while True:
        page = _items(api.json("GET", url, params={**(params or {}), offset_param: offset, limit_param: limit}),
                      items, api)
        yield from page
        if len(page) < limit:
            return
        offset += len(page)


def paginate_page(api: HttpClient, url: str, *, params: Mapping[str, Any] | None = None,
                  items: str | None = "data", page_param: str = "page", start: int = 1,
                  size: int | None = None, size_param: str = "per_page",
                  max_pages: int | None = None) -> Iterator[Any]:
    """Every item of pages ``start, start + 1, ...`` until an empty page (or a short one, when ``size`` is given)."""
    page_number = start
    while max_pages is None or page_number - start < max_pages:
        query = {**(params or {}), page_param: page_number}
        if size is not None:
            query[size_param] = size
        page = _items(api.json("GET", url, params=query), items, api)
        yield from page
        if not page or (size is not None and len(page) < size):
            return
        page_number += 1


__all__ = ["paginate_cursor", "paginate_link", "paginate_offset", "paginate_page"]
