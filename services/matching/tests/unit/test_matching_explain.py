"""The vectorised explanation helpers against a plain reference on random instances with
many ties and locks, and the streamed input hash on its less common paths."""

import gc
import hashlib

import numpy as np
import pytest

from tatamutasi_matching.domain import instance as instance_module
from tatamutasi_matching.domain.explain import explain
from tatamutasi_matching.domain.instance import (
    Instance,
    canonical_json,
    from_arrays,
    instance_sha256,
    to_raw,
)
from tatamutasi_matching.domain.optimiser import solve_instance


def random_instance(seed: int, score_max: int = 20) -> Instance:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 40)), int(rng.integers(2, 12))
    cur = rng.integers(0, m, n)
    cells = [(e, p) for e in range(n) for p in range(m) if p != cur[e] and rng.random() < 0.5]
    return from_arrays(
        employees=[f"E{e:03d}" for e in range(n)],
        current=cur,
        stay_score=rng.integers(0, score_max + 1, n),
        posts=[f"P{p:03d}" for p in range(m)],
        capacity=rng.integers(0, 4, m),
        pair_employee=np.array([c[0] for c in cells], np.int64),
        pair_post=np.array([c[1] for c in cells], np.int64),
        pair_score=rng.integers(0, score_max + 1, len(cells)),  # small range: many ties
        score_max=score_max,
        locked_employees=[f"E{e:03d}" for e in range(n) if rng.random() < 0.1],
        locked_posts=[f"P{p:03d}" for p in range(m) if rng.random() < 0.1],
    )


def reference(inst: Instance, assignment: list[int]) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """Runners-up per move (three best others for the post: score desc, then employee) and
    each employee's best alternative (score desc, then post), by plain sorting."""
    pairs = [
        (int(e), int(p), int(s))
        for e, p, s in zip(inst.pair_employee, inst.pair_post, inst.pair_score, strict=True)
        if int(p) not in inst.locked_posts
    ]
    runners = {}
    for e, p in enumerate(assignment):
        if p == inst.current[e]:
            continue
        ranked = sorted((-s, a) for a, q, s in pairs if q == p)
        others = [a for _, a in ranked if a != e and assignment[a] != p]
        runners[inst.employees[e]] = [inst.employees[a] for a in others[:3]]
    best = {}
    for e in range(len(inst.employees)):
        mine = sorted((-s, q) for a, q, s in pairs if a == e and inst.movable(e))
        if mine:
            best[e] = (mine[0][1], -mine[0][0])
    return runners, best


@pytest.mark.parametrize("seed", range(25))
def test_runners_up_and_best_alternatives_match_a_plain_reference(seed: int) -> None:
    inst = random_instance(seed)
    result = solve_instance(inst)
    assignment = [inst.posts.index(r["post"]) for r in result["assignment"]]
    out = explain(inst, assignment)
    runners, best = reference(inst, assignment)
    assert {m["employee"]: [a["employee"] for a in m["alternatives"]] for m in out["moves"]} == (
        runners
    )
    for e, row in enumerate(out["employees"]):
        if row["reason_code"] == "no_eligible_post":
            assert e not in best
        elif row["reason_code"] == "stay_scores_higher":
            q, s = best[e]
            assert f"{inst.posts[q]} only {s}" in row["reason"]["en"]
        elif row["reason_code"] == "alternative_taken":
            q, s = best[e]
            assert row["reason"]["en"].startswith(f"best alternative {inst.posts[q]} ({s})")


def test_streamed_hash_over_chunks_and_wide_score_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(instance_module, "_CHUNK", 7)
    for score_max in (20, 10**7):  # a score table, then formatted scores
        inst = random_instance(3, score_max=score_max)
        plain = hashlib.sha256(canonical_json(to_raw(inst))).hexdigest()
        assert instance_sha256(inst) == plain


def test_collector_is_paused_while_explaining_and_restored_after() -> None:
    inst = random_instance(5)
    seen: list[bool] = []

    def detail(e: int, p: int) -> dict[str, int]:
        seen.append(gc.isenabled())
        return {"e": e}

    assert gc.isenabled()
    solve_instance(inst, detail=detail)
    assert seen and not any(seen) and gc.isenabled()
    gc.disable()
    try:  # a caller that had it off keeps it off
        solve_instance(inst, detail=detail)
        assert not gc.isenabled()
    finally:
        gc.enable()
