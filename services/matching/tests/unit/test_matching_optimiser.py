"""Optimiser core: optimality against brute force, constraints, bad instances, determinism."""

import hashlib
import itertools
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tatamutasi_matching.domain.instance import (
    FORMAT,
    InstanceError,
    canonical_json,
    from_arrays,
    instance_sha256,
    parse_instance,
    to_raw,
)
from tatamutasi_matching.domain.optimiser import dump_result, solve, solve_instance


def instance(
    employees: list[tuple[str, str, int]],
    posts: list[tuple[str, int]],
    pairs: list[tuple[str, str, int]],
    **options: Any,
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "employees": [{"id": e, "current_post": p, "stay_score": s} for e, p, s in employees],
        "posts": [{"id": p, "capacity": c} for p, c in posts],
        "pairs": [{"employee": e, "post": p, "score": s} for e, p, s in pairs],
        "options": options,
    }


def brute_force(raw: dict[str, Any]) -> tuple[int, int]:
    """(priority seats filled, total score) maximised lexicographically by enumeration."""
    inst = parse_instance(raw)
    n = len(inst.employees)
    eff = inst.effective_capacity()
    options: list[list[tuple[int, int]]] = []
    for e in range(n):
        opts = [(inst.current[e], inst.stay_score[e])]
        if inst.movable(e):
            opts += [
                (p, s)
                for ee, p, s in zip(
                    inst.pair_employee, inst.pair_post, inst.pair_score, strict=True
                )
                if ee == e and p not in inst.locked_posts
            ]
        options.append(opts)
    best: tuple[int, int] | None = None
    for combo in itertools.product(*options):
        occupancy = [0] * len(inst.posts)
        for p, _ in combo:
            occupancy[p] += 1
        if any(o > c for o, c in zip(occupancy, eff, strict=True)):
            continue
        moves = sum(1 for e, (p, _) in enumerate(combo) if p != inst.current[e])
        if inst.max_moves is not None and moves > inst.max_moves:
            continue
        filled = sum(min(occupancy[p], inst.capacity[p]) for p in inst.priority_posts)
        value = (filled, sum(s for _, s in combo))
        best = value if best is None or value > best else best
    assert best is not None
    return best


@st.composite
def small_instances(draw: st.DrawFn, with_cap: bool = False) -> dict[str, Any]:
    n_posts = draw(st.integers(1, 4))
    posts = [(f"P{i}", draw(st.integers(0, 2))) for i in range(n_posts)]
    n_emp = draw(st.integers(1, 5))
    employees = [
        (f"E{i}", f"P{draw(st.integers(0, n_posts - 1))}", draw(st.integers(0, 100)))
        for i in range(n_emp)
    ]
    pairs = []
    for e, cur, _ in employees:
        for p, _c in posts:
            if p != cur and draw(st.booleans()):
                pairs.append((e, p, draw(st.integers(0, 100))))
    opts: dict[str, Any] = {"score_max": 100}
    if draw(st.booleans()):
        opts["priority_posts"] = draw(
            st.lists(st.sampled_from([p for p, _ in posts]), unique=True, max_size=2)
        )
    if draw(st.booleans()):
        opts["locked_employees"] = draw(
            st.lists(st.sampled_from([e for e, _, _ in employees]), unique=True, max_size=1)
        )
    if draw(st.booleans()):
        opts["locked_posts"] = draw(
            st.lists(st.sampled_from([p for p, _ in posts]), unique=True, max_size=1)
        )
    if with_cap:
        opts["max_moves"] = draw(st.integers(0, 3))
    return instance(employees, posts, pairs, **opts)


def achieved(raw: dict[str, Any], result: dict[str, Any]) -> tuple[int, int]:
    inst = parse_instance(raw)
    occupancy = dict.fromkeys(inst.posts, 0)
    for row in result["assignment"]:
        occupancy[row["post"]] += 1
    filled = sum(min(occupancy[inst.posts[p]], inst.capacity[p]) for p in inst.priority_posts)
    return filled, result["objective"]


