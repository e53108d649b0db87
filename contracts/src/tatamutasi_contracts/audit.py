"""Events of the audit service (topic `tatamutasi.audit.v1`)."""

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


EVENTS: dict[str, type[Payload]] = {"audit.event_rejected": EventRejected}
