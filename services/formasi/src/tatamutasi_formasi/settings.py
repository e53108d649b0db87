from pydantic_settings import SettingsConfigDict

from tatamutasi_platform.settings import ServiceSettings


class FormasiSettings(ServiceSettings):
    """Environment variables start with `FORMASI_`."""

    model_config = SettingsConfigDict(env_prefix="FORMASI_", extra="ignore", frozen=True)

    service_name: str = "formasi"
    database_url: str = "sqlite:///./data/formasi.db"
