"""Events of the employee registry (topic `tatamutasi.pegawai.v1`, key = NIP).

Personal data stays out: no NIK, birth date, address, phone or raw family records. What
consumers need is derived (retirement date, kinship facts between NIPs). Codes are the BKN
reference codes as strings (DOMAIN.md §1.8). Inside `v1` fields may only be added."""

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from tatamutasi_contracts.base import Payload

NIP_PATTERN = r"^[0-9]{18}$"

Kind = Literal["PNS", "PPPK"]
JenisJabatan = Literal["1", "2", "3", "4"]  # struktural, fungsional tertentu, rangkap, pelaksana
JenisPenugasan = Literal["D", "PLT", "PLH", "PJ", "TT"]
Relation = Literal["spouse", "parent", "child", "sibling", "in_law"]
ChangeReason = Literal["registration", "sync", "import", "mutasi", "correction"]


PPPK_GOLONGAN: tuple[str, ...] = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX",
    "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII",
)  # fmt: skip
"""PPPK golongan (Perpres 98/2020): roman numerals I-XVII, no pangkat, no BKN golongan id."""

Nip = Annotated[str, Field(pattern=NIP_PATTERN, description="NIP (PNS) or NI PPPK, 18 digits.")]


class PegawaiRegistered(Payload):
    """An employee (PNS or PPPK) entered the registry."""

    nip: Nip
    name: str = Field(min_length=1, max_length=200, description="Full name with titles.")
    unor_id: str = Field(min_length=1, max_length=64, description="Current unit (UNOR) id.")
    jabatan_id: str = Field(min_length=1, max_length=64, description="Current jabatan id.")
    kind: Kind | None = None
    siasn_id: str | None = Field(default=None, max_length=42, description="SIASN PNS id.")
    sex: Literal["M", "F"] | None = None
    jabatan_name: str | None = Field(default=None, max_length=300)
    jenis_jabatan: JenisJabatan | None = None
    eselon_id: str | None = Field(default=None, max_length=4)
    tmt_jabatan: date | None = None
    golongan_id: str | None = Field(default=None, max_length=4, description="e.g. `31` = III/a")
    tmt_golongan: date | None = None
    education_level_id: str | None = Field(default=None, max_length=4, description="e.g. `40`")
    education_field: str | None = Field(default=None, max_length=300)
    kedudukan_id: str | None = Field(default=None, max_length=4, description="`01` Aktif...")
    tmt_pensiun: date | None = Field(default=None, description="Retirement date (BUP).")
    tmt_cpns: date | None = None
    contract_end: date | None = Field(default=None, description="PPPK contract end.")


class Placement(Payload):
    unor_id: str = Field(min_length=1, max_length=64)
    jabatan_id: str = Field(min_length=1, max_length=64)
    jabatan_name: str | None = Field(default=None, max_length=300)
    jenis_jabatan: JenisJabatan | None = None
    eselon_id: str | None = Field(default=None, max_length=4)
    tmt: date | None = Field(default=None, description="TMT jabatan.")


class PegawaiPlacementChanged(Payload):
    """The employee's definitive post changed (a history row was written)."""

    nip: Nip
    previous: Placement | None
    current: Placement
    sk_number: str | None = Field(default=None, max_length=200)
    sk_date: date | None = None
    reason: ChangeReason
    proposal_id: str | None = Field(default=None, description="The executed mutasi, if any.")


class PegawaiActingChanged(Payload):
    """An acting assignment (PLT/PLH) began or ended; it never replaces the definitive post."""

    nip: Nip
    unor_id: str = Field(min_length=1, max_length=64)
    jabatan_id: str = Field(min_length=1, max_length=64)
    jenis_penugasan: Literal["PLT", "PLH"]
    start: date
    end: date | None = None
    active: bool
    sk_number: str | None = Field(default=None, max_length=200)


class PegawaiRankChanged(Payload):
    """A new golongan (rank) took effect."""

    nip: Nip
    golongan_id: str = Field(max_length=4, description="BKN golongan id, e.g. `32`")
    previous_golongan_id: str | None = Field(default=None, max_length=4)
    tmt: date | None = None
    sk_number: str | None = Field(default=None, max_length=200)


class PegawaiStatusChanged(Payload):
    """Kedudukan hukum or active/retired status changed."""

    nip: Nip
    kedudukan_id: str = Field(max_length=4)
    active: bool
    effective: date | None = None


class PegawaiEducationRecorded(Payload):
    """An education history row was recorded."""

    nip: Nip
    level_id: str = Field(max_length=4, description="Tingkat pendidikan id, e.g. `40` S-1")
    field_id: str | None = Field(default=None, max_length=42)
    field_name: str | None = Field(default=None, max_length=300)
    year: int | None = Field(default=None, ge=1940, le=2100)
    highest: bool = False


class PegawaiTrainingRecorded(Payload):
    """A training (diklat/kursus) history row was recorded."""

    nip: Nip
    jenis_diklat_id: str | None = Field(default=None, max_length=42)
    name: str = Field(max_length=300)
    year: int | None = Field(default=None, ge=1940, le=2100)
    hours: int | None = Field(default=None, ge=0)


