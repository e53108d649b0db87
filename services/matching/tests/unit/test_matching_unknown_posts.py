"""Posts unknown to the formasi (held only, e.g. jabatan ids synced from SIASN): they take
nobody new in any path that offers a seat, their holders may still move out, and the
explanations say why they were not offered."""

import hashlib
import json
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from matching_factories import employee

from tatamutasi_matching.domain.batch import (
    RoundSettings,
    eligible_pairs,
    employee_features,
    post_column,
)
from tatamutasi_matching.domain.instance import (
    InstanceError,
    canonical_json,
    from_arrays,
    instance_sha256,
    parse_instance,
)
from tatamutasi_matching.domain.model import UNKNOWN_POST_CODE, Aspiration, Post
from tatamutasi_matching.domain.optimiser import solve
from tatamutasi_matching.domain.planning import (
    RoundConfig,
    build_instance,
    plan,
    prepare,
    rank_candidates,
    rank_post,
)
from tatamutasi_matching.domain.scoring import ScoringConfig

EFFECTIVE = date(2026, 1, 1)
CFG = RoundConfig(effective=EFFECTIVE)
# a jabatan id from SIASN that neither the catalogue nor the formasi knows
SIASN = Post("BPKAD/SIASN-4711", "BPKAD", "SIASN-4711", "SIASN-4711", opd_id="BPKAD",
             capacity=0, known=False)  # fmt: skip
HOME = Post("BPKAD/PELAKSANA", "BPKAD", "PELAKSANA", "Pelaksana", opd_id="BPKAD", capacity=1)
VACANT = Post("DINKES/PELAKSANA", "DINKES", "PELAKSANA", "Pelaksana", opd_id="DINKES", capacity=1)
HOLDER = "198501012010011001"
OTHER = "198801012012012003"


def people() -> list:  # type: ignore[type-arg]
    """Both are long in post (staying scores low on tenure), so both would rather move; the
    holder of the unknown post leaves it, and the other would take the freed seat if it
    were offered."""
    holder = employee(
        nip=HOLDER, current_post_id=SIASN.post_id, tmt_jabatan=date(2015, 1, 1),
        aspirations=(Aspiration(1, post_id=VACANT.post_id),),
    )  # fmt: skip
    other = employee(
        nip=OTHER, current_post_id=HOME.post_id, tmt_jabatan=date(2015, 1, 1),
        aspirations=(Aspiration(1, post_id=SIASN.post_id),),
    )  # fmt: skip
    return [holder, other]


def posts(known: bool = False) -> list[Post]:
    return [replace(SIASN, known=known), HOME, VACANT]


@pytest.mark.parametrize("mode", ["optimal", "stable"])
@pytest.mark.parametrize(
    "cfg",
    [CFG, replace(CFG, scoring=ScoringConfig(weights={"tenure": 1.0, "aspiration": 1.0}))],
    ids=["default", "what-if weights"],
)
def test_plan_moves_nobody_into_an_unknown_post_but_its_holder_may_leave(
    cfg: RoundConfig, mode: str
) -> None:
    control = plan(prepare(people(), posts(known=True), cfg), mode)  # type: ignore[arg-type]
    assert SIASN.post_id in {m["to"] for m in control["moves"]}  # the seat would be taken
    result = plan(prepare(people(), posts(), cfg), mode)  # type: ignore[arg-type]
    assert SIASN.post_id not in {m["to"] for m in result["moves"]}
    assert (HOLDER, SIASN.post_id) in {(m["employee"], m["from"]) for m in result["moves"]}
    explained = result["explanations"]
    (closed,) = explained["closed_posts"]
    assert closed["post"] == SIASN.post_id and closed["holders"] == 1
    assert closed["reason_code"] == UNKNOWN_POST_CODE
    assert "formasi" in closed["reason"]["en"] and "formasi" in closed["reason"]["id"]
    rows = {r["employee"]: r for r in explained["employees"]}
    assert rows[HOLDER]["post_note"]["reason_code"] == UNKNOWN_POST_CODE
    assert "post_note" not in rows[OTHER]


