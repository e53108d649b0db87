"""Which payload model belongs to which event type, and on which topic it travels."""

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from tatamutasi_contracts import audit, formasi, mutasi, pegawai
from tatamutasi_contracts.envelope import Envelope
from tatamutasi_contracts.topics import Topic


@dataclass(frozen=True)
class EventSpec:
    type: str
    topic: Topic
    model: type[BaseModel]
    summary: str


def _specs() -> dict[str, EventSpec]:
    specs: dict[str, EventSpec] = {}
    for module, topic in (
        (pegawai, Topic.PEGAWAI),
        (formasi, Topic.FORMASI),
        (mutasi, Topic.MUTASI),
        (audit, Topic.AUDIT),
    ):
        for event_type, model in module.EVENTS.items():
            doc = (model.__doc__ or event_type).strip().splitlines()[0]
            specs[event_type] = EventSpec(event_type, topic, model, doc)
    return specs


EVENT_TYPES: dict[str, EventSpec] = _specs()


class UnknownEventType(ValueError):
    pass


def payload_model(event_type: str) -> type[BaseModel]:
    try:
        return EVENT_TYPES[event_type].model
    except KeyError:
        raise UnknownEventType(f"unknown event type {event_type!r}") from None


def validate_event(raw: bytes | str | dict[str, Any]) -> tuple[Envelope, BaseModel]:
    """Parse and validate an envelope and its payload. Raises pydantic.ValidationError,
    UnknownEventType or ValueError (bad JSON) with a reason fit for a dead-letter record."""
    if isinstance(raw, dict):
        envelope = Envelope.model_validate(raw)
    else:
        envelope = Envelope.model_validate_json(raw)
    payload = payload_model(envelope.type).model_validate(envelope.data)
    return envelope, payload
