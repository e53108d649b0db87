"""Eligibility of an employee for a post: named, versioned rules with their legal basis.

Each rule has a code (UPPER_SNAKE), a version, a regulation citation, a severity (`block`
stops the move, `warn` is shown to the Tim Penilai) and a bilingual explanation. A failed
`block` rule can be waived only by a `Waiver` naming the reason and the approver, and only
where the rule allows it (hard stops such as blocked data or retirement cannot be waived).
Where the law is a table (rank ranges, competency standards) the table lives in `tables`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar, Literal

from tatamutasi_matching.domain.model import Employee, Post, full_years_between
from tatamutasi_matching.domain.tables import (
    COMPETENCY_KEYS,
    EDUCATION_LEVEL,
    EDUCATION_ORDINAL,
    ESELON_RANK_RANGE,
    GOLONGAN,
    GOLONGAN_ORDER,
    JF_RANK_RANGE,
    MANAGERIAL_STANDARD,
    STANDARD_CITATION,
    RankRange,
)

RULESET_VERSION = "eligibility/2026.1"

Severity = Literal["block", "warn"]
Outcome = Literal["pass", "fail", "unknown", "not_applicable"]
Status = Literal["passed", "warned", "blocked", "waived", "not_applicable"]


class EligibilityError(ValueError):
    """A configuration or waiver that cannot be accepted; carries both languages."""

    def __init__(self, en: str, id_: str, *, field: str | None = None) -> None:
        super().__init__(en)
        self.message_en = en
        self.message_id = id_
        self.field = field


@dataclass(frozen=True)
class BlackoutWindow:
    """A period in which replacing officials needs written Mendagri approval."""

    name: str
    start: date
    end: date
    kind: Literal["pre_election", "post_inauguration"]

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise EligibilityError(
                f"blackout window {self.name!r} ends before it starts",
                f"jendela larangan {self.name!r} berakhir sebelum dimulai",
                field="blackout_windows",
            )

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class MendagriApproval:
    """A written Mendagri approval (UU 10/2016 Ps. 71(2)/162(3)) covering named employees."""

    reference: str
    window: str
    nips: frozenset[str]


@dataclass(frozen=True)
class EligibilityConfig:
    min_years_in_jabatan: int = 2
    max_years_in_jabatan: int = 5
    bup_horizon_months: int = 12
    contract_horizon_months: int = 0
    blackout_windows: tuple[BlackoutWindow, ...] = ()
    mendagri_approvals: tuple[MendagriApproval, ...] = ()
    unknown_blocks: bool = False  # treat missing data under a `block` rule as blocking

    def fingerprint(self) -> dict[str, object]:
        return {
            "min_years_in_jabatan": self.min_years_in_jabatan,
            "max_years_in_jabatan": self.max_years_in_jabatan,
            "bup_horizon_months": self.bup_horizon_months,
            "contract_horizon_months": self.contract_horizon_months,
            "blackout_windows": [
                [w.name, w.start.isoformat(), w.end.isoformat(), w.kind]
                for w in self.blackout_windows
            ],
            "mendagri_approvals": [
                [a.reference, a.window, sorted(a.nips)] for a in self.mendagri_approvals
            ],
            "unknown_blocks": self.unknown_blocks,
        }


@dataclass(frozen=True)
class Waiver:
    """Permission to proceed despite a failed `block` rule; recorded as an event."""

    nip: str
    rule_code: str
    reason: str
    approver: str
    post_id: str | None = None  # None = any target post
    reference: str | None = None

    def covers(self, nip: str, post_id: str, rule_code: str) -> bool:
        return (
            self.nip == nip
            and self.rule_code == rule_code
            and (self.post_id is None or self.post_id == post_id)
        )


@dataclass(frozen=True)
class Context:
    employee: Employee
    post: Post
    effective: date  # when the move takes effect
    config: EligibilityConfig

    @property
    def is_stay(self) -> bool:
        return self.post.post_id == self.employee.current_post_id


@dataclass(frozen=True)
class Check:
    outcome: Outcome
    detail_en: str = ""
    detail_id: str = ""
    data: Mapping[str, object] = field(default_factory=dict)


def _pass(en: str = "", id_: str = "", **data: object) -> Check:
    return Check("pass", en, id_, data)


def _fail(en: str, id_: str, **data: object) -> Check:
    return Check("fail", en, id_, data)


def _unknown(en: str, id_: str) -> Check:
    return Check("unknown", en, id_)


NOT_APPLICABLE = Check("not_applicable")


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


class Rule:
    code: ClassVar[str]
    version: ClassVar[str] = "1"
    citation: ClassVar[str]
    severity: ClassVar[Severity]
    waivable: ClassVar[bool] = False
    applies_to_stay: ClassVar[bool] = False
    explanation_en: ClassVar[str]
    explanation_id: ClassVar[str]

    def check(self, ctx: Context) -> Check:  # pragma: no cover - abstract
        raise NotImplementedError


class MinTenure(Rule):
    code = "MIN_TENURE_2Y"
    citation = "PP 11/2017 jo. PP 17/2020 Ps. 190(3); SE MenPANRB 19/2023"
    severity = "block"
    waivable = True  # SE 19/2023: unless the official broke the law or lost the requirements
    explanation_en = "A PNS is moved only after at least 2 years in the current jabatan."
    explanation_id = "Mutasi PNS dilakukan paling singkat 2 tahun dalam jabatan saat ini."

    def check(self, ctx: Context) -> Check:
        if ctx.is_stay:
            return NOT_APPLICABLE
        tmt = ctx.employee.tmt_jabatan
        if tmt is None:
            return _unknown("TMT jabatan is not recorded", "TMT jabatan belum tercatat")
        years = full_years_between(tmt, ctx.effective)
        minimum = ctx.config.min_years_in_jabatan
        if years < minimum:
            return _fail(
                f"{years} full year(s) in jabatan since {tmt.isoformat()}, minimum {minimum}",
                f"baru {years} tahun penuh dalam jabatan sejak {tmt.isoformat()}, "
                f"minimal {minimum}",
                years=years,
            )
        return _pass(f"{years} years in jabatan", f"{years} tahun dalam jabatan", years=years)


class MaxTenure(Rule):
    code = "MAX_TENURE_5Y"
    citation = "PP 11/2017 jo. PP 17/2020 Ps. 190(3)"
    severity = "warn"
    applies_to_stay = True
    explanation_en = "A PNS should be moved after at most 5 years in the same jabatan."
    explanation_id = "Mutasi PNS dilakukan paling lama 5 tahun dalam jabatan yang sama."

    def check(self, ctx: Context) -> Check:
        if not ctx.is_stay:
            return NOT_APPLICABLE
        tmt = ctx.employee.tmt_jabatan
        if tmt is None:
            return _unknown("TMT jabatan is not recorded", "TMT jabatan belum tercatat")
        years = full_years_between(tmt, ctx.effective)
        maximum = ctx.config.max_years_in_jabatan
        if ctx.effective > add_months(tmt, 12 * maximum):
            return _fail(
                f"{years} year(s) in the same jabatan, more than {maximum}: should be moved",
                f"{years} tahun dalam jabatan yang sama, melebihi {maximum}: perlu dimutasi",
                years=years,
            )
        return _pass(f"{years} years in jabatan", f"{years} tahun dalam jabatan", years=years)


def rank_range(post: Post) -> RankRange | None:
    """The post's golongan range: explicit on the post, else the eselon or JF table."""
    if post.golongan_min or post.golongan_max:
        return RankRange(
            post.golongan_min or "11", post.golongan_max or "45", "Peta jabatan / Anjab"
        )
    if post.jenis_jabatan in ("1", "3") and post.eselon_id in ESELON_RANK_RANGE:
        return ESELON_RANK_RANGE[post.eselon_id]
    if post.jf_jenjang in JF_RANK_RANGE:
        return JF_RANK_RANGE[post.jf_jenjang]
    return None


