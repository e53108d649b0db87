"""From read-model data to a plan, and single-vacancy candidate ranking.

`prepare` runs the eligibility rules, the 9-box and the scoring for every employee × post
with the vectorised engine (`batch.py`), keeps only pairs whose `block` rules all passed (or
were waived) and indexes them as the optimiser instance (`instance.py`), whose `meta`
records the rule, 9-box and scoring versions and configurations. `plan` solves it and adds,
for every move and every stay, the full score breakdown and rule outcomes computed by
`score_pair` and `evaluate` themselves. `build_instance` gives the same instance as JSON
data, so `tatamutasi plan solve` reproduces the plan and its input hash offline.
`rank_post` ranks every employee for one post ("isi jabatan kosong") and explains one
page of them."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from tatamutasi_matching.domain.batch import (
    Employees,
    PostLookup,
    RoundSettings,
    eligible_pairs,
    employee_features,
    post_column,
    stay_scores,
)
from tatamutasi_matching.domain.eligibility import (
    EligibilityConfig,
    Evaluation,
    Waiver,
    evaluate,
    ruleset_versions,
)
from tatamutasi_matching.domain.instance import Instance, InstanceError, from_arrays, to_raw
from tatamutasi_matching.domain.model import (
    UNKNOWN_POST_CODE,
    UNKNOWN_POST_REASON,
    Employee,
    Post,
)
from tatamutasi_matching.domain.ninebox import NineBoxConfig, Placement
from tatamutasi_matching.domain.optimiser import Mode, solve_instance
from tatamutasi_matching.domain.scoring import SCORE_MAX, PairScore, ScoringConfig, score_pair


class PlanningError(ValueError):
    def __init__(self, en: str, id_: str, *, field: str) -> None:
        super().__init__(f"{field}: {en}")
        self.message_en = en
        self.message_id = id_
        self.field = field


@dataclass(frozen=True)
class RoundConfig:
    effective: date
    eligibility: EligibilityConfig = field(default_factory=EligibilityConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    ninebox: NineBoxConfig = field(default_factory=NineBoxConfig)
    waivers: tuple[Waiver, ...] = ()
    locked_employees: tuple[str, ...] = ()
    locked_posts: tuple[str, ...] = ()
    priority_posts: tuple[str, ...] = ()
    max_moves: int | None = None

    def meta(self) -> dict[str, Any]:
        return {
            "effective": self.effective.isoformat(),
            "rules": ruleset_versions(),
            "eligibility_config": self.eligibility.fingerprint(),
            "ninebox": self.ninebox.as_dict(),
            "scoring": self.scoring.as_dict(),
            "waivers": sorted(
                [w.nip, w.rule_code, w.post_id or "*", w.approver, w.reason] for w in self.waivers
            ),
        }


def age_band(birth_year: int | None, on: date) -> str:
    if birth_year is None:
        return "unknown"
    age = on.year - birth_year
    lo = max(20, min(60, age // 10 * 10))
    return f"{lo}-{lo + 9}" if age < 60 else "60+"


def _pair_detail(ev: Evaluation, s: PairScore) -> dict[str, Any]:
    score = s.as_dict()
    return {
        "components": score["components"],
        "matching": score["matching"],
        "missing": score["missing"],
        "training": score["training"],
        "rules": ev.summary(),
        "warnings": [r.as_dict() for r in ev.results if r.status in ("warned", "waived")],
    }


def preferences(
    e: Employee, posts: Sequence[Post], lookup: PostLookup | None = None
) -> list[str] | None:
    """The employee's stated aspirations as post ids, best first (posts in id order;
    `lookup`: `PostLookup.of(posts)`, built once for many employees)."""
    if not e.aspirations:
        return None
    lookup = lookup or PostLookup.of(posts)
    out: list[str] = []
    for a in sorted(e.aspirations, key=lambda x: x.rank):
        for q in lookup.matching(a):
            if posts[q].post_id not in out:
                out.append(posts[q].post_id)
    return out


def _settings(cfg: RoundConfig) -> RoundSettings:
    return RoundSettings(cfg.effective, cfg.eligibility, cfg.scoring, cfg.ninebox)


@dataclass
class Prepared:
    """A round's instance, built from employees and posts with the vectorised engine, and
    what it needs to explain any pair with the full rule and score detail."""

    instance: Instance
    employees: list[Employee]
    posts: list[Post]
    features: Employees
    cfg: RoundConfig

    def detail(self, e: int, p: int) -> dict[str, Any]:
        """Score breakdown and rule outcomes of employee e at post p (staying if current)."""
        emp, post = self.employees[e], self.posts[p]
        placement = self.features.placements[e]
        cfg = self.cfg
        ev = evaluate(emp, post, cfg.effective, cfg.eligibility, cfg.waivers)
        s = score_pair(emp, post, cfg.effective, placement, cfg.scoring)
        out = _pair_detail(ev, s)
        if p == self.instance.current[e]:
            out["ninebox"] = placement.box
        return out


def prepare(
    employees: Iterable[Employee],
    posts: Iterable[Post],
    cfg: RoundConfig,
    *,
    features: Employees | None = None,
) -> Prepared:
    """Run the eligibility rules, the 9-box and the scoring for every employee × post and
    index the lawful pairs as an optimiser instance (no JSON in between)."""
    post_list = sorted(posts, key=lambda p: p.post_id)
    by_id = {p.post_id: i for i, p in enumerate(post_list)}
    emps = sorted(employees, key=lambda e: e.nip)
    for e in emps:
        if e.current_post_id not in by_id:
            raise PlanningError(
                f"employee {e.nip} holds unknown post {e.current_post_id!r}",
                f"pegawai {e.nip} memangku jabatan tak dikenal {e.current_post_id!r}",
                field="employees",
            )
    settings = _settings(cfg)
    if features is None or features.settings != settings or features.people != emps:
        features = employee_features(emps, settings)
    current = np.array([by_id[e.current_post_id] for e in emps], np.int64)
    pairs = eligible_pairs(features, post_list, current, cfg.waivers)
    stay = stay_scores(features, post_list, current)
    attrs = []
    prefs: list[list[int] | None] = []
    lookup = PostLookup.of(post_list)
    for i, e in enumerate(emps):
        cur = post_list[int(current[i])]
        box = features.placements[i].box
        attrs.append(
            {
                "opd": cur.opd_id or e.unor_id,
                "golongan": e.golongan_id or "unknown",
                "sex": e.sex or "unknown",
                "age_band": age_band(e.birth_year, cfg.effective),
                "ninebox": str(box) if box else "unplaced",
            }
        )
        stated = preferences(e, post_list, lookup)
        prefs.append(None if stated is None else [by_id[x] for x in stated])
    try:
        inst = from_arrays(
            employees=[e.nip for e in emps],
            current=current,
            stay_score=stay,
            posts=[p.post_id for p in post_list],
            capacity=[p.capacity for p in post_list],
            pair_employee=pairs.employee,
            pair_post=pairs.post,
            pair_score=pairs.score,
            score_max=SCORE_MAX,
            preferences=prefs,
            employee_attrs=attrs,
            post_attrs=[{"opd": p.opd_id or p.unor_id} for p in post_list],
            locked_employees=cfg.locked_employees,
            locked_posts=cfg.locked_posts,
            priority_posts=cfg.priority_posts,
            closed_posts=[p.post_id for p in post_list if not p.known],
            max_moves=cfg.max_moves,
            meta=cfg.meta(),
        )
    except InstanceError as exc:
        raise PlanningError(exc.message_en, exc.message_id, field=exc.field) from exc
    return Prepared(inst, emps, post_list, features, cfg)


def build_instance(
    employees: Iterable[Employee], posts: Iterable[Post], cfg: RoundConfig
) -> dict[str, Any]:
    """The round as `tatamutasi.plan-instance/v1` JSON data (for `tatamutasi plan solve`):
    solving it gives the same plan as `plan`, without the per-pair detail."""
    return to_raw(prepare(employees, posts, cfg).instance)


def plan(prepared: Prepared, mode: Mode = "optimal") -> dict[str, Any]:
    """Solve a prepared round; explanations carry each move's and each stay's full detail.
    The input hash is that of `build_instance` for the same round."""
    return solve_instance(prepared.instance, mode, detail=prepared.detail)


@dataclass(frozen=True)
class Candidate:
    nip: str
    eligible: bool
    score: PairScore
    evaluation: Evaluation
    placement: Placement
    post_known: bool = True  # False: the post is unknown to the formasi, offered to nobody

    def as_dict(self) -> dict[str, Any]:
        out = {
            "nip": self.nip,
            "eligible": self.eligible,
            "score": self.score.score,
            "breakdown": self.score.as_dict(),
            "rules": self.evaluation.summary(),
            "blocked": [r.as_dict() for r in self.evaluation.blocked],
            "warned": [r.as_dict() for r in self.evaluation.warned],
            "ninebox": self.placement.box,
        }
        if not self.post_known:
            out["not_offered"] = {
                "reason_code": UNKNOWN_POST_CODE,
                "reason": dict(UNKNOWN_POST_REASON),
            }
        return out


@dataclass(frozen=True)
class Ranking:
    """Candidates for one post: the order of all of them, explained for one page."""

    total: int
    order: list[int]  # employee indices, best first
    eligible: np.ndarray
    scores: np.ndarray
    features: Employees

    def key(self, k: int) -> tuple[int, int, str]:
        """Sort key of the k-th ranked candidate (used as a pagination cursor)."""
        i = self.order[k]
        return (int(not self.eligible[i]), -int(self.scores[i]), self.features.people[i].nip)

    def start_after(self, key: tuple[int, int, str]) -> int:
        """The rank following `key` (an earlier page's last key)."""
        lo, hi = 0, len(self.order)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.key(mid) <= key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def explain(self, post: Post, cfg: RoundConfig, start: int, limit: int) -> list[Candidate]:
        out = []
        for i in self.order[start : start + limit]:
            e = self.features.people[i]
            pl = self.features.placements[i]
            ev = evaluate(e, post, cfg.effective, cfg.eligibility, cfg.waivers)
            score = score_pair(e, post, cfg.effective, pl, cfg.scoring)
            out.append(Candidate(e.nip, ev.eligible and post.known, score, ev, pl, post.known))
        return out


def rank_post(
    post: Post,
    features: Employees,
    cfg: RoundConfig,
    *,
    include_blocked: bool = False,
    unit: str | None = None,
) -> Ranking:
    """Rank every employee (not holding `post`; only those now in `unit` if given) for it,
    vectorised: eligible first, best score first, then NIP. Explain only the page you show
    with `Ranking.explain`. A post unknown to the formasi has no eligible candidate."""
    col = post_column(features, post, cfg.waivers)
    v = features.vocab
    holders = v.current == post.post_id
    shown = ~holders if include_blocked else (~holders & col.eligible)
    if unit is not None:
        shown &= v.unor == unit
    idx = np.nonzero(shown)[0]
    nips = v.nips[idx]
    order = idx[np.lexsort((nips, -col.score[idx], ~col.eligible[idx]))] if len(idx) else idx
    return Ranking(len(idx), order.tolist(), col.eligible, col.score, features)


def rank_candidates(
    post: Post,
    employees: Iterable[Employee],
    cfg: RoundConfig,
    *,
    include_blocked: bool = False,
    limit: int | None = None,
    features: Employees | None = None,
) -> list[Candidate]:
    """Candidates for one vacancy ("isi jabatan kosong"): eligible first, best score first."""
    emps = sorted(employees, key=lambda e: e.nip)
    settings = _settings(cfg)
    if features is None or features.settings != settings or features.people != emps:
        features = employee_features(emps, settings)
    ranking = rank_post(post, features, cfg, include_blocked=include_blocked)
    return ranking.explain(post, cfg, 0, ranking.total if limit is None else limit)
