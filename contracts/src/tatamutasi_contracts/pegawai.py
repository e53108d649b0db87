"""Events of the employee registry (topic `tatamutasi.pegawai.v1`, key = NIP)."""

from pydantic import Field

from tatamutasi_contracts.base import Payload

NIP_PATTERN = r"^[0-9]{18}$"


class PegawaiRegistered(Payload):
    """An employee (PNS or PPPK) entered the registry."""

    nip: str = Field(pattern=NIP_PATTERN, description="NIP (PNS) or NI PPPK, 18 digits.")
    name: str = Field(min_length=1, max_length=200, description="Full name with titles.")
    unor_id: str = Field(min_length=1, max_length=64, description="Current unit (UNOR) id.")
    jabatan_id: str = Field(min_length=1, max_length=64, description="Current jabatan id.")


EVENTS: dict[str, type[Payload]] = {
    "pegawai.registered": PegawaiRegistered,
}
