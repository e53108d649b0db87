"""The mutasi proposal workflow as pure rules: the state machine, who may make each
transition, separation of duties, and the gates a transition must pass (election blackout,
open objections, open red flags, backdated TMT, eligibility).

PP 11/2017 Ps. 191: a mutasi inside one Pemda is decided by the PPK after a recommendation
of the Tim Penilai Kinerja. Every refusal is a `WorkflowError` carrying an HTTP-like status,
a rule code and a message in Indonesian and English (a platform `DomainError`, which the app
answers as an RFC 9457 problem). No I/O here.

    draft → submitted → reviewed → approved → executed → written_back
                                 ↘ rejected
    draft | submitted | reviewed | approved → withdrawn
    draft | submitted | reviewed → superseded (a newer plan replaced the plan)
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from tatamutasi_platform.errors import DomainError

State = Literal[
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
Action = Literal[
    "create",
    "submit",
    "review",
    "approve",
    "reject",
    "execute",
    "write_back",
    "withdraw",
    "supersede",
]

STATES: tuple[State, ...] = (
    "draft",
    "submitted",
    "reviewed",
    "approved",
    "rejected",
    "executed",
    "written_back",
    "withdrawn",
    "superseded",
)
ACTIVE_STATES: frozenset[State] = frozenset({"draft", "submitted", "reviewed", "approved"})
"""An employee is in at most one proposal in these states."""
TERMINAL_STATES: frozenset[State] = frozenset(
    {"rejected", "written_back", "withdrawn", "superseded"}
)

TRANSITIONS: Mapping[Action, tuple[frozenset[State], State]] = {
    "submit": (frozenset({"draft"}), "submitted"),
    "review": (frozenset({"submitted"}), "reviewed"),
    "approve": (frozenset({"reviewed"}), "approved"),
    "reject": (frozenset({"reviewed"}), "rejected"),
    "execute": (frozenset({"approved"}), "executed"),
    "write_back": (frozenset({"executed"}), "written_back"),
    "withdraw": (frozenset({"draft", "submitted", "reviewed", "approved"}), "withdrawn"),
    "supersede": (frozenset({"draft", "submitted", "reviewed"}), "superseded"),
}
"""action → (states it may start from, state it leads to)."""

OBJECTION_STATES: frozenset[State] = frozenset({"draft", "submitted", "reviewed"})
"""An employee may object while the proposal is still undecided."""

ROLES_FOR: Mapping[Action, tuple[str, ...]] = {
    "create": ("admin", "operator"),
    "submit": ("admin", "operator"),
    "withdraw": ("admin", "operator"),
    "review": ("penilai",),
    "approve": ("ppk",),
    "reject": ("ppk",),
    "execute": ("admin",),
    "supersede": ("admin",),
    "write_back": ("integration",),
}
"""Who may make each transition. Operators act only for their own units (from or to);
approve/reject is also open to a recorded delegate of the PPK (whatever their role)."""

DECIDING: frozenset[Action] = frozenset({"review", "approve", "reject"})
"""Transitions that separation of duties applies to."""

CITATION_BLACKOUT = {
    "pre_election": "UU 10/2016 Ps. 71(2)",
    "post_inauguration": "UU 10/2016 Ps. 162(3)",
}
CITATION_DECISION = "PP 11/2017 Ps. 191"
CITATION_CONFLICT = "PP 11/2017 Ps. 190(5)"


_TITLES = {
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    412: "Precondition Failed",
    422: "Unprocessable Content",
    428: "Precondition Required",
}


class WorkflowError(DomainError):
    """A refused transition: status (403/409/412/422/428), rule code and both languages. A
    platform `DomainError`: the app factory's handler answers it as problem+json."""

    def __init__(
        self,
        status: int,
        code: str,
        en: str,
        id_: str,
        *,
        field: str | None = None,
        **extra: object,
    ) -> None:
        super().__init__(en, id_, field=field, **extra)
        self.status = status
        self.code = code
        self.title = _TITLES.get(status, "Error")


