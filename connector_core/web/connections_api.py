"""Stored connections over HTTP: create, list, get, edit, delete, and "Test connection".

Every call is the signed-in tenant's: ids are looked up with the tenant, so another
tenant's id is the same 404 as one that never existed. Secrets are write-only: a reply
lists which are set (``secrets_set``), never their values, and an edit that leaves one
blank keeps it (``Host.connect(previous=)`` through the store).
"""

from __future__ import annotations

from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..connection import Connection
from ..errors import ConnectorError, NotFoundError, ValidationError
from ..host import Host
from ..results import TestResult
from ..store import ConnectionStore, StoredConnection
from .audit import AuditLog
from .auth import principal
from .body import ApiError, invalid, json_object, json_response, public_words
from .failures import store_failure
from .ratelimit import RateLimiter


def connection_json(record: StoredConnection) -> dict[str, Any]:
    return {"id": record.id, "connector_id": record.connector_id, "name": record.name,
            "manifest_version": record.manifest_version, "values": record.values,
            "secrets_set": list(record.secret_fields), "created_at": record.created_at.isoformat(),
            "updated_at": record.updated_at.isoformat()}


def test_json(result: TestResult) -> dict[str, Any]:
    return {"ok": result.ok, "message": result.message, "checks": [
        {"name": c.name, "label": c.name, "ok": c.ok, "status": c.status, "message": c.message, "hint": c.hint}
        for c in result.checks]}


class ConnectionsApi:
    def __init__(self, host: Host, store: ConnectionStore, audit: AuditLog, limiter: RateLimiter,
                 max_body: int) -> None:
        self.host = host
        self.store = store
        self.audit = audit
        self.limiter = limiter
        self.max_body = max_body

    async def list(self, request: Request) -> Response:
        who = principal(request)
        connector_id = request.query_params.get("connector_id") or None
        records = await self._call(None, self.store.list, who.tenant, connector_id)
        return json_response({"connections": [connection_json(r) for r in records]})

    async def create(self, request: Request) -> Response:
        who = principal(request)
        body = await json_object(request, self.max_body)
        connector_id = self._connector_id(body.get("connector_id"))
        values = _values(body)
        record = await self._call(body, self.store.create, who.tenant, connector_id, body.get("name"), values)
        await run_in_threadpool(self.audit.record, who, "connection.create", record.id, connector_id=connector_id)
        return json_response(connection_json(record), status=201)

    async def get(self, request: Request) -> Response:
        who = principal(request)
        record = await self._call(None, self.store.get, who.tenant, request.path_params["connection_id"])
        return json_response(connection_json(record))

    async def update(self, request: Request) -> Response:
        who = principal(request)
        connection_id = request.path_params["connection_id"]
        body = await json_object(request, self.max_body)
        values = _values(body) if "values" in body else None
        name = body.get("name")
        record = await self._call(body, self.store.update, who.tenant, connection_id, values, name=name)
        await run_in_threadpool(self.audit.record, who, "connection.update", record.id,
                                connector_id=record.connector_id, fields=sorted(values or {}))
        return json_response(connection_json(record))

    async def delete(self, request: Request) -> Response:
        who = principal(request)
        connection_id = request.path_params["connection_id"]
        record = await self._call(None, self.store.get, who.tenant, connection_id)
        await self._call(None, self.store.delete, who.tenant, connection_id)
        await run_in_threadpool(self.audit.record, who, "connection.delete", connection_id,
                                connector_id=record.connector_id)
        return Response(status_code=204)

    async def test_draft(self, request: Request) -> Response:
        """``{"connector_id", "values"}``: test what the form holds, before saving it."""
        who = principal(request)
        body = await json_object(request, self.max_body)
        connector_id = self._connector_id(body.get("connector_id"))
        values = _values(body)
        self.limiter.check(who.tenant, "test")
        try:
            connection = self.host.connect(connector_id, values)
        except ValidationError as exc:
            raise invalid(exc, body, public=public_words(self.host)) from None
        result = await run_in_threadpool(self.host.test, connection)
        await run_in_threadpool(self.audit.record, who, "connection.test", None, connector_id=connector_id,
                                draft=True, ok=result.ok)
        return json_response(test_json(result))

    async def test_saved(self, request: Request) -> Response:
        """A stored connection, optionally with unsaved edits (``{"values"}``; blank secrets kept)."""
        who = principal(request)
        connection_id = request.path_params["connection_id"]
        body = await _optional_body(request, self.max_body)
        stored = await self._call(body, self.store.load_connection, who.tenant, connection_id)
        self.limiter.check(who.tenant, "test")
        connection: Connection = stored
        if "values" in body:
            try:
                connection = self.host.connect(stored.connector_id, _values(body), previous=stored)
            except ValidationError as exc:
                raise invalid(exc, body, public=public_words(self.host)) from None
        result = await run_in_threadpool(self.host.test, connection)
        await run_in_threadpool(self.audit.record, who, "connection.test", connection_id,
                                connector_id=stored.connector_id, ok=result.ok)
        return json_response(test_json(result))

    async def audit_events(self, request: Request) -> Response:
        who = principal(request)
        limit = int_param(request, "limit", 100)
        before = int_param(request, "before", None)
        events = await run_in_threadpool(self.audit.events, who.tenant, limit, before)
        return json_response({"events": events})

    # -- helpers --------------------------------------------------------------------------

    def _connector_id(self, connector_id: Any) -> str:
        if not isinstance(connector_id, str) or not connector_id:
            raise ApiError(422, "invalid", "name the connector", errors={"connector_id": ["is required"]})
        try:
            self.host.manifest(connector_id)
        except NotFoundError as exc:
            raise ApiError(404, "unknown_connector", f"no connector {connector_id[:100]!r}", hint=exc.hint) from None
        return connector_id

    async def _call(self, submitted: Any, fn, *args: Any, **kwargs: Any) -> Any:
        try:
            return await run_in_threadpool(fn, *args, **kwargs)
        except ConnectorError as exc:
            raise store_failure(exc, submitted, public_words(self.host)) from None


def _values(body: dict[str, Any]) -> dict[str, Any]:
    values = body.get("values", {})
    if not isinstance(values, dict):
        raise ApiError(422, "invalid", "`values` must be an object of field names to values",
                       errors={"values": ["must be an object"]})
    return values


async def _optional_body(request: Request, max_body: int) -> dict[str, Any]:
    """The JSON body, or ``{}`` when none was sent (a saved connection's test needs none)."""
    if request.headers.get("content-length") in (None, "0") and "content-type" not in request.headers:
        return {}
    return await json_object(request, max_body)


_Default = TypeVar("_Default", int, None)


def int_param(request: Request, name: str, default: _Default) -> int | _Default:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise ApiError(400, "bad_query", f"`{name}` must be a whole number")
    return int(raw)
