"""The declared access policy of every HTTP operation of the four services, in ONE place.

Each entry names the roles that may call an operation; a role may be *scoped*:

- `UNITS`: an operator acts only for their own units (`units` claim); outside them: 403.
- `SELF`: an employee (role `pegawai`) reads or acts only on their own NIP; another NIP: 403.
- `UNITS_LIST` / `SELF_LIST`: a list is narrowed to the operator's units or the employee's own
  records (never a 403; the rows are filtered).

`tests/security/test_security_authz_matrix.py` generates every operation x every role from the
checked-in OpenAPI documents and holds the services to this table; an operation missing here
fails that test, so a new endpoint must be declared before it ships.

Auditors write nothing: every non-GET operation denies the role `auditor` except the entries
of `AUDITOR_WRITES` (the auditor's own handling of red flags, which changes no HR data)."""

from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

from tatamutasi_platform.auth import ROLES


class Scope(Enum):
    UNITS = "operator: own units only (403 outside)"
    SELF = "pegawai: own NIP only (403 for another)"
    UNITS_LIST = "operator: list narrowed to own units"
    SELF_LIST = "pegawai: list narrowed to own records"


UNITS, SELF, UNITS_LIST, SELF_LIST = Scope.UNITS, Scope.SELF, Scope.UNITS_LIST, Scope.SELF_LIST


@dataclass(frozen=True)
class Access:
    roles: frozenset[str] = frozenset()
    scopes: MappingProxyType[str, Scope] = field(default_factory=lambda: MappingProxyType({}))
    public: bool = False
    delegate: bool = False
    """A recorded delegate of the PPK may also call it, whatever their role (decisions)."""


def allow(*roles: str, delegate: bool = False, **scopes: Scope) -> Access:
    unknown = [r for r in (*roles, *scopes) if r not in ROLES]
    assert not unknown, f"unknown roles {unknown}"
    assert set(scopes) <= set(roles), "a scoped role must be allowed"
    return Access(frozenset(roles), MappingProxyType(dict(scopes)), delegate=delegate)


PUBLIC = Access(public=True)

# role groups
STAFF = ("admin", "operator", "penilai", "ppk", "auditor", "integration")
EVERYONE = (*STAFF, "pegawai")
EVENT_READERS = ("admin", "auditor", "integration")
LEDGER_READERS = ("auditor", "integration", "admin")
PLAN_READERS = ("admin", "penilai", "ppk", "auditor")
FLAG_READERS = ("auditor", "admin", "ppk", "penilai", "integration")

_PLATFORM = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/events"): allow(*EVENT_READERS),
}

_RIWAYAT = ("jabatan", "golongan", "pendidikan", "diklat", "skp", "asesmen", "hukdis")

PEGAWAI: dict[tuple[str, str], Access] = {
    **_PLATFORM,
    ("GET", "/pegawai"): allow(*STAFF, operator=UNITS_LIST),
    ("POST", "/pegawai"): allow("admin", "operator", operator=UNITS),
    ("GET", "/pegawai/{nip}"): allow(*EVERYONE, operator=UNITS, pegawai=SELF),
    ("PATCH", "/pegawai/{nip}"): allow("admin", "operator", operator=UNITS),
    **{
        ("GET", f"/pegawai/{{nip}}/{kind}"): allow(*EVERYONE, operator=UNITS, pegawai=SELF)
        for kind in (*_RIWAYAT, "aspirasi")
    },
    **{
        ("POST", f"/pegawai/{{nip}}/{kind}"): allow("admin", "operator", operator=UNITS)
        for kind in _RIWAYAT
    },
    # family data and aspirations: the employee themself (and admin), nobody else
    ("GET", "/pegawai/{nip}/keluarga"): allow("admin", "pegawai", pegawai=SELF),
    ("POST", "/pegawai/{nip}/keluarga"): allow("admin", "pegawai", pegawai=SELF),
    ("POST", "/pegawai/{nip}/aspirasi"): allow("admin", "pegawai", pegawai=SELF),
    ("GET", "/import/pegawai/template"): allow("admin", "operator"),
    ("POST", "/import/pegawai"): allow("admin"),
    ("GET", "/export/pegawai"): allow(
        "admin", "operator", "auditor", "ppk", "penilai", operator=UNITS_LIST
    ),
    ("GET", "/siasn/status"): allow("admin"),
    ("GET", "/siasn/sync"): allow("admin"),
    ("POST", "/siasn/sync"): allow("admin"),
    ("POST", "/siasn/sync/file"): allow("admin"),
    ("GET", "/siasn/sync/{job_id}"): allow("admin"),
    ("GET", "/siasn/sync/{job_id}/failures"): allow("admin"),
    ("POST", "/siasn/sync/{job_id}/resume"): allow("admin"),
    ("GET", "/siasn/writeback"): allow("admin"),
    ("POST", "/siasn/writeback"): allow("admin"),
    ("GET", "/siasn/writeback/{task_id}"): allow("admin"),
    ("POST", "/siasn/writeback/{task_id}/retry"): allow("admin"),
}