def test_instance_of_a_round_closes_unknown_posts_and_round_trips() -> None:
    prepared = prepare(people(), posts(), CFG)
    inst = prepared.instance
    closed = inst.posts.index(SIASN.post_id)
    assert inst.closed_posts == frozenset({closed})
    assert closed not in set(inst.pair_post.tolist())
    assert inst.pair_index(inst.employees.index(HOLDER), inst.posts.index(VACANT.post_id)) >= 0
    raw = build_instance(people(), posts(), CFG)
    assert raw["options"]["closed_posts"] == [SIASN.post_id]
    again = parse_instance(json.loads(canonical_json(raw)))
    assert again.closed_posts == inst.closed_posts
    assert instance_sha256(again) == instance_sha256(inst)
    assert instance_sha256(inst) == hashlib.sha256(canonical_json(raw)).hexdigest()
    solved = solve(raw)
    assert SIASN.post_id not in {m["to"] for m in solved["moves"]}
    assert solved["explanations"]["closed_posts"][0]["post"] == SIASN.post_id
    # without unknown posts the option is absent, so earlier instances keep their hash
    assert "closed_posts" not in build_instance(people(), posts(known=True), CFG)["options"]


def test_instance_refuses_a_pair_into_a_closed_post() -> None:
    raw = build_instance(people(), posts(known=True), CFG)
    raw["options"]["closed_posts"] = [SIASN.post_id]
    k = next(i for i, p in enumerate(raw["pairs"]) if p["post"] == SIASN.post_id)
    with pytest.raises(InstanceError) as err:
        parse_instance(raw)
    assert err.value.field == f"pairs[{k}]" and "jabatan tertutup" in err.value.message_id
    raw["options"]["closed_posts"] = ["NOPE/X"]
    with pytest.raises(InstanceError) as unknown:
        parse_instance(raw)
    assert unknown.value.field == "options.closed_posts[0]"
    with pytest.raises(InstanceError) as arrays:
        from_arrays(
            employees=["a"], current=[0], stay_score=[1], posts=["P", "Q"], capacity=[1, 1],
            pair_employee=np.array([0]), pair_post=np.array([1]), pair_score=np.array([5]),
            score_max=10, closed_posts=["Q"],
        )  # fmt: skip
    assert arrays.value.field == "pairs"


def test_batch_offers_no_seat_in_an_unknown_post() -> None:
    emps = sorted(people(), key=lambda e: e.nip)
    feats = employee_features(emps, RoundSettings(EFFECTIVE))
    post_list = posts()
    by_id = {p.post_id: i for i, p in enumerate(post_list)}
    current = np.array([by_id[e.current_post_id] for e in emps])
    pairs = eligible_pairs(feats, post_list, current)
    assert by_id[SIASN.post_id] not in set(pairs.post.tolist())
    assert by_id[VACANT.post_id] in set(pairs.post.tolist())
    assert not post_column(feats, post_list[0]).eligible.any()
    assert post_column(feats, replace(SIASN, known=True)).eligible.any()


def test_single_vacancy_candidates_for_an_unknown_post_are_none_and_say_why() -> None:
    features = employee_features(people(), RoundSettings(EFFECTIVE))
    assert rank_post(SIASN, features, CFG).total == 0
    assert rank_candidates(SIASN, people(), CFG) == []
    shown = rank_candidates(SIASN, people(), CFG, include_blocked=True)
    assert [c.nip for c in shown] == [OTHER]
    (row,) = [c.as_dict() for c in shown]
    assert row["eligible"] is False
    assert row["not_offered"]["reason_code"] == UNKNOWN_POST_CODE
    known = rank_candidates(replace(SIASN, known=True), people(), CFG)
    assert [c.nip for c in known] == [OTHER] and "not_offered" not in known[0].as_dict()


def test_priority_on_an_unknown_post_is_reported_unmet_with_the_reason() -> None:
    seats = replace(SIASN, capacity=2)
    cfg = replace(CFG, priority_posts=(SIASN.post_id,))
    result = plan(prepare(people(), [seats, HOME, VACANT], cfg))
    (unmet,) = result["unmet"]
    assert unmet["post"] == SIASN.post_id and unmet["filled"] <= 1
    assert "formasi" in unmet["reason"]["en"] and "katalog" in unmet["reason"]["id"]
