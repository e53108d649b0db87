"""Events of the formasi service (topic `tatamutasi.formasi.v1`)."""

from tatamutasi_contracts.base import Payload

EVENTS: dict[str, type[Payload]] = {}
