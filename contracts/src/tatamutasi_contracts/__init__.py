"""TataMutasi's shared language: the event envelope, every event payload and the topics.

Everything here is plain pydantic: no service, database or broker code may be imported,
so any integrator can depend on this package alone.
"""

from tatamutasi_contracts.envelope import SPECVERSION, Envelope
from tatamutasi_contracts.registry import (
    EVENT_TYPES,
    EventSpec,
    UnknownEventType,
    payload_model,
    validate_event,
)
from tatamutasi_contracts.topics import ALL_TOPICS, Topic, dlq_topic

__all__ = [
    "ALL_TOPICS",
    "EVENT_TYPES",
    "SPECVERSION",
    "Envelope",
    "EventSpec",
    "Topic",
    "UnknownEventType",
    "dlq_topic",
    "payload_model",
    "validate_event",
]