class GolonganRange(Rule):
    code = "GOLONGAN_RANGE"
    citation = "PP 100/2000 jo. PP 13/2002; PermenPANRB jabatan fungsional (pangkat per jenjang)"
    severity = "block"
    waivable = True
    explanation_en = "The employee's golongan must lie within the target jabatan's rank range."
    explanation_id = "Golongan pegawai harus berada dalam rentang pangkat jabatan tujuan."

    def check(self, ctx: Context) -> Check:
        if ctx.is_stay or ctx.employee.kind == "PPPK":
            return NOT_APPLICABLE
        rng = rank_range(ctx.post)
        if rng is None:
            return _pass("no rank range for this jabatan", "jabatan ini tanpa rentang pangkat")
        gol = ctx.employee.golongan_id
        if gol not in GOLONGAN_ORDER:
            return _unknown("golongan is not recorded", "golongan belum tercatat")
        lo, hi = GOLONGAN[rng.lowest], GOLONGAN[rng.highest]
        if not GOLONGAN_ORDER[rng.lowest] <= GOLONGAN_ORDER[gol] <= GOLONGAN_ORDER[rng.highest]:
            return _fail(
                f"golongan {GOLONGAN[gol]} is outside {lo}–{hi} ({rng.citation})",
                f"golongan {GOLONGAN[gol]} di luar rentang {lo}–{hi} ({rng.citation})",
                golongan=gol,
                range=[rng.lowest, rng.highest],
            )
        return _pass(
            f"golongan {GOLONGAN[gol]} within {lo}–{hi}",
            f"golongan {GOLONGAN[gol]} dalam rentang {lo}–{hi}",
            range=[rng.lowest, rng.highest],
        )


