"""Events of the audit service (topic `tatamutasi.audit.v1`)."""

from typing import Literal

from pydantic import Field

from tatamutasi_contracts.base import Payload


class EventRejected(Payload):
    """A consumed message was refused (contract violation or handler failure) and sent to the
    dead-letter topic; the ledger records the rejection too, so nothing disappears silently."""

    consumer: str = Field(max_length=100, description="The consumer that refused it.")
    topic: str = Field(max_length=200)
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)
    event_id: str | None = Field(
        default=None, max_length=200, description="The message's `id`, when it had one."
    )
    source: str | None = Field(default=None, max_length=200, description="Its producer.")
    sequence: int | None = Field(default=None, description="Its producer sequence, if any.")
    type: str | None = Field(default=None, max_length=200, description="Its event type.")
    reason: str = Field(max_length=1000, description="Why it was refused.")


RuleId = str
RULE_ID_PATTERN = r"^R[0-9]{1,2}$"
FlagStatus = Literal["open", "acknowledged", "dismissed", "confirmed"]


class Evidence(Payload):
    """A ledger entry that supports a flag; its inclusion proof is served by the audit API."""

    ledger_index: int = Field(ge=0)
    event_id: str = Field(max_length=64)
    type: str = Field(max_length=200)
    note: str | None = Field(default=None, max_length=500)


class FlagRaised(Payload):
    """An integrity rule found a pattern for human review (a signal, not an accusation).
    Subjects are NIPs here and pseudonymised in the ledger like every other identifier."""

    flag_id: str = Field(max_length=64)
    rule_id: RuleId = Field(pattern=RULE_ID_PATTERN, description="R1..R10")
    rule_version: str = Field(max_length=64)
    severity: Literal["info", "low", "medium", "high"]
    subjects: list[str] = Field(max_length=100, description="NIPs of the people concerned.")
    proposal_id: str | None = Field(default=None, max_length=64)
    round_id: str | None = Field(default=None, max_length=64)
    unor_id: str | None = Field(default=None, max_length=64)
    confidence: float = Field(ge=0, le=1)
    explanation_id: str = Field(max_length=2000, description="Penjelasan (Bahasa Indonesia).")
    explanation_en: str = Field(max_length=2000)
    citation: str = Field(max_length=300)
    evidence: list[Evidence] = Field(default_factory=list, max_length=200)


class FlagStatusChanged(Payload):
    """An auditor acknowledged, dismissed or confirmed a flag, with a reason."""

    flag_id: str = Field(max_length=64)
    rule_id: RuleId = Field(pattern=RULE_ID_PATTERN)
    proposal_id: str | None = Field(default=None, max_length=64)
    status: FlagStatus
    previous_status: FlagStatus
    reason: str = Field(min_length=1, max_length=4000)


EVENTS: dict[str, type[Payload]] = {
    "audit.event_rejected": EventRejected,
    "audit.flag_raised": FlagRaised,
    "audit.flag_status_changed": FlagStatusChanged,
}
