"""Events of the matching and mutasi workflow service (topic `tatamutasi.mutasi.v1`).

A plan event carries hashes, not the plan: the input snapshot, configuration and result
are identified by SHA-256 so the audit ledger can prove a plan was recomputed unchanged.
Inside `v1` fields may only be added."""

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, Field

from tatamutasi_contracts.base import Payload
from tatamutasi_contracts.pegawai import JenisPenugasan, Nip

Sha256 = str
SHA256_PATTERN = r"^[0-9a-f]{64}$"


class Solver(Payload):
    name: str = Field(max_length=200, description="e.g. `ortools.SimpleMinCostFlow`")
    version: str = Field(max_length=64)


class MutasiPlanComputed(Payload):
    """A whole-Pemda mutasi plan was computed (reproducible from the hashed inputs)."""

    plan_id: str = Field(max_length=64)
    mode: Literal["optimal", "stable"]
    status: Literal["complete", "constraints_unmet"]
    input_sha256: Sha256 = Field(
        pattern=SHA256_PATTERN,
        description="SHA-256 of the canonical instance JSON (sorted keys, compact, UTF-8)",
    )
    config_sha256: Sha256 = Field(
        pattern=SHA256_PATTERN, description="SHA-256 of the canonical round configuration"
    )
    result_sha256: Sha256 = Field(
        pattern=SHA256_PATTERN, description="SHA-256 of the canonical result bytes"
    )
    ruleset_version: str = Field(max_length=64, description="e.g. `eligibility/2026.1`")
    formula_versions: dict[str, str] = Field(
        default_factory=dict, description="Rule, 9-box and scoring versions by name"
    )
    solver: Solver
    objective: int
    baseline_objective: int
    employees: int = Field(ge=0)
    moves: int = Field(ge=0)
    unmet_constraints: int = Field(ge=0, default=0)
    scenario: str | None = Field(default=None, max_length=200)


class MutasiWaiverRecorded(Payload):
    """A failed `block` eligibility rule was waived for an employee, with reason and approver."""

    waiver_id: str = Field(max_length=64)
    nip: Nip
    rule_code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$", max_length=64)
    post_id: str | None = Field(default=None, max_length=200, description="None = any post")
    reason: str = Field(min_length=1, max_length=2000)
    approver: str = Field(min_length=1, max_length=200)
    reference: str | None = Field(default=None, max_length=200, description="Letter / SK no.")


# -- the mutasi workflow (proposal → review → PPK decision → execution) -------------------

ProposalState = Literal[
    "draft",
    "submitted",
    "reviewed",
    "approved",
    "rejected",
    "executed",
    "written_back",
    "withdrawn",
    "superseded",
]
JenisMutasi = Literal["MJ", "MU"]  # Mutasi Jabatan / Mutasi Unor (SIASN `jenisMutasiId`)


class PostRef(Payload):
    unor_id: str = Field(min_length=1, max_length=64)
    jabatan_id: str = Field(min_length=1, max_length=64)


class RuleOutcome(Payload):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$", max_length=64)
    version: str | None = Field(default=None, max_length=64)
    severity: Literal["block", "warn"]
    passed: bool
    waived: bool = False
    waiver_id: str | None = Field(default=None, max_length=64)
    citation: str | None = Field(default=None, max_length=300)


class EligibilityResult(Payload):
    """The eligibility check at the moment of a transition (data can change after planning)."""

    ruleset_version: str = Field(max_length=64)
    blocked: bool = Field(description="A `block` rule failed and was not waived.")
    outcomes: list[RuleOutcome] = Field(default_factory=list, max_length=100)


class ProposalTransition(Payload):
    """Common part of every proposal event: the move, the state change and who made it."""

    proposal_id: str = Field(max_length=64)
    round_id: str | None = Field(default=None, max_length=64)
    nip: Nip = Field(description="The employee the proposal is about.")
    from_post: PostRef | None = None
    to_post: PostRef
    jenis_mutasi: JenisMutasi
    jenis_penugasan: JenisPenugasan = "D"
    state: ProposalState
    previous_state: ProposalState | None = None
    version: int = Field(ge=1, description="The proposal's version after this transition.")
    actor_nip: Nip | None = Field(
        default=None, description="NIP of the person who made the transition, when an ASN."
    )
    reason: str | None = Field(default=None, max_length=2000)
    eligibility: EligibilityResult | None = None
    plan_id: str | None = Field(default=None, max_length=64)
    planned_tmt: date | None = None


class MutasiProposalCreated(ProposalTransition):
    """A proposal (usulan) was drafted, from a plan's move or by hand."""

    origin: Literal["plan", "manual"]
    score: int | None = Field(default=None, description="The move's fit score in its plan.")
    plan_rank: int | None = Field(
        default=None, ge=1, description="The candidate's rank for the post in the plan (1 = best)."
    )
    created_by_role: str | None = Field(default=None, max_length=40)


class MutasiProposalSubmitted(ProposalTransition):
    """The proposal was submitted for review by the Tim Penilai Kinerja."""


class MutasiProposalReviewed(ProposalTransition):
    """The Tim Penilai Kinerja gave its recommendation (PP 11/2017 Ps. 191)."""

    recommendation: Literal["agree", "disagree"]
    notes: str | None = Field(default=None, max_length=4000)


class MendagriApproval(Payload):
    """Written approval of the Minister of Home Affairs for a replacement inside an election
    blackout (UU 10/2016 Ps. 71(2) and 162(3))."""

    number: str = Field(min_length=1, max_length=200)
    letter_date: date
    document_ref: str = Field(min_length=1, max_length=500)


