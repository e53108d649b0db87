from pydantic_settings import SettingsConfigDict

from tatamutasi_platform.settings import ServiceSettings


class PegawaiSettings(ServiceSettings):
    """Environment variables start with `PEGAWAI_` (e.g. `PEGAWAI_DATABASE_URL`)."""

    model_config = SettingsConfigDict(env_prefix="PEGAWAI_", extra="ignore", frozen=True)

    service_name: str = "pegawai"
    database_url: str = "sqlite:///./data/pegawai.db"
