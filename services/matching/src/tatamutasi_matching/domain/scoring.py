"""Fit of an employee for a post, as named components with matching and missing requirements.

Components (each 0–100): competence (managerial/socio-cultural levels against the post's
standard, technical competencies), education (level and rumpun), 9-box, experience in the
post's field, tenure signal and the employee's own aspiration. Weights are configurable per
round (`ScoringConfig`); the total is their weighted mean and the optimiser's integer score
is `round(total × 10)` (0–1000). Missing competencies are mapped to BKN jenis diklat."""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from tatamutasi_matching.domain.eligibility import competency_standard
from tatamutasi_matching.domain.model import Employee, Post, years_between
from tatamutasi_matching.domain.ninebox import Placement
from tatamutasi_matching.domain.tables import (
    COMPETENCY_KEYS,
    EDUCATION_LEVEL,
    EDUCATION_ORDINAL,
    JENIS_DIKLAT,
    SOCIO_CULTURAL_KEYS,
)

SCORE_MAX = 1000
COMPONENTS = ("competence", "education", "ninebox", "experience", "tenure", "aspiration")


@dataclass(frozen=True)
class ScoringConfig:
    version: str = "scoring/v1"
    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "competence": 0.30,
            "education": 0.20,
            "ninebox": 0.15,
            "experience": 0.15,
            "tenure": 0.10,
            "aspiration": 0.10,
        }
    )
    experience_full_years: float = 5.0
    min_years: float = 2.0
    max_years: float = 5.0
    unplaced_ninebox: float = 30.0
    unknown_component: float = 50.0

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(COMPONENTS)
        if unknown or any(w < 0 for w in self.weights.values()) or not sum(self.weights.values()):
            raise ValueError(
                f"weights must be non-negative, not all zero, over {COMPONENTS}; got "
                f"{dict(self.weights)}"
            )

    def as_dict(self) -> dict[str, object]:
        return {
            "version": self.version,
            "weights": {k: self.weights.get(k, 0.0) for k in COMPONENTS},
            "experience_full_years": self.experience_full_years,
            "min_years": self.min_years,
            "max_years": self.max_years,
            "unplaced_ninebox": self.unplaced_ninebox,
            "unknown_component": self.unknown_component,
        }


@dataclass(frozen=True)
class Component:
    name: str
    value: float  # 0-100
    weight: float
    detail_en: str
    detail_id: str

    def as_dict(self, total_weight: float) -> dict[str, object]:
        return {
            "name": self.name,
            "value": round(self.value, 2),
            "weight": self.weight,
            "contribution": round(self.value * self.weight / total_weight, 2),
            "detail": {"en": self.detail_en, "id": self.detail_id},
        }


@dataclass(frozen=True)
class TrainingNeed:
    competency: str
    jenis_diklat_id: str
    gap: float

    @property
    def jenis_diklat(self) -> str:
        return JENIS_DIKLAT[self.jenis_diklat_id]

    def as_dict(self) -> dict[str, object]:
        return {
            "competency": self.competency,
            "gap": self.gap,
            "jenis_diklat_id": self.jenis_diklat_id,
            "jenis_diklat": self.jenis_diklat,
        }


@dataclass(frozen=True)
class PairScore:
    nip: str
    post_id: str
    total: float  # 0-100
    components: tuple[Component, ...]
    matching: tuple[str, ...]
    missing: tuple[str, ...]
    training: tuple[TrainingNeed, ...]
    version: str

    @property
    def score(self) -> int:
        return round(self.total * SCORE_MAX / 100)

    def as_dict(self) -> dict[str, object]:
        tw = sum(c.weight for c in self.components) or 1.0
        return {
            "nip": self.nip,
            "post_id": self.post_id,
            "total": round(self.total, 2),
            "score": self.score,
            "components": [c.as_dict(tw) for c in self.components],
            "matching": list(self.matching),
            "missing": list(self.missing),
            "training": [t.as_dict() for t in self.training],
            "version": self.version,
        }