def check_feasible(raw: dict[str, Any], result: dict[str, Any]) -> None:
    inst = parse_instance(raw)
    eff = dict(zip(inst.posts, inst.effective_capacity(), strict=True))
    occupancy = dict.fromkeys(inst.posts, 0)
    allowed = {
        (inst.employees[e], inst.posts[p])
        for e, p in zip(inst.pair_employee, inst.pair_post, strict=True)
    }
    assert [r["employee"] for r in result["assignment"]] == list(inst.employees)
    for row in result["assignment"]:
        occupancy[row["post"]] += 1
        e = inst.employees.index(row["employee"])
        if row["moved"]:
            assert (row["employee"], row["post"]) in allowed
            assert inst.movable(e) and inst.posts.index(row["post"]) not in inst.locked_posts
        else:
            assert row["post"] == inst.posts[inst.current[e]]
    assert all(occupancy[p] <= eff[p] for p in inst.posts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_min_cost_flow_plan_is_optimal_against_brute_force(raw: dict[str, Any]) -> None:
    result = solve(raw)
    check_feasible(raw, result)
    assert achieved(raw, result) == brute_force(raw)
    assert result["provenance"]["solver"]["name"] == "ortools.SimpleMinCostFlow"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(with_cap=True))
def test_move_cap_plan_is_optimal_against_brute_force(raw: dict[str, Any]) -> None:
    result = solve(raw)
    check_feasible(raw, result)
    assert result["moves_count"] <= raw["options"]["max_moves"]
    assert achieved(raw, result) == brute_force(raw)
    assert "HiGHS" in result["provenance"]["solver"]["name"]


def test_chain_of_moves_fills_the_vacancy_through_freed_posts() -> None:
    raw = instance(
        [("a", "P1", 10), ("b", "P2", 10)],
        [("P1", 1), ("P2", 1), ("P3", 1)],
        [("a", "P2", 90), ("b", "P3", 80)],
    )
    r = solve(raw)
    assert {(m["employee"], m["from"], m["to"]) for m in r["moves"]} == {
        ("a", "P1", "P2"),
        ("b", "P2", "P3"),
    }
    assert r["objective"] == 170 and r["baseline_objective"] == 20


def test_swap_is_found_when_both_posts_are_full() -> None:
    raw = instance(
        [("a", "P1", 10), ("b", "P2", 10)],
        [("P1", 1), ("P2", 1)],
        [("a", "P2", 50), ("b", "P1", 50)],
    )
    assert solve(raw)["moves_count"] == 2


def test_stay_is_kept_when_it_scores_higher() -> None:
    raw = instance([("a", "P1", 90)], [("P1", 1), ("P2", 1)], [("a", "P2", 50)])
    r = solve(raw)
    assert r["moves"] == []
    why = r["explanations"]["employees"][0]
    assert why["reason_code"] == "stay_scores_higher" and "P2" in why["reason"]["en"]


def test_locked_employee_and_post_do_not_move() -> None:
    raw = instance(
        [("a", "P1", 0), ("b", "P2", 0)],
        [("P1", 1), ("P2", 1), ("P3", 2)],
        [("a", "P3", 90), ("b", "P3", 90)],
        locked_employees=["a"],
        locked_posts=["P2"],
    )
    r = solve(raw)
    assert r["moves"] == []
    codes = {x["employee"]: x["reason_code"] for x in r["explanations"]["employees"]}
    assert codes == {"a": "locked", "b": "locked"}


def test_priority_post_is_filled_even_at_a_lower_total() -> None:
    raw = instance(
        [("a", "P1", 80)], [("P1", 1), ("P2", 1)], [("a", "P2", 10)], priority_posts=["P2"]
    )
    r = solve(raw)
    assert r["status"] == "complete" and r["moves"][0]["to"] == "P2"


def test_infeasible_priority_post_is_reported_with_the_reason() -> None:
    raw = instance(
        [("a", "P1", 80), ("b", "P1", 80)],
        [("P1", 2), ("P2", 3)],
        [("a", "P2", 10)],
        priority_posts=["P2"],
    )
    r = solve(raw)
    assert r["status"] == "constraints_unmet"
    (unmet,) = r["unmet"]
    assert unmet["post"] == "P2" and unmet["seats"] == 3 and unmet["filled"] == 1
    assert "1 eligible candidate(s) for 3 seat(s)" in unmet["reason"]["en"]
    assert "calon" in unmet["reason"]["id"]


