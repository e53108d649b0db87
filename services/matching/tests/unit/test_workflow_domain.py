"""The pure workflow rules: state machine, role matrix, separation of duties, unit heads and
the gates (blackout, objection, red flags, backdated TMT, eligibility)."""

from datetime import date

import pytest

from tatamutasi_matching.domain import workflow as wf

CREATOR, REVIEWER = "bkd-01", "penilai-01"
EMPLOYEE, RELATIVE, HEAD, OTHER = (
    "198501012010011001",
    "198703032012012002",
    "197001012000011003",
    "199001012015011004",
)


def facts(state: wf.State = "submitted", **kw: object) -> wf.ProposalFacts:
    base: dict[str, object] = {
        "proposal_id": "p1",
        "nip": EMPLOYEE,
        "state": state,
        "from_unor_id": "BPKAD",
        "to_unor_id": "DINKES",
        "created_by": CREATOR,
        "reviewed_by": None,
    }
    base.update(kw)
    return wf.ProposalFacts(**base)  # type: ignore[arg-type]


def actor(*roles: str, sub: str = "someone", **kw: object) -> wf.Actor:
    return wf.Actor(sub=sub, roles=frozenset(roles), **kw)  # type: ignore[arg-type]


# -- state machine ---------------------------------------------------------------------------
EXPECTED = {
    ("submit", "draft"): "submitted",
    ("review", "submitted"): "reviewed",
    ("approve", "reviewed"): "approved",
    ("reject", "reviewed"): "rejected",
    ("execute", "approved"): "executed",
    ("write_back", "executed"): "written_back",
    ("withdraw", "draft"): "withdrawn",
    ("withdraw", "submitted"): "withdrawn",
    ("withdraw", "reviewed"): "withdrawn",
    ("withdraw", "approved"): "withdrawn",
    ("supersede", "draft"): "superseded",
    ("supersede", "submitted"): "superseded",
    ("supersede", "reviewed"): "superseded",
}


@pytest.mark.parametrize("action", sorted(wf.TRANSITIONS))
@pytest.mark.parametrize("state", wf.STATES)
def test_every_transition_from_every_state_is_allowed_or_refused(
    action: wf.Action, state: wf.State
) -> None:
    expected = EXPECTED.get((action, state))
    if expected is not None:
        assert wf.next_state(action, state) == expected
    else:
        with pytest.raises(wf.WorkflowError) as err:
            wf.next_state(action, state)
        assert err.value.status == 409
        assert err.value.code == "invalid-transition"
        assert err.value.extra["state"] == state


def test_create_leads_to_draft_and_terminal_states_lead_nowhere() -> None:
    assert wf.next_state("create", "draft") == "draft"
    for state in wf.TERMINAL_STATES:
        assert not any(state in starts for starts, _ in wf.TRANSITIONS.values())


def test_review_is_required_before_a_decision() -> None:
    with pytest.raises(wf.WorkflowError):
        wf.next_state("approve", "submitted")


# -- roles -----------------------------------------------------------------------------------
ALLOWED = {
    "submit": {"admin", "operator"},
    "withdraw": {"admin", "operator"},
    "review": {"penilai"},
    "approve": {"ppk"},
    "reject": {"ppk"},
    "execute": {"admin"},
    "supersede": {"admin"},
    "write_back": {"integration"},
}
ROLES = ("admin", "operator", "penilai", "ppk", "pegawai", "auditor", "integration")


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(action: wf.Action, role: str) -> None:
    who = actor(role, units=frozenset({"BPKAD"}))
    if role in ALLOWED[action]:
        assert wf.authorize(action, who, facts()) == role
    else:
        with pytest.raises(wf.WorkflowError) as err:
            wf.authorize(action, who, facts())
        assert err.value.status == 403


def test_operator_acts_only_for_own_units() -> None:
    outsider = actor("operator", units=frozenset({"DISDIK"}))
    with pytest.raises(wf.WorkflowError) as err:
        wf.authorize("submit", outsider, facts())
    assert err.value.code == "forbidden-unit"
    assert err.value.extra["rule"] == "OPERATOR_OWN_UNITS"
    insider = actor("operator", units=frozenset({"DINKES"}))
    assert (
        wf.authorize("create", insider, None, to_unor_id="DINKES", from_unor_id="X") == "operator"
    )


