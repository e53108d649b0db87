"""Jabatan requirements and their evaluation: "does this holder meet this jabatan?"

Pure code shared by the gap report (holders who do not meet their post) and the matching
engine (candidates for a post). Every requirement that fails or cannot be checked is listed
with a rule code, so the caller can explain the outcome. Unknown facts are reported as
`unknown`, never silently passed or failed."""

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from tatamutasi_formasi.domain.codes import (
    EDUCATION_LEVELS,
    GOLONGAN,
    MANAGERIAL_LEVEL,
    TRAINING_CODES,
    JabatanLevel,
    golongan_rank,
)

ConditionOp = Literal["eq", "ne", "ge", "le", "gt", "lt", "in", "is"]
FactType = Literal["int", "number", "bool", "text"]

# Typed facts an "other requirement" may name. A condition on any other code is refused.
CONDITION_FACTS: dict[str, tuple[FactType, str]] = {
    "age": ("int", "Age in years on the evaluation date"),
    "years_of_service": ("int", "Years since TMT CPNS"),
    "years_in_current_level": ("int", "Years in the current jabatan level"),
    "years_relevant_experience": ("int", "Cumulative relevant experience in years"),
    "skp_baik_years": ("int", "Consecutive recent years with SKP at least Baik"),
    "no_discipline_years": ("int", "Years without a moderate or heavy sanction"),
    "jpm_percent": ("number", "Job Person Match, percent"),
    "health_certificate": ("bool", "Holds a health certificate"),
    "str_profesi": ("bool", "Holds a valid professional registration (STR)"),
    "pns": ("bool", "Is a PNS (not PPPK)"),
    "certification": ("text", "A named certification"),
}

_OPS_BY_TYPE: dict[FactType, frozenset[str]] = {
    "int": frozenset({"eq", "ne", "ge", "le", "gt", "lt", "in"}),
    "number": frozenset({"eq", "ne", "ge", "le", "gt", "lt"}),
    "bool": frozenset({"is"}),
    "text": frozenset({"eq", "ne", "in"}),
}


class RequirementError(ValueError):
    """A requirement that cannot be stored: unknown code, wrong type or impossible range."""

    def __init__(self, field: str, en: str, id_: str) -> None:
        super().__init__(en)
        self.field = field
        self.en = en
        self.id_ = id_


@dataclass(frozen=True)
class EducationOption:
    """At least `min_level_id`, in one of `fields` (empty = any field)."""

    min_level_id: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Competency:
    code: str
    level: int


@dataclass(frozen=True)
class Condition:
    code: str
    op: ConditionOp
    value: bool | int | float | str | tuple[str, ...]


@dataclass(frozen=True)
class Requirements:
    min_golongan_id: str | None = None
    max_golongan_id: str | None = None
    education: tuple[EducationOption, ...] = ()
    managerial_level: int | None = None
    technical: tuple[Competency, ...] = ()
    training: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()


def default_managerial_level(level: JabatanLevel) -> int | None:
    """PermenPANRB 38/2017 standard; JF levels vary and have no default."""
    return MANAGERIAL_LEVEL.get(level)


def validate(req: Requirements) -> None:
    """Raise RequirementError for the first unknown code, bad type or impossible range."""
    for name, gid in (
        ("min_golongan_id", req.min_golongan_id),
        ("max_golongan_id", req.max_golongan_id),
    ):
        if gid is not None and gid not in GOLONGAN:
            raise RequirementError(
                name, f"Unknown golongan id {gid!r}", f"Kode golongan {gid!r} tidak dikenal"
            )
    if (
        req.min_golongan_id
        and req.max_golongan_id
        and golongan_rank(req.min_golongan_id) > golongan_rank(req.max_golongan_id)
    ):
        raise RequirementError(
            "max_golongan_id",
            "The maximum golongan is below the minimum",
            "Golongan maksimal lebih rendah dari golongan minimal",
        )
    for i, opt in enumerate(req.education):
        if opt.min_level_id not in EDUCATION_LEVELS:
            raise RequirementError(
                f"requirements.education[{i}].min_level_id",
                f"Unknown education level id {opt.min_level_id!r}",
                f"Kode tingkat pendidikan {opt.min_level_id!r} tidak dikenal",
            )
    for i, t in enumerate(req.training):
        if t not in TRAINING_CODES:
            raise RequirementError(
                f"requirements.training[{i}]",
                f"Unknown training code {t!r}; known: {', '.join(TRAINING_CODES)}",
                f"Kode diklat {t!r} tidak dikenal; yang dikenal: {', '.join(TRAINING_CODES)}",
            )
    for i, c in enumerate(req.conditions):
        _validate_condition(i, c)