class EducationLevel(Rule):
    code = "EDUCATION_LEVEL"
    citation = "PP 11/2017 Ps. 54, 55, 107 (kualifikasi pendidikan jabatan)"
    severity = "block"
    waivable = True
    explanation_en = "The employee's education must meet the jabatan's minimum level."
    explanation_id = "Pendidikan pegawai harus memenuhi jenjang minimal jabatan."

    def check(self, ctx: Context) -> Check:
        minimum = ctx.post.min_education_level_id
        if ctx.is_stay or minimum is None:
            return NOT_APPLICABLE
        have = ctx.employee.education_level_id
        if have not in EDUCATION_ORDINAL:
            return _unknown("education level is not recorded", "jenjang pendidikan belum tercatat")
        if EDUCATION_ORDINAL[have] < EDUCATION_ORDINAL.get(minimum, 0):
            return _fail(
                f"{EDUCATION_LEVEL[have]} is below the required {EDUCATION_LEVEL.get(minimum)}",
                f"{EDUCATION_LEVEL[have]} di bawah syarat {EDUCATION_LEVEL.get(minimum)}",
                have=have,
                required=minimum,
            )
        return _pass(
            f"{EDUCATION_LEVEL[have]} meets {EDUCATION_LEVEL.get(minimum)}",
            f"{EDUCATION_LEVEL[have]} memenuhi {EDUCATION_LEVEL.get(minimum)}",
        )


class EducationField(Rule):
    code = "EDUCATION_FIELD"
    citation = "PP 11/2017 jo. PP 17/2020 Ps. 190(4) (kesesuaian kompetensi dengan persyaratan)"
    severity = "warn"
    explanation_en = "The field of study should match the fields the jabatan accepts."
    explanation_id = "Bidang pendidikan sebaiknya sesuai dengan bidang yang disyaratkan jabatan."

    def check(self, ctx: Context) -> Check:
        accepted = ctx.post.education_rumpun
        if ctx.is_stay or not accepted:
            return NOT_APPLICABLE
        have = ctx.employee.education_rumpun
        if have is None:
            return _unknown("field of study is not recorded", "bidang pendidikan belum tercatat")
        if have not in accepted:
            return _fail(
                f"field {have!r} is not among {sorted(accepted)}",
                f"bidang {have!r} tidak termasuk {sorted(accepted)}",
                have=have,
            )
        return _pass(f"field {have!r} accepted", f"bidang {have!r} sesuai")


def competency_standard(post: Post) -> int | None:
    if post.competency_standard is not None:
        return post.competency_standard
    return MANAGERIAL_STANDARD.get(post.jabatan_class)


