from pydantic_settings import SettingsConfigDict

from tatamutasi_platform.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    """Environment variables start with `MATCHING_`."""

    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore", frozen=True)

    service_name: str = "matching"
    database_url: str = "sqlite:///./data/matching.db"
