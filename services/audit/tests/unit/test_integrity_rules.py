"""Each integrity rule on its own, over small hand-made facts (pure: no I/O)."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tatamutasi_audit.integrity.catalogue import RULES, RuleConfig, evaluate, validate
from tatamutasi_audit.integrity.events import FactsBuilder, Observed
from tatamutasi_audit.integrity.facts import Facts

CAND, HEAD, REVIEWER, OTHER, SPOUSE = (f"19800101200501100{i}" for i in range(1, 6))
AS_OF = date(2026, 11, 23)


class World:
    """Events in ledger order, turned into facts by the production builder."""

    def __init__(self) -> None:
        self.items: list[Observed] = []

    def add(
        self,
        type_: str,
        data: dict[str, Any],
        day: date,
        actor: str = "bkd",
        role: str | None = "admin",
    ) -> int:
        idx = len(self.items)
        when = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
        self.items.append(Observed(idx, f"ev-{idx}", type_, when, actor, role, data))
        return idx

    def person(
        self,
        nip: str,
        unit: str,
        jenis: str = "4",
        eselon: str | None = None,
        tmt: str = "2020-01-01",
        gol: str = "32",
    ) -> None:
        data = {
            "nip": nip,
            "unor_id": unit,
            "jabatan_id": "J-KABID" if jenis == "1" else "J-STAF",
            "jenis_jabatan": jenis,
            "tmt_jabatan": tmt,
            "golongan_id": gol,
        }
        if eselon:
            data["eselon_id"] = eselon
        self.add("pegawai.registered", data, date(2020, 1, 1))

    def kin(
        self, owner: str, other: str, relation: str, conf: float = 1.0, basis: str = "nik"
    ) -> None:
        self.add(
            "pegawai.family_updated",
            {
                "nip": owner,
                "relations": [
                    {"other_nip": other, "relation": relation, "basis": basis, "confidence": conf}
                ],
            },
            date(2025, 1, 1),
        )

    def proposal(
        self,
        pid: str,
        nip: str,
        to_unit: str,
        *,
        rank: int | None = 1,
        outcome: str = "approved",
        reviewer: str | None = None,
        proposer_nip: str | None = None,
        approver_nip: str | None = None,
        day: date = date(2026, 2, 10),
        approval: dict[str, Any] | None = None,
        executed: dict[str, Any] | None = None,
        planned_tmt: str | None = None,
        jabatan: str = "J-STAF",
        round_id: str = "RND",
        from_unit: str = "U-A",
    ) -> None:
        base = {
            "proposal_id": pid,
            "round_id": round_id,
            "nip": nip,
            "from_post": {"unor_id": from_unit, "jabatan_id": "J-STAF"},
            "to_post": {"unor_id": to_unit, "jabatan_id": jabatan},
            "jenis_mutasi": "MU",
            "jenis_penugasan": "D",
        }
        if planned_tmt:
            base["planned_tmt"] = planned_tmt
        created = {
            **base,
            "origin": "plan",
            "state": "draft",
            "version": 1,
            "eligibility": {"ruleset_version": "e/1", "blocked": False, "outcomes": []},
        }
        if rank:
            created["plan_rank"] = rank
        if proposer_nip:
            created["actor_nip"] = proposer_nip
        self.add("mutasi.proposal_created", created, day)
        review = {**base, "state": "reviewed", "version": 2, "recommendation": "agree"}
        if reviewer:
            review["actor_nip"] = reviewer
        self.add("mutasi.proposal_reviewed", review, day, "tpk", "penilai")
        if outcome == "approved":
            data = {**base, "state": "approved", "version": 3, **(approval or {})}
            if approver_nip:
                data["actor_nip"] = approver_nip
            self.add("mutasi.proposal_approved", data, day, "ppk-1", "ppk")
            if executed:
                self.add(
                    "mutasi.executed",
                    {
                        **base,
                        "state": "executed",
                        "version": 4,
                        "sk_number": "800/1",
                        "snapshot": {},
                        **executed,
                    },
                    day,
                )
        elif outcome == "rejected":
            self.add(
                "mutasi.proposal_rejected",
                {**base, "state": "rejected", "version": 3},
                day,
                "ppk-1",
                "ppk",
            )

    def facts(self, as_of: date = AS_OF) -> Facts:
        return FactsBuilder().add_all(self.items).build(as_of)


def run(world: World, rule: str, **thresholds: float) -> list[Any]:
    cfg = {rule: RuleConfig(True, {**RULES[rule].defaults(), **thresholds})}
    return evaluate(world.facts(), cfg, rules={rule}).findings


def test_every_rule_has_id_version_texts_citation_and_valid_defaults() -> None:
    assert list(RULES) == [f"R{i}" for i in range(1, 11)]
    for rid, r in RULES.items():
        assert r.id == rid and r.version.startswith(rid + "/")
        assert r.explanation_en and r.explanation_id and r.title_id and r.title_en
        assert r.severity in ("info", "low", "medium", "high")
        assert any(
            law in r.citation for law in ("PP 11/2017", "UU 30/2014", "UU 28/1999", "UU 10/2016")
        )
        assert validate(rid, r.defaults()) == []


def test_r1_flags_a_reviewer_related_to_the_candidate_with_its_evidence() -> None:
    w = World()
    w.person(CAND, "U-A")
    w.person(REVIEWER, "U-X")
    w.kin(CAND, REVIEWER, "sibling", 0.9, "shared parent (nik)")
    w.kin(REVIEWER, CAND, "sibling", 0.9, "shared parent (nik)")
    w.proposal("P1", CAND, "U-B", reviewer=REVIEWER)
    (f,) = run(w, "R1")
    assert (f.proposal_id, f.subjects, f.severity) == ("P1", (CAND, REVIEWER), "medium")
    assert f.confidence == 0.9 and "saudara kandung" in f.explanation_id
    assert {e.type for e in f.evidence} >= {"mutasi.proposal_reviewed", "pegawai.family_updated"}
    assert CAND not in f.explanation_en and CAND not in f.explanation_id


def test_r1_high_confidence_relation_is_high_severity_and_in_laws_count() -> None:
    w = World()
    for n in (CAND, REVIEWER, SPOUSE):
        w.person(n, "U-A")
    w.kin(REVIEWER, SPOUSE, "spouse")
    w.kin(SPOUSE, REVIEWER, "spouse")
    w.kin(SPOUSE, CAND, "sibling", 1.0)
    w.kin(CAND, SPOUSE, "sibling", 1.0)
    w.proposal("P1", CAND, "U-B", reviewer=REVIEWER)
    (f,) = run(w, "R1")
    assert "in-law" in f.explanation_en and f.severity == "high"


def test_r1_missing_family_record_lowers_confidence_and_says_so() -> None:
    w = World()
    w.person(CAND, "U-A")
    w.person(REVIEWER, "U-X")
    w.kin(CAND, REVIEWER, "parent", 1.0)  # the reviewer has no family record at all
    w.proposal("P1", CAND, "U-B", reviewer=REVIEWER)
    (f,) = run(w, "R1")
    assert f.confidence == 0.8 and f.severity == "medium"
    assert "missing" in f.explanation_en and "tidak ada" in f.explanation_id


def test_r1_no_family_data_at_all_is_a_gap_not_a_crash_nor_a_flag() -> None:
    w = World()
    w.person(CAND, "U-A")
    w.proposal("P1", CAND, "U-B", reviewer=REVIEWER)
    out = evaluate(w.facts(), rules={"R1"})
    assert out.findings == [] and [g.rule_id for g in out.gaps] == ["R1"]


def test_r1_same_name_is_never_a_relation() -> None:
    w = World()
    w.person(CAND, "U-A")
    w.person(REVIEWER, "U-X")
    w.proposal("P1", CAND, "U-B", reviewer=REVIEWER)
    assert run(w, "R1") == []


def test_r2_flags_the_head_of_the_target_unit_and_of_the_unit_above() -> None:
    w = World()
    w.add(
        "formasi.unit_changed",
        {
            "unit_id": "U-B",
            "change": "created",
            "valid_from": "2019-01-01",
            "name": "B",
            "parent_id": "U-DINAS",
            "unit_type": "bidang",
        },
        date(2019, 1, 1),
    )
    w.person(CAND, "U-A")
    w.person(HEAD, "U-DINAS", "1", "22")
    w.person(OTHER, "U-B", "1", "32")
    w.kin(CAND, HEAD, "parent")
    w.proposal("P1", CAND, "U-B")
    (f,) = run(w, "R2")
    assert f.unor_id == "U-DINAS" and "1 level" in f.explanation_en
    assert run(w, "R2", supervision_levels=0) == []


def test_r3_flags_self_proposal_and_a_proposer_relative() -> None:
    w = World()
    w.person(CAND, "U-A")
    w.person(OTHER, "U-A")
    w.kin(OTHER, SPOUSE, "spouse")
    w.person(SPOUSE, "U-A")
    w.proposal("P1", CAND, "U-B", proposer_nip=CAND)
    w.proposal("P2", SPOUSE, "U-B", proposer_nip=OTHER)
    keys = sorted(f.key for f in run(w, "R3"))
    assert keys == ["P1:self:proposer", f"P2:relative:{OTHER}"]


def test_r4_flags_a_low_ranked_approval_without_reason_only() -> None:
    w = World()
    w.proposal("P1", CAND, "U-B", rank=9)
    w.proposal(
        "P2",
        OTHER,
        "U-B",
        rank=9,
        approval={"justification": "Satu-satunya yang bersertifikat auditor"},
    )
    w.proposal("P3", HEAD, "U-B", rank=2)
    assert [f.proposal_id for f in run(w, "R4")] == ["P1"]
    assert run(w, "R4", max_rank=10) == []


def test_r5_flags_a_waiver_under_two_years_and_frequent_moves() -> None:
    w = World()
    w.person(CAND, "U-A", tmt="2025-06-01")
    w.add(
        "mutasi.waiver_recorded",
        {
            "waiver_id": "W1",
            "nip": CAND,
            "rule_code": "MIN_TIME_IN_POST",
            "reason": "x",
            "approver": "ppk",
        },
        date(2026, 1, 1),
    )
    w.person(OTHER, "U-A")
    for day in ("2023-02-01", "2023-10-01", "2024-06-01", "2025-03-01"):
        w.add(
            "pegawai.placement_changed",
            {
                "nip": OTHER,
                "previous": None,
                "current": {"unor_id": "U-A", "jabatan_id": "J-STAF", "tmt": day},
                "reason": "mutasi",
            },
            date.fromisoformat(day),
        )
    w.proposal("P1", CAND, "U-B", planned_tmt="2026-03-02")
    w.proposal("P2", OTHER, "U-B", planned_tmt="2026-03-02")
    assert sorted(f.key for f in run(w, "R5")) == ["P1:waiver", "P2:frequency"]
    assert [f.key for f in run(w, "R5", min_tenure_days=180)] == ["P2:frequency"]


def test_r6_flags_approval_inside_blackout_without_mendagri_and_a_cluster_before() -> None:
    w = World()
    w.add(
        "mutasi.blackout_set",
        {"blackout_id": "B", "start": "2026-10-20", "end": "2027-04-30", "basis": "Pilkada"},
        date(2026, 1, 1),
    )
    w.proposal("P1", CAND, "U-B", day=date(2026, 11, 2))
    w.proposal(
        "P2",
        OTHER,
        "U-B",
        day=date(2026, 11, 2),
        approval={
            "mendagri_approval": {"number": "1", "letter_date": "2026-10-30", "document_ref": "x"}
        },
    )
    for i in range(5):
        w.proposal(f"C{i}", f"19800101200501101{i}", "U-B", day=date(2026, 10, 10))
    got = sorted(f.key for f in run(w, "R6", min_cluster=5))
    assert got == ["P1:blackout:B", "cluster:B:2026-09-20"]
    assert [f.key for f in run(w, "R6", min_cluster=6)] == ["P1:blackout:B"]


def test_r7_flags_many_moves_after_a_new_unit_head() -> None:
    w = World()
    w.person(HEAD, "U-B", "1", "32")
    w.person(OTHER, "U-C")
    w.add(
        "pegawai.placement_changed",
        {
            "nip": OTHER,
            "previous": None,
            "current": {
                "unor_id": "U-B",
                "jabatan_id": "J-KABID",
                "jenis_jabatan": "1",
                "eselon_id": "32",
                "tmt": "2026-01-10",
            },
            "reason": "mutasi",
        },
        date(2026, 1, 10),
    )
    staff = [f"19800101200501102{i}" for i in range(6)]
    for n in staff:
        w.person(n, "U-B")
    for i, n in enumerate(staff):
        w.proposal(f"P{i}", n, "U-Z", day=date(2026, 2, 10), from_unit="U-B")
    (f,) = run(w, "R7", min_factor=1.0)
    assert f.key.startswith("unit:U-B:2026-01-10") and f.subjects[0] == OTHER
    assert run(w, "R7", min_moves=7, min_factor=1.0) == []


def test_r8_flags_backdated_tmt_and_resubmission_with_changed_data() -> None:
    w = World()
    w.proposal(
        "P1",
        CAND,
        "U-B",
        day=date(2026, 2, 20),
        executed={"sk_date": "2026-02-21", "tmt": "2026-01-02"},
    )
    w.proposal("P2", OTHER, "U-B", outcome="rejected", day=date(2026, 2, 1))
    w.proposal("P3", OTHER, "U-B", day=date(2026, 2, 20), jabatan="J-LAIN")
    w.proposal("P4", HEAD, "U-B", outcome="rejected", day=date(2026, 2, 1))
    w.proposal("P5", HEAD, "U-B", day=date(2026, 2, 20))  # same data again: not this rule
    assert sorted(f.key for f in run(w, "R8")) == ["P1:backdated:tmt", "P3:resubmitted"]


def test_r9_flags_a_cluster_of_relatives_in_a_unit_not_a_couple() -> None:
    w = World()
    fam = [f"19800101200501103{i}" for i in range(3)]
    for n in fam + [f"19800101200501104{i}" for i in range(7)]:
        w.person(n, "U-B")
    w.kin(fam[0], fam[1], "sibling")
    w.kin(fam[1], fam[2], "spouse")
    (f,) = run(w, "R9")
    assert f.unor_id == "U-B" and set(f.subjects) == set(fam)
    assert run(w, "R9", min_cluster=4) == []


def test_r10_flags_a_long_plt_only_when_a_candidate_exists() -> None:
    w = World()
    w.add(
        "pegawai.acting_changed",
        {
            "nip": OTHER,
            "unor_id": "U-B",
            "jabatan_id": "J-KABID",
            "jenis_penugasan": "PLT",
            "start": "2025-09-01",
            "active": True,
        },
        date(2025, 9, 1),
    )
    out = evaluate(w.facts(), rules={"R10"})
    assert out.findings == [] and out.gaps[0].rule_id == "R10"
    w.proposal("P1", CAND, "U-B", jabatan="J-KABID", outcome="none")
    (f,) = run(w, "R10")
    assert f.subjects == (OTHER, CAND) and "PLT" in f.explanation_en
    assert run(w, "R10", plt_max_days=500) == []


@pytest.mark.parametrize(
    ("rule", "thresholds", "code"),
    [
        ("R99", {}, "unknown_rule"),
        ("R1", {"min_confidence": 2}, "out_of_range"),
        ("R1", {"nope": 1}, "unknown_threshold"),
        ("R4", {"max_rank": 2.5}, "out_of_range"),
        ("R1", {"min_confidence": 0.9, "high_confidence": 0.6}, "out_of_range"),
    ],
)
def test_config_validation_refuses_bad_thresholds(
    rule: str, thresholds: dict[str, float], code: str
) -> None:
    issues = validate(rule, thresholds)
    assert issues and issues[0].code == code and issues[0].message_id
