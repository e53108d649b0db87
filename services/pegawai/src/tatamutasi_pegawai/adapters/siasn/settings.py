"""SIASN connection settings: environment variables start with `PEGAWAI_SIASN_`.

Credentials are `SecretStr` so they never show up in logs or reprs. The SSO token can be
supplied by an operator (`PEGAWAI_SIASN_SSO_ACCESS_TOKEN`, or a file that an operator or a
rotation job rewrites, `PEGAWAI_SIASN_SSO_TOKEN_FILE`, re-read on every re-authentication);
the Keycloak password grant is used only when neither is given and a username is set
(DOMAIN.md §1.2: BKN is moving third parties away from the password grant)."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

APIM_TOKEN_PATH = "/oauth2/token"
SSO_TOKEN_PATH = "/auth/realms/public-siasn/protocol/openid-connect/token"
API_PATH = "/apisiasn/1.0"
REFERENSI_PATH = "/referensi_siasn/1"


class SiasnSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PEGAWAI_SIASN_", extra="ignore", frozen=True)

    apim_token_url: str = "https://apimws.bkn.go.id" + APIM_TOKEN_PATH
    sso_token_url: str = "https://sso-siasn.bkn.go.id" + SSO_TOKEN_PATH
    api_base_url: str = "https://apimws.bkn.go.id:8243" + API_PATH
    referensi_base_url: str = "https://apimws.bkn.go.id:8243" + REFERENSI_PATH

    consumer_key: SecretStr = SecretStr("")
    consumer_secret: SecretStr = SecretStr("")

    sso_access_token: SecretStr | None = Field(
        default=None, description="Operator-supplied SSO access token (preferred)"
    )
    sso_token_file: Path | None = Field(
        default=None, description="File holding the SSO access token; re-read on 401"
    )
    sso_client_id: str = ""
    sso_username: SecretStr | None = None
    sso_password: SecretStr | None = None
    sso_token_ttl_s: float = Field(default=43200, gt=0, description="Assumed SSO token life")
    auth_scheme_word: str = Field(default="bearer", description="Word before the SSO token")

    instansi_id: str = ""
    instansi_induk_id: str = ""
    satuan_kerja_id: str = ""

    connect_timeout_s: float = Field(default=10, gt=0)
    timeout_s: float = Field(default=60, gt=0)
    max_concurrency: int = Field(default=16, ge=1, le=1024)
    max_attempts: int = Field(default=5, ge=1, description="Attempts per call on transient errors")
    auth_retries: int = Field(default=2, ge=0, description="Re-authentications per call on 401")
    backoff_initial_s: float = Field(default=0.5, ge=0)
    backoff_max_s: float = Field(default=20, ge=0)
    retry_after_max_s: float = Field(default=120, ge=0)
    token_refresh_margin_s: float = Field(default=60, ge=0)
    apim_token_default_ttl_s: float = Field(default=3600, gt=0)
    ref_unor_page_size: int = Field(default=500, ge=1)

    @classmethod
    def for_server(cls, base_url: str, **overrides: object) -> "SiasnSettings":
        """Settings for a SIASN-compatible server serving every path under one base URL
        (the fake server, a local gateway)."""
        base = base_url.rstrip("/")
        values: dict[str, object] = {
            "apim_token_url": base + APIM_TOKEN_PATH,
            "sso_token_url": base + SSO_TOKEN_PATH,
            "api_base_url": base + API_PATH,
            "referensi_base_url": base + REFERENSI_PATH,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
