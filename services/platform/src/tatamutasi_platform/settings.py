"""Settings shared by every service. Each service subclasses `ServiceSettings` with its own
environment prefix (`PEGAWAI_`, `FORMASI_`, `MATCHING_`, `AUDIT_`)."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "service"
    environment: Environment = "development"
    database_url: str = Field(
        default="sqlite:///./data/service.db",
        description="sqlite:///path or postgresql://user@host/db (drivers are chosen for you)",
    )
    database_pool_size: int = 10
    migrate_on_start: bool = Field(
        default=True,
        description="Apply Alembic migrations at start (production: use the migration job)",
    )
    log_level: str = "INFO"
    log_json: bool = True

    # Kafka / tansu
    kafka_bootstrap: str = "127.0.0.1:19092"
    kafka_create_topics: bool = True
    kafka_partitions: int = Field(default=3, ge=1)
    kafka_session_timeout_ms: int = Field(default=6000, ge=1000)
    kafka_heartbeat_interval_ms: int = Field(default=1000, ge=100)
    kafka_fetch_max_wait_ms: int = Field(default=20, ge=1, le=500)
    kafka_linger_ms: int = Field(default=5, ge=0)
    kafka_request_timeout_ms: int = Field(default=10000, ge=1000)
    kafka_reconnect_backoff_s: float = Field(default=1.0, gt=0)
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_sasl_password_file: Path | None = Field(
        default=None, description="File holding the SASL password (e.g. a mounted secret)"
    )

    # Transactional outbox relay
    relay_enabled: bool = True
    relay_batch_size: int = Field(default=1000, ge=1)
    relay_poll_interval_s: float = Field(default=0.2, gt=0)

    # Consumer
    consumer_enabled: bool = True
    consumer_batch_size: int = Field(default=1000, ge=1)

    # Auth: verify tokens with a public key (PEM file or inline) or a JWKS URL.
    auth_public_key_file: Path | None = None
    auth_public_key: SecretStr | None = None
    auth_jwks_url: str | None = None
    auth_issuer: str = "tatamutasi-dev"
    auth_audience: str = "tatamutasi"
    auth_algorithms: list[str] = ["EdDSA", "RS256", "ES256"]
    auth_leeway_s: int = 30

    # Limits
    max_request_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)

    @model_validator(mode="after")
    def _production_needs_real_auth(self) -> "ServiceSettings":
        has_key = self.auth_public_key_file or self.auth_public_key or self.auth_jwks_url
        if self.environment == "production" and not has_key:
            raise ValueError(
                "production needs AUTH_PUBLIC_KEY_FILE, AUTH_PUBLIC_KEY or AUTH_JWKS_URL"
            )
        return self

    @property
    def source(self) -> str:
        """CloudEvents `source` of this producer."""
        return f"/tatamutasi/{self.service_name}"