def _competence(
    e: Employee, p: Post, cfg: ScoringConfig
) -> tuple[float, str, str, list[str], list[str], list[TrainingNeed]]:
    matching: list[str] = []
    missing: list[str] = []
    needs: list[TrainingNeed] = []
    parts: list[float] = []
    notes_en: list[str] = []
    notes_id: list[str] = []
    standard = competency_standard(p)
    levels = e.assessment.levels if e.assessment else {}
    if standard is not None and levels:
        ratios = []
        for key in COMPETENCY_KEYS:
            have = levels.get(key, 0.0)
            ratios.append(min(1.0, have / standard))
            if have >= standard:
                matching.append(f"competency:{key}")
            else:
                missing.append(f"competency:{key}")
                diklat = "6" if key in SOCIO_CULTURAL_KEYS else "5"
                needs.append(TrainingNeed(key, diklat, round(standard - have, 2)))
        jpm = 100.0 * sum(ratios) / len(ratios)
        parts.append(jpm)
        notes_en.append(f"JPM {jpm:.1f}% against level {standard}")
        notes_id.append(f"JPM {jpm:.1f}% terhadap level {standard}")
    elif standard is not None:
        missing.append("assessment")
        notes_en.append("no competency assessment")
        notes_id.append("belum ada asesmen kompetensi")
    if p.technical_competencies:
        have_set = set(e.technical_competencies) | {
            t.competency for t in e.trainings if t.competency
        }
        covered = sorted(p.technical_competencies & have_set)
        lacking = sorted(p.technical_competencies - have_set)
        matching += [f"technical:{c}" for c in covered]
        missing += [f"technical:{c}" for c in lacking]
        diklat = "2" if p.jenis_jabatan == "2" else "3"
        needs += [TrainingNeed(c, diklat, 1.0) for c in lacking]
        parts.append(100.0 * len(covered) / len(p.technical_competencies))
        notes_en.append(f"{len(covered)}/{len(p.technical_competencies)} technical competencies")
        notes_id.append(f"{len(covered)}/{len(p.technical_competencies)} kompetensi teknis")
    value = sum(parts) / len(parts) if parts else cfg.unknown_component
    return value, "; ".join(notes_en), "; ".join(notes_id), matching, missing, needs


def _education(e: Employee, p: Post) -> tuple[float, str, str, list[str], list[str]]:
    matching: list[str] = []
    missing: list[str] = []
    level_ok = True
    if p.min_education_level_id is not None:
        have = EDUCATION_ORDINAL.get(e.education_level_id or "", 0)
        level_ok = have >= EDUCATION_ORDINAL.get(p.min_education_level_id, 0)
        label = f"education:{EDUCATION_LEVEL.get(p.min_education_level_id, '?')}"
        (matching if level_ok else missing).append(label)
    field_ok = True
    if p.education_rumpun:
        field_ok = e.education_rumpun in p.education_rumpun
        label = f"rumpun:{'/'.join(sorted(p.education_rumpun))}"
        (matching if field_ok else missing).append(label)
    value = 50.0 * level_ok + 50.0 * field_ok
    en = "level " + ("meets" if level_ok else "below") + " minimum; field "
    en += "fits" if field_ok else "differs"
    id_ = "jenjang " + ("memenuhi" if level_ok else "di bawah") + " syarat; bidang "
    id_ += "sesuai" if field_ok else "berbeda"
    return value, en, id_, matching, missing


