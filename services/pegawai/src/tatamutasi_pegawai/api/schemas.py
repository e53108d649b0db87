"""Request and response bodies of the pegawai API."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
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


def _not_future(value: date | None) -> date | None:
    if value is not None and value > date.today():
        raise PydanticCustomError(
            "date_in_future",
            "The date lies in the future",
            {"message_id": "Tanggal berada di masa depan"},
        )
    return value


Nip = Annotated[
    str,
    Field(min_length=18, max_length=18, pattern=r"^[0-9]{18}$", examples=["198503122010011002"]),
    AfterValidator(_valid_nip),
]
PastDate = Annotated[date, AfterValidator(_not_future)]
Code = Annotated[str, Field(min_length=1, max_length=4, pattern=r"^[0-9A-Za-z]+$")]
SiasnId = Annotated[
    str,
    Field(
        min_length=32,
        max_length=42,
        pattern=r"^([0-9A-Fa-f]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
        r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$",
        description="SIASN id: 32-hex or UUID",
    ),
]
Nik = Annotated[str, Field(pattern=r"^[0-9]{16}$", description="NIK, 16 digits (restricted)")]
Sex = Literal["M", "F"]
Source = Literal["registration", "sync", "import", "mutasi", "correction"]
Short = Annotated[str, Field(min_length=1, max_length=200)]
Long = Annotated[str, Field(min_length=1, max_length=300)]
UnitId = Annotated[str, Field(min_length=1, max_length=64)]
Year = Annotated[int, Field(ge=1940, le=2100)]

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonalIn(BaseModel):
    """Restricted personal data: visible only to admin and the employee themself."""

    model_config = _STRICT

    nik: Nik | None = None
    birth_place: str | None = Field(default=None, min_length=1, max_length=100)
    birth_date: PastDate | None = None
    address: str | None = Field(default=None, max_length=500)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ()-]{6,30}$")
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")


class PersonalOut(BaseModel):
    nik: str | None = None
    birth_place: str | None = None
    birth_date: date | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None


class PegawaiCreate(BaseModel):
    """Only `nip`, `name`, `unor_id` and `jabatan_id` are required; everything else may be
    filled later through the history endpoints or a correction (PATCH)."""

    model_config = _STRICT

    nip: Nip = Field(description="NIP (PNS) or NI PPPK, 18 digits")
    name: str = Field(
        min_length=1,
        max_length=200,
        description="Name; with titles, or without them when gelar_depan/gelar_belakang are set",
        examples=["Budi Santoso, S.Kom., M.T."],
    )
    unor_id: str = Field(min_length=1, max_length=64, description="Current unit (UNOR) id")
    jabatan_id: str = Field(min_length=1, max_length=64, description="Current jabatan id")
    siasn_id: SiasnId | None = None
    gelar_depan: str | None = Field(default=None, max_length=100, examples=["Dr."])
    gelar_belakang: str | None = Field(default=None, max_length=100, examples=["S.Kom., M.T."])
    sex: Sex | None = Field(default=None, description="M or F; checked against NIP digit 15")
    agama_id: Code | None = None
    kedudukan_id: Code = Field(default="01", description="Kedudukan hukum, `01` Aktif")
    active: bool | None = Field(default=None, description="Default: from kedudukan_id")
    tmt_cpns: date | None = Field(
        default=None, description="TMT CPNS (PPPK: first appointment); checked against the NIP"
    )
    tmt_pns: date | None = None
    tmt_pensiun: date | None = None
    contract_end: date | None = Field(default=None, description="PPPK contract end")
    jabatan_name: str | None = Field(default=None, max_length=300)
    jenis_jabatan: Literal["1", "2", "3", "4"] | None = None
    eselon_id: Code | None = None
    tmt_jabatan: PastDate | None = None
    golongan_id: Code | None = Field(default=None, description="`11` (I/a) .. `45` (IV/e)")
    tmt_golongan: PastDate | None = None
    education_level_id: Code | None = Field(default=None, description="`40` S-1, `45` S-2")
    education_field: str | None = Field(default=None, max_length=300)
    education_year: Year | None = None
    personal: PersonalIn | None = None


class PegawaiUpdate(BaseModel):
    """A correction: send only the fields that change. Placement, rank and education change
    through their history endpoints."""

    model_config = _STRICT

    name: str | None = Field(default=None, min_length=1, max_length=200)
    gelar_depan: str | None = Field(default=None, max_length=100)
    gelar_belakang: str | None = Field(default=None, max_length=100)
    siasn_id: SiasnId | None = None
    sex: Sex | None = None
    agama_id: Code | None = None
    kedudukan_id: Code | None = None
    active: bool | None = None
    status_effective: date | None = Field(default=None, description="When a status change held")
    tmt_cpns: date | None = None
    tmt_pns: date | None = None
    tmt_pensiun: date | None = None
    contract_end: date | None = None
    personal: PersonalIn | None = None


class PegawaiOut(BaseModel):
    nip: str
    kind: Kind
    name: str
    full_name: str
    unor_id: str
    jabatan_id: str
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    siasn_id: str | None = None
    gelar_depan: str | None = None
    gelar_belakang: str | None = None
    sex: Sex | None = None
    agama_id: str | None = None
    kedudukan_id: str
    kedudukan_name: str | None = None
    active: bool
    tmt_cpns: date | None = None
    tmt_pns: date | None = None
    tmt_pensiun: date | None = None
    contract_end: date | None = None
    jabatan_name: str | None = None
    jenis_jabatan: str | None = None
    eselon_id: str | None = None
    tmt_jabatan: date | None = None
    golongan_id: str | None = None
    golongan: str | None = Field(default=None, description="e.g. III/a")
    tmt_golongan: date | None = None
    education_level_id: str | None = None
    education_field: str | None = None
    education_year: int | None = None
    personal: PersonalOut | None = Field(
        default=None, description="Only for admin and the employee themself"
    )


class PegawaiPage(BaseModel):
    items: list[PegawaiOut]
    next_cursor: str | None = None


# -- histories -----------------------------------------------------------------------------
class _Recorded(BaseModel):
    id: int
    nip: str
    source: str
    siasn_id: str | None = None
    recorded_at: datetime
    recorded_by: str


class JabatanIn(BaseModel):
    model_config = _STRICT

    unor_id: UnitId
    jabatan_id: UnitId
    jenis_penugasan: Literal["D", "PLT", "PLH", "PJ", "TT"] = "D"
    unor_name: Long | None = None
    jabatan_name: Long | None = None
    jenis_jabatan: Literal["1", "2", "3", "4"] | None = None
    eselon_id: Code | None = None
    tmt: date | None = Field(default=None, description="TMT jabatan")
    end_date: date | None = Field(default=None, description="End of a PLT/PLH assignment")
    sk_number: Short | None = None
    sk_date: PastDate | None = None
    proposal_id: Annotated[str, Field(max_length=64)] | None = None
    source: Source = "correction"
    siasn_id: SiasnId | None = None


class JabatanOut(_Recorded):
    unor_id: str
    unor_name: str | None
    jabatan_id: str
    jabatan_name: str | None
    jenis_jabatan: str | None
    eselon_id: str | None
    jenis_penugasan: str
    tmt: date | None
    end_date: date | None
    sk_number: str | None
    sk_date: date | None
    proposal_id: str | None


class GolonganIn(BaseModel):
    model_config = _STRICT

    golongan_id: Code
    tmt: PastDate | None = None
    sk_number: Short | None = None
    sk_date: PastDate | None = None
    mk_tahun: int | None = Field(default=None, ge=0, le=60)
    mk_bulan: int | None = Field(default=None, ge=0, le=11)
    source: Source = "correction"
    siasn_id: SiasnId | None = None


class GolonganOut(_Recorded):
    golongan_id: str
    golongan: str | None = None
    tmt: date | None
    sk_number: str | None
    sk_date: date | None
    mk_tahun: int | None
    mk_bulan: int | None


class PendidikanIn(BaseModel):
    model_config = _STRICT

    level_id: Code = Field(description="Tingkat pendidikan, e.g. `40` S-1")
    field_id: Annotated[str, Field(max_length=42)] | None = None
    field_name: Long | None = None
    school: Long | None = None
    year: Year | None = None
    certificate_number: Annotated[str, Field(max_length=100)] | None = None
    source: Source = "correction"
    siasn_id: SiasnId | None = None


class PendidikanOut(_Recorded):
    level_id: str
    field_id: str | None
    field_name: str | None
    school: str | None
    year: int | None
    certificate_number: str | None
    highest: bool


class DiklatIn(BaseModel):
    model_config = _STRICT

    name: Long
    jenis_diklat_id: Annotated[str, Field(max_length=42)] | None = None
    organiser: Long | None = None
    start_date: PastDate | None = None
    end_date: date | None = None
    year: Year | None = None
    hours: int | None = Field(default=None, ge=0, le=10000)
    source: Source = "correction"
    siasn_id: SiasnId | None = None


class DiklatOut(_Recorded):
    name: str
    jenis_diklat_id: str | None
    organiser: str | None
    start_date: date | None
    end_date: date | None
    year: int | None
    hours: int | None


class SKPIn(BaseModel):
    """SKP 2022+ (PermenPANRB 6/2022): 1 di atas, 2 sesuai, 3 di bawah ekspektasi."""

    model_config = _STRICT

    year: int = Field(ge=2022, le=2100)
    hasil_kinerja: int | None = Field(default=None, ge=1, le=3)
    perilaku_kerja: int | None = Field(default=None, ge=1, le=3)
    predikat: int | None = Field(
        default=None, ge=1, le=5, description="1 Sangat Baik .. 5 Sangat Kurang; derived if absent"
    )
    penilai_nip: Nip | None = None
    penilai_name: Short | None = None
    source: Source = "correction"
    siasn_id: SiasnId | None = None

    @model_validator(mode="after")
    def _not_future_year(self) -> "SKPIn":
        if self.year > date.today().year:
            raise PydanticCustomError(
                "year_in_future",
                "An SKP year cannot lie in the future",
                {"message_id": "Tahun SKP tidak boleh di masa depan"},
            )
        return self


class SKPOut(_Recorded):
    year: int
    hasil_kinerja: int | None
    perilaku_kerja: int | None
    predikat: int
    predikat_name: str | None = None
    penilai_nip: str | None
    penilai_name: str | None


class AsesmenIn(BaseModel):
    model_config = _STRICT

    kind: Literal["potensi", "kompetensi"]
    year: int = Field(ge=1990, le=2100)
    assessed_on: PastDate | None = None
    scores: dict[Annotated[str, Field(max_length=40)], float] = Field(
        max_length=9,
        description="potensi: berfikirKritis, intelektual, interpersonal, kesadaranDiri, "
        "motivasiKomitmen; kompetensi: integritas, kerjasama, komunikasi, orientasiPadaHasil, "
        "pelayananPublik, pengembanganDiriDanOrla, mengelolaPerubahan, pengambilanKeputusan, "
        "perekatBangsa. Levels 1-5.",
    )
    total: float | None = Field(default=None, ge=0, le=100, description="potensi: 0-100")
    standard_level: int | None = Field(
        default=None, ge=1, le=5, description="kompetensi: standard of the jabatan (JPM)"
    )
    assessor: Short | None = None
    source: Source = "correction"
    siasn_id: SiasnId | None = None


class AsesmenOut(_Recorded):
    kind: str
    year: int
    assessed_on: date | None
    scores: dict[str, float]
    total: float | None
    standard_level: int | None
    jpm: float | None
    jpm_category: str | None = Field(default=None, description="MS / MMS / KMS")
    assessor: str | None


class HukdisIn(BaseModel):
    model_config = _STRICT

    level: Literal["ringan", "sedang", "berat"]
    start_date: date
    end_date: date | None = None
    jenis_hukuman_id: Annotated[str, Field(max_length=42)] | None = None
    description: Annotated[str, Field(max_length=1000)] | None = None
    sk_number: Short | None = None
    sk_date: PastDate | None = None
    source: Source = "correction"
    siasn_id: SiasnId | None = None


class HukdisOut(_Recorded):
    level: str
    start_date: date
    end_date: date | None
    jenis_hukuman_id: str | None
    description: str | None
    sk_number: str | None
    sk_date: date | None


class KeluargaIn(BaseModel):
    model_config = _STRICT

    relation: Literal["spouse", "child", "father", "mother"]
    name: Short
    nik: Nik | None = None
    relative_nip: Nip | None = Field(default=None, description="When the relative is an ASN")
    birth_date: PastDate | None = None
    birth_place: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    sex: Sex | None = None
    source: Source = "correction"
    siasn_id: SiasnId | None = None


class KeluargaOut(_Recorded):
    relation: str
    name: str
    nik: str | None
    relative_nip: str | None
    birth_date: date | None
    birth_place: str | None
    sex: str | None


class KinshipOut(BaseModel):
    other_nip: str
    relation: str
    basis: str
    confidence: float


class KeluargaPage(BaseModel):
    items: list[KeluargaOut]
    relations: list[KinshipOut] = Field(description="Derived kinship with other employees")
    next_cursor: str | None = None


class PreferenceIn(BaseModel):
    model_config = _STRICT

    rank: int = Field(ge=1, le=10)
    unor_id: UnitId | None = None
    jabatan_id: UnitId | None = None
    reason: Annotated[str, Field(max_length=1000)] | None = None


class AspirasiIn(BaseModel):
    model_config = _STRICT

    preferences: list[PreferenceIn] = Field(max_length=10)
    round_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class PreferenceOut(BaseModel):
    rank: int
    unor_id: str | None
    jabatan_id: str | None
    reason: str | None


class AspirasiOut(BaseModel):
    nip: str
    statement_id: str | None
    round_id: str | None = None
    stated_at: datetime | None = None
    stated_by: str | None = None
    preferences: list[PreferenceOut]


def page_model(item: type[BaseModel], name: str) -> type[BaseModel]:
    from pydantic import create_model

    return create_model(name, items=(list[item], ...), next_cursor=(str | None, None))  # type: ignore[valid-type,call-overload,no-any-return]


JabatanPage = page_model(JabatanOut, "JabatanPage")
GolonganPage = page_model(GolonganOut, "GolonganPage")
PendidikanPage = page_model(PendidikanOut, "PendidikanPage")
DiklatPage = page_model(DiklatOut, "DiklatPage")
SKPPage = page_model(SKPOut, "SKPPage")
AsesmenPage = page_model(AsesmenOut, "AsesmenPage")
HukdisPage = page_model(HukdisOut, "HukdisPage")
