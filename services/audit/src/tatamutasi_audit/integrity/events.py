"""From events to facts: which event types the rules read, and a builder that applies them
in ledger order. The service stores the relevant events and replays its rows through the
same builder, so the rules see one shape whether facts come from the database or a test."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from tatamutasi_audit.integrity.facts import (
    ActingPost,
    Blackout,
    Delegation,
    Evidence,
    Facts,
    KinFact,
    Person,
    Plan,
    PostChange,
    Step,
    Unit,
    Waiver,
)

PROPOSAL_TYPES = frozenset(
    {
        "mutasi.proposal_created",
        "mutasi.proposal_submitted",
        "mutasi.proposal_reviewed",
        "mutasi.proposal_approved",
        "mutasi.proposal_rejected",
        "mutasi.executed",
        "mutasi.proposal_written_back",
        "mutasi.proposal_withdrawn",
        "mutasi.proposal_superseded",
    }
)
PEOPLE_TYPES = frozenset(
    {
        "pegawai.registered",
        "pegawai.placement_changed",
        "pegawai.rank_changed",
        "pegawai.acting_changed",
        "pegawai.family_updated",
    }
)
RECORD_TYPES = frozenset(
    {
        "mutasi.blackout_set",
        "mutasi.delegation_recorded",
        "mutasi.waiver_recorded",
        "mutasi.plan_computed",
        "mutasi.round_changed",
        "formasi.unit_changed",
        "formasi.jabatan_changed",
    }
)
RELEVANT_TYPES = PROPOSAL_TYPES | PEOPLE_TYPES | RECORD_TYPES
#: Personal data the read model does not keep (names stay in the registry).
DROPPED_FIELDS = ("name", "snapshot")


class Observed(NamedTuple):
    """One relevant event with its place in the ledger."""

    ledger_index: int
    event_id: str
    type: str
    time: datetime
    actor: str
    actor_role: str | None
    data: Mapping[str, Any]

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.ledger_index, self.event_id, self.type, None)


def slim(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in DROPPED_FIELDS}


def _day(value: Any, fallback: datetime) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return fallback.date()


def _opt_day(value: Any) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


class FactsBuilder:
    """Apply events in ledger order; `build()` gives the facts as of a date."""

    def __init__(self) -> None:
        self.people: dict[str, Person] = {}
        self.kin: dict[str, list[KinFact]] = {}
        self.history: dict[str, list[PostChange]] = defaultdict(list)
        self.acting: dict[tuple[str, str, str, str, date], ActingPost] = {}
        self.blackouts: dict[str, Blackout] = {}
        self.delegations: dict[str, Delegation] = {}
        self.waivers: dict[str, Waiver] = {}
        self.units: dict[str, Unit] = {}
        self.jabatan: dict[str, str | None] = {}
        self.plans: dict[str, Plan] = {}
        self.steps: dict[str, list[Step]] = defaultdict(list)

    def add_all(self, items: Iterable[Observed]) -> "FactsBuilder":
        for o in sorted(items, key=lambda o: o.ledger_index):
            self.add(o)
        return self

    def add(self, o: Observed) -> None:
        d = o.data
        t = o.type
        ev = o.evidence
        if t in PROPOSAL_TYPES:
            self.steps[str(d["proposal_id"])].append(
                Step(
                    t,
                    str(d["state"]),
                    o.time,
                    o.actor,
                    o.actor_role,
                    d.get("actor_nip"),
                    ev,
                    d,
                )
            )
        elif t == "pegawai.registered":
            nip = str(d["nip"])
            self.people[nip] = Person(
                nip,
                d.get("unor_id"),
                d.get("jabatan_id"),
                d.get("jenis_jabatan"),
                d.get("eselon_id"),
                _opt_day(d.get("tmt_jabatan")),
                d.get("golongan_id"),
                ev,
            )
            self.history[nip].append(
                PostChange(
                    nip,
                    "placement",
                    _day(d.get("tmt_jabatan"), o.time),
                    d.get("unor_id"),
                    d.get("jabatan_id"),
                    d.get("jenis_jabatan"),
                    d.get("eselon_id"),
                    "registration",
                    ev,
                )
            )
        elif t == "pegawai.placement_changed":
            nip = str(d["nip"])
            cur = d["current"]
            old = self.people.get(nip) or Person(nip)
            on = _day(cur.get("tmt"), o.time)
            self.people[nip] = Person(
                nip,
                cur.get("unor_id"),
                cur.get("jabatan_id"),
                cur.get("jenis_jabatan"),
                cur.get("eselon_id"),
                on,
                old.golongan_id,
                ev,
            )
            self.history[nip].append(
                PostChange(
                    nip,
                    "placement",
                    on,
                    cur.get("unor_id"),
                    cur.get("jabatan_id"),
                    cur.get("jenis_jabatan"),
                    cur.get("eselon_id"),
                    d.get("reason"),
                    ev,
                )
            )
        elif t == "pegawai.rank_changed":
            nip = str(d["nip"])
            old = self.people.get(nip) or Person(nip)
            self.people[nip] = Person(
                nip,
                old.unor_id,
                old.jabatan_id,
                old.jenis_jabatan,
                old.eselon_id,
                old.tmt_jabatan,
                d.get("golongan_id"),
                old.evidence,
            )
            self.history[nip].append(
                PostChange(
                    nip,
                    "rank",
                    _day(d.get("tmt"), o.time),
                    None,
                    None,
                    None,
                    None,
                    "rank",
                    ev,
                )
            )
        elif t == "pegawai.acting_changed":
            start = _day(d.get("start"), o.time)
            key = (str(d["nip"]), d["unor_id"], d["jabatan_id"], d["jenis_penugasan"], start)
            self.acting[key] = ActingPost(
                key[0],
                key[1],
                key[2],
                key[3],
                start,
                _opt_day(d.get("end")),
                bool(d.get("active")),
                ev,
            )
        elif t == "pegawai.family_updated":
            nip = str(d["nip"])
            self.kin[nip] = [
                KinFact(
                    nip,
                    str(r["other_nip"]),
                    str(r["relation"]),
                    str(r.get("basis", "")),
                    float(r.get("confidence", 0.0)),
                    ev,
                )
                for r in d.get("relations", [])
            ]
        elif t == "mutasi.blackout_set":
            bid = str(d["blackout_id"])
            self.blackouts[bid] = Blackout(
                bid,
                _day(d["start"], o.time),
                _day(d["end"], o.time),
                str(d.get("basis", "")),
                bool(d.get("active", True)),
                ev,
            )
        elif t == "mutasi.delegation_recorded":
            did = str(d["delegation_id"])
            self.delegations[did] = Delegation(
                did,
                str(d["delegator"]),
                str(d["delegate"]),
                d.get("delegator_nip"),
                d.get("delegate_nip"),
                _day(d["valid_from"], o.time),
                _day(d["valid_until"], o.time),
                bool(d.get("active", True)),
                ev,
            )
        elif t == "mutasi.waiver_recorded":
            wid = str(d["waiver_id"])
            self.waivers[wid] = Waiver(
                wid, str(d["nip"]), str(d["rule_code"]), d.get("post_id"), o.time, ev
            )
        elif t == "mutasi.plan_computed":
            self.plans[str(d["plan_id"])] = Plan(str(d["plan_id"]), o.time, ev)
        elif t == "formasi.unit_changed":
            self.units[str(d["unit_id"])] = Unit(str(d["unit_id"]), d.get("parent_id"), ev)
        elif t == "formasi.jabatan_changed":
            if d.get("jenis") == "struktural":
                self.jabatan[str(d["jabatan_id"])] = d.get("eselon_id")
            else:
                self.jabatan.pop(str(d["jabatan_id"]), None)

    def build(
        self, as_of: date, focus: set[str] | None = None, total_employees: int | None = None
    ) -> Facts:
        from tatamutasi_audit.integrity.facts import Proposal

        return Facts(
            as_of=as_of,
            proposals={pid: Proposal(pid, list(steps)) for pid, steps in self.steps.items()},
            people=dict(self.people),
            kin=[f for facts in self.kin.values() for f in facts],
            family_known=set(self.kin),
            history={n: list(h) for n, h in self.history.items()},
            acting=list(self.acting.values()),
            blackouts=list(self.blackouts.values()),
            delegations=dict(self.delegations),
            waivers=list(self.waivers.values()),
            units=dict(self.units),
            jabatan_structural=dict(self.jabatan),
            plans=sorted(self.plans.values(), key=lambda p: p.at),
            total_employees=total_employees or len(self.people),
            focus=focus,
        )


def observed_from_envelope(env: Mapping[str, Any], index: int) -> Observed:
    """An envelope (as a dict) at ledger `index`."""
    time = env["time"]
    if isinstance(time, str):
        time = datetime.fromisoformat(time.replace("Z", "+00:00"))
    return Observed(
        index,
        str(env["id"]),
        str(env["type"]),
        time,
        str(env.get("actor", "")),
        env.get("actorrole"),
        slim(env.get("data") or {}),
    )
