"""Running operations over HTTP, and the files they read and write.

``POST /api/connections/{id}/run/{operation}`` ``{"input": {...}}`` answers the result
inline, or with ``Accept: application/x-ndjson`` streams one JSON object a line:
``progress`` events, ``page`` events for a streamed list, then one ``result`` or ``error``.
The run happens in a worker thread (:mod:`.run_worker`) with the host's timeout; a client
that disconnects cancels it.

Files: a tenant never names a server path. ``file_path`` in run input is refused;
``file_id`` (from ``POST /api/files``) stands for it, and an operation that writes a file
(``download_file``, ``get_object`` as a file) writes into the tenant's file area and
answers a ``file_id`` that ``GET /api/files/{file_id}`` returns.
"""

from __future__ import annotations

import asyncio
import re
from contextlib import aclosing
from pathlib import Path
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from ..errors import ConnectorError, ValidationError
from ..host import Host
from ..secrets import dumps
from ..store import ConnectionStore
from .audit import AuditLog
from .auth import principal
from .body import ApiError, invalid, json_object, json_response, public_words
from .failures import connector_failure, store_failure
from .files import FileArea
from .ratelimit import RateLimiter
from .run_worker import RunWorker

NDJSON = "application/x-ndjson"
#: Items a streamed list returns inline at most; more are streamed with NDJSON.
INLINE_ITEMS = 1000
DEFAULT_TIMEOUT = 300.0
_NO_PATHS = "a host never takes a server path: upload the file (POST /api/files) and send its file_id"