def test_a_recorded_delegate_may_decide_but_not_review() -> None:
    delegate = actor("admin", delegation_id="d1")
    assert wf.authorize("approve", delegate, facts("reviewed")) == "delegate"
    assert wf.authorize("reject", delegate, facts("reviewed")) == "delegate"
    with pytest.raises(wf.WorkflowError):
        wf.authorize("review", actor("pegawai", delegation_id="d1"), facts())


def test_auditor_writes_nothing() -> None:
    for action in ALLOWED:
        with pytest.raises(wf.WorkflowError):
            wf.authorize(action, actor("auditor"), facts())  # type: ignore[arg-type]


# -- separation of duties ----------------------------------------------------------------
def test_creator_cannot_review() -> None:
    codes = wf.sod_violations("review", actor("penilai", sub=CREATOR), facts(), wf.KinContext())
    assert codes == ["SOD_CREATOR"]


def test_nobody_decides_about_themselves() -> None:
    me = actor("ppk", nip=EMPLOYEE)
    assert wf.sod_violations("approve", me, facts("reviewed"), wf.KinContext()) == ["SOD_SELF"]


def test_nobody_decides_about_a_relative() -> None:
    kin = wf.KinContext(relatives=frozenset({EMPLOYEE}))
    who = actor("penilai", nip=RELATIVE)
    assert wf.sod_violations("review", who, facts(), kin) == ["SOD_RELATIVE"]


def test_nobody_decides_a_move_into_or_out_of_a_unit_headed_by_a_relative() -> None:
    for unit in ("DINKES", "BPKAD"):
        kin = wf.KinContext(relatives=frozenset({HEAD}), unit_heads={unit: frozenset({HEAD})})
        who = actor("ppk", nip=RELATIVE)
        assert wf.sod_violations("approve", who, facts("reviewed"), kin) == ["SOD_RELATIVE_HEAD"]
    unrelated = wf.KinContext(
        relatives=frozenset({OTHER}), unit_heads={"DINKES": frozenset({HEAD})}
    )
    assert (
        wf.sod_violations("approve", actor("ppk", nip=RELATIVE), facts("reviewed"), unrelated) == []
    )


def test_reviewer_cannot_also_decide() -> None:
    p = facts("reviewed", reviewed_by=REVIEWER)
    codes = wf.sod_violations("approve", actor("ppk", sub=REVIEWER), p, wf.KinContext())
    assert codes == ["SOD_REVIEWER_DECIDES"]
    assert wf.sod_violations("approve", actor("ppk", sub="ppk-1"), p, wf.KinContext()) == []


def test_sod_only_applies_to_deciding_transitions_and_names_the_rule() -> None:
    me = actor("admin", sub=CREATOR, nip=EMPLOYEE)
    assert wf.sod_violations("submit", me, facts("draft"), wf.KinContext()) == []
    with pytest.raises(wf.WorkflowError) as err:
        wf.check_sod("review", me, facts(), wf.KinContext())
    assert err.value.status == 403
    assert err.value.extra["rule"] == "SOD_CREATOR"
    assert err.value.extra["rules"] == ["SOD_CREATOR", "SOD_SELF"]
    assert "SOD_CREATOR" in err.value.message_en and "SOD_CREATOR" in err.value.message_id


def test_unit_heads_follow_eselon_and_ancestors() -> None:
    units = {"DINKES": (None, "22"), "DINKES-P2P": ("DINKES", "32")}
    holders = [
        wf.Holder(HEAD, "DINKES", "1", "22"),
        wf.Holder(OTHER, "DINKES", "1", "31"),
        wf.Holder(RELATIVE, "DINKES-P2P", "1", "32"),
        wf.Holder(EMPLOYEE, "DINKES-P2P", "2", None),
    ]
    heads = wf.unit_heads(units, holders, ["DINKES-P2P", "DINKES", "UNKNOWN"])
    assert heads["DINKES"] == {HEAD}
    assert heads["DINKES-P2P"] == {RELATIVE, HEAD}
    assert heads["UNKNOWN"] == frozenset()
    no_eselon = wf.unit_heads(
        {"X": (None, None)},
        [wf.Holder(OTHER, "X", "1", "41"), wf.Holder(HEAD, "X", "1", "32")],
        ["X"],
    )
    assert no_eselon["X"] == {HEAD}


# -- gates -----------------------------------------------------------------------------------
PILKADA = wf.Blackout("b1", "Pilkada 2027", "pre_election", date(2027, 1, 1), date(2027, 6, 30))
INAUGURATION = wf.Blackout(
    "b2", "Pelantikan 2027", "post_inauguration", date(2027, 8, 1), date(2028, 1, 31)
)
LETTER = wf.MendagriRef("100.2.2.6/123/OTDA", date(2026, 12, 20), "scan/mendagri-123.pdf")


