"""The four services as the CLI knows them: entry point, default port, env prefix."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    factory: str
    package: str
    port: int
    prefix: str


SERVICES: tuple[ServiceEntry, ...] = (
    ServiceEntry(
        "pegawai", "tatamutasi_pegawai.app:create_app", "tatamutasi_pegawai", 8001, "PEGAWAI"
    ),
    ServiceEntry(
        "formasi", "tatamutasi_formasi.app:create_app", "tatamutasi_formasi", 8002, "FORMASI"
    ),
    ServiceEntry(
        "matching", "tatamutasi_matching.app:create_app", "tatamutasi_matching", 8003, "MATCHING"
    ),
    ServiceEntry("audit", "tatamutasi_audit.app:create_app", "tatamutasi_audit", 8004, "AUDIT"),
)
BY_NAME = {s.name: s for s in SERVICES}
