from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict
from sqlalchemy.engine import make_url

from tatamutasi_platform.settings import ServiceSettings


class AuditSettings(ServiceSettings):
    """Environment variables start with `AUDIT_`."""

    model_config = SettingsConfigDict(env_prefix="AUDIT_", extra="ignore", frozen=True)

    service_name: str = "audit"
    database_url: str = "sqlite:///./data/audit.db"

    log_origin: str = Field(
        default="tatamutasi.example/pemda-dev",
        description="Checkpoint origin, one per Pemda (e.g. tatamutasi.example/pemda-lampung); "
        "also the signing key's name",
    )
    signing_key_file: Path | None = Field(
        default=None,
        description="Signed-note private key (`tatamutasi audit keygen`). Development and "
        "tests: generated under the data folder when unset",
    )
    pseudonym_key_file: Path | None = Field(
        default=None,
        description="Secret for the HMAC pseudonyms of NIP, NIK and names. Development and "
        "tests: generated under the data folder when unset",
    )
    data_dir: Path | None = Field(
        default=None,
        description="Where generated development keys go (default: beside the SQLite file, "
        "else ./data)",
    )

    producer_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Producer `source` -> base URL of its `GET /events` replay endpoint, as "
        'JSON: {"/tatamutasi/pegawai": "http://pegawai:8000"}. Gaps are fetched from there',
    )
    producer_token: SecretStr | None = Field(
        default=None, description="Bearer token (integration role) for the replay endpoints"
    )
    producer_token_file: Path | None = Field(
        default=None, description="File holding that token (instead of producer_token)"
    )
    completeness_interval_s: float = Field(
        default=5.0, gt=0, description="How often gaps are checked and fetched"
    )

    def replay_token(self) -> str | None:
        if self.producer_token is not None:
            return self.producer_token.get_secret_value()
        if self.producer_token_file is not None:
            return self.producer_token_file.read_text(encoding="utf-8").strip()
        return None

    @model_validator(mode="after")
    def _production_needs_keys(self) -> "AuditSettings":
        if self.environment == "production" and not (
            self.signing_key_file and self.pseudonym_key_file
        ):
            raise ValueError("production needs AUDIT_SIGNING_KEY_FILE and AUDIT_PSEUDONYM_KEY_FILE")
        return self

    def key_dir(self) -> Path:
        if self.data_dir is not None:
            return self.data_dir / "audit-keys"
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(url.database).resolve().parent / "audit-keys"
        return Path("data") / "audit-keys"
