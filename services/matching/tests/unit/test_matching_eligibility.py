"""One test per eligibility rule, each asserting its code, severity and citation."""

from dataclasses import replace
from datetime import date

import pytest
from matching_factories import EFFECTIVE, employee, post

from tatamutasi_matching.domain.eligibility import (
    RULES,
    RULES_BY_CODE,
    BlackoutWindow,
    EligibilityConfig,
    EligibilityError,
    MendagriApproval,
    evaluate,
    make_waiver,
    ruleset_versions,
)
from tatamutasi_matching.domain.model import Assessment, Sanction


def status(code: str, ev) -> str:  # type: ignore[no-untyped-def]
    return next(r for r in ev.results if r.code == code).status


def result(code: str, ev):  # type: ignore[no-untyped-def]
    return next(r for r in ev.results if r.code == code)


def test_baseline_candidate_passes_every_rule() -> None:
    ev = evaluate(employee(), post(), EFFECTIVE)
    assert ev.eligible
    assert ev.blocked == [] and ev.warned == []


def test_every_rule_is_named_versioned_cited_and_bilingual() -> None:
    for rule in RULES:
        assert rule.code.isupper() and " " not in rule.code
        assert rule.version and rule.citation
        assert rule.severity in ("block", "warn")
        assert rule.explanation_en and rule.explanation_id
    assert ruleset_versions()["ruleset"].startswith("eligibility/")


def test_rejects_move_before_two_years_in_post() -> None:
    ev = evaluate(employee(tmt_jabatan=date(2024, 6, 1)), post(), EFFECTIVE)
    r = result("MIN_TENURE_2Y", ev)
    assert r.status == "blocked" and r.severity == "block"
    assert "Ps. 190(3)" in r.citation and "SE MenPANRB 19/2023" in r.citation
    assert "1 full year" in r.detail_en and "minimal 2" in r.detail_id
    assert not ev.eligible
    assert (
        status("MIN_TENURE_2Y", evaluate(employee(tmt_jabatan=date(2024, 1, 1)), post(), EFFECTIVE))
        == "passed"
    )


def test_warns_stay_beyond_five_years_in_post() -> None:
    e = employee(tmt_jabatan=date(2020, 6, 1))
    stay = post(post_id=e.current_post_id)
    r = result("MAX_TENURE_5Y", evaluate(e, stay, EFFECTIVE))
    assert r.status == "warned" and r.severity == "warn"
    assert "PP 11/2017" in r.citation and "Ps. 190(3)" in r.citation
    exactly_five = employee(tmt_jabatan=date(2021, 1, 1))
    assert status("MAX_TENURE_5Y", evaluate(exactly_five, stay, EFFECTIVE)) == "passed"
    # a move is not judged by the maximum
    assert status("MAX_TENURE_5Y", evaluate(e, post(), EFFECTIVE)) == "not_applicable"


def test_blocks_golongan_outside_the_eselon_range() -> None:
    ev = evaluate(employee(golongan_id="32"), post(eselon_id="41"), EFFECTIVE)
    r = result("GOLONGAN_RANGE", ev)
    assert r.status == "blocked" and "PP 13/2002" in r.citation
    assert "III/b" in r.detail_en and "III/c–III/d" in r.detail_en
    jf = post(jenis_jabatan="2", eselon_id=None, jf_jenjang="MU")
    assert status("GOLONGAN_RANGE", evaluate(employee(golongan_id="34"), jf, EFFECTIVE)) == "passed"
    assert (
        status("GOLONGAN_RANGE", evaluate(employee(golongan_id="41"), jf, EFFECTIVE)) == "blocked"
    )
    explicit = post(golongan_min="21", golongan_max="24", eselon_id=None, jenis_jabatan="4")
    assert (
        status("GOLONGAN_RANGE", evaluate(employee(golongan_id="33"), explicit, EFFECTIVE))
        == "blocked"
    )
    pppk = employee(kind="PPPK", golongan_id=None, contract_end=date(2030, 1, 1))
    assert status("GOLONGAN_RANGE", evaluate(pppk, post(), EFFECTIVE)) == "not_applicable"


