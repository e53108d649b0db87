"""Composition root of the audit service."""

from fastapi import FastAPI

from tatamutasi_audit.adapters.orm import metadata, platform
from tatamutasi_audit.api.ledger import router
from tatamutasi_audit.service import ledger
from tatamutasi_audit.settings import AuditSettings
from tatamutasi_contracts import ALL_TOPICS, Topic
from tatamutasi_platform.app import ServiceSpec
from tatamutasi_platform.app import create_service_app as _create
from tatamutasi_platform.consumer import Event, IdempotentConsumer
from tatamutasi_platform.runtime import Runtime


async def _append_one(conn, event: Event) -> None:  # type: ignore[no-untyped-def]
    await ledger.append(conn, [event])


def _consumer(runtime: Runtime) -> IdempotentConsumer:
    return IdempotentConsumer(
        name="audit-ledger",
        topics=ALL_TOPICS,
        settings=runtime.settings,
        engine=runtime.engine,
        tables=runtime.tables,
        bus=runtime.bus,
        metrics=runtime.metrics,
        handler=_append_one,
        batch_handler=ledger.append,
    )


SPEC = ServiceSpec(
    name="audit",
    title="TataMutasi — Audit (ledger)",
    description="Every event of every TataMutasi topic, appended once to a tamper-evident "
    "ledger that auditors can read and check.",
    package="tatamutasi_audit",
    metadata=metadata,
    tables=platform,
    routers=[router],
    publishes=[Topic.AUDIT.value],
    consumer=_consumer,
)


def create_app(settings: AuditSettings | None = None) -> FastAPI:
    return _create(SPEC, settings or AuditSettings())