class ManagerialCompetency(Rule):
    code = "MANAGERIAL_COMPETENCY"
    citation = STANDARD_CITATION
    severity = "warn"
    explanation_en = (
        "Managerial and socio-cultural competency levels should meet the jabatan standard."
    )
    explanation_id = "Level kompetensi manajerial dan sosial kultural sebaiknya memenuhi standar."

    def check(self, ctx: Context) -> Check:
        standard = competency_standard(ctx.post)
        if ctx.is_stay or standard is None:
            return NOT_APPLICABLE
        a = ctx.employee.assessment
        if a is None or not a.levels:
            return _unknown("no competency assessment", "belum ada asesmen kompetensi")
        gaps = {k: a.levels.get(k, 0.0) for k in COMPETENCY_KEYS if a.levels.get(k, 0.0) < standard}
        if gaps:
            listed = ", ".join(f"{k} {v:g}<{standard}" for k, v in sorted(gaps.items()))
            return _fail(
                f"below standard level {standard}: {listed}",
                f"di bawah standar level {standard}: {listed}",
                gaps=sorted(gaps),
                standard=standard,
            )
        return _pass(
            f"all competencies at or above level {standard}",
            f"semua kompetensi memenuhi level {standard}",
        )


class RetirementBUP(Rule):
    code = "RETIREMENT_BUP"
    citation = "PP 11/2017 Ps. 239–240 (batas usia pensiun)"
    severity = "block"
    explanation_en = (
        "Nobody is moved who retires before the move takes effect or within the horizon."
    )
    explanation_id = (
        "Pegawai yang pensiun sebelum mutasi berlaku atau dalam horizon tidak dimutasi."
    )

    def check(self, ctx: Context) -> Check:
        if ctx.is_stay:
            return NOT_APPLICABLE
        tmt = ctx.employee.tmt_pensiun
        if tmt is None:
            return _unknown("retirement date (BUP) is not recorded", "TMT pensiun belum tercatat")
        limit = add_months(ctx.effective, ctx.config.bup_horizon_months)
        if tmt <= limit:
            return _fail(
                f"retires on {tmt.isoformat()}, before {limit.isoformat()} "
                f"({ctx.config.bup_horizon_months} months after the move)",
                f"pensiun {tmt.isoformat()}, sebelum {limit.isoformat()} "
                f"({ctx.config.bup_horizon_months} bulan setelah mutasi)",
                tmt_pensiun=tmt.isoformat(),
            )
        return _pass(f"retires on {tmt.isoformat()}", f"pensiun {tmt.isoformat()}")


class ActiveDiscipline(Rule):
    code = "ACTIVE_DISCIPLINE"
    citation = "PP 94/2021 (Disiplin PNS); SE MenPANRB 19/2023"
    severity = "block"
    explanation_en = "An employee serving a disciplinary sanction is not moved."
    explanation_id = "Pegawai yang sedang menjalani hukuman disiplin tidak dimutasi."

    def check(self, ctx: Context) -> Check:
        if ctx.is_stay:
            return NOT_APPLICABLE
        active = [s for s in ctx.employee.sanctions if s.active_on(ctx.effective)]
        if active:
            s = active[0]
            until = s.end.isoformat() if s.end else "open-ended"
            return _fail(
                f"{s.level} sanction from {s.start.isoformat()} until {until}",
                f"hukuman disiplin {s.level} sejak {s.start.isoformat()} s.d. {until}",
                level=s.level,
            )
        return _pass("no active sanction", "tidak sedang menjalani hukuman disiplin")


class DataBlocked(Rule):
    code = "DATA_BLOCKED"
    citation = "Peraturan BKN 1/2023 (pemblokiran data PNS); kedudukan hukum 92"
    severity = "block"
    explanation_en = "An employee whose data is blocked by BKN cannot be moved."
    explanation_id = "Pegawai yang datanya diblokir BKN tidak dapat dimutasi."

    def check(self, ctx: Context) -> Check:
        if ctx.is_stay:
            return NOT_APPLICABLE
        if ctx.employee.kedudukan_id == "92":
            return _fail("kedudukan hukum 92: data blocked", "kedudukan hukum 92: data diblokir")
        return _pass()


