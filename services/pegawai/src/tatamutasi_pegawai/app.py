"""Composition root of the pegawai service.

Run: `uvicorn --factory tatamutasi_pegawai.app:create_app`."""

from fastapi import FastAPI

from tatamutasi_contracts import Topic
from tatamutasi_pegawai.adapters.orm import metadata, platform
from tatamutasi_pegawai.api.pegawai import router
from tatamutasi_pegawai.settings import PegawaiSettings
from tatamutasi_platform.app import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="pegawai",
    title="TataMutasi — Pegawai (employee registry)",
    description="The registry of every ASN (PNS and PPPK) in the Pemda, with histories. "
    "Publishes `pegawai.*` events on `tatamutasi.pegawai.v1`.",
    package="tatamutasi_pegawai",
    metadata=metadata,
    tables=platform,
    routers=[router],
    publishes=[Topic.PEGAWAI.value],
)


def create_app(settings: PegawaiSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or PegawaiSettings())