# -- state machine -------------------------------------------------------------------------
def next_state(action: Action, state: State) -> State:
    """The state `action` leads to from `state`, or a 409 naming the allowed start states."""
    if action == "create":
        return "draft"
    starts, target = TRANSITIONS[action]
    if state not in starts:
        allowed = ", ".join(s for s in STATES if s in starts)
        raise WorkflowError(
            409,
            "invalid-transition",
            f"cannot {action.replace('_', ' ')} a proposal that is {state} (only from: {allowed})",
            f"usulan berstatus {state} tidak dapat di-{action} (hanya dari: {allowed})",
            field="state",
            state=state,
            action=action,
            allowed_from=sorted(starts),
        )
    return target


# -- roles -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Actor:
    """Who is acting: token subject, roles, operator units, NIP (when an ASN), and whether
    they hold an active PPK delegation today."""

    sub: str
    roles: frozenset[str]
    units: frozenset[str] = frozenset()
    nip: str | None = None
    delegation_id: str | None = None


@dataclass(frozen=True)
class ProposalFacts:
    """What the rules need to know about a proposal."""

    proposal_id: str
    nip: str
    state: State
    from_unor_id: str | None
    to_unor_id: str
    created_by: str
    reviewed_by: str | None = None


def authorize(
    action: Action,
    actor: Actor,
    p: ProposalFacts | None,
    *,
    to_unor_id: str | None = None,
    from_unor_id: str | None = None,
) -> str:
    """The role `actor` acts in for `action`, or a 403 naming the rule. For `create`, pass
    the units instead of a proposal. Returns "delegate" for a PPK delegate."""
    allowed = ROLES_FOR[action]
    units = (
        {u for u in (p.from_unor_id, p.to_unor_id) if u}
        if p is not None
        else {u for u in (from_unor_id, to_unor_id) if u}
    )
    for role in allowed:
        if role not in actor.roles:
            continue
        if role == "operator" and not (units & actor.units):
            continue
        return role
    if action in ("approve", "reject") and actor.delegation_id is not None:
        return "delegate"
    if "operator" in allowed and "operator" in actor.roles:
        raise WorkflowError(
            403,
            "forbidden-unit",
            "operators act only for proposals into or out of their own units",
            "operator hanya dapat bertindak untuk usulan dari atau ke unitnya sendiri",
            field="unor_id",
            rule="OPERATOR_OWN_UNITS",
        )
    raise WorkflowError(
        403,
        "forbidden-role",
        f"{action.replace('_', ' ')} needs one of the roles: {', '.join(allowed)}"
        + (" (or a recorded PPK delegation)" if action in ("approve", "reject") else ""),
        f"tindakan {action} memerlukan salah satu peran: {', '.join(allowed)}"
        + (" (atau pendelegasian PPK yang tercatat)" if action in ("approve", "reject") else ""),
        rule="ROLE",
        required_roles=list(allowed),
    )


# -- separation of duties -------------------------------------------------------------------
@dataclass(frozen=True)
class SodRule:
    code: str
    en: str
    id_: str


SOD_RULES: tuple[SodRule, ...] = (
    SodRule(
        "SOD_CREATOR",
        "nobody reviews or decides a proposal they created",
        "tidak seorang pun boleh menilai atau memutus usulan yang dibuatnya sendiri",
    ),
    SodRule(
        "SOD_SELF",
        "nobody reviews or decides a proposal about themselves",
        "tidak seorang pun boleh menilai atau memutus usulan tentang dirinya sendiri",
    ),
    SodRule(
        "SOD_RELATIVE",
        "nobody reviews or decides a proposal about a relative (spouse, parent, child, "
        "sibling, in-law)",
        "tidak seorang pun boleh menilai atau memutus usulan tentang kerabatnya (suami/istri, "
        "orang tua, anak, saudara kandung, ipar/mertua)",
    ),
    SodRule(
        "SOD_RELATIVE_HEAD",
        "nobody reviews or decides a move into or out of a unit headed by their relative",
        "tidak seorang pun boleh menilai atau memutus mutasi dari atau ke unit yang dipimpin "
        "kerabatnya",
    ),
    SodRule(
        "SOD_REVIEWER_DECIDES",
        "the PPK's decision cannot come from the person who gave the Tim Penilai's review",
        "keputusan PPK tidak boleh diambil oleh orang yang memberikan penilaian Tim Penilai",
    ),
)
SOD_BY_CODE: Mapping[str, SodRule] = {r.code: r for r in SOD_RULES}