def _validate_condition(i: int, c: Condition) -> None:
    where = f"requirements.conditions[{i}]"
    if c.code not in CONDITION_FACTS:
        raise RequirementError(
            f"{where}.code",
            f"Unknown condition code {c.code!r}; known: {', '.join(CONDITION_FACTS)}",
            f"Kode syarat {c.code!r} tidak dikenal; yang dikenal: {', '.join(CONDITION_FACTS)}",
        )
    ftype = CONDITION_FACTS[c.code][0]
    if c.op not in _OPS_BY_TYPE[ftype]:
        raise RequirementError(
            f"{where}.op",
            f"Operator {c.op!r} does not apply to a {ftype} fact",
            f"Operator {c.op!r} tidak berlaku untuk fakta bertipe {ftype}",
        )
    v = c.value
    ok: bool
    if c.op == "in":
        item_ok = (lambda x: isinstance(x, str)) if ftype == "text" else _is_int_text
        ok = isinstance(v, tuple) and len(v) > 0 and all(item_ok(x) for x in v)
    elif ftype == "bool":
        ok = isinstance(v, bool)
    elif ftype == "int":
        ok = isinstance(v, int) and not isinstance(v, bool)
    elif ftype == "number":
        ok = isinstance(v, int | float) and not isinstance(v, bool)
    else:
        ok = isinstance(v, str)
    if not ok:
        raise RequirementError(
            f"{where}.value",
            f"The value does not fit the {ftype} fact {c.code!r}",
            f"Nilai tidak sesuai dengan fakta {c.code!r} bertipe {ftype}",
        )


def _is_int_text(x: object) -> bool:
    return isinstance(x, str) and x.lstrip("-").isdigit()


# -- evaluation --------------------------------------------------------------------------
@dataclass(frozen=True)
class Holder:
    """What is known about a person. None / missing = unknown (reported, not guessed)."""

    golongan_id: str | None = None
    education_level_id: str | None = None
    education_field: str | None = None
    managerial_scores: Mapping[str, float] | None = None
    technical: Mapping[str, int] | None = None
    training: frozenset[str] | None = None
    facts: Mapping[str, bool | int | float | str] = field(default_factory=dict)


Outcome = Literal["met", "not_met", "unknown"]


@dataclass(frozen=True)
class Check:
    code: str  # rule code, e.g. GOLONGAN_BELOW_MIN
    outcome: Outcome
    en: str
    id_: str


@dataclass(frozen=True)
class Evaluation:
    checks: tuple[Check, ...]

    @property
    def met(self) -> bool:
        return all(c.outcome == "met" for c in self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.outcome == "not_met")

    @property
    def unknown(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.outcome == "unknown")


ASPECTS = ("golongan", "education", "managerial", "technical", "training", "conditions")


def evaluate(req: Requirements, holder: Holder, *, aspects: Iterable[str] = ASPECTS) -> Evaluation:
    """Check `holder` against `req` on the chosen aspects (default: all)."""
    wanted = set(aspects)
    checks: list[Check] = []
    if "golongan" in wanted:
        checks += _golongan(req, holder)
    if "education" in wanted and req.education:
        checks.append(_education(req.education, holder))
    if "managerial" in wanted and req.managerial_level is not None:
        checks.append(_managerial(req.managerial_level, holder))
    if "technical" in wanted:
        checks += [_technical(c, holder) for c in req.technical]
    if "training" in wanted:
        checks += [_training(t, holder) for t in req.training]
    if "conditions" in wanted:
        checks += [_condition(c, holder) for c in req.conditions]
    return Evaluation(tuple(checks))