FORMASI: dict[tuple[str, str], Access] = {
    **_PLATFORM,
    **{
        ("GET", path): allow(*STAFF, operator=UNITS_LIST)
        for path in (
            "/bezetting",
            "/bezetting/holders",
            "/bezetting/acting",
            "/gaps",
            "/gaps/change",
            "/gaps/export.xlsx",
            "/gaps/summary",
        )
    },
    ("GET", "/bezetting/placements/{nip}"): allow(*EVERYONE, pegawai=SELF),
    ("GET", "/bezetting/reconciliation"): allow(*EVENT_READERS),
    # the catalogue (units, jabatan) is open to every role, employees included
    ("GET", "/jabatan"): allow(*EVERYONE),
    ("GET", "/jabatan/{jabatan_id}"): allow(*EVERYONE),
    ("GET", "/jabatan/{jabatan_id}/history"): allow(*EVERYONE),
    ("POST", "/jabatan"): allow("admin"),
    ("PUT", "/jabatan/{jabatan_id}"): allow("admin"),
    ("POST", "/jabatan/{jabatan_id}/evaluate"): allow(*STAFF),
    ("GET", "/needs"): allow(*STAFF),
    ("GET", "/needs/history/{unit_id}/{jabatan_id}"): allow(*STAFF),
    ("GET", "/needs/template.xlsx"): allow(*STAFF),
    ("POST", "/needs"): allow("admin", "operator", operator=UNITS),
    ("POST", "/needs/import"): allow("admin", "operator", operator=UNITS),
    ("GET", "/units"): allow(*EVERYONE),
    ("GET", "/units/template.xlsx"): allow(*EVERYONE),
    ("GET", "/units/{unit_id}"): allow(*EVERYONE),
    ("GET", "/units/{unit_id}/history"): allow(*EVERYONE),
    ("POST", "/units"): allow("admin"),
    ("POST", "/units/import"): allow("admin"),
    ("POST", "/units/merge"): allow("admin"),
    ("PATCH", "/units/{unit_id}"): allow("admin"),
    ("POST", "/units/{unit_id}/close"): allow("admin"),
    ("POST", "/units/{unit_id}/split"): allow("admin"),
}

_WEBHOOKS = {
    ("GET", "/webhooks"),
    ("POST", "/webhooks"),
    ("GET", "/webhooks/{subscription_id}"),
    ("DELETE", "/webhooks/{subscription_id}"),
    ("POST", "/webhooks/{subscription_id}/enable"),
    ("POST", "/webhooks/{subscription_id}/replay"),
    ("GET", "/webhooks/{subscription_id}/deliveries"),
    ("GET", "/webhooks/{subscription_id}/deliveries/{delivery_id}"),
    ("POST", "/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver"),
}

