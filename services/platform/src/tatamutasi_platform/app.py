"""The app factory: every service is `create_service_app(spec, settings)`.

It wires problem details, request ids, JSON logs, metrics, `/healthz`, `/readyz`,
`/metrics`, the outbox replay endpoint `GET /events`, and a lifespan that builds the runtime
(engine, bus, relay, consumer) and stops it cleanly."""

import asyncio
import contextlib
import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import orjson
import sqlalchemy as sa
import structlog
from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from prometheus_client import generate_latest
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tatamutasi_contracts import Envelope
from tatamutasi_platform import migrations
from tatamutasi_platform.auth import Principal, TokenVerifier
from tatamutasi_platform.bus import Bus
from tatamutasi_platform.consumer import IdempotentConsumer
from tatamutasi_platform.db import create_engine, ping
from tatamutasi_platform.http import SQL_INT_MAX, RuntimeDep, require_roles
from tatamutasi_platform.logs import configure_logging
from tatamutasi_platform.metrics import Metrics
from tatamutasi_platform.outbox import OutboxRelay, read_events
from tatamutasi_platform.problems import PROBLEM_JSON, install_problem_handlers
from tatamutasi_platform.runtime import Runtime
from tatamutasi_platform.settings import ServiceSettings
from tatamutasi_platform.tables import PlatformTables

log = structlog.get_logger(__name__)

_RID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


@dataclass
class ServiceSpec:
    """What a service tells the factory about itself."""

    name: str
    title: str
    description: str
    package: str
    metadata: sa.MetaData
    tables: PlatformTables
    routers: Sequence[APIRouter]
    publishes: Sequence[str] = ()
    consumer: Callable[[Runtime], IdempotentConsumer] | None = None
    on_start: Sequence[Callable[[Runtime], Any]] = field(default_factory=tuple)
    version: str = "0.1.0"
    openapi_tags: list[dict[str, str]] = field(default_factory=list)


