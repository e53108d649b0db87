"""The web console: server-rendered pages over the four services' public APIs.

`uvicorn --factory tatamutasi_web.app:create_app` (or `python -m tatamutasi_web`)."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from tatamutasi_platform.auth import ROLES, ensure_dev_keys, issue_token
from tatamutasi_web import fmt
from tatamutasi_web.api import Api, ApiError, Capabilities
from tatamutasi_web.i18n import LANGS, pick, t
from tatamutasi_web.oidc import OidcClient
from tatamutasi_web.problems import ShownProblem, show_problem
from tatamutasi_web.session import (
    CSRF_FIELD,
    CSRF_HEADER,
    MAX_CHUNKS,
    Session,
    SessionStore,
    chunk_name,
    csrf_ok,
    derive_key,
    load_or_create_key,
)
from tatamutasi_web.settings import WebSettings

HERE = Path(__file__).parent

# Development users, one per role (tokens signed with the local development key).
DEV_USERS: dict[str, dict[str, Any]] = {
    "admin": {"sub": "bkd-admin", "name": "Admin BKD (dev)"},
    "operator": {
        "sub": "operator-dinkes",
        "name": "Operator Dinkes (dev)",
        "units": ["DEMO-DINKES"],
    },
    "penilai": {"sub": "tim-penilai", "name": "Tim Penilai (dev)"},
    "ppk": {"sub": "ppk-walikota", "name": "PPK (dev)"},
    "pegawai": {"sub": None, "name": None},
    "auditor": {"sub": "auditor-inspektorat", "name": "Auditor Inspektorat (dev)"},
}
LOGIN_ROLES = tuple(r for r in ROLES if r in DEV_USERS)

# Where each role lands after login.
HOME = {
    "admin": "/dashboard",
    "operator": "/gaps",
    "penilai": "/queue",
    "ppk": "/queue",
    "pegawai": "/me",
    "auditor": "/ledger",
}


class Redirect(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


class PageError(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


def make_templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(t=t, pick=pick, fmt=fmt)
    return env


class Console:
    """Shared state of the app: settings, HTTP client, the session sealer. No user state is
    kept here: sessions live in the browser's sealed cookie, plans in the matching service."""

    def __init__(
        self, settings: WebSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self.urls = settings.service_urls()
        key = (
            derive_key(settings.session_key.get_secret_value())
            if settings.session_key is not None
            else load_or_create_key(settings.data_dir / "keys")
        )
        self.sessions = SessionStore(settings.session_ttl_s, key, settings.lang_default)
        self.templates = make_templates()
        self.http: httpx.AsyncClient = httpx.AsyncClient(
            timeout=settings.api_timeout_s, transport=transport
        )
        self.caps = Capabilities(self.http, self.urls)
        self.oidc = (
            OidcClient(
                issuer=settings.oidc_issuer or "",
                client_id=settings.oidc_client_id or "",
                redirect_url=settings.oidc_redirect_url or "",
                client_secret=(
                    settings.oidc_client_secret.get_secret_value()
                    if settings.oidc_client_secret
                    else None
                ),
                scopes=settings.oidc_scopes,
            )
            if settings.oidc_enabled
            else None
        )

    async def warm(self) -> None:
        await asyncio.gather(*(self.caps.routes(name) for name in self.urls))

    def api(self, s: Session) -> Api:
        return Api(self.http, self.urls, s.token, s.lang)

    def dev_token(
        self, role: str, sub: str, name: str | None, units: list[str], nip: str | None
    ) -> str:
        if self.settings.dev_signing_key is not None:
            pem = self.settings.dev_signing_key.get_secret_value().encode()
        else:
            private, _ = ensure_dev_keys(self.settings.data_dir / "keys")
            pem = private.read_bytes()
        return issue_token(
            pem,
            sub=sub,
            roles=[role],
            units=units,
            name=name,
            nip=nip,
            ttl_s=self.settings.session_ttl_s,
        )

    def render(self, request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        s: Session = request.state.session
        lang = s.lang
        base = {
            "request": request,
            "s": s,
            "lang": lang,
            "csrf": s.csrf,
            "path": request.url.path,
            "full_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "n": lambda v, d=0: fmt.number(v, lang, d),
            "d": fmt.day,
            "dt": fmt.moment,
            "tr": lambda key, **kw: t(key, lang, **kw),
            "bi": lambda pair: pick(pair, lang),
            "flash": s.flash[:],
        }
        s.flash.clear()
        html = self.templates.get_template(name).render(**base, **ctx)
        return HTMLResponse(html, status_code=status)


def session_of(request: Request) -> Session:
    s: Session = request.state.session
    return s


def need(request: Request, *roles: str) -> Session:
    s = session_of(request)
    if not s.logged_in:
        raise Redirect("/login?next=" + quote(request.url.path, safe="/"))
    if roles and not s.has(*roles):
        raise PageError(403, t("error.forbidden", s.lang))
    return s


async def checked_form(request: Request) -> FormData:
    """The posted form, refused (403) unless it carries this session's CSRF token."""
    form = await request.form()
    s = session_of(request)
    sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not csrf_ok(s, sent if isinstance(sent, str) else None):
        raise PageError(403, t("error.csrf", s.lang))
    return form


def problem_of(exc: ApiError, lang: str) -> ShownProblem:
    if exc.status == 503 and "detail" in exc.body and len(exc.body) == 1:
        return ShownProblem(503, t("error.unavailable", lang, service=exc.service))
    return show_problem(exc.status, exc.body, lang)


def create_app(
    settings: WebSettings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """The console; `transport` replaces the network to the services (tests)."""
    settings = settings or WebSettings()
    console = Console(settings, transport)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # learn the services' routes early, so the first page does not wait for them
        warm = asyncio.create_task(console.warm())
        yield
        warm.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await warm
        await console.http.aclose()

    app = FastAPI(title="TataMutasi web console", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.console = console
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def sessions(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        s = console.sessions.from_cookies(request.cookies)
        fresh = s is None
        if s is None:
            s = console.sessions.new()
        before = s.fingerprint()
        request.state.session = s
        started = time.perf_counter()
        response = await call_next(request)
        s = request.state.session  # login/logout may have replaced it
        if fresh or getattr(request.state, "session_changed", False) or s.fingerprint() != before:
            seal_session(response, console, s, request.cookies)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                "script-src 'self'; frame-ancestors 'none'; form-action 'self' "
                + (settings.oidc_issuer or ""),
            )
        return response

    @app.exception_handler(Redirect)
    async def _redirect(_request: Request, exc: Redirect) -> Response:
        return RedirectResponse(exc.url, 303)

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        return console.render(request, "error.html", exc.status, message=exc.message)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        s = session_of(request)
        if exc.status == 401:
            set_session(request, console.sessions.new(s.lang))
            return RedirectResponse("/login?expired=1", 303)
        p = problem_of(exc, s.lang)
        status = exc.status if exc.status < 500 else 502
        return console.render(request, "error.html", status, message=p.message, problem=p)

    from tatamutasi_web import pages

    pages.register(app, console)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return app


def seal_session(response: Response, console: Console, s: Session, sent: dict[str, str]) -> None:
    """Seal the session into the response's cookie(s); drop chunks it no longer needs."""
    settings = console.settings
    cookies = console.sessions.to_cookies(s)
    for name, value in cookies.items():
        response.set_cookie(
            name,
            value,
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
            max_age=settings.session_ttl_s,
            path="/",
        )
    for i in range(len(cookies), MAX_CHUNKS):
        if chunk_name(i) in sent:
            response.delete_cookie(
                chunk_name(i),
                path="/",
                httponly=True,
                samesite="lax",
                secure=settings.cookie_secure,
            )


def set_session(request: Request, s: Session) -> None:
    request.state.session = s
    request.state.session_changed = True


def lang_of(request: Request) -> str:
    lang = session_of(request).lang
    return lang if lang in LANGS else "id"
