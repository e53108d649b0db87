"""Composition root of the pegawai service.

Run: `uvicorn --factory tatamutasi_pegawai.app:create_app`."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection

from tatamutasi_contracts import Topic
from tatamutasi_pegawai.adapters.orm import metadata, platform
from tatamutasi_pegawai.adapters.reference_files import load_reference
from tatamutasi_pegawai.adapters.siasn import SiasnSettings
from tatamutasi_pegawai.api.access import reference
from tatamutasi_pegawai.api.pegawai import router
from tatamutasi_pegawai.api.riwayat import router as riwayat_router
from tatamutasi_pegawai.api.siasn import router as siasn_router
from tatamutasi_pegawai.api.transfer import router as transfer_router
from tatamutasi_pegawai.service import aspiration_rounds, siasn_sync
from tatamutasi_pegawai.service.writeback import (
    WritebackWorker,
    mutasi_handler,
    siasn_configured,
)
from tatamutasi_pegawai.settings import PegawaiSettings
from tatamutasi_platform.app import ServiceSpec, create_service_app
from tatamutasi_platform.consumer import Event, IdempotentConsumer
from tatamutasi_platform.runtime import Runtime

CONSUMER_NAME = "pegawai-mutasi"


class Background:
    """Background work of this process (sync jobs): kept referenced, cancelled on stop."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def cancel_all(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for task in list(self.tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)


class PegawaiConsumer(IdempotentConsumer):
    """The consumer of `tatamutasi.mutasi.v1`; it also carries the service's own background
    work (the SIASN write-back worker, sync jobs), so it starts and stops with the app."""

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime

    async def run(self) -> None:
        worker = self.runtime.extras.get("writeback")
        settings = self.runtime.settings
        background: Background = self.runtime.extras["background"]
        runs = [super().run()]
        if isinstance(worker, WritebackWorker) and getattr(settings, "writeback_enabled", True):
            runs.append(worker.run())
        try:
            await asyncio.gather(*runs)
        finally:
            await background.cancel_all()


def _wake(runtime: Runtime) -> None:
    worker = runtime.extras.get("writeback")
    if isinstance(worker, WritebackWorker):
        worker.wake()


def _consumer(runtime: Runtime) -> IdempotentConsumer:
    return PegawaiConsumer(
        runtime,
        name=CONSUMER_NAME,
        topics=[Topic.MUTASI.value],
        settings=runtime.settings,
        engine=runtime.engine,
        tables=runtime.tables,
        bus=runtime.bus,
        metrics=runtime.metrics,
        handler=_handler(runtime),
    )


def _handler(runtime: Runtime) -> Callable[[AsyncConnection, Event], Awaitable[None]]:
    """`mutasi.round_changed` feeds the rounds read model (aspirations close with the
    round); `mutasi.executed` applies the placement and queues the SIASN write-back."""
    executed = mutasi_handler(
        runtime.tables,
        lambda: reference(runtime),
        lambda: bool(runtime.extras.get("siasn_configured")),
        lambda: _wake(runtime),
    )

    async def handle(conn: AsyncConnection, ev: Event) -> None:
        if ev.envelope.type == "mutasi.round_changed":
            await aspiration_rounds.on_round_changed(conn, ev)
        else:
            await executed(conn, ev)

    return handle


def spec(
    siasn: SiasnSettings | None = None, siasn_transport: httpx.AsyncBaseTransport | None = None
) -> ServiceSpec:
    def wire(runtime: Runtime) -> None:
        """Reference code tables (the BKN dumps under `reference_path`, or the built-in
        ones) and the SIASN connection (PEGAWAI_SIASN_*)."""
        settings = runtime.settings
        assert isinstance(settings, PegawaiSettings)
        runtime.extras["reference"] = load_reference(settings.reference_path)
        runtime.extras.setdefault("background", Background())
        siasn_settings = siasn if siasn is not None else SiasnSettings()
        configured = siasn_configured(siasn_settings)
        runtime.extras["siasn_settings"] = siasn_settings
        runtime.extras["siasn_transport"] = siasn_transport
        runtime.extras["siasn_configured"] = configured
        if configured:
            runtime.extras["writeback"] = WritebackWorker(
                runtime,
                siasn_settings,
                transport=siasn_transport,
                poll_s=settings.writeback_poll_s,
                max_attempts=settings.writeback_max_attempts,
                backoff_initial_s=settings.writeback_backoff_initial_s,
                backoff_max_s=settings.writeback_backoff_max_s,
                lease_s=settings.writeback_lease_s,
            )

    async def interrupted(runtime: Runtime) -> None:
        await siasn_sync.mark_interrupted(runtime.engine)

    return ServiceSpec(
        name="pegawai",
        title="TataMutasi — Pegawai (employee registry)",
        description="The registry of every ASN (PNS and PPPK) in the Pemda, with histories, "
        "SIASN sync and write-back. Publishes `pegawai.*` events on `tatamutasi.pegawai.v1`; "
        "consumes `mutasi.executed` and `mutasi.round_changed` from `tatamutasi.mutasi.v1`.",
        package="tatamutasi_pegawai",
        metadata=metadata,
        tables=platform,
        routers=[router, riwayat_router, transfer_router, siasn_router],
        consumer=_consumer,
        on_start=[wire, interrupted],
        publishes=[Topic.PEGAWAI.value],
    )


SPEC = spec()


def create_app(
    settings: PegawaiSettings | None = None,
    *,
    siasn: SiasnSettings | None = None,
    siasn_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """`siasn` replaces the PEGAWAI_SIASN_* settings and `siasn_transport` the network to
    SIASN (tests pass the fake SIASN through `httpx.ASGITransport`)."""
    chosen = spec(siasn, siasn_transport) if siasn or siasn_transport else SPEC
    return create_service_app(chosen, settings or PegawaiSettings())