@dataclass(frozen=True)
class KinContext:
    """Relatives of the actor (NIPs, both directions of the pegawai service's kinship facts)
    and the heads of the units the move touches (each unit and its ancestors)."""

    relatives: frozenset[str] = frozenset()
    unit_heads: Mapping[str, frozenset[str]] = field(default_factory=dict)


def sod_violations(action: Action, actor: Actor, p: ProposalFacts, kin: KinContext) -> list[str]:
    """Codes of the separation-of-duties rules the actor would break (empty = none). The
    NIP-based rules need the actor's NIP (claim `nip`); the PPK as an elected head has none
    and is then checked on the creator and reviewer rules only."""
    if action not in DECIDING:
        return []
    out: list[str] = []
    if actor.sub == p.created_by:
        out.append("SOD_CREATOR")
    if actor.nip is not None and actor.nip == p.nip:
        out.append("SOD_SELF")
    if p.nip in kin.relatives:
        out.append("SOD_RELATIVE")
    heads: set[str] = set()
    for unit in (p.from_unor_id, p.to_unor_id):
        if unit:
            heads |= kin.unit_heads.get(unit, frozenset())
    if heads & kin.relatives:
        out.append("SOD_RELATIVE_HEAD")
    if action in ("approve", "reject") and p.reviewed_by is not None and p.reviewed_by == actor.sub:
        out.append("SOD_REVIEWER_DECIDES")
    return out


def check_sod(action: Action, actor: Actor, p: ProposalFacts, kin: KinContext) -> None:
    codes = sod_violations(action, actor, p, kin)
    if codes:
        first = SOD_BY_CODE[codes[0]]
        raise WorkflowError(
            403,
            "separation-of-duties",
            f"separation of duties ({first.code}): {first.en}",
            f"pemisahan tugas ({first.code}): {first.id_}",
            rule=first.code,
            rules=codes,
            citation=CITATION_CONFLICT,
        )


# -- gates ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Blackout:
    blackout_id: str
    basis: str
    kind: Literal["pre_election", "post_inauguration"]
    start: date
    end: date
    active: bool = True

    def contains(self, day: date) -> bool:
        return self.active and self.start <= day <= self.end


@dataclass(frozen=True)
class MendagriRef:
    number: str
    letter_date: date
    document_ref: str


def blackout_gate(
    windows: Iterable[Blackout], decided_on: date, tmt: date | None, approval: MendagriRef | None
) -> Blackout | None:
    """A move approved inside an election blackout (by decision date or planned TMT) is a
    replacement that needs written Mendagri approval; returns the window it is in (None when
    outside every window) or raises 409 naming UU 10/2016 Ps. 71(2) or 162(3)."""
    days = [decided_on] + ([tmt] if tmt is not None else [])
    hit = next((w for w in windows for d in days if w.contains(d)), None)
    if hit is None:
        return None
    if approval is None:
        cite = CITATION_BLACKOUT[hit.kind]
        raise WorkflowError(
            409,
            "election-blackout",
            f"inside the election blackout {hit.basis!r} ({hit.start}–{hit.end}) a replacement "
            f"needs written Mendagri approval ({cite}); send mendagri_approval with its number, "
            "date and scanned document reference",
            f"dalam masa larangan pilkada {hit.basis!r} ({hit.start}–{hit.end}) penggantian "
            f"pejabat wajib persetujuan tertulis Mendagri ({cite}); sertakan mendagri_approval "
            "berisi nomor, tanggal dan rujukan dokumen pindaian",
            field="mendagri_approval",
            citation=cite,
            blackout_id=hit.blackout_id,
        )
    if approval.letter_date > decided_on:
        raise WorkflowError(
            422,
            "validation-error",
            "the Mendagri approval letter is dated in the future",
            "tanggal surat persetujuan Mendagri berada di masa depan",
            field="mendagri_approval.letter_date",
        )
    return hit


def objection_gate(open_objections: int) -> None:
    """A reviewed proposal with an unanswered objection cannot be approved."""
    if open_objections > 0:
        raise WorkflowError(
            409,
            "objection-open",
            f"{open_objections} objection(s) of the employee are not answered yet; answer them "
            "before the decision",
            f"{open_objections} keberatan pegawai belum dijawab; jawab terlebih dahulu sebelum "
            "keputusan",
            field="objections",
            open_objections=open_objections,
        )