class NotActive(Rule):
    code = "NOT_ACTIVE"
    citation = "PP 11/2017 Ps. 190; BKN kedudukan hukum 01 (Aktif)"
    severity = "block"
    explanation_en = "Only an active employee (kedudukan hukum 01) is moved."
    explanation_id = "Hanya pegawai aktif (kedudukan hukum 01) yang dimutasi."

    def check(self, ctx: Context) -> Check:
        kedudukan = ctx.employee.kedudukan_id
        if ctx.is_stay or kedudukan == "92":
            return NOT_APPLICABLE
        if kedudukan is None:
            return _unknown("kedudukan hukum is not recorded", "kedudukan hukum belum tercatat")
        if kedudukan != "01":
            return _fail(
                f"kedudukan hukum {kedudukan} is not active",
                f"kedudukan hukum {kedudukan} bukan aktif",
                kedudukan=kedudukan,
            )
        return _pass()


class PPPKContractEnd(Rule):
    code = "PPPK_CONTRACT_END"
    citation = "PP 49/2018 jo. UU 20/2023 (perjanjian kerja PPPK)"
    severity = "block"
    explanation_en = "A PPPK whose contract ends before the move takes effect is not moved."
    explanation_id = "PPPK yang perjanjian kerjanya berakhir sebelum mutasi berlaku tidak dimutasi."

    def check(self, ctx: Context) -> Check:
        if ctx.is_stay or ctx.employee.kind != "PPPK":
            return NOT_APPLICABLE
        end = ctx.employee.contract_end
        if end is None:
            return _unknown("contract end is not recorded", "akhir perjanjian kerja belum tercatat")
        limit = add_months(ctx.effective, ctx.config.contract_horizon_months)
        if end < limit:
            return _fail(
                f"contract ends on {end.isoformat()}, before {limit.isoformat()}",
                f"perjanjian kerja berakhir {end.isoformat()}, sebelum {limit.isoformat()}",
                contract_end=end.isoformat(),
            )
        return _pass(f"contract until {end.isoformat()}", f"kontrak s.d. {end.isoformat()}")


class ElectionBlackout(Rule):
    code = "ELECTION_BLACKOUT"
    citation = "UU 10/2016 Ps. 71(2) dan 162(3)"
    severity = "block"
    explanation_en = (
        "Inside an election blackout (6 months before candidate determination until the end "
        "of term; 6 months after inauguration) officials are replaced only with written "
        "Mendagri approval."
    )
    explanation_id = (
        "Dalam masa larangan pilkada (6 bulan sebelum penetapan paslon s.d. akhir masa "
        "jabatan; 6 bulan setelah pelantikan) penggantian pejabat wajib persetujuan tertulis "
        "Mendagri."
    )

    def check(self, ctx: Context) -> Check:
        if ctx.is_stay:
            return NOT_APPLICABLE
        windows = [w for w in ctx.config.blackout_windows if w.contains(ctx.effective)]
        if not windows:
            return _pass("outside every blackout window", "di luar masa larangan")
        nip = ctx.employee.nip
        for w in windows:
            approval = next(
                (a for a in ctx.config.mendagri_approvals if a.window == w.name and nip in a.nips),
                None,
            )
            if approval is None:
                return _fail(
                    f"{ctx.effective.isoformat()} is inside {w.name!r} "
                    f"({w.start.isoformat()}–{w.end.isoformat()}) and no Mendagri approval "
                    "covers this employee",
                    f"{ctx.effective.isoformat()} dalam masa {w.name!r} "
                    f"({w.start.isoformat()}–{w.end.isoformat()}) tanpa persetujuan Mendagri "
                    "untuk pegawai ini",
                    window=w.name,
                )
        refs = sorted(
            a.reference
            for a in ctx.config.mendagri_approvals
            if nip in a.nips and any(a.window == w.name for w in windows)
        )
        return _pass(
            f"inside a blackout, approved by Mendagri {', '.join(refs)}",
            f"dalam masa larangan, disetujui Mendagri {', '.join(refs)}",
            mendagri_approval=refs,
        )


RULES: tuple[Rule, ...] = (
    DataBlocked(),
    NotActive(),
    RetirementBUP(),
    PPPKContractEnd(),
    ActiveDiscipline(),
    ElectionBlackout(),
    MinTenure(),
    MaxTenure(),
    GolonganRange(),
    EducationLevel(),
    EducationField(),
    ManagerialCompetency(),
)
RULES_BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}


def ruleset_versions() -> dict[str, str]:
    return {"ruleset": RULESET_VERSION, **{r.code: r.version for r in RULES}}


