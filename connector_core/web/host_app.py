"""The reference host (``connectors serve``): the form API plus tenants, sign-in, stored
connections, "Test connection", runs, jobs, files and the audit log, on one connection store.

``create_host_app(host, store)`` wires them; the pieces live in their own modules
(:mod:`.auth`, :mod:`.connections_api`, :mod:`.runs_api`, :mod:`.jobs_api`, :mod:`.files`...). Tenants fill
these forms, so the host must not resolve secret references (``{$env}``/``{$file}``
would read the server's environment and files): it refuses a host that allows them.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.routing import Route

from ..errors import ConfigurationError
from ..host import Host
from ..store import ConnectionStore
from .api import FormApi
from .app import ERROR_HANDLERS, base_middleware, form_routes, index, static_mount
from .audit import AuditLog
from .auth import Authenticator, RequireAuth, SessionApi
from .body import DEFAULT_MAX_BODY
from .connections_api import ConnectionsApi
from .files import DEFAULT_MAX_BYTES, FileArea
from .ratelimit import RateLimiter
from .jobs_api import JobsApi
from .runs_api import RunsApi
from .sessions import SessionStore
from .tenants import TenantDirectory

if TYPE_CHECKING:
    from ..jobs import Jobs

#: The single page's client-side routes: each loads index.html, the page routes itself.
PAGES = ["/", "/connectors", "/connections", "/connections/new", "/connections/{connection_id}",
         "/connections/{connection_id}/run", "/jobs", "/jobs/{job_id}"]

#: Settings a host serving tenants must have (see the module's docstring).
TENANT_SAFE_SETTINGS = {"secrets.allow_references": False}


def create_host_app(host: Host, store: ConnectionStore, *, session_key: bytes | None = None,
                    files_dir: Path | None = None, max_body: int = DEFAULT_MAX_BODY,
                    allowed_hosts: list[str] | None = None, limiter: RateLimiter | None = None,
                    jobs: Jobs | None = None) -> Starlette:
    """The reference host's application.

    ``session_key`` signs session cookies (random per process if not given: sessions then
    end with the process); ``files_dir`` holds the tenants' file areas; ``limiter``
    defaults to the host's ``web.rate_limit.*`` settings; ``jobs`` runs the job routes'
    jobs (default: ``Jobs(store)``, made on first use, closed when the app shuts down or
    with ``app.state.jobs.close()``).
    """
    if host.settings.get("secrets.allow_references", True):
        raise ConfigurationError(
            "a host serving tenants must not resolve secret references",
            hint="create the Host with settings={'secrets.allow_references': False}")
    if store.host is not host:
        raise ConfigurationError("the store must use the same Host as the app",
                                 hint="ConnectionStore.open(host, ...) with this host")
    tenants = TenantDirectory(store.engine)
    authenticator = Authenticator(tenants, SessionStore(store.engine, session_key or secrets.token_bytes(32)))
    audit = AuditLog(store.engine)
    limiter = limiter or RateLimiter.from_settings(host.settings)
    sessions = SessionApi(authenticator, max_body)
    connections = ConnectionsApi(host, store, audit, limiter, max_body)
    files_root = Path(files_dir) if files_dir is not None else Path(tempfile.mkdtemp(prefix="cc-files-"))
    files = FileArea(files_root, max_bytes=int(host.settings.get("web.files.max_bytes", DEFAULT_MAX_BYTES)))
    runs = RunsApi(host, store, audit, limiter, files, max_body)
    jobs_api = JobsApi(host, store, audit, limiter, max_body, jobs)

    routes = [
        Route("/api/session", sessions.sign_in, methods=["POST"]),
        Route("/api/session", sessions.current, methods=["GET"]),
        Route("/api/session", sessions.sign_out, methods=["DELETE"]),
        *form_routes(FormApi(host, max_body)),
        Route("/api/connections", connections.list, methods=["GET"]),
        Route("/api/connections", connections.create, methods=["POST"]),
        Route("/api/connections/test", connections.test_draft, methods=["POST"]),
        Route("/api/connections/{connection_id}", connections.get, methods=["GET"]),
        Route("/api/connections/{connection_id}", connections.update, methods=["PUT"]),
        Route("/api/connections/{connection_id}", connections.delete, methods=["DELETE"]),
        Route("/api/connections/{connection_id}/test", connections.test_saved, methods=["POST"]),
        Route("/api/connections/{connection_id}/run/{operation}", runs.run, methods=["POST"]),
        Route("/api/jobs", jobs_api.submit, methods=["POST"]),
        Route("/api/jobs", jobs_api.list, methods=["GET"]),
        Route("/api/jobs/{job_id}", jobs_api.get, methods=["GET"]),
        Route("/api/jobs/{job_id}/cancel", jobs_api.cancel, methods=["POST"]),
        Route("/api/files", runs.upload, methods=["POST"]),
        Route("/api/files/{file_id}", runs.download, methods=["GET"]),
        Route("/api/audit", connections.audit_events, methods=["GET"]),
        *[Route(path, index) for path in PAGES],
        static_mount(),
    ]
    middleware = [*base_middleware(allowed_hosts), Middleware(RequireAuth, authenticator=authenticator)]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(jobs_api.close)  # running jobs finish; queued ones stay queued in the store

    app = Starlette(routes=routes, middleware=middleware, exception_handlers=ERROR_HANDLERS,  # type: ignore[arg-type]
                    lifespan=lifespan)
    app.state.tenants = tenants
    app.state.files = files
    app.state.jobs = jobs_api
    return app
