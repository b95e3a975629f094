"""The application factory: routes, static page, and the headers every reply carries."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..host import Host
from .api import FormApi
from .body import DEFAULT_MAX_BODY, ApiError, json_response

STATIC = Path(__file__).with_name("static")

# Ajv compiles schemas to functions, hence 'unsafe-eval'; nothing is loaded from elsewhere.
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
     b"img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]

#: Host names the page answers to: loopback only, so a DNS-rebinding page cannot reach it.
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"]


def create_app(host: Host | None = None, *, max_body: int = DEFAULT_MAX_BODY,
               allowed_hosts: list[str] | None = None) -> Starlette:
    """The form page and its JSON API for ``host`` (default: every installed plugin).

    No sign-in: for one developer on loopback. The reference host with tenants, stored
    connections and runs is :func:`connector_core.web.host_app.create_host_app`.
    """
    api = FormApi(host if host is not None else Host.discover(), max_body)
    routes = [Route("/", index), Route("/api/session", _no_sign_in), *form_routes(api), static_mount()]
    return Starlette(routes=routes, middleware=base_middleware(allowed_hosts),
                     exception_handlers=ERROR_HANDLERS)  # type: ignore[arg-type]


def form_routes(api: FormApi) -> list[Route]:
    return [
        Route("/api/connectors", api.catalog),
        Route("/api/connectors/{connector_id}", api.connector),
        Route("/api/connectors/{connector_id}/form", api.form),
        Route("/api/connectors/{connector_id}/validate", api.validate, methods=["POST"]),
        Route("/api/connectors/{connector_id}/options/{field}", api.options, methods=["POST"]),
    ]


def static_mount() -> Mount:
    return Mount("/static", StaticFiles(directory=STATIC), name="static")


def base_middleware(allowed_hosts: list[str] | None = None) -> list[Middleware]:
    """Loopback host names only (against DNS rebinding) and the security headers."""
    return [
        Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or LOOPBACK_HOSTS),
        Middleware(_SecurityHeaders),
    ]


async def _no_sign_in(request: Request) -> Response:
    """Tells the page there is no sign-in here, so it shows the form explorer at once."""
    return json_response({"sign_in": False})


async def index(request: Request) -> Response:
    """The single page; its client-side routes (/connections/...) all load it."""
    return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})


async def _api_error(request: Request, exc: ApiError) -> Response:
    return exc.response()


async def _http_error(request: Request, exc: HTTPException) -> Response:
    """Starlette's own 404/405 as JSON like every other error of the API."""
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return json_response({"ok": False, "error": code, "message": exc.detail}, status=exc.status_code)


ERROR_HANDLERS = {ApiError: _api_error, HTTPException: _http_error}


class _SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)
