"""Composition root of the formasi service."""

from fastapi import FastAPI

from tatamutasi_contracts import Topic
from tatamutasi_formasi.adapters.orm import metadata, platform
from tatamutasi_formasi.api.bezetting import router
from tatamutasi_formasi.service.bezetting import on_pegawai_event
from tatamutasi_formasi.settings import FormasiSettings
from tatamutasi_platform.app import ServiceSpec, create_service_app
from tatamutasi_platform.consumer import IdempotentConsumer
from tatamutasi_platform.runtime import Runtime


def _consumer(runtime: Runtime) -> IdempotentConsumer:
    return IdempotentConsumer(
        name="formasi-bezetting",
        topics=[Topic.PEGAWAI.value],
        settings=runtime.settings,
        engine=runtime.engine,
        tables=runtime.tables,
        bus=runtime.bus,
        metrics=runtime.metrics,
        handler=on_pegawai_event,
    )


SPEC = ServiceSpec(
    name="formasi",
    title="TataMutasi — Formasi (units, jabatan, needs, bezetting)",
    description="Units, jabatan and needs; bezetting derived from pegawai placement events.",
    package="tatamutasi_formasi",
    metadata=metadata,
    tables=platform,
    routers=[router],
    publishes=[Topic.FORMASI.value],
    consumer=_consumer,
)


def create_app(settings: FormasiSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or FormasiSettings())
