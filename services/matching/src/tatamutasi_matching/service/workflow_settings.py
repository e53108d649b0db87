"""Settings of the mutasi workflow (environment variables `MATCHING_WORKFLOW_*`)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tatamutasi_platform.runtime import Runtime


class WorkflowSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHING_WORKFLOW_", extra="ignore", frozen=True)

    tmt_tolerance_days: int = Field(
        default=30,
        ge=0,
        le=3650,
        description="How far in the past a TMT may lie without a stated reason (backdating).",
    )
    pemda_name: str = Field(default="Pemerintah Kota Contoh", max_length=300)
    ppk_title: str = Field(default="WALI KOTA CONTOH", max_length=300)


def workflow_settings(runtime: Runtime) -> WorkflowSettings:
    """The runtime's workflow settings, read from the environment once (tests may put their
    own under `runtime.extras["workflow_settings"]`)."""
    found = runtime.extras.get("workflow_settings")
    if not isinstance(found, WorkflowSettings):
        found = WorkflowSettings()
        runtime.extras["workflow_settings"] = found
    return found
