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
