"""The vectorised engine gives exactly what `evaluate` and `score_pair` give, pair by pair."""

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tatamutasi_matching.domain import synthetic
from tatamutasi_matching.domain.batch import (
    RoundSettings,
    eligible_pairs,
    employee_features,
    post_column,
    stay_scores,
    to_scores,
)
from tatamutasi_matching.domain.eligibility import (
    BlackoutWindow,
    EligibilityConfig,
    MendagriApproval,
    evaluate,
    make_waiver,
)
from tatamutasi_matching.domain.model import Employee, Post, Sanction
from tatamutasi_matching.domain.planning import RoundConfig, rank_candidates
from tatamutasi_matching.domain.scoring import ScoringConfig, score_pair


def _messy(pemda: synthetic.SyntheticPemda, seed: int) -> tuple[list[Employee], list[Post]]:
    """Blank and skew fields so every rule meets unknown, boundary and failing data."""
    rng = np.random.default_rng(seed)
    day = pemda.effective
    people = []
    for e in pemda.employees:
        roll = rng.random(10)
        changes: dict[str, object] = {}
        if roll[0] < 0.1:
            changes["tmt_jabatan"] = None
        elif roll[0] < 0.2:  # exactly on the two-year anniversary, or a day short of it
            changes["tmt_jabatan"] = date(day.year - 2, day.month, day.day) + timedelta(
                days=int(rng.integers(0, 2))
            )
        if roll[1] < 0.1:
            changes["golongan_id"] = None
        if roll[2] < 0.1:
            changes["education_level_id"] = None if roll[2] < 0.05 else "99"
        if roll[3] < 0.1:
            changes["kedudukan_id"] = (None, "02", "92")[int(rng.integers(0, 3))]
        if roll[4] < 0.1:
            changes["tmt_pensiun"] = None if roll[4] < 0.05 else day + timedelta(days=200)
        if roll[5] < 0.1:
            changes["kind"] = "PPPK"
            changes["contract_end"] = None if roll[5] < 0.03 else day + timedelta(days=100)
        if roll[6] < 0.05:
            changes["sanctions"] = (Sanction("ringan", day - timedelta(days=10), day),)
        if roll[7] < 0.1:
            changes["education_rumpun"] = None
        if roll[8] < 0.1:
            changes["assessment"] = None
        people.append(replace(e, **changes))  # type: ignore[arg-type]
    posts = []
    for p in pemda.posts:
        roll = rng.random(6)
        changes = {}
        if roll[0] < 0.3:  # fall back to the eselon / JF tables
            changes.update(golongan_min=None, golongan_max=None)
            if p.jenis_jabatan == "2":
                changes["jf_jenjang"] = ("PT", "MU", "TR", "PY")[int(rng.integers(0, 4))]
        if roll[1] < 0.15:
            changes["min_education_level_id"] = None
        if roll[2] < 0.15:
            changes["education_rumpun"] = frozenset()
        if roll[3] < 0.15:
            changes["rumpun"] = None
        if roll[4] < 0.15:
            changes["technical_competencies"] = frozenset()
        posts.append(replace(p, **changes))  # type: ignore[arg-type]
    return people, posts


CONFIGS = [
    RoundConfig(effective=date(2026, 7, 1)),
    RoundConfig(
        effective=date(2026, 7, 1),
        eligibility=EligibilityConfig(unknown_blocks=True, bup_horizon_months=0),
    ),
    RoundConfig(
        effective=date(2026, 7, 1),
        eligibility=EligibilityConfig(contract_horizon_months=6, max_years_in_jabatan=3),
        scoring=ScoringConfig(
            weights={"competence": 2, "education": 1, "tenure": 0.3, "aspiration": 0.7}
        ),
    ),
]


def _with_blackout(cfg: RoundConfig, people: list[Employee]) -> RoundConfig:
    window = BlackoutWindow("pilkada", date(2026, 6, 1), date(2026, 12, 1), "pre_election")
    approval = MendagriApproval("100.2.2.6/1/SJ", "pilkada", frozenset(e.nip for e in people[::3]))
    return replace(
        cfg,
        eligibility=replace(
            cfg.eligibility, blackout_windows=(window,), mendagri_approvals=(approval,)
        ),
    )


