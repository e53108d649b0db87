from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tatamutasi_platform.settings import ServiceSettings


class FormasiSettings(ServiceSettings):
    """Environment variables start with `FORMASI_`."""

    model_config = SettingsConfigDict(env_prefix="FORMASI_", extra="ignore", frozen=True)

    service_name: str = "formasi"
    database_url: str = "sqlite:///./data/formasi.db"
    effective_hours_per_year: float = Field(
        default=1250.0,
        gt=0,
        description="ABK effective working hours a year (PermenPANRB 1/2020 default 1,250)",
    )
    pegawai_base_url: str = Field(
        default="http://127.0.0.1:8001",
        description="The pegawai service, read by the bezetting reconciliation",
    )
    pegawai_timeout_s: float = Field(default=30.0, gt=0)
    import_max_rows: int = Field(default=20000, ge=1, description="Rows per Excel import")
