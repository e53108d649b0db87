"""9-box talent mapping (PermenPANRB 3/2020 Manajemen Talenta ASN; DOMAIN.md §4.1).

Performance (kinerja) comes from the last two years' SKP predikat, potential from the
assessment (potensi total, else JPM) plus the track record (rekam jejak). The formula,
weights and cut-offs are a versioned `NineBoxConfig`; every placement carries its inputs.
Box numbering (identical in two independent public implementations):

    potensial tinggi    6  8  9
    potensial menengah  3  5  7
    potensial rendah    1  2  4
                       bawah sesuai atas  (kinerja)
"""

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Literal

from tatamutasi_matching.domain.model import Employee, years_between
from tatamutasi_matching.domain.tables import EDUCATION_ORDINAL, GOLONGAN_ORDER, PREDIKAT

Level = Literal["rendah", "menengah", "tinggi"]
PerfLevel = Literal["di_bawah", "sesuai", "di_atas"]

BOX: dict[tuple[PerfLevel, Level], int] = {
    ("di_bawah", "rendah"): 1,
    ("sesuai", "rendah"): 2,
    ("di_bawah", "menengah"): 3,
    ("di_atas", "rendah"): 4,
    ("sesuai", "menengah"): 5,
    ("di_bawah", "tinggi"): 6,
    ("di_atas", "menengah"): 7,
    ("sesuai", "tinggi"): 8,
    ("di_atas", "tinggi"): 9,
}
SUCCESSION_BOXES = frozenset({7, 8, 9})

RECOMMENDATION: dict[int, tuple[str, str]] = {
    9: (
        "promote and retain; succession group; award",
        "promosi dan dipertahankan; kelompok rencana suksesi; penghargaan",
    ),
    8: (
        "retain; succession group; rotation or job enlargement; performance coaching",
        "dipertahankan; kelompok rencana suksesi; rotasi/perluasan jabatan; bimbingan kinerja",
    ),
    7: (
        "retain; succession group; rotation or job enrichment; competence development",
        "dipertahankan; kelompok rencana suksesi; rotasi/pengayaan jabatan; "
        "pengembangan kompetensi",
    ),
    6: (
        "suitable placement; performance coaching and counselling",
        "penempatan yang sesuai; bimbingan kinerja; konseling kinerja",
    ),
    5: (
        "suitable placement; coaching; competence development",
        "penempatan yang sesuai; bimbingan kinerja; pengembangan kompetensi",
    ),
    4: ("rotation; competence development", "rotasi; pengembangan kompetensi"),
    3: (
        "coaching; counselling; competence development; suitable placement",
        "bimbingan kinerja; konseling; pengembangan kompetensi; penempatan yang sesuai",
    ),
    2: (
        "coaching; competence development; suitable placement",
        "bimbingan kinerja; pengembangan kompetensi; penempatan yang sesuai",
    ),
    1: (
        "handle under the discipline and performance rules",
        "diproses sesuai ketentuan disiplin dan kinerja",
    ),
}
"""Recommended action per box (public implementations; not checked verbatim against the
regulation's appendix, DOMAIN.md §4.1)."""


@dataclass(frozen=True)
class NineBoxConfig:
    version: str = "ninebox/permenpanrb-3-2020/v1"
    predikat_points: Mapping[int, float] = field(
        default_factory=lambda: {1: 100.0, 2: 75.0, 3: 50.0, 4: 25.0, 5: 0.0}
    )
    performance_years: int = 2
    performance_above: float = 87.5  # mean points ≥ → di atas (e.g. Sangat Baik + Baik)
    performance_meets: float = 62.5  # mean points ≥ → sesuai
    assessment_weight: float = 0.5
    track_record_weight: float = 0.5
    track_record_weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "education": 0.25,
            "golongan": 0.2,
            "service_years": 0.15,
            "training_hours": 0.2,
            "discipline": 0.2,
        }
    )
    service_years_full: float = 20.0
    training_hours_full: float = 40.0  # JP over the last two years (20 JP a year)
    potential_high: float = 75.0
    potential_medium: float = 55.0
    exclude_sanction_levels: frozenset[str] = frozenset({"sedang", "berat"})
    exclusion_years: int = 2

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["predikat_points"] = {str(k): v for k, v in sorted(self.predikat_points.items())}
        d["track_record_weights"] = dict(sorted(self.track_record_weights.items()))
        d["exclude_sanction_levels"] = sorted(self.exclude_sanction_levels)
        return d


@dataclass(frozen=True)
class Placement:
    nip: str
    box: int | None
    performance: PerfLevel | None
    potential: Level | None
    performance_score: float | None
    potential_score: float | None
    inputs: Mapping[str, object]
    config_version: str
    reason_en: str = ""
    reason_id: str = ""

    @property
    def succession(self) -> bool:
        return self.box in SUCCESSION_BOXES

    def as_dict(self) -> dict[str, object]:
        rec = RECOMMENDATION.get(self.box or 0)
        return {
            "nip": self.nip,
            "box": self.box,
            "performance": self.performance,
            "potential": self.potential,
            "performance_score": self.performance_score,
            "potential_score": self.potential_score,
            "succession": self.succession,
            "recommendation": {"en": rec[0], "id": rec[1]} if rec else None,
            "inputs": dict(self.inputs),
            "config_version": self.config_version,
            "reason": {"en": self.reason_en, "id": self.reason_id} if self.box is None else None,
        }


