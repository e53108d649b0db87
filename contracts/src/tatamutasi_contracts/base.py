"""Base class for event payloads."""

from pydantic import BaseModel, ConfigDict


class Payload(BaseModel):
    """Payloads ignore unknown fields: inside `v1`, producers may only add fields."""

    model_config = ConfigDict(extra="ignore", frozen=True)
