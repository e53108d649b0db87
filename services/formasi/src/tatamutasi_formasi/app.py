"""Composition root of the formasi service.

Run: `uvicorn --factory tatamutasi_formasi.app:create_app`."""

import httpx
from fastapi import FastAPI

from tatamutasi_contracts import Topic
from tatamutasi_formasi.adapters.orm import metadata, platform
from tatamutasi_formasi.api import bezetting, gaps, jabatan, needs, units
from tatamutasi_formasi.service.bezetting import apply_events, on_event
from tatamutasi_formasi.settings import FormasiSettings
from tatamutasi_platform.app import ServiceSpec, create_service_app
from tatamutasi_platform.consumer import IdempotentConsumer
from tatamutasi_platform.runtime import Runtime

CONSUMER_NAME = "formasi-bezetting"


def _consumer(runtime: Runtime) -> IdempotentConsumer:
    return IdempotentConsumer(
        name=CONSUMER_NAME,
        topics=[Topic.PEGAWAI.value],
        settings=runtime.settings,
        engine=runtime.engine,
        tables=runtime.tables,
        bus=runtime.bus,
        metrics=runtime.metrics,
        handler=on_event,
        batch_handler=apply_events,
    )


def spec(pegawai_transport: httpx.AsyncBaseTransport | None = None) -> ServiceSpec:
    def wire(runtime: Runtime) -> None:
        if pegawai_transport is not None:
            runtime.extras["pegawai_transport"] = pegawai_transport

    return ServiceSpec(
        name="formasi",
        title="TataMutasi — Formasi (units, jabatan, needs, bezetting, gaps)",
        description="The unit tree (UNOR) with history, the jabatan catalogue and its "
        "requirements, needs from ABK, bezetting derived from pegawai placement events, "
        "and gap reports. Publishes `formasi.*` events on `tatamutasi.formasi.v1`.",
        package="tatamutasi_formasi",
        metadata=metadata,
        tables=platform,
        routers=[units.router, jabatan.router, needs.router, bezetting.router, gaps.router],
        publishes=[Topic.FORMASI.value],
        consumer=_consumer,
        on_start=(wire,),
    )


SPEC = spec()


def create_app(
    settings: FormasiSettings | None = None,
    *,
    pegawai_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """`pegawai_transport` replaces the network for the reconciliation's calls to the
    pegawai service (tests pass the pegawai app through `httpx.ASGITransport`)."""
    return create_service_app(
        spec(pegawai_transport) if pegawai_transport else SPEC, settings or FormasiSettings()
    )
