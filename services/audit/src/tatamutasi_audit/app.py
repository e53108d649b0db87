"""Composition root of the audit service."""

from fastapi import FastAPI

from tatamutasi_audit.adapters.orm import metadata, platform
from tatamutasi_audit.api import flags as flags_api
from tatamutasi_audit.api import ledger as ledger_api
from tatamutasi_audit.api import tiles as tiles_api
from tatamutasi_audit.api.deps import ledger_keys
from tatamutasi_audit.service import ledger
from tatamutasi_audit.service.consumer import LedgerConsumer, completeness_status
from tatamutasi_audit.settings import AuditSettings
from tatamutasi_contracts import Topic
from tatamutasi_platform.app import ServiceSpec
from tatamutasi_platform.app import create_service_app as _create
from tatamutasi_platform.consumer import IdempotentConsumer
from tatamutasi_platform.runtime import Runtime


def _consumer(runtime: Runtime) -> IdempotentConsumer:
    return LedgerConsumer(runtime, ledger_keys(runtime))


async def _start_ledger(runtime: Runtime) -> None:
    """Load (or, in development, create) the keys; publish the empty tree's checkpoint."""
    keys = ledger_keys(runtime)
    async with runtime.engine.begin() as conn:
        await ledger.ensure_genesis_checkpoint(conn, keys)
    await completeness_status(runtime)  # registers and fills the completeness metric


SPEC = ServiceSpec(
    name="audit",
    title="TataMutasi — Audit (ledger)",
    description="Every event of every TataMutasi topic, appended once to an RFC 9162 "
    "Merkle-tree ledger with signed checkpoints (C2SP tlog-checkpoint), served as C2SP "
    "tlog-tiles and JSON proofs, so auditors can verify it with their own tools.",
    package="tatamutasi_audit",
    metadata=metadata,
    tables=platform,
    routers=[tiles_api.router, ledger_api.router, flags_api.router],
    publishes=[Topic.AUDIT.value],
    consumer=_consumer,
    on_start=[_start_ledger],
)


def create_app(settings: AuditSettings | None = None) -> FastAPI:
    return _create(SPEC, settings or AuditSettings())