def _golongan(req: Requirements, h: Holder) -> list[Check]:
    out: list[Check] = []
    if req.min_golongan_id is None and req.max_golongan_id is None:
        return out
    if h.golongan_id is None or h.golongan_id not in GOLONGAN:
        return [
            Check("GOLONGAN_UNKNOWN", "unknown", "Golongan unknown", "Golongan tidak diketahui")
        ]
    rank = golongan_rank(h.golongan_id)
    name = GOLONGAN[h.golongan_id]
    if req.min_golongan_id is not None:
        lo = GOLONGAN[req.min_golongan_id]
        ok = rank >= golongan_rank(req.min_golongan_id)
        out.append(
            Check(
                "GOLONGAN_MIN",
                "met" if ok else "not_met",
                f"Golongan {name} {'meets' if ok else 'is below'} the minimum {lo}",
                f"Golongan {name} {'memenuhi' if ok else 'di bawah'} batas minimal {lo}",
            )
        )
    if req.max_golongan_id is not None:
        hi = GOLONGAN[req.max_golongan_id]
        ok = rank <= golongan_rank(req.max_golongan_id)
        out.append(
            Check(
                "GOLONGAN_MAX",
                "met" if ok else "not_met",
                f"Golongan {name} {'is within' if ok else 'is above'} the maximum {hi}",
                f"Golongan {name} {'dalam' if ok else 'di atas'} batas maksimal {hi}",
            )
        )
    return out


@functools.lru_cache(maxsize=65536)
def normalise_field(text: str) -> str:
    return " ".join(text.upper().replace("-", " ").replace(".", " ").split())


def field_matches(wanted: str, actual: str) -> bool:
    """`Keperawatan` matches `S-1 ILMU KEPERAWATAN`: the wanted words appear, in order."""
    w = normalise_field(wanted)
    return bool(w) and f" {w} " in f" {normalise_field(actual)} "


def _education(options: tuple[EducationOption, ...], h: Holder) -> Check:
    wanted = " / ".join(
        EDUCATION_LEVELS[o.min_level_id][0] + (f" ({', '.join(o.fields)})" if o.fields else "")
        for o in options
    )
    if h.education_level_id is None or h.education_level_id not in EDUCATION_LEVELS:
        return Check(
            "EDUCATION_UNKNOWN",
            "unknown",
            f"Education unknown; wanted {wanted}",
            f"Pendidikan tidak diketahui; syarat {wanted}",
        )
    order = EDUCATION_LEVELS[h.education_level_id][1]
    field_unknown = False
    for o in options:
        if order < EDUCATION_LEVELS[o.min_level_id][1]:
            continue
        if not o.fields:
            return Check(
                "EDUCATION", "met", f"Education meets {wanted}", f"Pendidikan memenuhi {wanted}"
            )
        if h.education_field is None:
            field_unknown = True
            continue
        if any(field_matches(f, h.education_field) for f in o.fields):
            return Check(
                "EDUCATION", "met", f"Education meets {wanted}", f"Pendidikan memenuhi {wanted}"
            )
    if field_unknown:
        return Check(
            "EDUCATION_FIELD_UNKNOWN",
            "unknown",
            f"Field of study unknown; wanted {wanted}",
            f"Jurusan tidak diketahui; syarat {wanted}",
        )
    have = EDUCATION_LEVELS[h.education_level_id][0] + (
        f" {h.education_field}" if h.education_field else ""
    )
    return Check(
        "EDUCATION",
        "not_met",
        f"Education {have} does not meet {wanted}",
        f"Pendidikan {have} tidak memenuhi syarat {wanted}",
    )


def _managerial(level: int, h: Holder) -> Check:
    if not h.managerial_scores:
        return Check(
            "MANAGERIAL_UNKNOWN",
            "unknown",
            f"No managerial assessment; level {level} required",
            f"Belum ada asesmen manajerial; syarat level {level}",
        )
    low = sorted(k for k, v in h.managerial_scores.items() if v < level)
    if not low:
        return Check(
            "MANAGERIAL",
            "met",
            f"Managerial level {level} met",
            f"Level manajerial {level} terpenuhi",
        )
    return Check(
        "MANAGERIAL",
        "not_met",
        f"Below level {level} in: {', '.join(low)}",
        f"Di bawah level {level} pada: {', '.join(low)}",
    )