def test_blackout_gate_refuses_without_mendagri_approval_naming_the_article() -> None:
    with pytest.raises(wf.WorkflowError) as err:
        wf.blackout_gate([PILKADA], date(2027, 2, 1), None, None)
    assert err.value.status == 409
    assert err.value.code == "election-blackout"
    assert err.value.extra["citation"] == "UU 10/2016 Ps. 71(2)"
    with pytest.raises(wf.WorkflowError) as err:
        wf.blackout_gate([INAUGURATION], date(2026, 12, 1), date(2027, 9, 1), None)
    assert err.value.extra["citation"] == "UU 10/2016 Ps. 162(3)"


def test_blackout_gate_passes_with_approval_or_outside_windows() -> None:
    assert wf.blackout_gate([PILKADA], date(2027, 2, 1), None, LETTER) == PILKADA
    assert wf.blackout_gate([PILKADA], date(2026, 12, 1), date(2027, 7, 1), None) is None
    ended = wf.Blackout("b3", "x", "pre_election", date(2027, 1, 1), date(2027, 6, 30), False)
    assert wf.blackout_gate([ended], date(2027, 2, 1), None, None) is None
    future = wf.MendagriRef("1", date(2027, 3, 1), "doc")
    with pytest.raises(wf.WorkflowError):
        wf.blackout_gate([PILKADA], date(2027, 2, 1), None, future)


def test_objection_gate() -> None:
    wf.objection_gate(0)
    with pytest.raises(wf.WorkflowError) as err:
        wf.objection_gate(2)
    assert (err.value.status, err.value.code) == (409, "objection-open")


def test_flags_gate_needs_a_justification() -> None:
    assert wf.flags_gate([], None) == []
    with pytest.raises(wf.WorkflowError) as err:
        wf.flags_gate(["f2", "f1"], "  ")
    assert err.value.code == "justification-required"
    assert wf.flags_gate(["f2", "f1"], "checked with Inspektorat") == ["f1", "f2"]


def test_tmt_gate_refuses_backdating_beyond_tolerance_without_reason() -> None:
    today = date(2026, 11, 23)
    wf.tmt_gate(date(2026, 10, 24), today, 30, None)
    wf.tmt_gate(None, today, 30, None)
    with pytest.raises(wf.WorkflowError) as err:
        wf.tmt_gate(date(2026, 10, 23), today, 30, None)
    assert (err.value.status, err.value.field) == (422, "planned_tmt")
    wf.tmt_gate(date(2026, 10, 23), today, 30, "SK tertunda karena bencana")


def test_eligibility_gate_blocks_unless_waived() -> None:
    ok = [wf.RuleCheck("MIN_TENURE", "1", "block", "waived", "PP 11/2017", "w1")]
    wf.eligibility_gate("approve", ok)
    blocked = [wf.RuleCheck("DATA_BLOCKED", "1", "block", "blocked", "Peraturan BKN 1/2023")]
    with pytest.raises(wf.WorkflowError) as err:
        wf.eligibility_gate("execute", blocked)
    assert err.value.code == "eligibility-blocked"
    assert err.value.extra["rules"] == [
        {"code": "DATA_BLOCKED", "citation": "Peraturan BKN 1/2023"}
    ]


def test_jenis_mutasi() -> None:
    assert wf.jenis_mutasi("A", "A") == "MJ"
    assert wf.jenis_mutasi("A", "B") == "MU"
    assert wf.jenis_mutasi(None, "B") == "MU"


def test_workflow_error_is_a_domain_error_mapped_once_to_problem_json() -> None:
    from tatamutasi_platform.errors import DomainError
    from tatamutasi_platform.problems import from_domain

    with pytest.raises(DomainError) as caught:
        wf.next_state("approve", "draft")
    p = from_domain(caught.value)
    assert (p.status, p.code, p.title) == (409, "invalid-transition", "Conflict")
    assert "cannot approve" in p.detail_en and "tidak dapat di-approve" in p.detail_id
    assert p.extra["errors"][0]["field"] == "state"
    assert p.extra["allowed_from"] == ["reviewed"]
    stale = from_domain(wf.WorkflowError(412, "precondition-failed", "stale", "usang"))
    assert (stale.status, stale.title, "errors" in stale.extra) == (
        412,
        "Precondition Failed",
        False,
    )