def score_pair(
    e: Employee,
    p: Post,
    as_of: date,
    placement: Placement | None = None,
    cfg: ScoringConfig | None = None,
) -> PairScore:
    """Score `e` for `p` (the stay option when `p` is the employee's current post)."""
    c = cfg or ScoringConfig()
    stay = p.post_id == e.current_post_id
    comp, c_en, c_id, matching, missing, needs = _competence(e, p, c)
    edu, ed_en, ed_id, m2, x2 = _education(e, p)
    matching += m2
    missing += x2
    if placement is not None and placement.box is not None:
        nb = 100.0 * (placement.box - 1) / 8
        nb_en, nb_id = f"9-box {placement.box}", f"kotak {placement.box}"
    else:
        nb = c.unplaced_ninebox
        nb_en, nb_id = "not placed in the 9-box", "belum dipetakan dalam 9-box"
    years_field = e.field_years.get(p.rumpun or "", 0.0) if p.rumpun else 0.0
    exp = (
        100.0 * min(1.0, years_field / c.experience_full_years) if p.rumpun else c.unknown_component
    )
    exp_en = f"{years_field:g} years in {p.rumpun}" if p.rumpun else "jabatan field not set"
    exp_id = (
        f"{years_field:g} tahun di bidang {p.rumpun}" if p.rumpun else "bidang jabatan belum diisi"
    )
    if e.tmt_jabatan is None:
        ten, t_en, t_id = c.unknown_component, "TMT jabatan unknown", "TMT jabatan tidak diketahui"
    else:
        y = years_between(e.tmt_jabatan, as_of)
        span = max(c.max_years - c.min_years, 1e-9)
        if stay:  # staying is favoured early in post and pushed away past the maximum
            ten = 100.0 if y <= c.min_years else max(0.0, 100.0 - 100.0 * (y - c.min_years) / span)
        else:
            ten = 0.0 if y < c.min_years else min(100.0, 40.0 + 60.0 * (y - c.min_years) / span)
        t_en = f"{y:.1f} years in current jabatan"
        t_id = f"{y:.1f} tahun dalam jabatan saat ini"
    rank = e.aspiration_rank(p)
    asp = max(0.0, 100.0 - 10.0 * (rank - 1)) if rank is not None else 0.0
    if rank is not None:
        matching.append(f"aspiration:{rank}")
    a_en = f"aspiration rank {rank}" if rank else "not among stated aspirations"
    a_id = f"aspirasi pilihan ke-{rank}" if rank else "tidak termasuk aspirasi"
    values = {
        "competence": (comp, c_en, c_id),
        "education": (edu, ed_en, ed_id),
        "ninebox": (nb, nb_en, nb_id),
        "experience": (exp, exp_en, exp_id),
        "tenure": (ten, t_en, t_id),
        "aspiration": (asp, a_en, a_id),
    }
    components = tuple(
        Component(name, v, c.weights.get(name, 0.0), en, id_)
        for name, (v, en, id_) in values.items()
    )
    tw = sum(x.weight for x in components)
    total = sum(x.value * x.weight for x in components) / tw
    return PairScore(
        nip=e.nip,
        post_id=p.post_id,
        total=round(total, 4),
        components=components,
        matching=tuple(matching),
        missing=tuple(missing),
        training=tuple(needs),
        version=c.version,
    )


def training_needs(
    employees: Iterable[Employee],
    posts: Mapping[str, Post],
    as_of: date,
    cfg: ScoringConfig | None = None,
) -> list[dict[str, object]]:
    """What training a set of employees needs in their current posts, grouped by jenis
    diklat and competency (answers "what training does this unit need")."""
    counts: Counter[tuple[str, str]] = Counter()
    who: dict[tuple[str, str], list[str]] = {}
    for e in sorted(employees, key=lambda x: x.nip):
        p = posts.get(e.current_post_id)
        if p is None:
            continue
        for need in score_pair(e, p, as_of, None, cfg).training:
            key = (need.jenis_diklat_id, need.competency)
            counts[key] += 1
            who.setdefault(key, []).append(e.nip)
    return [
        {
            "jenis_diklat_id": jd,
            "jenis_diklat": JENIS_DIKLAT[jd],
            "competency": comp,
            "employees": counts[(jd, comp)],
            "nips": who[(jd, comp)],
        }
        for (jd, comp) in sorted(counts, key=lambda k: (-counts[k], k))
    ]


def unit_training_needs(
    employees: Iterable[Employee],
    posts: Mapping[str, Post],
    as_of: date,
    cfg: ScoringConfig | None = None,
) -> list[dict[str, object]]:
    """`training_needs` per unit (the employees' current unit), units in id order."""
    units: dict[str, list[Employee]] = {}
    for e in employees:
        units.setdefault(e.unor_id, []).append(e)
    return [
        {
            "unit": unit,
            "employees": len(members),
            "needs": training_needs(members, posts, as_of, cfg),
        }
        for unit, members in sorted(units.items())
    ]
