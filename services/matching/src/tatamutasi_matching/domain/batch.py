"""Eligibility and scoring of every employee × post at once, with numpy.

The same rules as `eligibility.evaluate` and the same formula as `scoring.score_pair`, laid
out as arrays so a whole Pemda (30k employees × thousands of posts) is scored in seconds:

- **employee-level rules** (data blocked, not active, BUP, PPPK contract, discipline,
  election blackout, minimum tenure) do not depend on the target post: they are run once
  per employee with the rule objects themselves;
- **pair rules** (golongan range, education level) and the **score components** depend on
  the post only through its requirement *profile* (standard, technical competencies, rank
  range, education, rumpun), so they are computed per employee × profile and spread to
  posts; the aspiration component, the only part that names a post, is added per pair;
- waivers for any post are applied in the arrays; a waiver naming one post is rare and is
  settled by `evaluate` itself for exactly that pair.

The floating-point operations are those of `score_pair`, in the same order, so the integer
scores are identical (a property test compares both on random Pemdas); `round(x, 4)` is
redone in Python for the few values on a rounding tie."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np

from tatamutasi_matching.domain.eligibility import (
    RULES,
    RULES_BY_CODE,
    EligibilityConfig,
    Waiver,
    add_months,
    competency_standard,
    evaluate,
    rank_range,
)
from tatamutasi_matching.domain.model import Employee, Post, full_years_between, years_between
from tatamutasi_matching.domain.ninebox import NineBoxConfig, Placement, place
from tatamutasi_matching.domain.scoring import COMPONENTS, ScoringConfig, score_pair
from tatamutasi_matching.domain.tables import (
    COMPETENCY_KEYS,
    EDUCATION_ORDINAL,
    GOLONGAN_ORDER,
)

EMPLOYEE_RULES = (
    "DATA_BLOCKED",
    "NOT_ACTIVE",
    "RETIREMENT_BUP",
    "PPPK_CONTRACT_END",
    "ACTIVE_DISCIPLINE",
    "ELECTION_BLACKOUT",
    "MIN_TENURE_2Y",
)
PAIR_RULES = ("GOLONGAN_RANGE", "EDUCATION_LEVEL")
_UNBLOCKED = {r.code for r in RULES if r.severity == "warn"}
if set(EMPLOYEE_RULES) | set(PAIR_RULES) | _UNBLOCKED != set(RULES_BY_CODE):  # pragma: no cover
    raise RuntimeError("a block rule is not vectorised in domain/batch.py")

_CELLS = 3_000_000  # employee × post cells per chunk (bounds memory)


@dataclass(frozen=True)
class RoundSettings:
    """What the arrays depend on besides the people and posts."""

    effective: date
    eligibility: EligibilityConfig = field(default_factory=EligibilityConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    ninebox: NineBoxConfig = field(default_factory=NineBoxConfig)


def _round4(x: np.ndarray) -> np.ndarray:
    """`round(v, 4)` of Python for every v (numpy's rint path, Python on the ties)."""
    y = np.round(x, 4)
    scaled = x * 1e4
    tie = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    if tie.any():
        idx = np.nonzero(tie)
        y[idx] = [round(v, 4) for v in x[idx].tolist()]
    return y


def to_scores(total: np.ndarray) -> np.ndarray:
    """Integer scores (0..1000) from raw weighted totals, exactly as `PairScore.score`."""
    return np.rint(_round4(total) * 1000 / 100).astype(np.int64)


@dataclass
class Employees:
    """Per-employee features for one round (effective date and configuration)."""

    settings: RoundSettings
    people: list[Employee]
    index: dict[str, int]
    placements: list[Placement]
    gol: np.ndarray  # golongan ordinal, -1 unknown
    pppk: np.ndarray
    edu_known: np.ndarray  # education level in the table (eligibility's "unknown")
    edu_ord: np.ndarray  # ordinal, 0 when unknown (scoring)
    rumpun: list[str | None]
    levels: np.ndarray  # N × 9 competency levels (missing = 0)
    has_levels: np.ndarray
    have: list[frozenset[str]]  # technical competencies incl. training
    ninebox: np.ndarray
    tenure_move: np.ndarray
    tenure_stay: np.ndarray
    blocked_rules: list[tuple[str, ...]]  # failing employee-level block rules (waivable ones)
    hard_blocked: np.ndarray  # blocked by a rule no waiver can lift
    _jpm: dict[int, np.ndarray] = field(default_factory=dict)

    @cached_property
    def vocab(self) -> "_Vocab":
        return _Vocab.of(self.people, self.rumpun, self.have, self.blocked_rules)

    def jpm(self, standard: int) -> np.ndarray:
        """`100 × mean(min(1, level / standard))` over the nine keys, per employee."""
        if standard not in self._jpm:
            acc = np.zeros(len(self.people))
            for k in range(len(COMPETENCY_KEYS)):
                acc = acc + np.minimum(1.0, self.levels[:, k] / standard)
            self._jpm[standard] = 100.0 * acc / len(COMPETENCY_KEYS)
        return self._jpm[standard]


def _text_array(values: Iterable[str | None]) -> np.ndarray:
    return np.array([v or "" for v in values], dtype=str)


@dataclass
class _Vocab:
    """Employee-side lookups built once per features object (reused by every post)."""

    tech: dict[str, int]
    have: np.ndarray  # N × W bit words over `tech`
    fields: dict[str, int]
    field_code: np.ndarray  # index in `fields`, len(fields) when unknown
    years_names: dict[str, int]
    years: np.ndarray  # N × (R + 1), the last column all zero
    asp_emp: np.ndarray
    asp_rank: np.ndarray
    asp_post: np.ndarray  # "" = not given
    asp_unor: np.ndarray
    asp_jab: np.ndarray
    nips: np.ndarray
    current: np.ndarray
    unor: np.ndarray
    waivable_blocked: np.ndarray  # a waivable employee-level block rule failed

    @classmethod
    def of(
        cls,
        people: Sequence[Employee],
        rumpun: Sequence[str | None],
        have: Sequence[frozenset[str]],
        blocked: Sequence[tuple[str, ...]],
    ) -> "_Vocab":
        n = len(people)
        tech = {c: i for i, c in enumerate(sorted(set().union(*have)))} if have else {}
        words = max(1, -(-len(tech) // 64))
        bits = np.array([_bits(h, tech, words) for h in have], np.uint64).reshape(n, words)
        fields = {f: i for i, f in enumerate(sorted({r for r in rumpun if r}))}
        code = np.array([fields.get(r or "", len(fields)) for r in rumpun], np.int64)
        names = sorted({r for e in people for r in e.field_years})
        ypos = {r: i for i, r in enumerate(names)}
        years = np.zeros((n, len(names) + 1))
        for i, e in enumerate(people):
            for r, y in e.field_years.items():
                years[i, ypos[r]] = y
        asp = [(i, a) for i, e in enumerate(people) for a in e.aspirations]
        return cls(
            tech=tech,
            have=bits,
            fields=fields,
            field_code=code,
            years_names=ypos,
            years=years,
            asp_emp=np.array([i for i, _ in asp], np.int64),
            asp_rank=np.array([a.rank for _, a in asp], np.int64),
            asp_post=_text_array(a.post_id for _, a in asp),
            asp_unor=_text_array(a.unor_id for _, a in asp),
            asp_jab=_text_array(a.jabatan_id for _, a in asp),
            nips=_text_array(e.nip for e in people),
            current=_text_array(e.current_post_id for e in people),
            unor=_text_array(e.unor_id for e in people),
            waivable_blocked=np.array([bool(b) for b in blocked], bool),
        )

    def aspiration_ranks(self, post: Post, n: int) -> np.ndarray:
        """Best stated rank of each employee for `post` (0 = not among aspirations)."""
        by_post = self.asp_post == post.post_id
        open_ = (self.asp_post == "") & ~((self.asp_unor == "") & (self.asp_jab == ""))
        unor_ok = (self.asp_unor == "") | (self.asp_unor == post.unor_id)
        jab_ok = (self.asp_jab == "") | (self.asp_jab == post.jabatan_id)
        hit = by_post | (open_ & unor_ok & jab_ok)
        big = np.iinfo(np.int64).max
        best = np.full(n, big, np.int64)
        np.minimum.at(best, self.asp_emp[hit], self.asp_rank[hit])
        return np.where(best == big, 0, best)


@dataclass(frozen=True)
class _MoveLimits:
    """Per-round constants of the employee-level rules (`eligibility.py`)."""

    effective: date
    bup_limit: date
    contract_limit: date
    windows: tuple[tuple[str, frozenset[str]], ...]  # open blackout windows → approved NIPs

    @classmethod
    def of(cls, settings: RoundSettings) -> "_MoveLimits":
        cfg = settings.eligibility
        day = settings.effective
        windows = tuple(
            (
                w.name,
                frozenset().union(*(a.nips for a in cfg.mendagri_approvals if a.window == w.name)),
            )
            for w in cfg.blackout_windows
            if w.contains(day)
        )
        return cls(
            day,
            add_months(day, cfg.bup_horizon_months),
            add_months(day, cfg.contract_horizon_months),
            windows,
        )


def _move_blocks(
    e: Employee, limits: _MoveLimits, cfg: EligibilityConfig
) -> tuple[list[str], bool]:
    """The employee-level `block` rules that stop a move, as `evaluate` decides them for
    any post other than the current one: (failed waivable rule codes, blocked for good).
    Mirrors the rules' `check` without building texts (a test compares both)."""
    failed: list[str] = []
    unknown = False
    if e.kedudukan_id == "92":
        failed.append("DATA_BLOCKED")
    elif e.kedudukan_id is None:
        unknown = True
    elif e.kedudukan_id != "01":
        failed.append("NOT_ACTIVE")
    if e.tmt_pensiun is None:
        unknown = True
    elif e.tmt_pensiun <= limits.bup_limit:
        failed.append("RETIREMENT_BUP")
    if e.kind == "PPPK":
        if e.contract_end is None:
            unknown = True
        elif e.contract_end < limits.contract_limit:
            failed.append("PPPK_CONTRACT_END")
    if any(s.active_on(limits.effective) for s in e.sanctions):
        failed.append("ACTIVE_DISCIPLINE")
    if any(e.nip not in approved for _, approved in limits.windows):
        failed.append("ELECTION_BLACKOUT")
    if e.tmt_jabatan is None:
        unknown = True
    elif full_years_between(e.tmt_jabatan, limits.effective) < cfg.min_years_in_jabatan:
        failed.append("MIN_TENURE_2Y")
    waivable = [c for c in failed if RULES_BY_CODE[c].waivable]
    hard = len(waivable) < len(failed) or (unknown and cfg.unknown_blocks)
    return waivable, hard


def employee_features(people: Sequence[Employee], settings: RoundSettings) -> Employees:
    n = len(people)
    cfg = settings.scoring
    gol = np.full(n, -1, np.int64)
    pppk = np.zeros(n, bool)
    edu_known = np.zeros(n, bool)
    edu_ord = np.zeros(n, np.int64)
    levels = np.zeros((n, len(COMPETENCY_KEYS)))
    has_levels = np.zeros(n, bool)
    nb = np.empty(n)
    ten = np.empty(n)
    ten_stay = np.empty(n)
    placements, have, blocked, rumpun = [], [], [], []
    hard = np.zeros(n, bool)
    span = max(cfg.max_years - cfg.min_years, 1e-9)
    limits = _MoveLimits.of(settings)
    for i, e in enumerate(people):
        if e.golongan_id in GOLONGAN_ORDER:
            gol[i] = GOLONGAN_ORDER[e.golongan_id]
        pppk[i] = e.kind == "PPPK"
        edu_known[i] = e.education_level_id in EDUCATION_ORDINAL
        edu_ord[i] = EDUCATION_ORDINAL.get(e.education_level_id or "", 0)
        rumpun.append(e.education_rumpun)
        lv = e.assessment.levels if e.assessment else {}
        if lv:
            has_levels[i] = True
            levels[i] = [lv.get(k, 0.0) for k in COMPETENCY_KEYS]
        have.append(
            frozenset(e.technical_competencies)
            | {t.competency for t in e.trainings if t.competency}
        )
        pl = place(e, settings.effective, settings.ninebox)
        placements.append(pl)
        nb[i] = 100.0 * (pl.box - 1) / 8 if pl.box is not None else cfg.unplaced_ninebox
        if e.tmt_jabatan is None:
            ten[i] = ten_stay[i] = cfg.unknown_component
        else:
            y = years_between(e.tmt_jabatan, settings.effective)
            ten[i] = (
                0.0 if y < cfg.min_years else min(100.0, 40.0 + 60.0 * (y - cfg.min_years) / span)
            )
            ten_stay[i] = (
                100.0
                if y <= cfg.min_years
                else max(0.0, 100.0 - 100.0 * (y - cfg.min_years) / span)
            )
        codes, h = _move_blocks(e, limits, settings.eligibility)
        blocked.append(tuple(codes))
        hard[i] = h
    return Employees(
        settings=settings,
        people=list(people),
        index={e.nip: i for i, e in enumerate(people)},
        placements=placements,
        gol=gol,
        pppk=pppk,
        edu_known=edu_known,
        edu_ord=edu_ord,
        rumpun=rumpun,
        levels=levels,
        has_levels=has_levels,
        have=have,
        ninebox=nb,
        tenure_move=ten,
        tenure_stay=ten_stay,
        blocked_rules=blocked,
        hard_blocked=hard,
    )


@dataclass
class Profiles:
    """Distinct requirement profiles of the posts (what eligibility and scoring see)."""

    of_post: np.ndarray  # post index → profile index
    standard: list[int | None]
    tech: list[frozenset[str]]
    min_edu: list[int | None]  # ordinal, None = no minimum
    accepted: list[frozenset[str]]
    rumpun: list[str | None]
    rank: list[tuple[int, int] | None]


def post_profiles(posts: Sequence[Post]) -> Profiles:
    keys: dict[tuple[Any, ...], int] = {}
    of_post = np.empty(len(posts), np.int64)
    rows: list[tuple[Any, ...]] = []
    for i, p in enumerate(posts):
        rng = rank_range(p)
        key = (
            competency_standard(p),
            frozenset(p.technical_competencies),
            None
            if p.min_education_level_id is None
            else EDUCATION_ORDINAL.get(p.min_education_level_id, 0),
            frozenset(p.education_rumpun),
            p.rumpun,
            None if rng is None else (GOLONGAN_ORDER[rng.lowest], GOLONGAN_ORDER[rng.highest]),
        )
        if key not in keys:
            keys[key] = len(rows)
            rows.append(key)
        of_post[i] = keys[key]
    return Profiles(
        of_post=of_post,
        standard=[r[0] for r in rows],
        tech=[r[1] for r in rows],
        min_edu=[r[2] for r in rows],
        accepted=[r[3] for r in rows],
        rumpun=[r[4] for r in rows],
        rank=[r[5] for r in rows],
    )


@dataclass
class _ProfileArrays:
    """Column arrays of the profiles, built once per round."""

    n: int
    standards: list[int]
    std_col: np.ndarray  # index into standards, -1 none
    tech_len: np.ndarray
    tech_sets: list[frozenset[str]]
    has_min: np.ndarray
    min_ord: np.ndarray
    any_field: np.ndarray  # no accepted rumpun set
    field_table: dict[str, np.ndarray]  # employee rumpun → J bool
    rumpun_names: list[str]
    rumpun_col: np.ndarray  # index into rumpun_names, -1 none
    has_rank: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def _profile_arrays(pr: Profiles) -> _ProfileArrays:
    j = len(pr.standard)
    standards = sorted({s for s in pr.standard if s is not None})
    fields = sorted(set().union(*pr.accepted)) if pr.accepted else []
    rnames = sorted({r for r in pr.rumpun if r})
    return _ProfileArrays(
        n=j,
        standards=standards,
        std_col=np.array([standards.index(s) if s is not None else -1 for s in pr.standard]),
        tech_len=np.array([len(t) for t in pr.tech], np.int64),
        tech_sets=list(pr.tech),
        has_min=np.array([m is not None for m in pr.min_edu], bool),
        min_ord=np.array([m or 0 for m in pr.min_edu], np.int64),
        any_field=np.array([not a for a in pr.accepted], bool),
        field_table={f: np.array([f in a for a in pr.accepted], bool) for f in fields},
        rumpun_names=rnames,
        rumpun_col=np.array([rnames.index(r) if r else -1 for r in pr.rumpun], np.int64),
        has_rank=np.array([r is not None for r in pr.rank], bool),
        lo=np.array([r[0] if r else 0 for r in pr.rank], np.int64),
        hi=np.array([r[1] if r else 0 for r in pr.rank], np.int64),
    )


@dataclass
class _EmployeeMatrices:
    """Per-employee arrays that depend on which competencies and fields the posts name."""

    field_idx: np.ndarray  # row of `field_rows` for the employee's rumpun
    field_rows: np.ndarray  # (fields + 1) × J: accepted by the profile (last row: none)
    have: np.ndarray  # N × W bit words of the technical competencies held
    tech_bits: np.ndarray  # J × W the profiles' technical competencies, same words
    years: np.ndarray  # N × R years in each post rumpun
    jpm: np.ndarray  # N × S JPM against each standard


def _bits(names: Iterable[str], pos: Mapping[str, int], words: int) -> list[int]:
    out = [0] * words
    for c in names:
        if c in pos:
            out[pos[c] // 64] |= 1 << (pos[c] % 64)
    return out


def _employee_matrices(emp: Employees, pa: _ProfileArrays) -> _EmployeeMatrices:
    """Employee arrays against these profiles, from the cached vocabulary (no per-employee
    Python work, so a single post is fast)."""
    v = emp.vocab
    n = len(emp.people)
    rows = [pa.field_table.get(f, np.zeros(pa.n, bool)) for f in v.fields]
    rows.append(np.zeros(pa.n, bool))
    words = v.have.shape[1]
    tech_bits = np.array([_bits(t, v.tech, words) for t in pa.tech_sets], np.uint64)
    cols = [v.years_names.get(r, len(v.years_names)) for r in pa.rumpun_names]
    jpm = np.stack([emp.jpm(s) for s in pa.standards], axis=1) if pa.standards else None
    return _EmployeeMatrices(
        v.field_code,
        np.array(rows).reshape(len(rows), pa.n),
        v.have,
        tech_bits.reshape(pa.n, words),
        v.years[:, cols] if cols else np.zeros((n, 0)),
        jpm if jpm is not None else np.zeros((n, 0)),
    )


def _profile_ok(
    emp: Employees,
    pa: _ProfileArrays,
    rows: np.ndarray,
    waive_gol: np.ndarray,
    waive_edu: np.ndarray,
) -> np.ndarray:
    """GOLONGAN_RANGE and EDUCATION_LEVEL for employees `rows` × profiles."""
    unknown_blocks = emp.settings.eligibility.unknown_blocks
    gol = emp.gol[rows][:, None]
    gol_known = gol >= 0
    subject = ~emp.pppk[rows][:, None] & pa.has_rank[None, :]
    outside = (gol < pa.lo[None, :]) | (gol > pa.hi[None, :])
    ok = ~(subject & gol_known & outside & ~waive_gol[rows][:, None])
    if unknown_blocks:
        ok &= ~(subject & ~gol_known)
    known = emp.edu_known[rows][:, None]
    below = emp.edu_ord[rows][:, None] < pa.min_ord[None, :]
    ok &= ~(pa.has_min[None, :] & known & below & ~waive_edu[rows][:, None])
    if unknown_blocks:
        ok &= ~(pa.has_min[None, :] & ~known)
    return ok


def _pair_partial(
    emp: Employees,
    pa: _ProfileArrays,
    mx: _EmployeeMatrices,
    e: np.ndarray,
    j: np.ndarray,
    *,
    stay: bool = False,
) -> np.ndarray:
    """The weighted sum of the first five components (all but aspiration) for the pairs
    (employee e[k], profile j[k]), in `score_pair`'s order of operations."""
    cfg = emp.settings.scoring
    std = pa.std_col[j]
    part_a = (std >= 0) & emp.has_levels[e]
    jpm = mx.jpm[e, np.maximum(std, 0)] if mx.jpm.shape[1] else np.zeros(len(e))
    tlen = pa.tech_len[j]
    part_b = tlen > 0
    covered = np.bitwise_count(mx.have[e, 0] & mx.tech_bits[j, 0]).astype(np.int64)
    for word in range(1, mx.have.shape[1]):
        covered += np.bitwise_count(mx.have[e, word] & mx.tech_bits[j, word])
    tech_pct = 100.0 * covered / np.maximum(tlen, 1)
    comp = np.where(
        part_a & part_b,
        (jpm + tech_pct) / 2,
        np.where(part_a, jpm, np.where(part_b, tech_pct, cfg.unknown_component)),
    )
    level_ok = ~pa.has_min[j] | (emp.edu_ord[e] >= pa.min_ord[j])
    field_ok = pa.any_field[j] | mx.field_rows[mx.field_idx[e], j]
    edu = 50.0 * level_ok + 50.0 * field_ok
    rc = pa.rumpun_col[j]
    exp = np.full(len(e), cfg.unknown_component)
    has_field = rc >= 0
    if has_field.any():
        years = mx.years[e[has_field], rc[has_field]]
        exp[has_field] = 100.0 * np.minimum(1.0, years / cfg.experience_full_years)
    w = [float(cfg.weights.get(c, 0.0)) for c in COMPONENTS]
    partial = comp * w[0]
    partial = partial + edu * w[1]
    partial = partial + emp.ninebox[e] * w[2]
    partial = partial + exp * w[3]
    return partial + (emp.tenure_stay if stay else emp.tenure_move)[e] * w[4]


def _aspiration_ranks(
    people: Sequence[Employee], rows: Iterable[int], lookup: "PostLookup"
) -> dict[tuple[int, int], int]:
    out: dict[tuple[int, int], int] = {}
    for i in rows:
        for a in people[i].aspirations:
            for p in lookup.matching(a):
                key = (i, p)
                if key not in out or a.rank < out[key]:
                    out[key] = a.rank
    return out


@dataclass
class PostLookup:
    by_id: dict[str, int]
    by_unor: dict[str, list[int]]
    by_jabatan: dict[str, list[int]]

    @classmethod
    def of(cls, posts: Sequence[Post]) -> "PostLookup":
        by_unor: dict[str, list[int]] = {}
        by_jab: dict[str, list[int]] = {}
        for i, p in enumerate(posts):
            by_unor.setdefault(p.unor_id, []).append(i)
            by_jab.setdefault(p.jabatan_id, []).append(i)
        return cls({p.post_id: i for i, p in enumerate(posts)}, by_unor, by_jab)

    def matching(self, a: Any) -> list[int]:
        if a.post_id is not None:
            return [self.by_id[a.post_id]] if a.post_id in self.by_id else []
        if a.unor_id is None and a.jabatan_id is None:
            return []
        if a.unor_id is None:
            return self.by_jabatan.get(a.jabatan_id, [])
        if a.jabatan_id is None:
            return self.by_unor.get(a.unor_id, [])
        return sorted(
            set(self.by_unor.get(a.unor_id, [])) & set(self.by_jabatan.get(a.jabatan_id, []))
        )


def _waiver_sets(
    emp: Employees, waivers: Iterable[Waiver], post_index: Mapping[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, set[tuple[int, int]]]:
    """(any-post waivers of the pair rules, employees whose employee-level blocks are all
    waived for any post, the cells named by a post-specific waiver)."""
    n = len(emp.people)
    waive_gol = np.zeros(n, bool)
    waive_edu = np.zeros(n, bool)
    any_post: dict[int, set[str]] = {}
    cells: set[tuple[int, int]] = set()
    for w in waivers:
        i = emp.index.get(w.nip)
        if i is None:
            continue
        if w.post_id is not None:
            if w.post_id in post_index:
                cells.add((i, post_index[w.post_id]))
            continue
        any_post.setdefault(i, set()).add(w.rule_code)
        if w.rule_code == "GOLONGAN_RANGE":
            waive_gol[i] = True
        elif w.rule_code == "EDUCATION_LEVEL":
            waive_edu[i] = True
    can_move = ~emp.hard_blocked & ~emp.vocab.waivable_blocked
    for i, codes in any_post.items():
        can_move[i] = not emp.hard_blocked[i] and set(emp.blocked_rules[i]) <= codes
    return waive_gol, waive_edu, can_move, cells


@dataclass
class Pairs:
    employee: np.ndarray
    post: np.ndarray
    score: np.ndarray


def eligible_pairs(
    emp: Employees,
    posts: Sequence[Post],
    current: np.ndarray,
    waivers: Sequence[Waiver] = (),
) -> Pairs:
    """Every lawful move (employee, post ≠ current) with its integer score, sorted by
    (employee index, post index); posts are indexed in the given order. A post unknown to
    the formasi (`Post.known` false) is never a target: it takes nobody new."""
    settings = emp.settings
    cfg = settings.scoring
    n, m = len(emp.people), len(posts)
    prof = post_profiles(posts)
    pa = _profile_arrays(prof)
    lookup = PostLookup.of(posts)
    waive_gol, waive_edu, can_move, cells = _waiver_sets(emp, waivers, lookup.by_id)
    mx = _employee_matrices(emp, pa)
    w_asp = float(cfg.weights.get("aspiration", 0.0))
    tw = sum(float(cfg.weights.get(c, 0.0)) for c in COMPONENTS)
    chunk = max(1, _CELLS // max(m, pa.n, 1))
    ranks = _aspiration_ranks(emp.people, range(n), lookup)
    asp_keys = np.array(sorted(i * m + q for i, q in ranks), np.int64)
    asp_vals = np.array([max(0.0, 100.0 - 10.0 * (ranks[divmod(int(k), m)] - 1)) for k in asp_keys])
    identity = bool(np.array_equal(prof.of_post, np.arange(m)))
    closed = np.array([q for q, post in enumerate(posts) if not post.known], np.int64)
    out_e, out_p, out_s = [], [], []
    for a in range(0, n, chunk):
        rows = np.arange(a, min(n, a + chunk))
        movers = rows[can_move[rows]]
        if not len(movers):
            continue
        ok = _profile_ok(emp, pa, movers, waive_gol, waive_edu)
        elig = ok if identity else ok[:, prof.of_post]
        elig[np.arange(len(movers)), current[movers]] = False
        if len(closed):
            elig[:, closed] = False  # posts unknown to the formasi take nobody new
        r, p = np.nonzero(elig)
        e = movers[r]
        s6 = _pair_partial(emp, pa, mx, e, prof.of_post[p])
        lo, hi = np.searchsorted(asp_keys, [a * m, (a + chunk) * m])
        asp = np.zeros(len(r))
        if hi > lo:
            keys = e * m + p
            want = asp_keys[lo:hi]
            hit = np.minimum(np.searchsorted(keys, want), max(len(keys) - 1, 0))
            inside = keys[hit] == want if len(keys) else np.zeros(0, bool)
            asp[hit[inside]] = asp_vals[lo:hi][inside]
        s6 = s6 + asp * w_asp
        out_e.append(e)
        out_p.append(p)
        out_s.append(to_scores(s6 / tw))
    pe = np.concatenate(out_e) if out_e else np.zeros(0, np.int64)
    pp = np.concatenate(out_p) if out_p else np.zeros(0, np.int64)
    ps = np.concatenate(out_s) if out_s else np.zeros(0, np.int64)
    if cells:  # post-specific waivers: settle each named pair with evaluate itself
        keys = pe * m + pp
        drop, add = [], []
        for i, q in sorted(cells):
            if q == current[i] or not posts[q].known:
                continue
            e, post = emp.people[i], posts[q]
            ev = evaluate(e, post, settings.effective, settings.eligibility, waivers)
            k = int(np.searchsorted(keys, i * m + q))
            present = k < len(keys) and keys[k] == i * m + q
            if ev.eligible and not present:
                sc = score_pair(e, post, settings.effective, emp.placements[i], cfg).score
                add.append((i, q, sc))
            elif present and not ev.eligible:  # pragma: no cover - waivers only lift blocks
                drop.append(k)
        if drop or add:
            keep = np.ones(len(pe), bool)
            keep[drop] = False
            pe = np.concatenate([pe[keep], np.array([x[0] for x in add], np.int64)])
            pp = np.concatenate([pp[keep], np.array([x[1] for x in add], np.int64)])
            ps = np.concatenate([ps[keep], np.array([x[2] for x in add], np.int64)])
            order = np.lexsort((pp, pe))
            pe, pp, ps = pe[order], pp[order], ps[order]
    return Pairs(pe.astype(np.int64), pp.astype(np.int64), ps.astype(np.int64))


@dataclass
class Column:
    """One post against every employee: eligibility and score (single vacancy)."""

    eligible: np.ndarray
    score: np.ndarray


def post_column(emp: Employees, post: Post, waivers: Sequence[Waiver] = ()) -> Column:
    """Eligibility and integer score of every employee for `post` (holders included; the
    caller drops them)."""
    settings = emp.settings
    cfg = settings.scoring
    n = len(emp.people)
    prof = post_profiles([post])
    pa = _profile_arrays(prof)
    waive_gol, waive_edu, can_move, cells = _waiver_sets(emp, waivers, {post.post_id: 0})
    rows = np.arange(n)
    mx = _employee_matrices(emp, pa)
    eligible = _profile_ok(emp, pa, rows, waive_gol, waive_edu)[:, 0] & can_move
    partial = _pair_partial(emp, pa, mx, rows, np.zeros(n, np.int64))
    rank = emp.vocab.aspiration_ranks(post, n)
    asp = np.where(rank > 0, np.maximum(0.0, 100.0 - 10.0 * (rank - 1)), 0.0)
    w_asp = float(cfg.weights.get("aspiration", 0.0))
    tw = sum(float(cfg.weights.get(c, 0.0)) for c in COMPONENTS)
    score = to_scores((partial + asp * w_asp) / tw)
    for i, _ in cells:
        ev = evaluate(emp.people[i], post, settings.effective, settings.eligibility, waivers)
        eligible[i] = ev.eligible
    if not post.known:  # unknown to the formasi: takes nobody new
        eligible[:] = False
    return Column(eligible, score)


def stay_scores(emp: Employees, posts: Sequence[Post], current: np.ndarray) -> np.ndarray:
    """The integer score of every employee at their current post (the stay option)."""
    cfg = emp.settings.scoring
    n = len(emp.people)
    prof = post_profiles(posts)
    pa = _profile_arrays(prof)
    mx = _employee_matrices(emp, pa)
    lookup = PostLookup.of(posts)
    rows = np.arange(n)
    partial = _pair_partial(emp, pa, mx, rows, prof.of_post[current], stay=True)
    asp = np.zeros(n)
    for (i, q), k in _aspiration_ranks(emp.people, range(n), lookup).items():
        if q == current[i]:
            asp[i] = max(0.0, 100.0 - 10.0 * (k - 1))
    w_asp = float(cfg.weights.get("aspiration", 0.0))
    tw = sum(float(cfg.weights.get(c, 0.0)) for c in COMPONENTS)
    return to_scores((partial + asp * w_asp) / tw)
