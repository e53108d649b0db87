"""Composition root of the pegawai service.

Run: `uvicorn --factory tatamutasi_pegawai.app:create_app`."""

from fastapi import FastAPI

from tatamutasi_contracts import Topic
from tatamutasi_pegawai.adapters.orm import metadata, platform
from tatamutasi_pegawai.adapters.reference_files import load_reference
from tatamutasi_pegawai.api.pegawai import router
from tatamutasi_pegawai.api.riwayat import router as riwayat_router
from tatamutasi_pegawai.api.transfer import router as transfer_router
from tatamutasi_pegawai.settings import PegawaiSettings
from tatamutasi_platform.app import ServiceSpec, create_service_app
from tatamutasi_platform.runtime import Runtime


def _load_reference(runtime: Runtime) -> None:
    """Reference code tables: the BKN dumps under `reference_path`, or the built-in ones."""
    settings = runtime.settings
    assert isinstance(settings, PegawaiSettings)
    runtime.extras["reference"] = load_reference(settings.reference_path)


SPEC = ServiceSpec(
    name="pegawai",
    title="TataMutasi — Pegawai (employee registry)",
    description="The registry of every ASN (PNS and PPPK) in the Pemda, with histories. "
    "Publishes `pegawai.*` events on `tatamutasi.pegawai.v1`.",
    package="tatamutasi_pegawai",
    metadata=metadata,
    tables=platform,
    routers=[router, riwayat_router, transfer_router],
    on_start=[_load_reference],
    publishes=[Topic.PEGAWAI.value],
)


def create_app(settings: PegawaiSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or PegawaiSettings())
