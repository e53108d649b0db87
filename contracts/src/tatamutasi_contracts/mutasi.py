"""Events of the matching and mutasi workflow service (topic `tatamutasi.mutasi.v1`)."""

from tatamutasi_contracts.base import Payload

EVENTS: dict[str, type[Payload]] = {}
