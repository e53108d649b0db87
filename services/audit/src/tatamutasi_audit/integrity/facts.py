"""The facts the integrity rules read: proposals with their transitions, people and their
posts, the kinship graph, acting posts, blackouts, delegations, waivers, units and plans.

Plain data, no I/O: the service layer fills a `Facts` from its read model, the synthetic
generator and the unit tests build one by hand. Every fact that came from an event carries
an `Evidence` pointer (ledger index and event id), so a finding can cite the entries that
support it."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

ASN_NIP_LENGTH = 18


class Evidence(NamedTuple):
    """A ledger entry that supports a finding."""

    ledger_index: int
    event_id: str
    type: str
    note: str | None = None

    def noted(self, note: str) -> "Evidence":
        return Evidence(self.ledger_index, self.event_id, self.type, note[:500])


def nip_of(value: str | None) -> str | None:
    """A token subject that is a NIP identifies an ASN (as the platform's `Principal.nip`)."""
    if value and len(value) == ASN_NIP_LENGTH and value.isdigit():
        return value
    return None


@dataclass(frozen=True)
class Step:
    """One proposal event (`mutasi.proposal_*`, `mutasi.executed`)."""

    type: str
    state: str
    at: datetime
    actor: str
    actor_role: str | None
    actor_nip: str | None
    evidence: Evidence
    data: Mapping[str, Any]

    @property
    def person(self) -> str | None:
        """The NIP of who made the transition: the payload's `actor_nip`, else a token
        subject that is a NIP."""
        return self.actor_nip or nip_of(self.actor)


@dataclass
class Proposal:
    """A proposal as its events tell it (the latest step wins for mutable fields)."""

    proposal_id: str
    steps: list[Step]

    def __post_init__(self) -> None:
        self.steps.sort(
            key=lambda s: (int(s.data.get("version", 0)), s.at, s.evidence.ledger_index)
        )

    def _latest(self, name: str) -> Any:
        for s in reversed(self.steps):
            if s.data.get(name) is not None:
                return s.data[name]
        return None

    @property
    def nip(self) -> str:
        return str(self.steps[-1].data["nip"])

    @property
    def round_id(self) -> str | None:
        value = self._latest("round_id")
        return str(value) if value is not None else None

    @property
    def state(self) -> str:
        return self.steps[-1].state

    @property
    def to_unor(self) -> str:
        return str(self.steps[-1].data["to_post"]["unor_id"])

    @property
    def to_jabatan(self) -> str:
        return str(self.steps[-1].data["to_post"]["jabatan_id"])

    @property
    def from_unor(self) -> str | None:
        post = self.steps[-1].data.get("from_post")
        return str(post["unor_id"]) if post else None

    def step(self, type_: str) -> Step | None:
        """The latest step of this type."""
        for s in reversed(self.steps):
            if s.type == type_:
                return s
        return None

    def all_steps(self, type_: str) -> list[Step]:
        return [s for s in self.steps if s.type == type_]

    @property
    def created(self) -> Step:
        return self.step("mutasi.proposal_created") or self.steps[0]

    @property
    def approval(self) -> Step | None:
        return self.step("mutasi.proposal_approved")

    @property
    def execution(self) -> Step | None:
        return self.step("mutasi.executed")

    @property
    def decided(self) -> bool:
        """Approved (and possibly executed or written back) — the move goes ahead."""
        return self.approval is not None and self.state in ("approved", "executed", "written_back")

    @property
    def active(self) -> bool:
        """Still going somewhere: not withdrawn, superseded or rejected."""
        return self.state not in ("withdrawn", "superseded", "rejected")

    @property
    def plan_rank(self) -> int | None:
        value = self.created.data.get("plan_rank")
        return int(value) if value is not None else None

    @property
    def origin(self) -> str | None:
        value = self.created.data.get("origin")
        return str(value) if value is not None else None

    def decided_on(self) -> date | None:
        a = self.approval
        return a.at.date() if a is not None else None

    def fingerprint(self) -> tuple[Any, ...]:
        """What a resubmission may change: the move's data and the eligibility seen."""
        d = self.created.data
        elig = d.get("eligibility") or {}
        outcomes = tuple(
            sorted(
                (o.get("code"), bool(o.get("passed")), bool(o.get("waived")))
                for o in elig.get("outcomes", [])
            )
        )
        fp = d.get("from_post") or {}
        return (
            fp.get("unor_id"),
            fp.get("jabatan_id"),
            d["to_post"].get("jabatan_id"),
            d.get("jenis_mutasi"),
            d.get("jenis_penugasan"),
            d.get("planned_tmt"),
            elig.get("blocked"),
            outcomes,
        )


@dataclass(frozen=True)
class Person:
    """An employee's current definitive post (from registration and placement events)."""

    nip: str
    unor_id: str | None = None
    jabatan_id: str | None = None
    jenis_jabatan: str | None = None
    eselon_id: str | None = None
    tmt_jabatan: date | None = None
    golongan_id: str | None = None
    evidence: Evidence | None = None


@dataclass(frozen=True)
class KinFact:
    """`other` is `relation` to `owner` (as `pegawai.family_updated` of `owner` says)."""

    owner: str
    other: str
    relation: str
    basis: str
    confidence: float
    evidence: Evidence


@dataclass(frozen=True)
class PostChange:
    """A placement (kind `placement`) or a rank change (kind `rank`) of one employee."""

    nip: str
    kind: str
    on: date
    unor_id: str | None
    jabatan_id: str | None
    jenis_jabatan: str | None
    eselon_id: str | None
    reason: str | None
    evidence: Evidence


@dataclass(frozen=True)
class ActingPost:
    nip: str
    unor_id: str
    jabatan_id: str
    jenis: str  # PLT or PLH
    start: date
    end: date | None
    active: bool
    evidence: Evidence


@dataclass(frozen=True)
class Blackout:
    blackout_id: str
    start: date
    end: date
    basis: str
    active: bool
    evidence: Evidence


@dataclass(frozen=True)
class Delegation:
    delegation_id: str
    delegator: str
    delegate: str
    delegator_nip: str | None
    delegate_nip: str | None
    valid_from: date
    valid_until: date
    active: bool
    evidence: Evidence


@dataclass(frozen=True)
class Waiver:
    waiver_id: str
    nip: str
    rule_code: str
    post_id: str | None
    at: datetime
    evidence: Evidence


@dataclass(frozen=True)
class Unit:
    unit_id: str
    parent_id: str | None
    evidence: Evidence | None = None


@dataclass(frozen=True)
class Plan:
    plan_id: str
    at: datetime
    evidence: Evidence


@dataclass
class Facts:
    """Everything one evaluation reads. `focus` limits the per-proposal rules to those
    proposals (incremental evaluation); the other proposals are context (history, chains).
    `focus_units` limits the unit-level checks (None: every unit)."""

    as_of: date
    proposals: dict[str, Proposal] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    kin: list[KinFact] = field(default_factory=list)
    family_known: set[str] = field(default_factory=set)
    history: dict[str, list[PostChange]] = field(default_factory=dict)
    acting: list[ActingPost] = field(default_factory=list)
    blackouts: list[Blackout] = field(default_factory=list)
    delegations: dict[str, Delegation] = field(default_factory=dict)
    waivers: list[Waiver] = field(default_factory=list)
    units: dict[str, Unit] = field(default_factory=dict)
    jabatan_structural: dict[str, str | None] = field(default_factory=dict)
    plans: list[Plan] = field(default_factory=list)
    peer_moves: dict[str, float] = field(default_factory=dict)
    total_employees: int | None = None
    focus: set[str] | None = None
    focus_units: set[str] | None = None
    _structural: dict[str, list[Person]] | None = field(default=None, repr=False)
    _graph: "Any" = field(default=None, repr=False)

    # -- views -------------------------------------------------------------------------
    def focused(self) -> list[Proposal]:
        """The proposals the per-proposal rules look at, in a stable order."""
        ids = self.proposals.keys() if self.focus is None else self.focus & self.proposals.keys()
        return [self.proposals[i] for i in sorted(ids)]

    def graph(self) -> "Any":
        from tatamutasi_audit.integrity.kinship import KinGraph

        if self._graph is None:
            self._graph = KinGraph(self.kin, self.family_known)
        return self._graph

    def is_structural(self, p: Person) -> bool:
        if p.jenis_jabatan == "1":
            return True
        return p.jenis_jabatan is None and p.jabatan_id in self.jabatan_structural

    def eselon(self, p: Person) -> str:
        if p.eselon_id:
            return p.eselon_id
        return self.jabatan_structural.get(p.jabatan_id or "", None) or "99"

    def structural_by_unit(self) -> dict[str, list[Person]]:
        if self._structural is None:
            by_unit: dict[str, list[Person]] = defaultdict(list)
            for p in self.people.values():
                if p.unor_id and self.is_structural(p):
                    by_unit[p.unor_id].append(p)
            self._structural = dict(by_unit)
        return self._structural

    def heads(self, unit_id: str, on: date | None = None) -> list[tuple[str, Evidence | None, str]]:
        """Who leads a unit: the holder(s) of its highest structural post (lowest eselon id),
        and acting (PLT/PLH) holders active on `on`. (nip, evidence, how)."""
        out: list[tuple[str, Evidence | None, str]] = []
        holders = self.structural_by_unit().get(unit_id, [])
        if holders:
            top = min(self.eselon(p) for p in holders)
            out += [(p.nip, p.evidence, "definitive") for p in holders if self.eselon(p) == top]
        day = on or self.as_of
        for a in self.acting:
            if (
                a.unor_id == unit_id
                and a.active
                and a.start <= day
                and (a.end is None or a.end >= day)
            ):
                out.append((a.nip, a.evidence, a.jenis))
        return out

    def supervision_chain(self, unit_id: str, levels: int) -> list[str]:
        """The unit and up to `levels` ancestors (cycles in bad data are cut)."""
        chain = [unit_id]
        seen = {unit_id}
        current = self.units.get(unit_id)
        while current is not None and current.parent_id and len(chain) <= levels:
            if current.parent_id in seen:
                break
            chain.append(current.parent_id)
            seen.add(current.parent_id)
            current = self.units.get(current.parent_id)
        return chain

    def members(self) -> dict[str, set[str]]:
        """Unit -> NIPs after the decided moves that are not executed yet."""
        out: dict[str, set[str]] = defaultdict(set)
        for p in self.people.values():
            if p.unor_id:
                out[p.unor_id].add(p.nip)
        for pr in self.proposals.values():
            if pr.decided and pr.execution is None:
                current = self.people.get(pr.nip)
                if current is not None and current.unor_id:
                    out[current.unor_id].discard(pr.nip)
                out[pr.to_unor].add(pr.nip)
        return dict(out)

    def approvals(self) -> list[Proposal]:
        """Decided proposals, by decision time."""
        got = [p for p in self.proposals.values() if p.approval is not None and p.decided]
        return sorted(got, key=lambda p: (p.approval.at, p.proposal_id))  # type: ignore[union-attr]


def index_by(items: Iterable[Any], key: str) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = defaultdict(list)
    for item in items:
        out[getattr(item, key)].append(item)
    return dict(out)
