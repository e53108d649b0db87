"""Plain data the matching core works on: employees and posts as the read models see them."""

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from tatamutasi_matching.domain.tables import ESELON_CLASS


@dataclass(frozen=True)
class SKPRecord:
    year: int
    predikat: int  # 1 Sangat Baik .. 5 Sangat Kurang


@dataclass(frozen=True)
class Sanction:
    level: Literal["ringan", "sedang", "berat"]
    start: date
    end: date | None = None

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Assessment:
    year: int
    potensi_total: float | None = None  # 0-100
    jpm: float | None = None  # Job Person Match % against the current jabatan
    levels: dict[str, float] = field(default_factory=dict)  # competency key → level 1-5


@dataclass(frozen=True)
class Training:
    name: str
    year: int | None = None
    hours: int = 0
    jenis_diklat_id: str | None = None
    competency: str | None = None  # the competency key or technical competency it builds


@dataclass(frozen=True)
class Aspiration:
    rank: int  # 1 = most wanted
    post_id: str | None = None
    unor_id: str | None = None
    jabatan_id: str | None = None

    def matches(self, post: "Post") -> bool:
        if self.post_id is not None:
            return self.post_id == post.post_id
        if self.unor_id is None and self.jabatan_id is None:
            return False
        return (self.unor_id is None or self.unor_id == post.unor_id) and (
            self.jabatan_id is None or self.jabatan_id == post.jabatan_id
        )


@dataclass(frozen=True)
class Employee:
    nip: str
    name: str
    current_post_id: str
    unor_id: str
    kind: Literal["PNS", "PPPK"] = "PNS"
    sex: Literal["M", "F"] | None = None
    birth_year: int | None = None
    tmt_jabatan: date | None = None
    tmt_cpns: date | None = None
    golongan_id: str | None = None
    education_level_id: str | None = None
    education_rumpun: str | None = None  # field of study grouped as a rumpun
    kedudukan_id: str | None = "01"
    tmt_pensiun: date | None = None
    contract_end: date | None = None
    skp: tuple[SKPRecord, ...] = ()
    sanctions: tuple[Sanction, ...] = ()
    assessment: Assessment | None = None
    trainings: tuple[Training, ...] = ()
    technical_competencies: frozenset[str] = frozenset()
    field_years: dict[str, float] = field(default_factory=dict)  # rumpun → years served
    aspirations: tuple[Aspiration, ...] = ()

    def aspiration_rank(self, post: "Post") -> int | None:
        ranks = [a.rank for a in self.aspirations if a.matches(post)]
        return min(ranks) if ranks else None


JabatanClass = Literal[
    "jpt_utama", "jpt_madya", "jpt_pratama", "administrator", "pengawas", "pelaksana",
    "fungsional",
]  # fmt: skip


@dataclass(frozen=True)
class Post:
    """A jabatan in a unit: what the optimiser assigns people to."""

    post_id: str
    unor_id: str
    jabatan_id: str
    name: str
    opd_id: str | None = None
    jenis_jabatan: Literal["1", "2", "3", "4"] = "4"
    eselon_id: str | None = None
    jf_jenjang: str | None = None  # PT MU MA UT PM TR MH PY
    golongan_min: str | None = None  # overrides the eselon/JF table
    golongan_max: str | None = None
    min_education_level_id: str | None = None
    education_rumpun: frozenset[str] = frozenset()  # accepted fields of study
    rumpun: str | None = None  # the jabatan's own field, for experience
    competency_standard: int | None = None  # overrides the class standard
    technical_competencies: frozenset[str] = frozenset()
    capacity: int = 1  # seats (formasi kebutuhan)
    # False: neither the formasi (no need row) nor the jabatan catalogue knows this post; it
    # exists only because someone holds it. It takes nobody new; its holders may move out.
    known: bool = True

    @property
    def jabatan_class(self) -> JabatanClass:
        if self.jenis_jabatan in ("1", "3") and self.eselon_id in ESELON_CLASS:
            return ESELON_CLASS[self.eselon_id]  # type: ignore[return-value]
        if self.jenis_jabatan == "2":
            return "fungsional"
        return "pelaksana"

    @property
    def managerial(self) -> bool:
        return self.jabatan_class in (
            "jpt_utama", "jpt_madya", "jpt_pratama", "administrator", "pengawas",
        )  # fmt: skip


def years_between(start: date, end: date) -> float:
    """Whole-day difference in years (365.2425 days), never negative."""
    return max(0.0, (end - start).days / 365.2425)


def full_years_between(start: date, end: date) -> int:
    """Completed calendar years from `start` to `end` (anniversary based)."""
    years = end.year - start.year - ((end.month, end.day) < (start.month, start.day))
    return max(0, years)


UNKNOWN_POST_CODE = "post_unknown_to_formasi"
UNKNOWN_POST_REASON = {
    "en": "not offered: neither the formasi nor the jabatan catalogue knows this post (it "
    "exists only because someone holds it), so it takes nobody new; its holders may move out",
    "id": "tidak ditawarkan: jabatan ini tidak ada dalam formasi maupun katalog jabatan (hanya "
    "ada karena dipangku), sehingga tidak menerima pegawai baru; pemangkunya tetap dapat "
    "dimutasi keluar",
}