class MutasiProposalApproved(ProposalTransition):
    """The PPK (or their recorded delegate) approved the move."""

    justification: str | None = Field(
        default=None, max_length=4000, description="Required when red flags were open."
    )
    acknowledged_flags: list[str] = Field(default_factory=list, max_length=100)
    delegation_id: str | None = Field(default=None, max_length=64)
    mendagri_approval: MendagriApproval | None = None
    in_blackout: bool = False


class MutasiProposalRejected(ProposalTransition):
    """The PPK rejected the move (reason required)."""


class ExecutionSnapshot(Payload):
    """The SK record as it was at execution; never changes when the registry changes later."""

    name: str = Field(max_length=200)
    golongan_id: str | None = Field(default=None, max_length=4)
    from_unor_name: str | None = Field(default=None, max_length=300)
    from_jabatan_name: str | None = Field(default=None, max_length=300)
    to_unor_name: str | None = Field(default=None, max_length=300)
    to_jabatan_name: str | None = Field(default=None, max_length=300)
    to_jenis_jabatan: Literal["1", "2", "3", "4"] | None = None
    to_eselon_id: str | None = Field(default=None, max_length=4)


class MutasiExecuted(ProposalTransition):
    """The move was executed by an SK; pegawai applies the placement and writes it back to
    SIASN, formasi updates bezetting."""

    sk_number: str = Field(min_length=1, max_length=200)
    sk_date: date
    tmt: date
    approved_at: AwareDatetime | None = None
    snapshot: ExecutionSnapshot


class MutasiProposalWrittenBack(ProposalTransition):
    """SIASN accepted the write-back of the executed move (`rwJabatanId` recorded)."""

    rw_jabatan_id: str = Field(max_length=64)


class MutasiProposalWithdrawn(ProposalTransition):
    """The proposer (or an admin) withdrew the proposal."""


class MutasiProposalSuperseded(ProposalTransition):
    """A newer plan replaced the plan this proposal came from."""

    superseded_by_plan_id: str | None = Field(default=None, max_length=64)


class MutasiObjectionFiled(Payload):
    """The employee filed an objection (keberatan) to a proposal about them."""

    objection_id: str = Field(max_length=64)
    proposal_id: str = Field(max_length=64)
    round_id: str | None = Field(default=None, max_length=64)
    nip: Nip
    reason: str = Field(min_length=1, max_length=4000)


class MutasiObjectionAnswered(Payload):
    """An objection was answered; the answer is visible to the employee."""

    objection_id: str = Field(max_length=64)
    proposal_id: str = Field(max_length=64)
    round_id: str | None = Field(default=None, max_length=64)
    nip: Nip
    outcome: Literal["upheld", "dismissed"] = Field(
        description="`upheld` = the objection is accepted (the proposal should change)."
    )
    answer: str = Field(min_length=1, max_length=4000)


class MutasiRoundChanged(Payload):
    """A mutasi round (e.g. "Mutasi Januari 2027") was opened, changed or closed."""

    round_id: str = Field(max_length=64)
    name: str = Field(min_length=1, max_length=200)
    status: Literal["open", "closed", "executed"]
    aspirations_close_at: AwareDatetime | None = None
    planned_tmt: date | None = None
    batch_sk_number: str | None = Field(default=None, max_length=200)


class MutasiBlackoutSet(Payload):
    """An election blackout window was configured (UU 10/2016 Ps. 71(2) and 162(3))."""

    blackout_id: str = Field(max_length=64)
    start: date
    end: date
    basis: str = Field(min_length=1, max_length=500, description="e.g. `Pilkada 2027`")
    active: bool = True


class MutasiDelegationRecorded(Payload):
    """The PPK delegated decisions to another official for a period (recorded, revocable)."""

    delegation_id: str = Field(max_length=64)
    delegator: str = Field(max_length=200, description="Subject of the PPK's token.")
    delegator_nip: Nip | None = None
    delegate: str = Field(max_length=200, description="Subject of the delegate's token.")
    delegate_nip: Nip | None = None
    valid_from: date
    valid_until: date
    reference: str = Field(min_length=1, max_length=200, description="Letter / SK number.")
    active: bool = True


EVENTS: dict[str, type[Payload]] = {
    "mutasi.plan_computed": MutasiPlanComputed,
    "mutasi.waiver_recorded": MutasiWaiverRecorded,
    "mutasi.proposal_created": MutasiProposalCreated,
    "mutasi.proposal_submitted": MutasiProposalSubmitted,
    "mutasi.proposal_reviewed": MutasiProposalReviewed,
    "mutasi.proposal_approved": MutasiProposalApproved,
    "mutasi.proposal_rejected": MutasiProposalRejected,
    "mutasi.executed": MutasiExecuted,
    "mutasi.proposal_written_back": MutasiProposalWrittenBack,
    "mutasi.proposal_withdrawn": MutasiProposalWithdrawn,
    "mutasi.proposal_superseded": MutasiProposalSuperseded,
    "mutasi.objection_filed": MutasiObjectionFiled,
    "mutasi.objection_answered": MutasiObjectionAnswered,
    "mutasi.round_changed": MutasiRoundChanged,
    "mutasi.blackout_set": MutasiBlackoutSet,
    "mutasi.delegation_recorded": MutasiDelegationRecorded,
}