def _waivers(people: list[Employee], posts: list[Post]) -> tuple:  # type: ignore[type-arg]
    out = []
    for k, e in enumerate(people[:40]):
        code = ("MIN_TENURE_2Y", "GOLONGAN_RANGE", "EDUCATION_LEVEL")[k % 3]
        post_id = posts[k % len(posts)].post_id if k % 2 else None
        out.append(
            make_waiver(nip=e.nip, rule_code=code, reason="r", approver="PPK", post_id=post_id)
        )
    return tuple(out)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a 120-person Pemda shrinks slowly
)
@given(
    seed=st.integers(0, 10_000),
    config=st.integers(0, len(CONFIGS) - 1),
    blackout=st.booleans(),
    waived=st.booleans(),
)
def test_vectorised_pairs_and_scores_equal_the_rules_and_formula(
    seed: int, config: int, blackout: bool, waived: bool
) -> None:
    people, posts = _messy(synthetic.generate(120, seed=seed), seed)
    people.sort(key=lambda e: e.nip)
    posts.sort(key=lambda p: p.post_id)
    cfg = CONFIGS[config]
    if blackout:
        cfg = _with_blackout(cfg, people)
    if waived:
        cfg = replace(cfg, waivers=_waivers(people, posts))
    rs = RoundSettings(cfg.effective, cfg.eligibility, cfg.scoring, cfg.ninebox)
    feats = employee_features(people, rs)
    index = {p.post_id: i for i, p in enumerate(posts)}
    current = np.array([index[e.current_post_id] for e in people])
    pairs = eligible_pairs(feats, posts, current, cfg.waivers)
    got = {
        (e, p): s
        for e, p, s in zip(
            pairs.employee.tolist(), pairs.post.tolist(), pairs.score.tolist(), strict=True
        )
    }
    want = {}
    for i, e in enumerate(people):
        for j, p in enumerate(posts):
            if j == current[i]:
                continue
            if evaluate(e, p, cfg.effective, cfg.eligibility, cfg.waivers).eligible:
                pl = feats.placements[i]
                want[(i, j)] = score_pair(e, p, cfg.effective, pl, cfg.scoring).score
    assert got == want
    assert list(got) == sorted(got)
    stay = stay_scores(feats, posts, current)
    for i, e in enumerate(people):
        pl = feats.placements[i]
        assert stay[i] == score_pair(e, posts[current[i]], cfg.effective, pl, cfg.scoring).score
    for j in (0, len(posts) // 2):
        col = post_column(feats, posts[j], cfg.waivers)
        for i, e in enumerate(people):
            ev = evaluate(e, posts[j], cfg.effective, cfg.eligibility, cfg.waivers)
            if current[i] == j:  # holders are dropped by the caller
                continue
            assert bool(col.eligible[i]) == ev.eligible
            pl = feats.placements[i]
            assert col.score[i] == score_pair(e, posts[j], cfg.effective, pl, cfg.scoring).score


def test_single_vacancy_ranking_orders_like_the_scalar_rules() -> None:
    people, posts = _messy(synthetic.generate(150, seed=5), 5)
    cfg = CONFIGS[0]
    target = posts[3]
    ranked = rank_candidates(target, people, cfg, include_blocked=True)
    scalar = []
    for e in people:
        if e.current_post_id == target.post_id:
            continue
        ev = evaluate(e, target, cfg.effective, cfg.eligibility, cfg.waivers)
        s = score_pair(e, target, cfg.effective, None, cfg.scoring)
        scalar.append((not ev.eligible, e.nip, ev.eligible, s))
    assert len(ranked) == len(scalar)
    assert [c.eligible for c in ranked] == sorted((c.eligible for c in ranked), reverse=True)
    keys = [(not c.eligible, -c.score.score, c.nip) for c in ranked]
    assert keys == sorted(keys)
    assert {c.nip for c in ranked} == {x[1] for x in scalar}


@pytest.mark.parametrize(
    "total", [0.0, 12.34565, 12.34575, 99.99995, 50.00005, 100.0, 33.333333333]
)
def test_integer_scores_round_exactly_like_python(total: float) -> None:
    (score,) = to_scores(np.array([total])).tolist()
    assert score == round(round(total, 4) * 1000 / 100)
