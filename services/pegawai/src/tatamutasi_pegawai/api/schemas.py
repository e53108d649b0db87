"""Request and response bodies of the pegawai API."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from tatamutasi_pegawai.domain.nip import Kind, NipError, parse_nip


def _valid_nip(value: str) -> str:
    try:
        parse_nip(value)
    except NipError as exc:
        raise PydanticCustomError(
            exc.issue.code, exc.issue.en, {"message_id": exc.issue.id}
        ) from None
    return value


Nip = Annotated[
    str,
    Field(min_length=18, max_length=18, pattern=r"^[0-9]{18}$", examples=["198503122010011002"]),
    AfterValidator(_valid_nip),
]


class PegawaiCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    nip: Nip = Field(description="NIP (PNS) or NI PPPK, 18 digits")
    name: str = Field(
        min_length=1,
        max_length=200,
        description="Full name with titles",
        examples=["Budi Santoso, S.Kom., M.T."],
    )
    unor_id: str = Field(min_length=1, max_length=64, description="Current unit (UNOR) id")
    jabatan_id: str = Field(min_length=1, max_length=64, description="Current jabatan id")


class PegawaiOut(BaseModel):
    nip: str
    kind: Kind
    name: str
    unor_id: str
    jabatan_id: str
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime


class PegawaiPage(BaseModel):
    items: list[PegawaiOut]
    next_cursor: str | None = None