class RequestContextMiddleware:
    """Request id, traceparent, body-size limit, access log (route templates only: concrete
    paths may hold NIPs) and HTTP metrics. Pure ASGI for speed."""

    def __init__(self, app: ASGIApp, metrics: Metrics, max_body: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
        rid = headers.get("x-request-id", "")
        if not _RID.match(rid):
            rid = uuid.uuid4().hex
        tp = headers.get("traceparent", "")
        m = _TRACEPARENT.match(tp)
        trace_id = m.group(1) if m else secrets.token_hex(16)
        traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        state["traceparent"] = traceparent
        structlog.contextvars.bind_contextvars(request_id=rid, trace_id=trace_id)
        start = time.perf_counter()
        status = 500

        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            body = orjson.dumps(
                {
                    "type": "urn:tatamutasi:problem:payload-too-large",
                    "title": "Payload Too Large",
                    "status": 413,
                    "detail": f"Isi permintaan melebihi {self.max_body} byte",
                    "detail_en": f"The request body exceeds {self.max_body} bytes",
                    "detail_id": f"Isi permintaan melebihi {self.max_body} byte",
                    "request_id": rid,
                }
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [
                        (b"content-type", PROBLEM_JSON.encode()),
                        (b"x-request-id", rid.encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            structlog.contextvars.unbind_contextvars("request_id", "trace_id")
            return

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "<unmatched>"
            elapsed = time.perf_counter() - start
            method = scope["method"]
            self.metrics.http_requests.labels(method, template, str(status)).inc()
            self.metrics.http_latency.labels(method, template).observe(elapsed)
            if template not in ("/healthz", "/metrics", "/readyz"):
                log.info(
                    "request",
                    method=method,
                    route=template,
                    status=status,
                    ms=round(elapsed * 1000, 1),
                )
            structlog.contextvars.unbind_contextvars("request_id", "trace_id")


class EventPage(BaseModel):
    source: str
    items: list[Envelope]
    next_after: int | None = Field(description="Pass as `after` for the next page; null at end.")


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


def platform_router() -> APIRouter:
    router = APIRouter(tags=["platform"])

    @router.get("/healthz", summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Readiness: database and broker reachable",
        response_model=Readiness,
        responses={503: {"model": Readiness}},
    )
    async def readyz(runtime: RuntimeDep) -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(ping(runtime.engine), 2)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        checks["broker"] = "ok" if await runtime.bus.check() else "unreachable"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    @router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    async def metrics(runtime: RuntimeDep) -> PlainTextResponse:
        with contextlib.suppress(Exception):
            runtime.metrics.outbox_pending.set(await runtime.relay.pending())
        return PlainTextResponse(
            generate_latest(runtime.metrics.registry).decode(),
            media_type="text/plain; version=0.0.4",
        )

    @router.get(
        "/events",
        summary="Replay this service's published events",
        response_model=EventPage,
        description="Events in `sequence` order after `after`. Consumers that find a "
        "hole in a producer's sequence fetch the missing range here.",
    )
    async def events(
        runtime: RuntimeDep,
        _p: Annotated[Principal, Depends(require_roles("admin", "auditor", "integration"))],
        after: Annotated[
            int, Query(ge=0, le=SQL_INT_MAX, description="Last sequence already seen")
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> EventPage:
        async with runtime.engine.connect() as conn:
            items = await read_events(
                conn, runtime.tables, runtime.settings.source, after=after, limit=limit
            )
        next_after = items[-1]["sequence"] if len(items) == limit else None
        return EventPage(
            source=runtime.settings.source,
            items=[Envelope.model_validate(i) for i in items],
            next_after=next_after,
        )

    return router


def _operation_id(route: APIRoute) -> str:
    """Stable operation ids (function names), so checked-in OpenAPI does not churn."""
    return route.name


def create_service_app(spec: ServiceSpec, settings: ServiceSettings) -> FastAPI:
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, json=settings.log_json, service=spec.name)
        if settings.migrate_on_start:
            await asyncio.to_thread(
                migrations.upgrade, spec.package, settings.database_url, spec.name
            )
        engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        bus = Bus(settings, metrics, spec.publishes)
        relay = OutboxRelay(
            engine,
            spec.tables,
            settings.source,
            bus,
            metrics,
            batch_size=settings.relay_batch_size,
            poll_interval_s=settings.relay_poll_interval_s,
        )
        runtime = Runtime(
            settings, engine, spec.tables, metrics, bus, relay, TokenVerifier(settings)
        )
        app.state.runtime = runtime
        tasks = [asyncio.create_task(bus.run(), name="bus")]
        if settings.relay_enabled:
            tasks.append(asyncio.create_task(relay.run(), name="relay"))
        if spec.consumer is not None and settings.consumer_enabled:
            consumer = spec.consumer(runtime)
            runtime.extras["consumer"] = consumer
            tasks.append(asyncio.create_task(consumer.run(), name="consumer"))
        for hook in spec.on_start:
            result = hook(runtime)
            if asyncio.iscoroutine(result):
                result = await result
            if isinstance(result, asyncio.Task):  # a background task: cancelled at stop
                tasks.append(result)
        log.info("service started", version=spec.version)
        try:
            yield
        finally:
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(t, 10)
            await engine.dispose()
            log.info("service stopped")

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        openapi_tags=spec.openapi_tags or None,
        responses={
            401: {"description": "Missing, expired or invalid token (problem+json)"},
            403: {"description": "Role not allowed (problem+json)"},
            422: {"description": "Invalid input; each field listed (problem+json)"},
        },
    )
    app.state.settings = settings
    app.state.metrics = metrics
    install_problem_handlers(app)
    app.add_middleware(
        RequestContextMiddleware, metrics=metrics, max_body=settings.max_request_bytes
    )
    app.include_router(platform_router())
    for router in spec.routers:
        app.include_router(router)
    return app
