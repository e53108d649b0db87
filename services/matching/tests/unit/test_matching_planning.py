"""From employees and posts to a plan: only lawful pairs, explained with rules and scores."""

import hashlib
import json
from dataclasses import replace
from datetime import date

import pytest
from matching_factories import employee, post

from tatamutasi_matching.domain import synthetic
from tatamutasi_matching.domain.eligibility import make_waiver
from tatamutasi_matching.domain.instance import canonical_json
from tatamutasi_matching.domain.model import Aspiration, Post
from tatamutasi_matching.domain.optimiser import dump_result, solve
from tatamutasi_matching.domain.planning import (
    PlanningError,
    RoundConfig,
    age_band,
    build_instance,
    plan,
    prepare,
    rank_candidates,
)
from tatamutasi_matching.domain.scoring import ScoringConfig

EFFECTIVE = date(2026, 1, 1)
HOME = Post("BPKAD/PELAKSANA", "BPKAD", "PELAKSANA", "Pelaksana", opd_id="BPKAD", capacity=3)
BUDGET = post(capacity=1)
CFG = RoundConfig(effective=EFFECTIVE)


def people():  # type: ignore[no-untyped-def]
    fit = employee(
        nip="198501012010011001", field_years={"keuangan": 5.0}, tmt_jabatan=date(2019, 1, 1)
    )
    young = employee(nip="199001012015011002", tmt_jabatan=date(2025, 1, 1))  # < 2 years
    other = employee(
        nip="198801012012012003",
        education_rumpun="kesehatan",
        sex="F",
        tmt_jabatan=date(2020, 1, 1),
        aspirations=(Aspiration(1, post_id=BUDGET.post_id),),
    )
    return [fit, young, other]


def test_instance_holds_only_pairs_that_pass_every_block_rule() -> None:
    raw = build_instance(people(), [HOME, BUDGET], CFG)
    assert {p["employee"] for p in raw["pairs"]} == {"198501012010011001", "198801012012012003"}
    assert raw["meta"]["rules"]["ruleset"].startswith("eligibility/")
    assert raw["meta"]["scoring"]["version"] == "scoring/v1"
    other = next(e for e in raw["employees"] if e["id"] == "198801012012012003")
    assert other["preferences"] == [BUDGET.post_id] and other["attrs"]["sex"] == "F"


def test_plan_moves_the_best_fit_and_explains_with_rules_and_breakdown() -> None:
    result = plan(prepare(people(), [HOME, BUDGET], CFG))
    (move,) = result["explanations"]["moves"]
    assert move["employee"] == "198501012010011001" and move["to"] == BUDGET.post_id
    detail = move["detail"]
    assert "MIN_TENURE_2Y" in detail["rules"]["passed"] and detail["rules"]["blocked"] == []
    assert {c["name"] for c in detail["components"]} >= {"competence", "aspiration"}
    (alt,) = move["alternatives"]
    assert alt["employee"] == "198801012012012003"
    assert alt["reason_code"] == "lower_score"
    assert result["provenance"]["meta"]["effective"] == "2026-01-01"


def test_waiver_lets_a_blocked_pair_into_the_instance() -> None:
    young = people()[1]
    w = make_waiver(
        nip=young.nip, rule_code="MIN_TENURE_2Y", reason="restrukturisasi OPD", approver="PPK"
    )
    cfg = replace(CFG, waivers=(w,))
    raw = build_instance([young], [HOME, BUDGET], cfg)
    assert [(p["employee"], p["post"]) for p in raw["pairs"]] == [(young.nip, BUDGET.post_id)]
    prepared = prepare([young], [HOME, BUDGET], cfg)
    detail = prepared.detail(0, prepared.instance.posts.index(BUDGET.post_id))
    assert detail["rules"]["waived"] == ["MIN_TENURE_2Y"]
    assert raw["meta"]["waivers"] == [
        [young.nip, "MIN_TENURE_2Y", "*", "PPK", "restrukturisasi OPD"]
    ]