@dataclass(frozen=True)
class RuleResult:
    code: str
    version: str
    severity: Severity
    citation: str
    status: Status
    explanation_en: str
    explanation_id: str
    detail_en: str
    detail_id: str
    waiver: Waiver | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "code": self.code,
            "version": self.version,
            "severity": self.severity,
            "citation": self.citation,
            "status": self.status,
            "explanation": {"en": self.explanation_en, "id": self.explanation_id},
            "detail": {"en": self.detail_en, "id": self.detail_id},
        }
        if self.waiver is not None:
            out["waiver"] = {
                "reason": self.waiver.reason,
                "approver": self.waiver.approver,
                "reference": self.waiver.reference,
            }
        return out


@dataclass(frozen=True)
class Evaluation:
    nip: str
    post_id: str
    results: tuple[RuleResult, ...]

    @property
    def eligible(self) -> bool:
        return not self.blocked

    def _with(self, status: Status) -> list[RuleResult]:
        return [r for r in self.results if r.status == status]

    @property
    def blocked(self) -> list[RuleResult]:
        return self._with("blocked")

    @property
    def warned(self) -> list[RuleResult]:
        return self._with("warned")

    @property
    def passed(self) -> list[RuleResult]:
        return self._with("passed")

    @property
    def waived(self) -> list[RuleResult]:
        return self._with("waived")

    def summary(self) -> dict[str, list[str]]:
        return {
            s: [r.code for r in self._with(s)] for s in ("passed", "warned", "blocked", "waived")
        }


def make_waiver(
    *,
    nip: str,
    rule_code: str,
    reason: str,
    approver: str,
    post_id: str | None = None,
    reference: str | None = None,
) -> Waiver:
    """Validate and build a waiver: only waivable `block` rules, with a reason and approver."""
    rule = RULES_BY_CODE.get(rule_code)
    if rule is None:
        raise EligibilityError(
            f"unknown rule {rule_code!r}", f"aturan {rule_code!r} tidak dikenal", field="rule_code"
        )
    if rule.severity != "block" or not rule.waivable:
        raise EligibilityError(
            f"rule {rule_code} cannot be waived",
            f"aturan {rule_code} tidak dapat dikecualikan",
            field="rule_code",
        )
    if not reason.strip():
        raise EligibilityError(
            "a waiver needs a reason", "pengecualian wajib disertai alasan", field="reason"
        )
    if not approver.strip():
        raise EligibilityError(
            "a waiver needs an approver", "pengecualian wajib disertai pemberi persetujuan",
            field="approver",
        )  # fmt: skip
    return Waiver(nip, rule_code, reason.strip(), approver.strip(), post_id, reference)


def evaluate(
    employee: Employee,
    post: Post,
    effective: date,
    config: EligibilityConfig | None = None,
    waivers: Iterable[Waiver] = (),
    rules: Iterable[Rule] = RULES,
) -> Evaluation:
    """Run every rule for moving `employee` to `post` (or keeping them there) on `effective`."""
    cfg = config or EligibilityConfig()
    ctx = Context(employee, post, effective, cfg)
    waiver_list = list(waivers)
    results: list[RuleResult] = []
    for rule in rules:
        chk = rule.check(ctx)
        waiver = None
        status: Status
        if chk.outcome == "not_applicable":
            status = "not_applicable"
        elif chk.outcome == "pass":
            status = "passed"
        elif chk.outcome == "unknown":
            status = "blocked" if rule.severity == "block" and cfg.unknown_blocks else "warned"
        elif rule.severity == "warn":
            status = "warned"
        else:
            status = "blocked"
            if rule.waivable:
                waiver = next(
                    (w for w in waiver_list if w.covers(employee.nip, post.post_id, rule.code)),
                    None,
                )
                if waiver is not None:
                    status = "waived"
        results.append(
            RuleResult(
                code=rule.code,
                version=rule.version,
                severity=rule.severity,
                citation=rule.citation,
                status=status,
                explanation_en=rule.explanation_en,
                explanation_id=rule.explanation_id,
                detail_en=chk.detail_en,
                detail_id=chk.detail_id,
                waiver=waiver,
            )
        )
    return Evaluation(employee.nip, post.post_id, tuple(results))
