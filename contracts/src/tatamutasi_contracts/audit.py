"""Events of the audit service (topic `tatamutasi.audit.v1`)."""

from tatamutasi_contracts.base import Payload

EVENTS: dict[str, type[Payload]] = {}
