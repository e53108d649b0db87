"""From read-model data to an optimiser instance, and single-vacancy candidate ranking.

`build_instance` runs the eligibility rules, the 9-box and the scoring for every employee ×
post, keeps only pairs whose `block` rules all passed (or were waived), and writes the
instance the optimiser core solves (`instance.py` format), with each pair's score breakdown
and rule summary as its `detail`, so plan explanations show both. The instance's `meta`
records the rule, 9-box and scoring versions and configurations."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tatamutasi_matching.domain.eligibility import (
    EligibilityConfig,
    Evaluation,
    Waiver,
    evaluate,
    ruleset_versions,
)
from tatamutasi_matching.domain.instance import FORMAT
from tatamutasi_matching.domain.model import Employee, Post
from tatamutasi_matching.domain.ninebox import NineBoxConfig, Placement, place
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


def preferences(e: Employee, posts: Sequence[Post]) -> list[str] | None:
    if not e.aspirations:
        return None
    out: list[str] = []
    for a in sorted(e.aspirations, key=lambda x: x.rank):
        for p in posts:
            if a.matches(p) and p.post_id not in out:
                out.append(p.post_id)
    return out


def build_instance(
    employees: Iterable[Employee], posts: Iterable[Post], cfg: RoundConfig
) -> dict[str, Any]:
    post_list = sorted(posts, key=lambda p: p.post_id)
    by_id = {p.post_id: p for p in post_list}
    emps = sorted(employees, key=lambda e: e.nip)
    rows, pairs = [], []
    for e in emps:
        cur = by_id.get(e.current_post_id)
        if cur is None:
            raise PlanningError(
                f"employee {e.nip} holds unknown post {e.current_post_id!r}",
                f"pegawai {e.nip} memangku jabatan tak dikenal {e.current_post_id!r}",
                field="employees",
            )
        placement = place(e, cfg.effective, cfg.ninebox)
        stay = score_pair(e, cur, cfg.effective, placement, cfg.scoring)
        stay_rules = evaluate(e, cur, cfg.effective, cfg.eligibility, cfg.waivers)
        row: dict[str, Any] = {
            "id": e.nip,
            "current_post": cur.post_id,
            "stay_score": stay.score,
            "detail": {**_pair_detail(stay_rules, stay), "ninebox": placement.box},
            "attrs": {
                "opd": cur.opd_id or e.unor_id,
                "golongan": e.golongan_id or "unknown",
                "sex": e.sex or "unknown",
                "age_band": age_band(e.birth_year, cfg.effective),
                "ninebox": str(placement.box) if placement.box else "unplaced",
            },
        }
        prefs = preferences(e, post_list)
        if prefs is not None:
            row["preferences"] = prefs
        rows.append(row)
        for p in post_list:
            if p.post_id == cur.post_id:
                continue
            ev = evaluate(e, p, cfg.effective, cfg.eligibility, cfg.waivers)
            if not ev.eligible:
                continue
            s = score_pair(e, p, cfg.effective, placement, cfg.scoring)
            pairs.append(
                {
                    "employee": e.nip,
                    "post": p.post_id,
                    "score": s.score,
                    "detail": _pair_detail(ev, s),
                }
            )
    options: dict[str, Any] = {
        "score_max": SCORE_MAX,
        "locked_employees": sorted(cfg.locked_employees),
        "locked_posts": sorted(cfg.locked_posts),
        "priority_posts": sorted(cfg.priority_posts),
    }
    if cfg.max_moves is not None:
        options["max_moves"] = cfg.max_moves
    return {
        "format": FORMAT,
        "employees": rows,
        "posts": [
            {"id": p.post_id, "capacity": p.capacity, "attrs": {"opd": p.opd_id or p.unor_id}}
            for p in post_list
        ],
        "pairs": pairs,
        "options": options,
        "meta": cfg.meta(),
    }


@dataclass(frozen=True)
class Candidate:
    nip: str
    eligible: bool
    score: PairScore
    evaluation: Evaluation
    placement: Placement

    def as_dict(self) -> dict[str, Any]:
        return {
            "nip": self.nip,
            "eligible": self.eligible,
            "score": self.score.score,
            "breakdown": self.score.as_dict(),
            "rules": self.evaluation.summary(),
            "blocked": [r.as_dict() for r in self.evaluation.blocked],
            "warned": [r.as_dict() for r in self.evaluation.warned],
            "ninebox": self.placement.box,
        }


def rank_candidates(
    post: Post,
    employees: Iterable[Employee],
    cfg: RoundConfig,
    *,
    include_blocked: bool = False,
    limit: int | None = None,
    placements: Mapping[str, Placement] | None = None,
) -> list[Candidate]:
    """Candidates for one vacancy ("isi jabatan kosong"): eligible first, best score first."""
    out = []
    for e in employees:
        if e.current_post_id == post.post_id:
            continue
        ev = evaluate(e, post, cfg.effective, cfg.eligibility, cfg.waivers)
        if not ev.eligible and not include_blocked:
            continue
        pl = (placements or {}).get(e.nip) or place(e, cfg.effective, cfg.ninebox)
        out.append(
            Candidate(
                e.nip, ev.eligible, score_pair(e, post, cfg.effective, pl, cfg.scoring), ev, pl
            )
        )
    out.sort(key=lambda c: (not c.eligible, -c.score.score, c.nip))
    return out[:limit] if limit is not None else out