def _technical(c: Competency, h: Holder) -> Check:
    if h.technical is None or c.code not in h.technical:
        return Check(
            "TECHNICAL_UNKNOWN",
            "unknown",
            f"No assessment of {c.code}",
            f"Belum ada penilaian {c.code}",
        )
    ok = h.technical[c.code] >= c.level
    return Check(
        "TECHNICAL",
        "met" if ok else "not_met",
        f"{c.code}: level {h.technical[c.code]} of {c.level}",
        f"{c.code}: level {h.technical[c.code]} dari {c.level}",
    )


def _training(code: str, h: Holder) -> Check:
    if h.training is None:
        return Check(
            "TRAINING_UNKNOWN",
            "unknown",
            f"Training {code} unknown",
            f"Diklat {code} tidak diketahui",
        )
    ok = code in h.training
    return Check(
        "TRAINING",
        "met" if ok else "not_met",
        f"Training {code} {'done' if ok else 'missing'}",
        f"Diklat {code} {'sudah' if ok else 'belum'} diikuti",
    )


def _condition(c: Condition, h: Holder) -> Check:
    code = f"CONDITION_{c.code.upper()}"
    if c.code not in h.facts:
        return Check(code, "unknown", f"{c.code} unknown", f"{c.code} tidak diketahui")
    actual = h.facts[c.code]
    v = c.value
    ok: bool
    if c.op == "is":
        ok = actual is v or actual == v
    elif c.op == "in":
        ok = str(actual) in (v if isinstance(v, tuple) else (str(v),))
    elif c.op == "eq":
        ok = actual == v
    elif c.op == "ne":
        ok = actual != v
    else:
        try:
            a, b = float(actual), float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return Check(code, "unknown", f"{c.code} is not a number", f"{c.code} bukan angka")
        ok = {"ge": a >= b, "le": a <= b, "gt": a > b, "lt": a < b}[c.op]
    return Check(
        code,
        "met" if ok else "not_met",
        f"{c.code} = {actual!r} ({c.op} {v!r})",
        f"{c.code} = {actual!r} ({c.op} {v!r})",
    )


_RANK = {gid: i for i, gid in enumerate(GOLONGAN)}


class BasicCheck:
    """A fast yes/no on golongan and education for one jabatan, for reports over tens of
    thousands of holders: `passes` is True exactly when `evaluate(..., aspects=("golongan",
    "education"))` has no failed check (unknown facts do not fail). Call `evaluate` for the
    explanation of the few that do not pass."""

    def __init__(self, req: Requirements) -> None:
        self._lo = _RANK[req.min_golongan_id] if req.min_golongan_id else None
        self._hi = _RANK[req.max_golongan_id] if req.max_golongan_id else None
        self._options = [
            (
                EDUCATION_LEVELS[o.min_level_id][1],
                tuple(f" {normalise_field(f)} " for f in o.fields),
            )
            for o in req.education
        ]

    def passes(self, golongan_id: str | None, level_id: str | None, field: str | None) -> bool:
        rank = _RANK.get(golongan_id or "")
        if rank is not None and (
            (self._lo is not None and rank < self._lo) or (self._hi is not None and rank > self._hi)
        ):
            return False
        if not self._options or level_id not in EDUCATION_LEVELS:
            return True
        order = EDUCATION_LEVELS[level_id][1]
        reachable = [fields for need, fields in self._options if order >= need]
        if not reachable:
            return False
        if any(not fields for fields in reachable) or field is None:
            return True  # any field will do, or the field is unknown (not a failure)
        have = f" {normalise_field(field)} "
        return any(w != "  " and w in have for fields in reachable for w in fields)


def years_between(start: date, end: date) -> int:
    """Whole years from `start` to `end` (birthday arithmetic; 29 Feb counts on 28 Feb)."""
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years