def flags_gate(open_flags: Iterable[str], justification: str | None) -> list[str]:
    """Approving a proposal with open red flags needs a written justification; returns the
    acknowledged flag ids."""
    flags = sorted(set(open_flags))
    if flags and not (justification and justification.strip()):
        raise WorkflowError(
            422,
            "justification-required",
            f"{len(flags)} red flag(s) are open on this proposal; approving it needs a written "
            "justification",
            f"ada {len(flags)} tanda bahaya terbuka pada usulan ini; persetujuan wajib disertai "
            "justifikasi tertulis",
            field="justification",
            open_flags=flags,
        )
    return flags


def tmt_gate(
    tmt: date | None,
    today: date,
    tolerance_days: int,
    reason: str | None,
    field_name: str = "planned_tmt",
) -> None:
    """A TMT further in the past than the tolerance is backdating (a red flag): refused
    unless a reason is given."""
    if tmt is None or tmt >= today - timedelta(days=tolerance_days):
        return
    if reason and reason.strip():
        return
    raise WorkflowError(
        422,
        "validation-error",
        f"{field_name} {tmt} is more than {tolerance_days} day(s) in the past; backdating needs "
        "a reason (backdate_reason)",
        f"{field_name} {tmt} lebih dari {tolerance_days} hari di masa lalu; TMT mundur wajib "
        "disertai alasan (backdate_reason)",
        field=field_name,
        tolerance_days=tolerance_days,
    )


@dataclass(frozen=True)
class RuleCheck:
    """One eligibility rule's outcome as recorded in a transition event."""

    code: str
    version: str
    severity: Literal["block", "warn"]
    status: str  # passed, warned, blocked, waived, not_applicable
    citation: str | None = None
    waiver_id: str | None = None


def eligibility_gate(action: Action, results: Iterable[RuleCheck]) -> None:
    """A failed `block` rule without a waiver stops review, approval and execution."""
    blocked = [r for r in results if r.status == "blocked"]
    if blocked:
        codes = [r.code for r in blocked]
        raise WorkflowError(
            409,
            "eligibility-blocked",
            f"cannot {action}: blocking eligibility rule(s) fail without a waiver: "
            f"{', '.join(codes)}",
            f"tidak dapat di-{action}: aturan syarat penghalang tidak terpenuhi dan tidak "
            f"dikecualikan: {', '.join(codes)}",
            field="eligibility",
            rules=[{"code": r.code, "citation": r.citation} for r in blocked],
        )


def jenis_mutasi(from_unor_id: str | None, to_unor_id: str) -> Literal["MJ", "MU"]:
    """MU (mutasi unor) when the unit changes, MJ (mutasi jabatan) inside one unit."""
    return "MJ" if from_unor_id == to_unor_id else "MU"


@dataclass(frozen=True)
class Holder:
    """Someone holding a post: their NIP, unit, and the post's jenis jabatan and eselon."""

    nip: str
    unor_id: str
    jenis_jabatan: str | None
    eselon_id: str | None


def unit_heads(
    units: Mapping[str, tuple[str | None, str | None]],
    holders: Iterable[Holder],
    touched: Iterable[str],
) -> dict[str, frozenset[str]]:
    """Heads of each touched unit and of its ancestors, keyed by the touched unit. `units`
    maps unit id → (parent id, eselon of its head's post). The head is the struktural holder
    whose eselon is the unit's; when the unit names no eselon, the struktural holder(s) with
    the highest eselon (lowest code) in it."""
    by_unit: dict[str, list[Holder]] = {}
    for h in holders:
        if h.jenis_jabatan in ("1", "3") and h.eselon_id:
            by_unit.setdefault(h.unor_id, []).append(h)

    def heads_of(unit: str) -> set[str]:
        found = by_unit.get(unit, [])
        if not found:
            return set()
        eselon = units.get(unit, (None, None))[1]
        if eselon is not None:
            exact = {h.nip for h in found if h.eselon_id == eselon}
            if exact:
                return exact
        top = min(h.eselon_id or "99" for h in found)
        return {h.nip for h in found if h.eselon_id == top}

    out: dict[str, frozenset[str]] = {}
    for unit in touched:
        seen: set[str] = set()
        heads: set[str] = set()
        current: str | None = unit
        while current is not None and current not in seen:
            seen.add(current)
            heads |= heads_of(current)
            current = units.get(current, (None, None))[0]
        out[unit] = frozenset(heads)
    return out
