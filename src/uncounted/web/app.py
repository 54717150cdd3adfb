"""The app factory: ``create_app(project_dir, host=...)`` gives the FastAPI app of a project."""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import vl_convert
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from uncounted.core.errors import UncountedError
from uncounted.store import Project
from uncounted.web.access import (
    LINGER,
    POLICY,
    REQUEST_WAIT,
    SERVER_COMMAND,
    ProjectAccess,
    ProjectBusy,
)
from uncounted.web.auth import LoginRequired, RoleRefused
from uncounted.web.binding import DEFAULT_HOST, check_binding, is_loopback
from uncounted.web.csrf import CsrfRefused
from uncounted.web.leases import LEASE_SECONDS, ReviewLeases
from uncounted.web.origin import HostPolicy, refusal
from uncounted.web.pages import make_environment, redirect, render
from uncounted.web.routes import (
    account,
    admin,
    estimates,
    overview,
    persons,
    releases,
    review,
)
from uncounted.web.sessions import COOKIE_NAME, MAX_AGE, SessionCodec, new_session, project_secret
from uncounted.web.throttle import LoginThrottle
from uncounted.workflow.person_search import PersonSearch

STATIC_DIR: Final = Path(__file__).parent / "static"
BUSY_RETRY_SECONDS: Final = 5
log = logging.getLogger("uncounted.web")

# Vega needs to compile expressions at run time ('unsafe-eval'); everything else is same-origin.
# Referrer-Policy same-origin: no address (a query may hold a name) goes to another site, and
# the app's own forms still send their Origin, which every POST is checked against ("no-referrer"
# would make browsers send "Origin: null"). no-store: every page may show personal data.
_SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline';"
        " img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none';"
        " form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _route_pattern(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", "(no route)"))


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed in one script, from vl-convert (no network)."""
    return vl_convert.javascript_bundle(
        "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
    )


def create_app(
    project_dir: str | Path,
    *,
    host: str = DEFAULT_HOST,
    allowed_hosts: Iterable[str] = (),
    lease_seconds: float = LEASE_SECONDS,
    review_low: float | None = None,
    review_high: float | None = None,
    request_wait: float = REQUEST_WAIT,
    linger: float = LINGER,
) -> FastAPI:
    """The app for one project. Refuses (UncountedError) a non-local host without users.

    The app answers only requests naming ``host``, a loopback name or one of
    ``allowed_hosts`` (see :mod:`uncounted.web.origin`).

    ``review_low`` and ``review_high`` bound the review queue's match probabilities (default:
    the window of `uncounted review`, around the link threshold). The app hands the project
    over to any command that waits for it after the request in flight (it keeps it open at
    most ``linger`` seconds after a request otherwise); a request waits ``request_wait``
    seconds for a command holding the project, then shows a notice naming it (503)."""
    access = ProjectAccess(Path(project_dir), wait=request_wait, linger=linger)
    # Starting waits for the project as long as any command would.
    with access.use(wait=POLICY) as project:
        check_binding(project, host)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # In the background, with a connection of its own (while it holds the project, the
        # requests share this process's turn and commands wait).
        app.state.search.warm_up(
            lambda: Project.open(access.project_dir, command=SERVER_COMMAND))
        yield
        access.close()

    app = FastAPI(title="uncounted", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.access = access
    app.state.local = is_loopback(host)
    app.state.hosts = HostPolicy(host, allowed_hosts)
    app.state.secret = project_secret(access.project_dir)
    app.state.codec = SessionCodec(app.state.secret)
    app.state.secure_cookie = False  # set by `serve` behind TLS; plain HTTP on 127.0.0.1
    app.state.leases = ReviewLeases(lease_seconds)
    app.state.review_window = (review_low, review_high)
    app.state.search = PersonSearch()
    app.state.throttle = LoginThrottle()
    app.state.environment = make_environment()
    app.state.flashes = {}

    @app.middleware("http")
    async def sessions_and_logging(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        refused = refusal(request, app.state.hosts)
        if refused is not None:
            # Before the session or any page: a rebound name or another site gets nothing.
            status, message = refused
            response: Response = PlainTextResponse(message, status_code=status)
            response.headers.update(_SECURITY_HEADERS)
            log.warning("%s refused: %s", request.method,
                        "unknown host name" if status == 400 else "cross-origin change")
            return response
        codec: SessionCodec = app.state.codec
        session = codec.loads(request.cookies.get(COOKIE_NAME))
        fresh = session is None
        request.state.session = session or new_session()
        request.state.new_session = None
        try:
            response = await call_next(request)
        except Exception as failure:
            # Caught here, not by the server: its traceback could quote a value of a record.
            log.error("%s %s failed: %s", request.method, _route_pattern(request),
                      type(failure).__name__)
            response = PlainTextResponse(
                "internal error: the server log names its type; please report it",
                status_code=500,
            )
        replaced = request.state.new_session
        if fresh or replaced is not None:
            response.set_cookie(
                COOKIE_NAME, codec.dumps(replaced or request.state.session), max_age=MAX_AGE,
                httponly=True, samesite="strict", secure=app.state.secure_cookie, path="/",
            )
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # The route's pattern, never the path or query: no name typed anywhere reaches a log.
        log.info("%s %s %d %.0f ms", request.method, _route_pattern(request),
                 response.status_code,
                 1000 * (time.perf_counter() - started))
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if request.method == "GET":
            return redirect("/login")
        return PlainTextResponse("log in first", status_code=401)

    @app.exception_handler(RoleRefused)
    async def role_refused(request: Request, exc: RoleRefused) -> Response:
        return render(request, "error.html.j2", {
            "title": "Not allowed",
            "message": f"This needs the role {exc.needed} or higher; ask an admin.",
        }, status_code=403)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return PlainTextResponse(
            "refused: the form's security token is missing or stale; reload the page and try"
            " again", status_code=403,
        )

    @app.exception_handler(ProjectBusy)
    async def project_busy(request: Request, exc: ProjectBusy) -> Response:
        since = exc.holder.since_datetime() if exc.holder else None
        response = render(request, "busy.html.j2", {
            "title": "The project is busy",
            "holder": exc.holder,
            "minutes": None if since is None else
            max(0, int((datetime.now(UTC).replace(tzinfo=None) - since).total_seconds() // 60)),
            "sent": request.method != "GET",
            "retry": BUSY_RETRY_SECONDS,
        }, status_code=503)
        response.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return response

    @app.exception_handler(UncountedError)
    async def uncounted_error(request: Request, exc: UncountedError) -> Response:
        return render(request, "error.html.j2", {"title": "Cannot show this",
                                                 "message": exc.message}, status_code=404)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)

    @app.get("/static/vega.js", include_in_schema=False)
    def vega_js() -> Response:
        return Response(vega_bundle(), media_type="text/javascript",
                        headers={"Cache-Control": "max-age=86400"})

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (account, overview, persons, review, estimates, releases, admin):
        app.include_router(module.router)

    return app
