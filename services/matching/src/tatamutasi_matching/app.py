"""Composition root of the matching service."""

from fastapi import FastAPI

from tatamutasi_contracts import Topic
from tatamutasi_matching.adapters.orm import metadata, platform, webhooks
from tatamutasi_matching.api import plans, proposals, rounds, talent, waivers
from tatamutasi_matching.api.read_models import router
from tatamutasi_matching.service.read_models import on_event
from tatamutasi_matching.settings import MatchingSettings
from tatamutasi_platform.app import ServiceSpec, create_service_app
from tatamutasi_platform.consumer import IdempotentConsumer
from tatamutasi_platform.runtime import Runtime
from tatamutasi_platform.webhooks import Webhooks


def _consumer(runtime: Runtime) -> IdempotentConsumer:
    return IdempotentConsumer(
        name="matching-read-models",
        topics=[Topic.PEGAWAI.value, Topic.FORMASI.value, Topic.AUDIT.value],
        settings=runtime.settings,
        engine=runtime.engine,
        tables=runtime.tables,
        bus=runtime.bus,
        metrics=runtime.metrics,
        handler=on_event,
    )


WEBHOOKS = Webhooks(webhooks, topics=[Topic.MUTASI])

SPEC = ServiceSpec(
    name="matching",
    title="TataMutasi — Matching (plans and mutasi workflow)",
    description="Eligibility, scoring and whole-Pemda plans over read models of the "
    "workforce; the mutasi proposal workflow.",
    package="tatamutasi_matching",
    metadata=metadata,
    tables=platform,
    routers=[
        router,
        talent.router,
        plans.router,
        waivers.router,
        proposals.router,
        rounds.router,
        WEBHOOKS.router,
    ],
    publishes=[Topic.MUTASI.value],
    consumer=_consumer,
    on_start=[WEBHOOKS.on_start],
)


def create_app(settings: MatchingSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or MatchingSettings())
