"""Events of the matching and mutasi workflow service (topic `tatamutasi.mutasi.v1`).

A plan event carries hashes, not the plan: the input snapshot, configuration and result
are identified by SHA-256 so the audit ledger can prove a plan was recomputed unchanged.
Inside `v1` fields may only be added."""

from typing import Literal

from pydantic import Field

from tatamutasi_contracts.base import Payload
from tatamutasi_contracts.pegawai import Nip

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


EVENTS: dict[str, type[Payload]] = {
    "mutasi.plan_computed": MutasiPlanComputed,
    "mutasi.waiver_recorded": MutasiWaiverRecorded,
}