def _education_score(level_id: str | None) -> float:
    ordinal = EDUCATION_ORDINAL.get(level_id or "", 0)
    return round(100.0 * ordinal / 10, 2)


def _golongan_score(golongan_id: str | None) -> float:
    if golongan_id not in GOLONGAN_ORDER:
        return 0.0
    return round(100.0 * GOLONGAN_ORDER[golongan_id] / (len(GOLONGAN_ORDER) - 1), 2)


def track_record(e: Employee, as_of: date, cfg: NineBoxConfig) -> tuple[float, dict[str, float]]:
    recent = as_of.year - cfg.exclusion_years
    hours = sum(t.hours for t in e.trainings if t.year is not None and t.year > recent)
    sanctioned = any(s.start.year > recent or s.active_on(as_of) for s in e.sanctions)
    service = years_between(e.tmt_cpns, as_of) if e.tmt_cpns else 0.0
    parts = {
        "education": _education_score(e.education_level_id),
        "golongan": _golongan_score(e.golongan_id) if e.kind == "PNS" else 50.0,
        "service_years": round(100.0 * min(1.0, service / cfg.service_years_full), 2),
        "training_hours": round(100.0 * min(1.0, hours / cfg.training_hours_full), 2),
        "discipline": 0.0 if sanctioned else 100.0,
    }
    weights = cfg.track_record_weights
    total = sum(weights[k] * parts[k] for k in weights) / sum(weights.values())
    return round(total, 2), parts


def place(e: Employee, as_of: date, cfg: NineBoxConfig | None = None) -> Placement:
    """Place one employee in the 9-box as of `as_of`, showing every input."""
    c = cfg or NineBoxConfig()
    recent = as_of.year - c.exclusion_years
    excluded = [
        s
        for s in e.sanctions
        if s.level in c.exclude_sanction_levels and (s.start.year > recent or s.active_on(as_of))
    ]
    skp = sorted((r for r in e.skp if r.year <= as_of.year), key=lambda r: -r.year)
    skp = skp[: c.performance_years]
    inputs: dict[str, object] = {
        "skp": [
            {"year": r.year, "predikat": r.predikat, "label": PREDIKAT[r.predikat]} for r in skp
        ],
        "as_of": as_of.isoformat(),
    }

    def unplaced(en: str, id_: str) -> Placement:
        return Placement(e.nip, None, None, None, None, None, inputs, c.version, en, id_)

    if excluded:
        s = excluded[0]
        inputs["sanction"] = {"level": s.level, "start": s.start.isoformat()}
        return unplaced(
            f"excluded: {s.level} disciplinary sanction in the last {c.exclusion_years} years",
            f"dikecualikan: hukuman disiplin {s.level} dalam {c.exclusion_years} tahun terakhir",
        )
    if not skp:
        return unplaced("no SKP result in the last two years", "tidak ada SKP dua tahun terakhir")
    perf = sum(c.predikat_points[r.predikat] for r in skp) / len(skp)
    performance: PerfLevel = (
        "di_atas"
        if perf >= c.performance_above
        else "sesuai"
        if perf >= c.performance_meets
        else "di_bawah"
    )
    a = e.assessment
    assessment: float | None = None
    if a is not None and a.potensi_total is not None:
        assessment, source = a.potensi_total, "potensi_total"
    elif a is not None and a.jpm is not None:
        assessment, source = min(100.0, a.jpm), "jpm"
    if assessment is None:
        return unplaced("no potential assessment", "belum ada asesmen potensi")
    tr, parts = track_record(e, as_of, c)
    potential_score = round(
        (c.assessment_weight * assessment + c.track_record_weight * tr)
        / (c.assessment_weight + c.track_record_weight),
        2,
    )
    potential: Level = (
        "tinggi"
        if potential_score >= c.potential_high
        else "menengah"
        if potential_score >= c.potential_medium
        else "rendah"
    )
    inputs.update(
        {
            "assessment": {"source": source, "value": assessment, "year": a.year if a else None},
            "track_record": {"score": tr, "parts": parts},
            "weights": {"assessment": c.assessment_weight, "track_record": c.track_record_weight},
        }
    )
    return Placement(
        nip=e.nip,
        box=BOX[(performance, potential)],
        performance=performance,
        potential=potential,
        performance_score=round(perf, 2),
        potential_score=potential_score,
        inputs=inputs,
        config_version=c.version,
    )


def place_all(
    employees: Iterable[Employee], as_of: date, cfg: NineBoxConfig | None = None
) -> list[Placement]:
    return [place(e, as_of, cfg) for e in sorted(employees, key=lambda x: x.nip)]


def succession_candidates(placements: Iterable[Placement]) -> list[Placement]:
    """The succession group (kelompok rencana suksesi): boxes 7–9, best box first."""
    return sorted(
        (p for p in placements if p.succession),
        key=lambda p: (-(p.box or 0), -(p.potential_score or 0), p.nip),
    )
