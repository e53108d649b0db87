"""Request and response bodies of the formasi API."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tatamutasi_formasi.domain.codes import JabatanJenis, JabatanLevel

Id = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- units -----------------------------------------------------------------------------------
class UnitFields(Strict):
    name: str = Field(min_length=1, max_length=300)
    unit_type: str = Field(max_length=40, description="e.g. dinas, badan, bidang, seksi, kelurahan")
    parent_id: str | None = Field(default=None, max_length=64)
    eselon_id: str | None = Field(default=None, max_length=4, description="Eselon of the head post")
    head_jabatan_name: str | None = Field(default=None, max_length=300)
    induk_id: str | None = Field(default=None, max_length=64)
    instansi_id: str | None = Field(default=None, max_length=42)


class UnitCreate(UnitFields):
    unit_id: str = Id
    valid_from: date


class UnitPatch(Strict):
    """Only the fields sent change; the change holds from `valid_from` (history is kept)."""

    valid_from: date
    name: str | None = Field(default=None, min_length=1, max_length=300)
    unit_type: str | None = Field(default=None, max_length=40)
    parent_id: str | None = Field(default=None, max_length=64)
    eselon_id: str | None = Field(default=None, max_length=4)
    head_jabatan_name: str | None = Field(default=None, max_length=300)
    induk_id: str | None = Field(default=None, max_length=64)


class UnitClose(Strict):
    valid_from: date = Field(description="The first day the unit no longer exists")
    successor_id: str | None = Field(default=None, max_length=64)


class UnitMerge(Strict):
    sources: list[str] = Field(min_length=1, max_length=50)
    target_id: str = Id
    valid_from: date
    new_target: UnitFields | None = Field(
        default=None, description="Create the target with these fields (omit: it exists)"
    )


class SplitPartIn(UnitFields):
    unit_id: str = Id


class UnitSplit(Strict):
    valid_from: date
    parts: list[SplitPartIn] = Field(min_length=2, max_length=50)
    successor_id: str | None = Field(
        default=None, max_length=64, description="Where current holders and sub-units go"
    )


class UnitOut(BaseModel):
    unit_id: str
    name: str
    unit_type: str
    parent_id: str | None
    eselon_id: str | None
    head_jabatan_name: str | None
    induk_id: str | None
    instansi_id: str | None
    valid_from: date
    valid_to: date | None
    closed: bool
    successor_id: str | None
    predecessor_ids: list[str]
    change: str
    origin: str
    version: int
    created_at: datetime
    created_by: str


class UnitImportResult(BaseModel):
    dry_run: bool
    rows: int
    created: int
    changed: int
    unchanged: int
    applied: bool
    errors: list["RowError"]


class UnitPage(BaseModel):
    items: list[UnitOut]
    next_cursor: str | None = None


# -- jabatan -----------------------------------------------------------------------------------
class EducationOptionIn(Strict):
    min_level_id: str = Field(max_length=4, description="Tingkat pendidikan, e.g. `40` = S-1")
    fields: list[str] = Field(default_factory=list, max_length=50)


class CompetencyIn(Strict):
    code: str = Field(min_length=1, max_length=100)
    level: int = Field(ge=1, le=5)


class ConditionIn(Strict):
    code: str = Field(max_length=60)
    op: Literal["eq", "ne", "ge", "le", "gt", "lt", "in", "is"]
    value: bool | int | float | str | list[str]


class RequirementsIn(Strict):
    education: list[EducationOptionIn] = Field(default_factory=list, max_length=20)
    managerial_level: int | None = Field(default=None, ge=1, le=5)
    technical: list[CompetencyIn] = Field(default_factory=list, max_length=50)
    training: list[str] = Field(default_factory=list, max_length=20)
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=30)


class JabatanBody(Strict):
    name: str = Field(min_length=1, max_length=300)
    jenis: JabatanJenis
    eselon_id: str | None = Field(default=None, max_length=4)
    jf_jenjang: str | None = Field(default=None, max_length=2)
    bkn_ref_id: str | None = Field(default=None, max_length=42)
    kelas_jabatan: int | None = Field(default=None, ge=1, le=17)
    rumpun: str | None = Field(default=None, max_length=200)
    min_golongan_id: str | None = Field(default=None, max_length=4)
    max_golongan_id: str | None = Field(default=None, max_length=4)
    unit_types: list[str] = Field(default_factory=list, max_length=30)
    requirements: RequirementsIn = Field(default_factory=RequirementsIn)


class JabatanCreate(JabatanBody):
    jabatan_id: str = Id


class RequirementsOut(BaseModel):
    min_golongan_id: str | None
    max_golongan_id: str | None
    education: list[EducationOptionIn]
    managerial_level: int | None
    technical: list[CompetencyIn]
    training: list[str]
    conditions: list[ConditionIn]


class JabatanOut(BaseModel):
    jabatan_id: str
    name: str
    jenis: JabatanJenis
    level: JabatanLevel
    eselon_id: str | None
    jf_jenjang: str | None
    bkn_ref_id: str | None
    kelas_jabatan: int | None
    rumpun: str | None
    unit_types: list[str]
    requirements: RequirementsOut
    defaults_applied: list[str] = Field(default_factory=list)
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class JabatanPage(BaseModel):
    items: list[JabatanOut]
    next_cursor: str | None = None


class JabatanVersionOut(BaseModel):
    """One version of a catalogue entry: the entry as it was after the change."""

    version: int
    change: Literal["created", "updated"]
    changed_at: datetime
    changed_by: str
    jabatan: JabatanOut


class HolderFacts(Strict):
    """What is known about a person; leave out what is unknown."""

    golongan_id: str | None = Field(default=None, max_length=4)
    education_level_id: str | None = Field(default=None, max_length=4)
    education_field: str | None = Field(default=None, max_length=300)
    managerial_scores: dict[str, float] | None = None
    technical: dict[str, int] | None = None
    training: list[str] | None = None
    facts: dict[str, bool | int | float | str] = Field(default_factory=dict)


class CheckOut(BaseModel):
    code: str
    outcome: Literal["met", "not_met", "unknown"]
    message_en: str
    message_id: str


class EvaluationOut(BaseModel):
    jabatan_id: str
    met: bool
    checks: list[CheckOut]


# -- needs -----------------------------------------------------------------------------------
class WorkloadItemIn(Strict):
    task: str = Field(min_length=1, max_length=500, description="Uraian tugas")
    volume: float = Field(ge=0, description="Workload volume per year")
    standard_hours: float = Field(ge=0, description="Standard time per unit of output, hours")


class NeedSet(Strict):
    unit_id: str = Field(min_length=1, max_length=64)
    jabatan_id: str = Field(min_length=1, max_length=64)
    valid_from: date
    count: int | None = Field(default=None, ge=0, description="The decided need; omit to use ABK")
    items: list[WorkloadItemIn] = Field(default_factory=list, max_length=500)
    effective_hours: float | None = Field(default=None, gt=0, description="Default: setting")
    rounding: Literal["half_up", "ceil", "floor"] = "half_up"
    source_document: str | None = Field(default=None, max_length=300)
    decision_number: str | None = Field(default=None, max_length=200)
    decision_date: date | None = None


class NeedOut(BaseModel):
    unit_id: str
    jabatan_id: str
    valid_from: date
    valid_to: date | None
    count: int
    abk_result: float | None
    effective_hours: float | None
    basis: dict[str, object]
    source_document: str | None
    decision_number: str | None
    decision_date: date | None
    origin: str
    created_at: datetime
    created_by: str
    changed: bool = True


class NeedPage(BaseModel):
    items: list[NeedOut]
    next_cursor: str | None = None


class RowError(BaseModel):
    row: int
    field: str
    code: str
    message_en: str
    message_id: str


class ImportResult(BaseModel):
    dry_run: bool
    rows: int
    needs: int
    changed: int
    unchanged: int
    applied: bool
    errors: list[RowError]


# -- bezetting ---------------------------------------------------------------------------------
class FilledOut(BaseModel):
    unor_id: str
    jabatan_id: str
    filled: int
    acting: int = 0


class HolderOut(BaseModel):
    nip: str
    name: str | None
    unor_id: str
    jabatan_id: str
    jenis_jabatan: str | None
    tmt_jabatan: date | None
    golongan_id: str | None
    education_level_id: str | None
    education_field: str | None
    tmt_pensiun: date | None
    kind: str | None


class HolderPage(BaseModel):
    items: list[HolderOut]
    next_cursor: str | None = None


class ActingOut(BaseModel):
    nip: str
    unor_id: str
    jabatan_id: str
    jenis: str
    start: date
    end: date | None


class PlacementOut(BaseModel):
    unor_id: str
    jabatan_id: str
    tmt: date | None
    effective: date
    reason: str
    unit_name_then: str | None = Field(description="The unit's name on that date")
    unit_parent_then: str | None
    unit_closed_then: bool | None


class Difference(BaseModel):
    nip: str
    kind: Literal["missing_in_bezetting", "not_in_registry", "placement_differs"]
    registry_unor_id: str | None = None
    registry_jabatan_id: str | None = None
    bezetting_unor_id: str | None = None
    bezetting_jabatan_id: str | None = None


class Reconciliation(BaseModel):
    checked_registry: int
    checked_bezetting: int
    differences: list[Difference]
    consistent: bool


# -- gaps -----------------------------------------------------------------------------------
class TotalsOut(BaseModel):
    need: int
    filled: int
    acting: int
    vacant: int
    over: int
    posts: int


class PostGapOut(BaseModel):
    unit_id: str
    unit_name: str | None
    opd_id: str | None
    opd_name: str | None
    jabatan_id: str
    jabatan_name: str | None
    jenis: str | None
    rumpun: str | None
    need: int
    filled: int
    acting: int
    vacant: int
    over: int


class GroupOut(TotalsOut):
    key: str
    name: str | None


class VacantPostOut(BaseModel):
    unit_id: str
    unit_name: str | None
    opd_name: str | None
    jabatan_id: str
    jabatan_name: str | None
    eselon_id: str | None
    need: int
    filled: int
    acting: int
    since: date | None
    days_vacant: int | None


class HolderIssueOut(BaseModel):
    nip: str
    name: str | None
    unit_id: str
    unit_name: str | None
    opd_name: str | None
    jabatan_id: str
    jabatan_name: str | None
    date: date | None
    detail: str
    aspects: list[str] = Field(
        default_factory=list,
        description="not_meeting: the failed aspects (golongan, education, managerial, "
        "technical, training)",
    )


class QualificationOut(BaseModel):
    """Holders against the requirements of the posts they hold. `failed`: holders failing
    each aspect; `unknown`: holders whose facts for it are not on record (no assessment, no
    training recorded, ...), which are not counted as failing."""

    key: str
    name: str | None
    holders: int
    not_meeting: int
    failed: dict[str, int]
    unknown: dict[str, int]


class GapReport(BaseModel):
    as_of: date
    retiring_months: int
    totals: TotalsOut
    posts: list[PostGapOut]
    by_opd: list[GroupOut]
    by_unit: list[GroupOut]
    by_jabatan: list[GroupOut]
    by_rumpun: list[GroupOut]
    vacant_structural: list[VacantPostOut]
    retiring: list[HolderIssueOut]
    over_tenure: list[HolderIssueOut]
    not_meeting: list[HolderIssueOut]
    unknown_units: list[HolderIssueOut]
    qualification: QualificationOut = Field(description="Pemda-wide qualification gaps")
    qualification_by_opd: list[QualificationOut]
    qualification_by_unit: list[QualificationOut]
    historical: bool = Field(
        description="True when rebuilt from the placement/status histories (as_of before "
        "today): rank, education and qualifications are today's"
    )
    truncated: bool = Field(description="True when a list was cut at `limit`")


class GapChangeRowOut(BaseModel):
    key: str = Field(description="OPD id")
    name: str | None
    before: TotalsOut
    after: TotalsOut
    vacant_change: int = Field(description="after - before (negative: fewer shortages)")
    over_change: int
    filled_change: int


class GapChangeOut(BaseModel):
    before: date
    after: date
    headline: list[str] = Field(description="Sentences (Indonesian) for a round outcome report")
    totals_before: TotalsOut
    totals_after: TotalsOut
    by_opd: list[GapChangeRowOut]
    not_meeting_before: int
    not_meeting_after: int


class SummaryOut(BaseModel):
    as_of: date
    headline: list[str] = Field(description="Sentences (Indonesian) a BKD head reads first")
    totals: TotalsOut
    fill_rate_percent: float | None
    top_short_opd: list[GroupOut]
    top_over_opd: list[GroupOut]
    vacant_structural: int
    longest_vacant: list[VacantPostOut]
    retiring_12_months: int
    over_5_years: int
    not_meeting_requirements: int
    unknown_units: int
    qualification: QualificationOut
    top_qualification_gap_opd: list[QualificationOut]
    change: GapChangeOut | None = Field(
        default=None, description="Against `since`, when asked: the change per OPD"
    )