class RunsApi:
    def __init__(self, host: Host, store: ConnectionStore, audit: AuditLog, limiter: RateLimiter,
                 files: FileArea, max_body: int) -> None:
        self.host = host
        self.store = store
        self.audit = audit
        self.limiter = limiter
        self.files = files
        self.max_body = max_body
        self.timeout = float(host.settings.get("web.run_timeout", DEFAULT_TIMEOUT))

    async def run(self, request: Request) -> Response:
        who = principal(request)
        connection_id = request.path_params["connection_id"]
        operation = request.path_params["operation"]
        body = await json_object(request, self.max_body)
        raw = body.get("input", {})
        if not isinstance(raw, dict):
            raise ApiError(422, "invalid", "`input` must be an object", errors={"input": ["must be an object"]})
        try:
            connection = await run_in_threadpool(self.store.load_connection, who.tenant, connection_id)
        except ConnectorError as exc:
            raise store_failure(exc, body) from None
        manifest = self.host.manifest(connection.connector_id)
        if operation not in manifest.operation_ids:
            raise ApiError(404, "unknown_operation", f"{connection.connector_id} has no operation {operation[:100]!r}",
                           hint="operations: " + ", ".join(manifest.operation_ids))
        self.limiter.check(who.tenant, "run")
        params, written = self._files_in(who.tenant, manifest.operation(operation), raw)
        try:
            self.host.validate_input(connection.connector_id, operation, params, connection)
        except ValidationError as exc:
            self._discard(who.tenant, written)
            raise _file_errors(invalid(exc, body, public=public_words(self.host))) from None

        def on_error(exc: ConnectorError) -> dict[str, Any]:
            reply = connector_failure(exc, body, mask=self.files.mask_paths)
            return {"error": reply.code, "message": reply.message, "status": reply.status, **reply.extra}

        worker = RunWorker(self.host, connection, operation, params, timeout=self.timeout, on_error=on_error,
                           on_result=lambda result: self._files_out(who.tenant, result, written))
        detail = {"connector_id": connection.connector_id, "operation": operation}
        if NDJSON in request.headers.get("accept", ""):
            return StreamingResponse(self._ndjson(worker, who, connection_id, detail, written),
                                     media_type=NDJSON, headers={"cache-control": "no-store"})
        watcher = asyncio.create_task(_cancel_on_disconnect(request, worker))
        try:
            return await self._inline(worker, who, connection_id, detail, written)
        finally:
            watcher.cancel()

    async def _inline(self, worker: RunWorker, who, connection_id: str, detail: dict, written) -> Response:
        items: list[Any] = []
        truncated = False
        async with aclosing(worker.events()) as events:
            async for event in events:
                if event["type"] == "page":
                    room = INLINE_ITEMS - len(items)
                    items.extend(event["items"][:room])
                    if len(event["items"]) > room:
                        truncated = True
                        break
        outcome: dict[str, Any] | None = {"type": "result", "result": {}} if truncated else worker.outcome  # stopped on purpose
        await self._audit(who, connection_id, detail, outcome, streamed=False)
        if truncated or (outcome and outcome["type"] == "result" and "count" in outcome["result"]):
            return json_response({"ok": True, "result": {"items": items, "count": len(items),
                                                         "truncated": truncated}})
        if outcome is None:
            self._discard(who.tenant, written)
            raise ApiError(499, "cancelled", "the run was cancelled")
        if outcome["type"] == "error":
            self._discard(who.tenant, written)
            error = {k: v for k, v in outcome.items() if k not in ("type", "status")}
            return json_response({"ok": False, **error}, status=outcome.get("status", 504))
        return json_response({"ok": True, "result": outcome["result"]})

    async def _ndjson(self, worker: RunWorker, who, connection_id: str, detail: dict, written):
        try:
            async with aclosing(worker.events()) as events:
                async for event in events:
                    if event["type"] == "error":
                        event = {k: v for k, v in event.items() if k != "status"}
                    yield (dumps(event, ensure_ascii=False) + "\n").encode()
        finally:
            outcome = worker.outcome
            if outcome is None or outcome["type"] == "error":
                self._discard(who.tenant, written)
            with anyio.CancelScope(shield=True):  # a client that left still gets its run audited
                await self._audit(who, connection_id, detail, outcome, streamed=True)

    async def _audit(self, who, connection_id: str, detail: dict, outcome: dict | None, *, streamed: bool) -> None:
        ok = outcome is not None and outcome["type"] == "result"
        error = None if ok else (outcome or {}).get("error", "cancelled")
        extra = {"error": error} if error else {}
        await run_in_threadpool(self.audit.record, who, "operation.run", connection_id, ok=ok,
                                streamed=streamed, **detail, **extra)

    # -- files in and out -----------------------------------------------------------------

    def _files_in(self, tenant: str, operation: Any, raw: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """(params with file_id turned into the tenant's path, the file_id a download will write)."""
        params = dict(raw)
        takes_path = "file_path" in operation.input.keys
        writes_path = takes_path and "file_path" in operation.output.keys
        if "file_path" in params:
            raise ApiError(422, "invalid", _NO_PATHS, errors={"file_path": [_NO_PATHS]})
        if "file_id" in params:
            if not takes_path or writes_path:
                why = "this operation reads no file" if not takes_path else "this operation writes a new file itself"
                raise ApiError(422, "invalid", why, errors={"file_id": [why]})
            params["file_path"] = str(self.files.get(tenant, params.pop("file_id")).path)
        if writes_path:
            file_id, path = self.files.new_path(tenant)
            params["file_path"] = str(path)
            return params, file_id
        return params, None

    def _files_out(self, tenant: str, result: dict[str, Any], written: str | None) -> dict[str, Any]:
        """The result with the server path of a written file replaced by its ``file_id``."""
        path = result.pop("file_path", None)
        if written is not None:
            if path is not None and Path(path).name == written:
                self.files.describe(tenant, written, str(result.get("key") or written).rsplit("/", 1)[-1])
                result["file_id"] = written
            else:
                self._discard(tenant, written)
        return result

    def _discard(self, tenant: str, file_id: str | None) -> None:
        if file_id is not None:
            self.files.discard(tenant, file_id)

    # -- the file routes ------------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        """The raw body becomes a file of the tenant's (``X-Filename`` names it)."""
        who = principal(request)
        declared = request.headers.get("content-length")
        size = int(declared) if declared and declared.isdigit() else None
        stored = await self.files.save(who.tenant, request.headers.get("x-filename", ""), request.stream(), size)
        return json_response({"file_id": stored.file_id, "filename": stored.filename, "size": stored.size},
                             status=201)

    async def download(self, request: Request) -> Response:
        who = principal(request)
        stored = self.files.get(who.tenant, request.path_params["file_id"])
        return FileResponse(stored.path, media_type="application/octet-stream", filename=stored.filename,
                            headers={"cache-control": "no-store"})


async def _cancel_on_disconnect(request: Request, worker: RunWorker) -> None:
    """Cancel the run when the client goes away (StreamingResponse does this for NDJSON)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            worker.cancel.set()
            return


def _file_errors(error: ApiError) -> ApiError:
    """Validation errors about ``file_path`` speak of ``file_id``, what the tenant sends."""
    errors = error.extra.get("errors")
    if isinstance(errors, dict) and "file_path" in errors:
        errors["file_id"] = [re.sub(r"file.path", "file_id", m) for m in errors.pop("file_path")]
    return error