class PegawaiAssessmentRecorded(Payload):
    """A potential (potensi) or competency (kompetensi) assessment was recorded."""

    nip: Nip
    kind: Literal["potensi", "kompetensi"]
    year: int = Field(ge=1990, le=2100)
    assessed_on: date | None = None
    scores: dict[str, float] = Field(
        description="potensi: berfikirKritis, intelektual, interpersonal, kesadaranDiri, "
        "motivasiKomitmen (1-5); kompetensi: the eight managerial keys + perekatBangsa (1-5)"
    )
    total: float | None = Field(default=None, ge=0, le=100, description="potensi total 0-100")
    jpm: float | None = Field(default=None, ge=0, le=200, description="Job Person Match %")


class PegawaiPerformanceRecorded(Payload):
    """An SKP (2022+) result was recorded for a year."""

    nip: Nip
    year: int = Field(ge=2000, le=2100)
    hasil_kinerja: int | None = Field(default=None, ge=1, le=3, description="1 di atas..3")
    perilaku_kerja: int | None = Field(default=None, ge=1, le=3, description="1 di atas..3")
    predikat: int = Field(ge=1, le=5, description="1 Sangat Baik .. 5 Sangat Kurang")


class PegawaiDisciplineRecorded(Payload):
    """A disciplinary sanction (hukuman disiplin) was recorded."""

    nip: Nip
    level: Literal["ringan", "sedang", "berat"]
    jenis_hukuman_id: str | None = Field(default=None, max_length=42)
    start: date
    end: date | None = None


class KinshipFact(Payload):
    other_nip: Nip = Field(description="The related employee's NIP.")
    relation: Relation = Field(description="What the other employee is to `nip`.")
    basis: str = Field(max_length=200, description="e.g. `nik`, `name+birth_date+place`")
    confidence: float = Field(ge=0, le=1)


class PegawaiFamilyUpdated(Payload):
    """Family data changed; published only as derived kinship facts between employees."""

    nip: Nip
    relations: list[KinshipFact]


class Aspiration(Payload):
    rank: int = Field(ge=1, le=10)
    unor_id: str | None = Field(default=None, max_length=64)
    jabatan_id: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=1000)


class PegawaiAspirationStated(Payload):
    """The employee stated (or replaced) their ranked preferences."""

    nip: Nip
    preferences: list[Aspiration] = Field(max_length=10)
    round_id: str | None = Field(default=None, max_length=64)


class UnorRecord(Payload):
    id: str = Field(max_length=42)
    parent_id: str | None = Field(default=None, max_length=42)
    name: str = Field(max_length=300)
    head_jabatan_name: str | None = Field(default=None, max_length=300)
    eselon_id: str | None = Field(default=None, max_length=4)
    jenis_unor_id: str | None = Field(default=None, max_length=42)
    head_siasn_id: str | None = Field(default=None, max_length=42)
    induk_id: str | None = Field(default=None, max_length=42)


class PegawaiUnorSynced(Payload):
    """A page of the instansi's UNOR tree as read from SIASN `ref-unor` (for formasi)."""

    sync_id: str = Field(max_length=64)
    instansi_id: str = Field(max_length=42)
    page: int = Field(ge=1)
    pages: int = Field(ge=1)
    units: list[UnorRecord] = Field(max_length=1000)


class PegawaiWritebackAttempted(Payload):
    """The pegawai service posted an executed mutasi to SIASN (`/jabatan/unorjabatan/save`).
    A failure is recorded for a person to retry; success carries SIASN's `rwJabatanId`."""

    nip: Nip
    proposal_id: str = Field(max_length=64)
    outcome: Literal["succeeded", "failed"]
    attempts: int = Field(ge=1)
    rw_jabatan_id: str | None = Field(default=None, max_length=64)
    error: str | None = Field(default=None, max_length=1000)


EVENTS: dict[str, type[Payload]] = {
    "pegawai.registered": PegawaiRegistered,
    "pegawai.placement_changed": PegawaiPlacementChanged,
    "pegawai.acting_changed": PegawaiActingChanged,
    "pegawai.rank_changed": PegawaiRankChanged,
    "pegawai.status_changed": PegawaiStatusChanged,
    "pegawai.education_recorded": PegawaiEducationRecorded,
    "pegawai.training_recorded": PegawaiTrainingRecorded,
    "pegawai.assessment_recorded": PegawaiAssessmentRecorded,
    "pegawai.performance_recorded": PegawaiPerformanceRecorded,
    "pegawai.discipline_recorded": PegawaiDisciplineRecorded,
    "pegawai.family_updated": PegawaiFamilyUpdated,
    "pegawai.aspiration_stated": PegawaiAspirationStated,
    "pegawai.unor_synced": PegawaiUnorSynced,
    "pegawai.writeback_attempted": PegawaiWritebackAttempted,
}