def test_blocks_education_below_the_jabatan_minimum() -> None:
    ev = evaluate(employee(education_level_id="15"), post(min_education_level_id="40"), EFFECTIVE)
    r = result("EDUCATION_LEVEL", ev)
    assert r.status == "blocked" and "PP 11/2017" in r.citation
    assert "SLTA" in r.detail_en and "S-1" in r.detail_en
    d4 = employee(education_level_id="35")  # D-IV is equivalent to S-1
    assert (
        status("EDUCATION_LEVEL", evaluate(d4, post(min_education_level_id="40"), EFFECTIVE))
        == "passed"
    )


def test_warns_field_of_study_outside_the_accepted_rumpun() -> None:
    ev = evaluate(employee(education_rumpun="kesehatan"), post(), EFFECTIVE)
    r = result("EDUCATION_FIELD", ev)
    assert r.status == "warned" and r.severity == "warn" and "Ps. 190(4)" in r.citation
    assert ev.eligible


def test_warns_managerial_competency_below_standard() -> None:
    levels = {"integritas": 2.0}
    e = employee(assessment=Assessment(year=2025, levels=levels))
    r = result(
        "MANAGERIAL_COMPETENCY", evaluate(e, post(eselon_id="31", golongan_min="33"), EFFECTIVE)
    )
    assert r.status == "warned" and r.citation.startswith("PermenPANRB 38/2017")
    assert "integritas 2<3" in r.detail_en
    # pengawas standard is 2: all level-3 candidates pass
    assert status("MANAGERIAL_COMPETENCY", evaluate(employee(), post(), EFFECTIVE)) == "passed"
    no_assessment = employee(assessment=None)
    assert status("MANAGERIAL_COMPETENCY", evaluate(no_assessment, post(), EFFECTIVE)) == "warned"


def test_blocks_retirement_before_the_move_or_within_the_horizon() -> None:
    soon = employee(tmt_pensiun=date(2026, 10, 1))
    r = result("RETIREMENT_BUP", evaluate(soon, post(), EFFECTIVE))
    assert r.status == "blocked" and "Ps. 239" in r.citation
    short = EligibilityConfig(bup_horizon_months=6)
    assert status("RETIREMENT_BUP", evaluate(soon, post(), EFFECTIVE, short)) == "passed"
    gone = employee(tmt_pensiun=date(2025, 12, 1))
    assert status("RETIREMENT_BUP", evaluate(gone, post(), EFFECTIVE, short)) == "blocked"


def test_blocks_active_discipline_sanction() -> None:
    e = employee(sanctions=(Sanction("sedang", date(2025, 6, 1), date(2026, 6, 1)),))
    r = result("ACTIVE_DISCIPLINE", evaluate(e, post(), EFFECTIVE))
    assert r.status == "blocked" and "PP 94/2021" in r.citation
    done = employee(sanctions=(Sanction("ringan", date(2024, 1, 1), date(2024, 6, 1)),))
    assert status("ACTIVE_DISCIPLINE", evaluate(done, post(), EFFECTIVE)) == "passed"


def test_blocks_employee_with_blocked_data() -> None:
    ev = evaluate(employee(kedudukan_id="92"), post(), EFFECTIVE)
    r = result("DATA_BLOCKED", ev)
    assert r.status == "blocked" and "Peraturan BKN 1/2023" in r.citation
    assert status("NOT_ACTIVE", ev) == "not_applicable"  # one reason, not two


def test_blocks_employee_not_active() -> None:
    r = result("NOT_ACTIVE", evaluate(employee(kedudukan_id="03"), post(), EFFECTIVE))
    assert r.status == "blocked" and "01" in r.citation and "PP 11/2017" in r.citation


def test_blocks_pppk_whose_contract_ends_before_the_move() -> None:
    e = employee(kind="PPPK", contract_end=date(2025, 12, 31))
    r = result("PPPK_CONTRACT_END", evaluate(e, post(), EFFECTIVE))
    assert r.status == "blocked" and "PP 49/2018" in r.citation
    later = employee(kind="PPPK", contract_end=date(2027, 1, 1))
    assert status("PPPK_CONTRACT_END", evaluate(later, post(), EFFECTIVE)) == "passed"
    assert status("PPPK_CONTRACT_END", evaluate(employee(), post(), EFFECTIVE)) == "not_applicable"


