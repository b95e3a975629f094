"""The JSON API of the form page: catalog, forms, dynamic options, validation.

Every route takes the connector id from the path; a wrong id, operation or field is a
404 with the known ones named. Validation failures are 422 with ``errors`` (field path ->
messages) in the host's path format (``auth.oauth.client_id``, ``entries[2].detail``).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..errors import ConnectorError, NotFoundError, ValidationError
from ..host import Host
from ..manifest import Operation
from .body import ApiError, invalid, json_object, json_response, public_words, scrub


def runs_as_job(operation: Operation) -> bool:
    """Whether the reference host runs ``operation`` as a job unless told otherwise: bulk
    work its manifest splits into chunk jobs (``fanout:``) takes long and should outlive
    the page that started it. Any other operation may still be run as a job on request."""
    return operation.fanout is not None


class FormApi:
    """Route handlers bound to one host."""

    def __init__(self, host: Host, max_body: int) -> None:
        self.host = host
        self.max_body = max_body
        self._forms: dict[tuple[str, str | None], bytes | memoryview] = {}  # a host's forms never change

    async def catalog(self, request: Request) -> Response:
        connectors = [self._describe(m.id) for m in self.host.connectors()]
        failures = [f.to_dict() for f in self.host.load_failures()]
        return json_response({"connectors": connectors, "failures": failures})

    async def connector(self, request: Request) -> Response:
        return json_response(self._describe(self._connector_id(request)))

    async def form(self, request: Request) -> Response:
        connector_id = self._connector_id(request)
        operation = self._operation(request, connector_id)
        body = self._forms.get((connector_id, operation))
        if body is None:  # serialized once: a form is tens of KB, copied and encoded per call otherwise
            body = self._forms[(connector_id, operation)] = json_response(
                self.host.form(connector_id, operation=operation)).body
        return Response(body, media_type="application/json")

    async def validate(self, request: Request) -> Response:
        connector_id = self._connector_id(request)
        operation = self._operation(request, connector_id)
        values = await json_object(request, self.max_body)
        try:
            if operation is None:
                clean = self.host.connect(connector_id, values).to_dict()
            else:
                clean = self.host.validate_input(connector_id, operation, values)
        except ValidationError as exc:
            raise invalid(exc, values, public=public_words(self.host)) from None
        return json_response({"ok": True, "values": clean})

    async def options(self, request: Request) -> Response:
        """``{"connection": {draft values}}`` -> ``{"options": [{"value", "caption"}]}``.

        ``field`` is a connection field or ``OPERATION.FIELD``; the draft connection must
        validate first, because the options are read from the account it names.
        """
        connector_id = self._connector_id(request)
        field = request.path_params["field"]
        body = await json_object(request, self.max_body)
        draft = body.get("connection", {})
        if not isinstance(draft, dict):
            raise ApiError(400, "not_an_object", "`connection` must be a JSON object of connection values")
        try:
            connection = self.host.connect(connector_id, draft)
        except ValidationError as exc:
            raise invalid(exc, body, "fill in the connection first: its values are not valid yet",
                          public=public_words(self.host)) from None
        try:
            options = await run_in_threadpool(self.host.options, connection, field)
        except ValidationError as exc:
            raise ApiError(404, "no_dynamic_options", scrub(exc.message, body)) from None
        except ConnectorError as exc:
            status = 503 if exc.retryable else 502
            raise ApiError(status, "options_failed", scrub(exc.user_message, body),
                           hint=scrub(exc.hint or "", body) or None) from None
        return json_response({"options": [o.to_dict() for o in options]})

    # -- helpers --------------------------------------------------------------------------

    def _connector_id(self, request: Request) -> str:
        connector_id = request.path_params["connector_id"]
        try:
            self.host.manifest(connector_id)
        except NotFoundError as exc:
            raise ApiError(404, "unknown_connector", exc.user_message) from None
        return connector_id

    def _operation(self, request: Request, connector_id: str) -> str | None:
        operation = request.query_params.get("operation") or None
        if operation is not None and operation not in self.host.manifest(connector_id).operation_ids:
            known = ", ".join(self.host.manifest(connector_id).operation_ids)
            raise ApiError(404, "unknown_operation", f"{connector_id} has no operation {operation!r}",
                           hint=f"operations: {known}")
        return operation

    def _describe(self, connector_id: str) -> dict[str, Any]:
        m = self.host.manifest(connector_id)
        return {
            "id": m.id, "name": m.name, "version": m.version, "description": m.description,
            "operations": [{"id": op.id, "label": op.label, "description": op.description,
                            "runs_as_job": runs_as_job(op)} for op in m.operations],
        }
