"""What-if: two plans compared side by side."""

from typing import Any

from tatamutasi_matching.domain.compare import diff_plans
from tatamutasi_matching.domain.instance import FORMAT
from tatamutasi_matching.domain.optimiser import solve


def scenario(**options: Any) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "employees": [
            {"id": "a", "current_post": "P1", "stay_score": 10, "preferences": ["P3"]},
            {"id": "b", "current_post": "P2", "stay_score": 10},
            {"id": "c", "current_post": "P2", "stay_score": 10},
        ],
        "posts": [
            {"id": "P1", "capacity": 1},
            {"id": "P2", "capacity": 2},
            {"id": "P3", "capacity": 1},
            {"id": "P4", "capacity": 1},
        ],
        "pairs": [
            {"employee": "a", "post": "P3", "score": 60},
            {"employee": "a", "post": "P4", "score": 90},
            {"employee": "b", "post": "P3", "score": 50},
            {"employee": "c", "post": "P1", "score": 40},
        ],
        "options": options,
    }


def test_diff_lists_added_removed_and_changed_moves_with_score_and_fairness() -> None:
    base = solve(scenario())
    locked = solve(scenario(locked_employees=["c"], max_moves=2))
    d = diff_plans(base, locked)
    assert [m["employee"] for m in base["moves"]] == ["a", "b", "c"]
    assert [m["employee"] for m in d["moves_removed"]] == ["c"]
    assert d["moves_added"] == [] and d["unchanged_moves"] == 2
    assert d["objective"]["delta"] == locked["objective"] - base["objective"] == -30
    assert d["fairness"]["moves_against_stated_preference"] == {"a": 1, "b": 1}
    stable = solve(scenario(), "stable")
    d2 = diff_plans(base, stable)
    assert d2["moves_changed"] == [{"employee": "a", "from": "P1", "to_a": "P4", "to_b": "P3"}]
    assert d2["b"]["mode"] == "stable"