def test_blocks_moves_inside_election_blackout_without_mendagri_approval() -> None:
    window = BlackoutWindow("pilkada-2026", date(2025, 9, 1), date(2026, 3, 1), "pre_election")
    cfg = EligibilityConfig(blackout_windows=(window,))
    r = result("ELECTION_BLACKOUT", evaluate(employee(), post(), EFFECTIVE, cfg))
    assert r.status == "blocked" and "UU 10/2016 Ps. 71(2)" in r.citation and "162(3)" in r.citation
    approved = replace(
        cfg,
        mendagri_approvals=(
            MendagriApproval("100.2.2.6/123/SJ", "pilkada-2026", frozenset({employee().nip})),
        ),
    )
    ok = result("ELECTION_BLACKOUT", evaluate(employee(), post(), EFFECTIVE, approved))
    assert ok.status == "passed" and "100.2.2.6/123/SJ" in ok.detail_en
    outside = EligibilityConfig(
        blackout_windows=(
            BlackoutWindow("w", date(2026, 6, 1), date(2026, 12, 1), "post_inauguration"),
        )
    )
    assert status("ELECTION_BLACKOUT", evaluate(employee(), post(), EFFECTIVE, outside)) == "passed"
    with pytest.raises(EligibilityError):
        BlackoutWindow("bad", date(2026, 2, 1), date(2026, 1, 1), "pre_election")


def test_waiver_turns_a_waivable_block_into_waived_with_reason_and_approver() -> None:
    e = employee(tmt_jabatan=date(2025, 1, 1))
    w = make_waiver(
        nip=e.nip,
        rule_code="MIN_TENURE_2Y",
        reason="tidak lagi memenuhi syarat jabatan",
        approver="PPK Kota Contoh",
        reference="800/12/BKPSDM",
    )
    ev = evaluate(e, post(), EFFECTIVE, waivers=[w])
    r = result("MIN_TENURE_2Y", ev)
    assert r.status == "waived" and ev.eligible
    assert r.as_dict()["waiver"] == {
        "reason": "tidak lagi memenuhi syarat jabatan",
        "approver": "PPK Kota Contoh",
        "reference": "800/12/BKPSDM",
    }
    other_post = evaluate(e, post(post_id="X"), EFFECTIVE, waivers=[replace(w, post_id="Y")])
    assert status("MIN_TENURE_2Y", other_post) == "blocked"


@pytest.mark.parametrize(
    ("code", "reason", "approver", "field"),
    [
        ("DATA_BLOCKED", "x", "y", "rule_code"),
        ("RETIREMENT_BUP", "x", "y", "rule_code"),
        ("EDUCATION_FIELD", "x", "y", "rule_code"),
        ("NO_SUCH_RULE", "x", "y", "rule_code"),
        ("MIN_TENURE_2Y", " ", "y", "reason"),
        ("MIN_TENURE_2Y", "x", "", "approver"),
    ],
)
def test_refuses_waivers_that_the_law_or_the_record_does_not_allow(
    code: str, reason: str, approver: str, field: str
) -> None:
    with pytest.raises(EligibilityError) as err:
        make_waiver(nip="1" * 18, rule_code=code, reason=reason, approver=approver)
    assert err.value.field == field and err.value.message_id


def test_missing_data_warns_unless_configured_to_block() -> None:
    e = employee(tmt_jabatan=None)
    assert status("MIN_TENURE_2Y", evaluate(e, post(), EFFECTIVE)) == "warned"
    strict = EligibilityConfig(unknown_blocks=True)
    assert status("MIN_TENURE_2Y", evaluate(e, post(), EFFECTIVE, strict)) == "blocked"


def test_stay_is_never_blocked() -> None:
    e = employee(kedudukan_id="92", tmt_jabatan=date(2025, 6, 1), tmt_pensiun=date(2026, 2, 1))
    ev = evaluate(e, post(post_id=e.current_post_id), EFFECTIVE)
    assert ev.eligible
    assert set(RULES_BY_CODE) == {r.code for r in ev.results}