def test_priority_post_competing_for_one_candidate_names_the_conflict() -> None:
    raw = instance(
        [("a", "P1", 0)],
        [("P1", 1), ("P2", 1), ("P3", 1)],
        [("a", "P2", 50), ("a", "P3", 40)],
        priority_posts=["P2", "P3"],
    )
    r = solve(raw)
    (unmet,) = r["unmet"]
    assert unmet["post"] == "P3" and "needed elsewhere" in unmet["reason"]["en"]
    assert "P2" in unmet["reason"]["en"]


def test_overstaffed_post_keeps_its_holders_and_is_reported() -> None:
    raw = instance([("a", "P1", 5), ("b", "P1", 5)], [("P1", 1)], [])
    r = solve(raw)
    assert r["moves"] == [] and r["overstaffed_posts"] == [
        {"post": "P1", "capacity": 1, "holders": 2}
    ]


def test_explanation_lists_three_best_alternatives_and_why_they_lost() -> None:
    raw = instance(
        [("w", "P0", 0), ("x", "P0", 0), ("y", "P0", 0), ("z", "P0", 70), ("q", "P0", 0)],
        [("P0", 5), ("T", 1), ("U", 1)],
        [
            ("w", "T", 90),
            ("x", "T", 80),
            ("y", "T", 95),
            ("y", "U", 100),
            ("z", "T", 85),
            ("q", "T", 10),
        ],
    )
    r = solve(raw)
    move = next(m for m in r["explanations"]["moves"] if m["to"] == "T")
    assert move["employee"] == "w"
    alts = move["alternatives"]
    assert [a["employee"] for a in alts] == ["y", "z", "x"]
    assert [a["reason_code"] for a in alts] == ["placed_elsewhere", "lower_score", "lower_score"]
    assert alts[0]["assigned_to"] == "U" and "U" in alts[0]["reason"]["id"]


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (
            lambda r: r["pairs"].append({"employee": "ghost", "post": "P1", "score": 1}),
            "pairs[1].employee",
            "unknown employee",
        ),
        (
            lambda r: r["pairs"].append({"employee": "a", "post": "P9", "score": 1}),
            "pairs[1].post",
            "unknown post",
        ),
        (
            lambda r: r["employees"][0].update(current_post="P9"),
            "employees[0].current_post",
            "unknown post",
        ),
        (lambda r: r["posts"][0].update(capacity=-1), "posts[0].capacity", "out of range"),
        (lambda r: r["pairs"][0].update(score=1001), "pairs[0].score", "out of range"),
        (lambda r: r["pairs"][0].update(score=-5), "pairs[0].score", "out of range"),
        (lambda r: r["pairs"][0].update(score=5.5), "pairs[0].score", "integer"),
        (lambda r: r["employees"][0].update(stay_score=True), "employees[0].stay_score", "integer"),
        (lambda r: r["pairs"].append(dict(r["pairs"][0])), "pairs[1]", "duplicate pair"),
        (
            lambda r: r["pairs"].append({"employee": "a", "post": "P1", "score": 1}),
            "pairs[1]",
            "stay option",
        ),
        (lambda r: r["employees"].append(dict(r["employees"][0])), "employees[1].id", "duplicate"),
        (
            lambda r: r["options"].update(priority_posts=["P9"]),
            "options.priority_posts[0]",
            "unknown post",
        ),
        (
            lambda r: r["options"].update(locked_employees=["ghost"]),
            "options.locked_employees[0]",
            "unknown employee",
        ),
        (lambda r: r["options"].update(max_moves=-1), "options.max_moves", "out of range"),
        (lambda r: r["options"].update(budget=3), "options", "unknown option"),
        (lambda r: r.update(format="v0"), "format", "format must be"),
    ],
)
def test_rejects_bad_instances_naming_the_field(mutate: Any, field: str, message: str) -> None:
    raw = instance([("a", "P1", 10)], [("P1", 1), ("P2", 1)], [("a", "P2", 20)])
    mutate(raw)
    with pytest.raises(InstanceError) as err:
        solve(raw)
    assert err.value.field == field
    assert message in err.value.message_en and err.value.message_id


