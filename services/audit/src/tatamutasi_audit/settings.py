from pydantic_settings import SettingsConfigDict

from tatamutasi_platform.settings import ServiceSettings


class AuditSettings(ServiceSettings):
    """Environment variables start with `AUDIT_`."""

    model_config = SettingsConfigDict(env_prefix="AUDIT_", extra="ignore", frozen=True)

    service_name: str = "audit"
    database_url: str = "sqlite:///./data/audit.db"
