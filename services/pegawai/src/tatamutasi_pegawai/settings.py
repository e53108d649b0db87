from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tatamutasi_platform.settings import ServiceSettings


class PegawaiSettings(ServiceSettings):
    """Environment variables start with `PEGAWAI_` (e.g. `PEGAWAI_DATABASE_URL`)."""

    model_config = SettingsConfigDict(env_prefix="PEGAWAI_", extra="ignore", frozen=True)

    service_name: str = "pegawai"
    database_url: str = "sqlite:///./data/pegawai.db"
    reference_path: Path | None = Field(
        default=Path("../shared/reference/siasn"),
        description="Folder with the BKN reference dumps (golonganPns.json, eselon.json, ...); "
        "read at start when it exists, otherwise the built-in code tables of DOMAIN.md §1.8",
    )
    writeback_enabled: bool = Field(
        default=True,
        description="Run the SIASN write-back worker (with the consumer) when SIASN is "
        "configured (PEGAWAI_SIASN_*)",
    )
    writeback_poll_s: float = Field(default=5.0, gt=0, description="Queue poll interval")
    writeback_max_attempts: int = Field(
        default=8, ge=1, description="Attempts on transient SIASN failures before `failed`"
    )
    writeback_backoff_initial_s: float = Field(default=30.0, ge=0)
    writeback_backoff_max_s: float = Field(default=3600.0, ge=0)
    writeback_lease_s: float = Field(
        default=300.0, gt=0, description="A task leased longer is treated as interrupted"
    )
    sync_chunk: int = Field(default=1000, ge=1, description="NIPs read per sync round")
    max_request_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="Largest request body: an import of 100,000 employees is about 25 MB",
    )
