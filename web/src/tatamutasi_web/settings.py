"""Settings of the web console (environment prefix `TATAMUTASI_WEB_`).

Development: users log in by picking a role; the console signs their token with the local
development key under `data/keys` (as `tatamutasi token` does). Production: set the OpenID
Connect variables (Keycloak-compatible, authorization code + PKCE) and turn `dev_login` off."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TATAMUTASI_WEB_", extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    pegawai_url: str = "http://127.0.0.1:8001"
    formasi_url: str = "http://127.0.0.1:8002"
    matching_url: str = "http://127.0.0.1:8003"
    audit_url: str = "http://127.0.0.1:8004"
    api_timeout_s: float = Field(default=30.0, gt=0)

    # Development login: tokens signed with the local key (never in production).
    dev_login: bool = True
    data_dir: Path = Path("data")
    dev_signing_key: SecretStr | None = Field(
        default=None,
        description="PEM private key for development tokens (default: data_dir/keys, created "
        "like `tatamutasi token` does); the services must trust its public key",
    )

    # OpenID Connect (Keycloak: issuer = https://kc.example/realms/<realm>).
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_redirect_url: str | None = Field(
        default=None,
        description="Public URL of /auth/callback, e.g. https://mutasi.example/auth/callback",
    )
    oidc_scopes: str = "openid profile email"

    # Cookies and sessions (sessions live sealed in the browser's cookie; no server store)
    cookie_secure: bool = False
    session_key: SecretStr | None = Field(
        default=None,
        description="Key that seals the session cookies (32 random bytes, base64; every "
        "console process of a deployment uses the same). Default: generated once into "
        "data_dir/keys/web-session.key",
    )
    session_ttl_s: int = Field(default=8 * 3600, ge=60)
    lang_default: Literal["id", "en"] = "id"

    @model_validator(mode="after")
    def _production_rules(self) -> "WebSettings":
        if self.environment == "production":
            if self.dev_login:
                raise ValueError("production needs TATAMUTASI_WEB_DEV_LOGIN=false")
            if not (self.oidc_issuer and self.oidc_client_id and self.oidc_redirect_url):
                raise ValueError(
                    "production needs TATAMUTASI_WEB_OIDC_ISSUER, _OIDC_CLIENT_ID and "
                    "_OIDC_REDIRECT_URL"
                )
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_redirect_url)

    def service_urls(self) -> dict[str, str]:
        return {
            "pegawai": self.pegawai_url.rstrip("/"),
            "formasi": self.formasi_url.rstrip("/"),
            "matching": self.matching_url.rstrip("/"),
            "audit": self.audit_url.rstrip("/"),
        }
