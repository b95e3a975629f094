"""Who is calling: ``Authorization: Bearer <token>`` for API clients, the session cookie
(plus ``X-CSRF-Token`` on unsafe methods) for the browser; and the /api/session routes.

Every /api route except ``/api/session`` passes through :class:`RequireAuth`; a handler
reads the caller with :func:`principal`. Errors are the API's JSON errors: 401
``unauthenticated``, 403 ``csrf``.
"""

from __future__ import annotations

from anyio import CapacityLimiter, to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .body import ApiError, json_object, json_response
from .sessions import COOKIE_NAME, CSRF_HEADER, Session, SessionStore, csrf_matches
from .tenants import Principal, TenantDirectory

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_PATHS = frozenset({"/api/session"})

# argon2 takes ~20 MiB and tens of ms per check; a few at a time keeps a burst of
# sign-ins (or of wrong tokens) from exhausting memory or every worker thread.
_ARGON2_AT_ONCE = CapacityLimiter(4)


class Authenticator:
    """Turns a request's credentials into a :class:`Principal`."""

    def __init__(self, tenants: TenantDirectory, sessions: SessionStore) -> None:
        self.tenants = tenants
        self.sessions = sessions

    async def verify_token(self, token: str) -> Principal | None:
        # A token verified a moment ago needs no thread, no database and no argon2.
        recent = self.tenants.recently_verified(token)
        if recent is not None:
            return recent
        return await to_thread.run_sync(self.tenants.verify, token, limiter=_ARGON2_AT_ONCE)

    async def session(self, request: Request) -> Session | None:
        cookie = request.cookies.get(COOKIE_NAME)
        if not cookie:
            return None
        return await to_thread.run_sync(self.sessions.get, cookie)

    async def authenticate(self, request: Request) -> Principal:
        authorization = request.headers.get("authorization")
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            principal = await self.verify_token(token.strip()) if scheme.lower() == "bearer" else None
            if principal is None:
                raise _unauthenticated("the API token is not valid (or was revoked)")
            return principal
        session = await self.session(request)
        if session is None:
            raise _unauthenticated("sign in first: POST /api/session with a token, or send "
                                   "Authorization: Bearer <token>")
        if request.method not in SAFE_METHODS and not csrf_matches(session, request.headers.get(CSRF_HEADER)):
            raise ApiError(403, "csrf", "missing or wrong X-CSRF-Token header for this session",
                           hint="send the csrf_token that POST or GET /api/session returned")
        return session.principal


class RequireAuth:
    """ASGI middleware: /api routes (but /api/session) answer only to an authenticated caller."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == "/api" or path.startswith("/api/")) or path in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        try:
            who = await self.authenticator.authenticate(Request(scope))
        except ApiError as exc:
            await exc.response()(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = who
        await self.app(scope, receive, send)


def principal(request: Request) -> Principal:
    who = request.scope.get("state", {}).get("principal")
    if not isinstance(who, Principal):  # a route mounted outside RequireAuth: never serve it
        raise _unauthenticated("this route needs a signed-in caller")
    return who


class SessionApi:
    """``POST /api/session {"token"}`` signs in; ``GET`` says who; ``DELETE`` signs out."""

    def __init__(self, authenticator: Authenticator, max_body: int) -> None:
        self.auth = authenticator
        self.max_body = max_body

    async def sign_in(self, request: Request) -> Response:
        body = await json_object(request, self.max_body)
        token = body.get("token")
        who = await self.auth.verify_token(token) if isinstance(token, str) else None
        if who is None:
            raise _unauthenticated("that token is not valid (or was revoked)")
        session = await to_thread.run_sync(self.auth.sessions.create, who)
        reply = json_response({"tenant": who.tenant, "csrf_token": session.csrf_token})
        reply.set_cookie(COOKIE_NAME, session.cookie, max_age=int(self.auth.sessions.lifetime.total_seconds()),
                         path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return reply

    async def current(self, request: Request) -> Response:
        session = await self.auth.session(request)
        if session is None:
            raise _unauthenticated("not signed in")
        return json_response({"tenant": session.principal.tenant, "csrf_token": session.csrf_token})

    async def sign_out(self, request: Request) -> Response:
        session = await self.auth.session(request)
        if session is not None:
            if not csrf_matches(session, request.headers.get(CSRF_HEADER)):
                raise ApiError(403, "csrf", "missing or wrong X-CSRF-Token header for this session")
            await to_thread.run_sync(self.auth.sessions.delete, session.cookie)
        reply = Response(status_code=204)
        reply.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
        return reply


def _unauthenticated(message: str) -> ApiError:
    return ApiError(401, "unauthenticated", message)
