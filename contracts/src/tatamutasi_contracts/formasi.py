"""Events of the formasi service (topic `tatamutasi.formasi.v1`, key = unit id or jabatan id).

Units (UNOR) are effective-dated: every change carries the date from which it holds, so a
consumer can keep the tree as it was on any date. Codes are BKN reference codes as strings
(DOMAIN.md §1.8). Inside `v1` fields may only be added."""

from datetime import date
from typing import Literal

from pydantic import Field

from tatamutasi_contracts.base import Payload

UnitChange = Literal["created", "updated", "moved", "renamed", "merged", "split", "closed"]
JabatanJenis = Literal["struktural", "fungsional", "pelaksana"]
JabatanLevel = Literal[
    "jpt_utama",
    "jpt_madya",
    "jpt_pratama",
    "administrator",
    "pengawas",
    "eselon_v",
    "fungsional",
    "pelaksana",
]
Origin = Literal["api", "import", "siasn", "event"]


class FormasiUnitChanged(Payload):
    """A unit (UNOR) was created, changed, merged, split or closed, effective `valid_from`."""

    unit_id: str = Field(max_length=64)
    change: UnitChange
    valid_from: date = Field(description="The date from which this version of the unit holds.")
    name: str = Field(max_length=300)
    parent_id: str | None = Field(default=None, max_length=64)
    unit_type: str = Field(max_length=40, description="e.g. `dinas`, `bidang`, `kelurahan`")
    eselon_id: str | None = Field(default=None, max_length=4, description="Of the head's post")
    head_jabatan_name: str | None = Field(default=None, max_length=300)
    closed: bool = Field(default=False, description="True when the unit ceased on valid_from.")
    successor_id: str | None = Field(
        default=None, max_length=64, description="Where a closed unit's holders now belong."
    )
    predecessor_ids: list[str] = Field(default_factory=list, description="Units merged/split.")
    origin: Origin = "api"


class EducationOptionOut(Payload):
    min_level_id: str = Field(max_length=4, description="Tingkat pendidikan id, e.g. `40` S-1")
    fields: list[str] = Field(default_factory=list, description="Any of these fields; [] = any")


class CompetencyOut(Payload):
    code: str = Field(max_length=100)
    level: int = Field(ge=1, le=5)


class ConditionOut(Payload):
    code: str = Field(max_length=60)
    op: str = Field(max_length=8)
    value: bool | int | float | str | list[str]


class JabatanRequirementsOut(Payload):
    education: list[EducationOptionOut] = Field(
        default_factory=list, description="Alternatives; a holder meets one of them."
    )
    managerial_level: int | None = Field(default=None, ge=1, le=5)
    technical: list[CompetencyOut] = Field(default_factory=list)
    training: list[str] = Field(default_factory=list, description="e.g. `PKA`, `PKP`")
    conditions: list[ConditionOut] = Field(default_factory=list)


class FormasiJabatanChanged(Payload):
    """A jabatan of the catalogue was created or changed (with its requirements)."""

    jabatan_id: str = Field(max_length=64)
    change: Literal["created", "updated"]
    name: str = Field(max_length=300)
    jenis: JabatanJenis
    level: JabatanLevel
    eselon_id: str | None = Field(default=None, max_length=4)
    jf_jenjang: str | None = Field(default=None, max_length=2, description="PT MU MA UT PM ...")
    bkn_ref_id: str | None = Field(default=None, max_length=42)
    kelas_jabatan: int | None = Field(default=None, ge=1, le=17)
    rumpun: str | None = Field(default=None, max_length=200)
    min_golongan_id: str | None = Field(default=None, max_length=4)
    max_golongan_id: str | None = Field(default=None, max_length=4)
    unit_types: list[str] = Field(default_factory=list, description="[] = any unit type")
    requirements: JabatanRequirementsOut
    version: int = Field(ge=1)


class FormasiNeedSet(Payload):
    """The need (kebutuhan, from ABK) for a jabatan in a unit was set, effective `valid_from`."""

    unit_id: str = Field(max_length=64)
    jabatan_id: str = Field(max_length=64)
    count: int = Field(ge=0)
    previous_count: int | None = Field(default=None, ge=0)
    valid_from: date
    abk_result: float | None = Field(default=None, ge=0, description="Unrounded ABK result")
    effective_hours: float | None = Field(default=None, gt=0)
    source_document: str | None = Field(default=None, max_length=300)
    decision_number: str | None = Field(default=None, max_length=200)
    decision_date: date | None = None
    origin: Origin = "api"


class FormasiVacancyOpened(Payload):
    """A structural post became (or was found) vacant: holders fell below the need."""

    unit_id: str = Field(max_length=64)
    jabatan_id: str = Field(max_length=64)
    since: date
    need: int = Field(ge=0)
    filled: int = Field(ge=0)


class FormasiVacancyFilled(Payload):
    """A vacant structural post is filled again (or its need was removed)."""

    unit_id: str = Field(max_length=64)
    jabatan_id: str = Field(max_length=64)
    since: date
    filled_on: date
    days_vacant: int = Field(ge=0)
    need: int = Field(ge=0)
    filled: int = Field(ge=0)


class FormasiUnorSyncApplied(Payload):
    """A complete SIASN `ref-unor` sync was applied to the unit tree."""

    sync_id: str = Field(max_length=64)
    instansi_id: str = Field(max_length=42)
    units: int = Field(ge=0)
    created: int = Field(ge=0)
    updated: int = Field(ge=0)
    closed: int = Field(ge=0)
    kept_with_holders: list[str] = Field(
        default_factory=list, description="Missing from SIASN but still held: not closed."
    )


EVENTS: dict[str, type[Payload]] = {
    "formasi.unit_changed": FormasiUnitChanged,
    "formasi.jabatan_changed": FormasiJabatanChanged,
    "formasi.need_set": FormasiNeedSet,
    "formasi.vacancy_opened": FormasiVacancyOpened,
    "formasi.vacancy_filled": FormasiVacancyFilled,
    "formasi.unor_sync_applied": FormasiUnorSyncApplied,
}