def test_single_vacancy_candidates_are_ranked_with_blocked_ones_explained() -> None:
    ranked = rank_candidates(BUDGET, people(), CFG, include_blocked=True)
    assert [c.eligible for c in ranked] == [True, True, False]
    assert ranked[0].nip == "198501012010011001"
    blocked = ranked[-1].as_dict()
    assert blocked["blocked"][0]["code"] == "MIN_TENURE_2Y"
    assert len(rank_candidates(BUDGET, people(), CFG, limit=1)) == 1


def test_age_band() -> None:
    assert age_band(1985, EFFECTIVE) == "40-49"
    assert age_band(1960, EFFECTIVE) == "60+"
    assert age_band(None, EFFECTIVE) == "unknown"


def test_stay_explanation_carries_the_five_year_warning_and_breakdown() -> None:
    long = employee(
        nip="198001012005011009", tmt_jabatan=date(2018, 1, 1), education_rumpun="hukum"
    )
    result = plan(prepare([long], [HOME], CFG))
    (why,) = result["explanations"]["employees"]
    assert why["decision"] == "stay" and why["reason_code"] == "no_eligible_post"
    assert why["stay_detail"]["rules"]["warned"] == ["MAX_TENURE_5Y"]
    warning = why["stay_detail"]["warnings"][0]
    assert "Ps. 190(3)" in warning["citation"] and "perlu dimutasi" in warning["detail"]["id"]
    tenure = next(c for c in why["stay_detail"]["components"] if c["name"] == "tenure")
    assert tenure["value"] == 0.0


def _without_detail(result: dict) -> dict:  # type: ignore[type-arg]
    out = json.loads(json.dumps(result))
    for m in out["explanations"]["moves"]:
        m.pop("detail", None)
    for e in out["explanations"]["employees"]:
        e.pop("stay_detail", None)
    return out  # type: ignore[no-any-return]


def test_plan_equals_solving_the_exported_instance_with_the_same_input_hash() -> None:
    pemda = synthetic.generate(150, seed=3)
    cfg = RoundConfig(effective=pemda.effective)
    raw = build_instance(pemda.employees, pemda.posts, cfg)
    offline = solve(json.loads(json.dumps(raw)))
    online = plan(prepare(pemda.employees, pemda.posts, cfg))
    digest = hashlib.sha256(canonical_json(raw)).hexdigest()
    assert online["provenance"]["input_sha256"] == digest
    assert _without_detail(online) == _without_detail(offline)
    assert online["moves_count"] > 0
    assert all("detail" in m for m in online["explanations"]["moves"])


def test_recomputing_a_plan_gives_identical_bytes_and_hashes() -> None:
    pemda = synthetic.generate(200, seed=11)
    cfg = RoundConfig(effective=pemda.effective, priority_posts=(pemda.posts[0].post_id,))
    first = dump_result(plan(prepare(pemda.employees, pemda.posts, cfg)))
    shuffled = list(reversed(pemda.employees))  # input order does not matter
    second = dump_result(plan(prepare(shuffled, list(reversed(pemda.posts)), cfg)))
    assert first == second
    stable = dump_result(plan(prepare(pemda.employees, pemda.posts, cfg), "stable"))
    assert stable == dump_result(plan(prepare(pemda.employees, pemda.posts, cfg), "stable"))
    changed = replace(cfg, scoring=ScoringConfig(weights={"competence": 1.0}))
    other = dump_result(plan(prepare(pemda.employees, pemda.posts, changed)))
    assert (
        json.loads(other)["provenance"]["input_sha256"]
        != json.loads(first)["provenance"]["input_sha256"]
    )


def test_unknown_locked_post_is_refused_naming_the_option() -> None:
    cfg = replace(CFG, locked_posts=("X/Y",))
    with pytest.raises(PlanningError) as err:
        prepare(people(), [HOME, BUDGET], cfg)
    assert err.value.field == "options.locked_posts[0]" and "tidak dikenal" in err.value.message_id


def test_employee_in_an_unknown_post_is_refused() -> None:
    stray = employee(current_post_id="NOWHERE/X")
    with pytest.raises(PlanningError) as err:
        prepare([stray], [HOME], CFG)
    assert err.value.field == "employees" and "NOWHERE/X" in err.value.message_en
