"""The event envelope: CloudEvents 1.0 (structured JSON mode) plus three extensions.

Extensions (CloudEvents allows lowercase alphanumeric extension attributes):

- ``sequence``: per-producer (per ``source``) gap-free, monotonically increasing integer,
  assigned by the producer's outbox relay. Consumers use it to detect lost events. The
  CloudEvents "sequence" extension document types it as a String compared lexically; we use
  an Integer (allowed by the CloudEvents type system) because lexical order of numbers is wrong.
- ``traceparent``: W3C Trace Context of the request that caused the event.
- ``actor`` / ``actorrole``: who did it (the token's subject and the role they acted in), or
  ``system:<service>`` for automatic effects. Every write records who did it.
"""

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SPECVERSION = "1.0"
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"


class Envelope(BaseModel):
    """One event on the wire. Unknown extension attributes are kept (additive evolution)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"] = Field(description="CloudEvents version.")
    id: str = Field(
        min_length=1, max_length=64, description="Unique event id (producers use UUID 4)."
    )
    source: str = Field(
        min_length=1,
        max_length=200,
        description="Producer, e.g. `/tatamutasi/pegawai`. Sequences are per source.",
    )
    type: str = Field(
        pattern=r"^[a-z]+\.[a-z_]+$",
        description="`<domain>.<fact in past tense>`, e.g. `pegawai.registered`.",
    )
    time: AwareDatetime = Field(
        description="When the fact happened (RFC 3339 with offset; producers emit UTC, `Z`)."
    )
    subject: str | None = Field(
        default=None, max_length=200, description="The aggregate id (NIP, proposal id...)."
    )
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = Field(default=None, description="URI of the payload's JSON Schema.")
    sequence: int = Field(strict=True, ge=1, description="Per-producer gap-free sequence number.")
    traceparent: str | None = Field(default=None, pattern=TRACEPARENT_PATTERN)
    actor: str = Field(min_length=1, max_length=200, description="Who caused it (token sub).")
    actorrole: str | None = Field(default=None, max_length=40, description="Role acted in.")
    data: dict[str, Any] = Field(description="The payload; its model is chosen by `type`.")


def format_time(value: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, microsecond precision: the one textual form we emit."""
    if value.tzinfo is None:  # naive values are taken as UTC, never as server-local time
        value = value.replace(tzinfo=UTC)
    text = value.astimezone(UTC).isoformat(timespec="microseconds")
    return text.replace("+00:00", "Z")
