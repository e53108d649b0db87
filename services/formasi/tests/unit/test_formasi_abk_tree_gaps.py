"""ABK formula, unit-tree rules and gap arithmetic (pure)."""

from datetime import date

import pytest

from tatamutasi_formasi.domain import abk, gaps, tree


def test_abk_need_is_workload_over_effective_hours() -> None:
    items = [abk.WorkloadItem("Verifikasi SPJ", 1200, 1.5), abk.WorkloadItem("Laporan", 12, 20)]
    r = abk.compute(items)  # (1800 + 240) / 1250 = 1.632
    assert r.total_hours == 2040 and r.effective_hours == 1250
    assert r.exact == pytest.approx(1.632) and r.need == 2


@pytest.mark.parametrize(
    ("hours", "rounding", "need"),
    [(1250, "half_up", 1), (1250, "ceil", 2), (1250, "floor", 1), (1000, "half_up", 2)],
)
def test_abk_rounding_and_effective_hours(hours: float, rounding: abk.Rounding, need: int) -> None:
    # 1,562.5 hours: 1.25 persons at 1,250 h, 1.5625 at 1,000 h
    assert abk.compute([abk.WorkloadItem("x", 625, 2.5)], hours, rounding).need == need


def test_abk_half_rounds_up_exactly() -> None:
    assert abk.compute([abk.WorkloadItem("x", 625, 3)]).need == 2  # exactly 1.5


@pytest.mark.parametrize(
    ("items", "hours", "field"),
    [
        ([], 1250, "items"),
        ([abk.WorkloadItem("x", -1, 1)], 1250, "items[0].volume"),
        ([abk.WorkloadItem("x", 1, float("nan"))], 1250, "items[0].standard_hours"),
        ([abk.WorkloadItem("x", 1, 1)], 0, "effective_hours"),
    ],
)
def test_abk_bad_input(items: list[abk.WorkloadItem], hours: float, field: str) -> None:
    with pytest.raises(abk.ABKError) as exc:
        abk.compute(items, hours)
    assert exc.value.field == field


def test_cycle_is_detected_when_moving_under_a_descendant() -> None:
    parents = {"A": None, "B": "A", "C": "B"}
    tree.check_parent("C", "A", parents)
    with pytest.raises(tree.TreeError) as exc:
        tree.check_parent("A", "C", parents)
    assert exc.value.code == "cycle" and exc.value.field == "parent_id"
    with pytest.raises(tree.TreeError):
        tree.check_parent("A", "A", parents)
    assert tree.ancestors("C", parents) == ["B", "A"]


def test_topological_order_puts_parents_first_and_refuses_cycles() -> None:
    order = tree.topological([("C", "B"), ("B", "A"), ("A", None), ("D", "X-OUTSIDE")])
    assert order.index("A") < order.index("B") < order.index("C") and "D" in order
    with pytest.raises(tree.TreeError):
        tree.topological([("A", "B"), ("B", "C"), ("C", "A")])


def test_successor_chain_resolves_merged_units() -> None:
    r = tree.resolve_successor("A", {"A": "B", "B": "C"}, {"A", "B"})
    assert r == tree.Resolved("C", ("A", "B"), False)
    orphan = tree.resolve_successor("A", {"A": None}, {"A"})
    assert orphan.orphaned
    assert tree.resolve_successor("Z", {}, set()) == tree.Resolved("Z", (), False)


def test_vacant_and_over_are_per_post_so_surplus_never_hides_shortage() -> None:
    posts = gaps.post_gaps(
        {("U1", "J1"): 3, ("U1", "J2"): 1},
        {("U1", "J1"): 1, ("U1", "J2"): 3, ("U2", "J1"): 1},
        {("U1", "J1"): 1},
    )
    by_unit = gaps.aggregate(posts, lambda p: p.unit_id)
    u1 = by_unit["U1"]
    assert (u1.need, u1.filled, u1.acting, u1.vacant, u1.over, u1.net) == (4, 4, 1, 2, 2, 0)
    assert by_unit["U2"].over == 1 and by_unit["U2"].need == 0


def test_dates() -> None:
    assert gaps.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert gaps.add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)
    assert gaps.add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)
    as_of = date(2026, 11, 23)
    assert gaps.retiring_within(date(2027, 11, 23), as_of, 12)
    assert not gaps.retiring_within(date(2027, 11, 24), as_of, 12)
    assert not gaps.retiring_within(date(2026, 11, 1), as_of, 12)  # already retired
    assert not gaps.retiring_within(None, as_of, 12)
    assert gaps.past_max_tenure(date(2021, 11, 23), as_of)
    assert not gaps.past_max_tenure(date(2021, 11, 24), as_of)