def test_same_input_gives_byte_identical_output_with_provenance() -> None:
    raw = instance(
        [(f"E{i}", f"P{i % 3}", 10 * i) for i in range(8)],
        [(f"P{i}", 3) for i in range(4)],
        [(f"E{i}", "P3", 37 * i % 100) for i in range(8)],
        score_max=100,
    )
    raw["meta"] = {"ruleset": "eligibility/2026.1", "scoring": "scoring/v1"}
    first = dump_result(solve(json.loads(json.dumps(raw))))
    second = dump_result(solve(json.loads(json.dumps(raw))))
    assert first == second
    prov = json.loads(first)["provenance"]
    assert len(prov["input_sha256"]) == 64 and prov["meta"]["ruleset"] == "eligibility/2026.1"
    assert prov["solver"]["version"] and prov["optimiser"] == "optimiser/1"
    raw["pairs"][0]["score"] += 1
    assert json.loads(dump_result(solve(raw)))["provenance"]["input_sha256"] != prov["input_sha256"]


def _indexed(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "employees": ["a", "b"],
        "current": [0, 1],
        "stay_score": [10, 10],
        "posts": ["P1", "P2", "P3"],
        "capacity": [1, 1, 1],
        "pair_employee": np.array([0, 1]),
        "pair_post": np.array([1, 2]),
        "pair_score": np.array([90, 80]),
        "score_max": 100,
    }
    base.update(changes)
    return base


def test_streamed_input_hash_equals_the_hash_of_the_exported_instance_json() -> None:
    raw = instance(
        [("a", "P1", 10), ('b\u00e9"x', "P2", 10)],
        [("P1", 1), ("P2", 1), ("P3", 1)],
        [("a", "P2", 90), ('b\u00e9"x', "P3", 80), ("a", "P3", 5)],
        priority_posts=["P3"],
    )
    raw["employees"][0]["preferences"] = ["P3", "P1"]
    raw["pairs"][1]["detail"] = {"rules": {"passed": ["X"]}}
    raw["meta"] = {"weights": {"competence": 0.3}}
    inst = parse_instance(raw)
    exported = to_raw(inst)
    assert instance_sha256(inst) == hashlib.sha256(canonical_json(exported)).hexdigest()
    again = parse_instance(json.loads(canonical_json(exported)))
    assert instance_sha256(again) == instance_sha256(inst)
    assert solve(exported)["provenance"]["input_sha256"] == instance_sha256(inst)
    plain = solve_instance(inst)
    assert plain["provenance"]["input_sha256"] == instance_sha256(inst)
    assert {k: v for k, v in plain.items() if k != "provenance"} == {
        k: v for k, v in solve(raw).items() if k != "provenance"
    }


def test_instance_built_from_arrays_equals_the_parsed_one() -> None:
    inst = from_arrays(**_indexed())
    raw = to_raw(inst)
    assert raw["pairs"] == [
        {"employee": "a", "post": "P2", "score": 90},
        {"employee": "b", "post": "P3", "score": 80},
    ]
    assert instance_sha256(parse_instance(raw)) == instance_sha256(inst)
    assert solve_instance(inst)["moves_count"] == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"employees": ["b", "a"]}, "employees"),
        ({"posts": ["P1", "P1", "P3"]}, "posts"),
        ({"capacity": [1, -1, 1]}, "posts"),
        ({"current": [0, 7]}, "employees"),
        ({"stay_score": [10, 101]}, "employees"),
        ({"pair_score": np.array([90, 101])}, "pairs"),
        ({"pair_post": np.array([0, 2])}, "pairs"),  # the stay option as a pair
        ({"pair_employee": np.array([1, 0])}, "pairs"),  # not sorted
        ({"pair_employee": np.array([0, 5])}, "pairs"),
        ({"locked_posts": ["P9"]}, "options.locked_posts[0]"),
        ({"locked_employees": ["zed"]}, "options.locked_employees[0]"),
        ({"max_moves": -1}, "options.max_moves"),
    ],
)
def test_in_memory_instances_are_validated_too(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InstanceError) as err:
        from_arrays(**_indexed(**changes))
    assert err.value.field == field and err.value.message_id


def test_unknown_mode_is_refused() -> None:
    raw = instance([("a", "P1", 10)], [("P1", 1)], [])
    with pytest.raises(InstanceError) as err:
        solve(raw, "greedy")  # type: ignore[arg-type]
    assert err.value.field == "mode"