MATCHING: dict[tuple[str, str], Access] = {
    **_PLATFORM,
    ("GET", "/read-models/workforce"): allow(*EVENT_READERS),
    **{
        ("GET", path): allow("admin", "operator", "penilai", "ppk", "auditor", operator=UNITS)
        for path in ("/ninebox", "/candidates", "/training-needs")
    },
    # employees list plans too (summaries only), so the console finds the ones explaining them
    ("GET", "/plans"): allow(*PLAN_READERS, "pegawai"),
    ("POST", "/plans"): allow("admin"),
    ("GET", "/plans/{plan_id}"): allow(*PLAN_READERS),
    ("GET", "/plans/{plan_id}/moves"): allow(*PLAN_READERS),
    ("GET", "/plans/{plan_id}/export.xlsx"): allow(*PLAN_READERS),
    ("GET", "/plans/{plan_id}/fairness"): allow(*PLAN_READERS),
    ("GET", "/plans/{a}/diff/{b}"): allow(*PLAN_READERS),
    ("GET", "/plans/{plan_id}/explanations/{nip}"): allow(*PLAN_READERS, "pegawai", pegawai=SELF),
    ("GET", "/waivers"): allow("admin", "ppk", "penilai", "auditor"),
    ("POST", "/waivers"): allow("ppk", "admin"),
    ("GET", "/proposals"): allow(*EVERYONE, operator=UNITS_LIST, pegawai=SELF_LIST),
    ("POST", "/proposals"): allow("admin", "operator", operator=UNITS),
    ("GET", "/proposals/{proposal_id}"): allow(*EVERYONE, operator=UNITS, pegawai=SELF),
    ("GET", "/proposals/{proposal_id}/history"): allow(*EVERYONE, operator=UNITS, pegawai=SELF),
    ("POST", "/proposals/{proposal_id}/submit"): allow("admin", "operator", operator=UNITS),
    ("POST", "/proposals/{proposal_id}/withdraw"): allow("admin", "operator", operator=UNITS),
    ("POST", "/proposals/{proposal_id}/review"): allow("penilai"),
    ("POST", "/proposals/{proposal_id}/approve"): allow("ppk", delegate=True),
    ("POST", "/proposals/{proposal_id}/reject"): allow("ppk", delegate=True),
    ("POST", "/proposals/{proposal_id}/execute"): allow("admin"),
    ("POST", "/proposals/{proposal_id}/supersede"): allow("admin"),
    ("POST", "/proposals/{proposal_id}/objections"): allow("pegawai", pegawai=SELF),
    ("POST", "/proposals/{proposal_id}/objections/{objection_id}/answer"): allow(
        "admin", "penilai"
    ),
    ("GET", "/rounds"): allow(*STAFF),
    ("POST", "/rounds"): allow("admin"),
    ("GET", "/rounds/{round_id}"): allow(*STAFF),
    ("PATCH", "/rounds/{round_id}"): allow("admin"),
    ("POST", "/rounds/{round_id}/proposals/from-plan"): allow("admin"),
    ("POST", "/rounds/{round_id}/decisions"): allow("ppk", delegate=True),
    ("POST", "/rounds/{round_id}/execute"): allow("admin"),
    ("GET", "/rounds/{round_id}/sk-draft.xlsx"): allow(*STAFF),
    ("GET", "/rounds/{round_id}/sk-draft.pdf"): allow(*STAFF),
    ("GET", "/blackouts"): allow(*STAFF),
    ("POST", "/blackouts"): allow("admin"),
    ("POST", "/blackouts/{blackout_id}/end"): allow("admin"),
    ("GET", "/delegations"): allow(*STAFF),
    ("POST", "/delegations"): allow("ppk"),
    ("POST", "/delegations/{delegation_id}/revoke"): allow("ppk"),
    **{op: allow("admin") for op in _WEBHOOKS},
}

AUDIT: dict[tuple[str, str], Access] = {
    **_PLATFORM,
    **{
        ("GET", path): allow(*LEDGER_READERS)
        for path in (
            "/checkpoint",
            "/tile/entries/{path}",
            "/tile/{level}/{path}",
            "/ledger/entries",
            "/ledger/export",
            "/ledger/proofs/inclusion",
            "/ledger/proofs/consistency",
            "/ledger/checkpoints",
            "/ledger/key",
            "/ledger/verify",
            "/ledger/completeness",
        )
    },
    # who hides behind a pseudonym: auditors and admins only
    ("GET", "/ledger/pseudonyms/{nip}"): allow("auditor", "admin"),
    ("GET", "/flags"): allow(*FLAG_READERS),
    ("GET", "/flags/rules"): allow(*FLAG_READERS),
    ("GET", "/flags/rules/{rule_id}"): allow(*FLAG_READERS),
    ("GET", "/flags/{flag_id}"): allow(*FLAG_READERS),
    ("PUT", "/flags/rules/{rule_id}"): allow("admin"),
    ("POST", "/flags/evaluate"): allow("auditor", "admin"),
    ("POST", "/flags/{flag_id}/status"): allow("auditor"),
}

POLICY: dict[str, dict[tuple[str, str], Access]] = {
    "pegawai": PEGAWAI,
    "formasi": FORMASI,
    "matching": MATCHING,
    "audit": AUDIT,
}

AUDITOR_WRITES: frozenset[tuple[str, str, str]] = frozenset(
    {
        ("audit", "POST", "/flags/evaluate"),  # run the red-flag rules over a round
        ("audit", "POST", "/flags/{flag_id}/status"),  # the auditor's handling of a flag
        # a question in a POST body (a person's facts against a jabatan); stores nothing
        ("formasi", "POST", "/jabatan/{jabatan_id}/evaluate"),
    }
)
"""The only non-GET operations an auditor may call: their own red-flag work, and a read
that takes its question as a body."""
