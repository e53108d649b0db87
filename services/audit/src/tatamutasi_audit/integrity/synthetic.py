"""A seeded synthetic Pemda for tests, demos and benchmarks (test/demo data only, never real
people): units, employees with placement and rank histories, kinship facts as the pegawai
service derives them, a year of mutasi rounds as the workflow emits them, with planted cases
for every rule R1..R10 and traps that must not be flagged.

Traps include look-alike non-relatives: many employees share common names ("Siti Aminah",
"Muhammad Rizki", ...) with different birth data and no kinship fact between them, e.g. a
candidate moved under a head who bears the same name. Rules read kinship facts only, never
names, so none of those may be flagged.

`generate()` returns CloudEvents envelopes (dicts valid under the contracts) in ledger order,
the planted anchors per rule, and the traps; `anchor()` maps a finding to the anchor it
answers; `score()` gives precision and recall per rule."""

import random
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tatamutasi_audit.integrity.rule import Finding

COMMON_NAMES = (
    "Siti Aminah",
    "Muhammad Rizki",
    "Dewi Lestari",
    "Agus Salim",
    "Budi Santoso",
    "Sri Wahyuni",
    "Nur Hidayah",
    "Ahmad Fauzi",
    "Rina Marlina",
    "Eko Prasetyo",
)
TITLES = ("", "", "Dr. ", "Hj. ", "H. ", "Ir. ")
SUFFIXES = ("", "", ", S.Pd.", ", S.E.", ", S.Kom.", ", M.M.", ", S.H.")
SOURCES = {
    "pegawai": "/tatamutasi/pegawai",
    "formasi": "/tatamutasi/formasi",
    "mutasi": "/tatamutasi/matching",
}
MAIN_ROUND = "RND-2026-1"
LATE_ROUND = "RND-2026-2"
OLD_ROUND = "RND-2025-1"
AS_OF = date(2026, 11, 23)
PPK_OLD = "ppk-bupati-2021"
PPK_NEW = "ppk-bupati-2026"
OPERATOR = "op-bkpsdm"


def make_nip(i: int) -> str:
    """A well-formed, unique 18-digit NIP for employee number `i` (< 50 000)."""
    birth = f"19{70 + i % 30:02d}{1 + i % 12:02d}{1 + i % 28:02d}"
    tmt = f"{2000 + (i // 1000) % 25}{1 + (i // 25) % 12:02d}"
    return f"{birth}{tmt}{1 + i // 25000}{i % 1000:03d}"


@dataclass
class Emp:
    nip: str
    name: str
    unit: str
    jabatan: str
    jenis: str
    eselon: str | None
    golongan: str
    tmt: date


@dataclass
class Synthetic:
    envelopes: list[dict[str, Any]]
    planted: dict[str, set[str]]
    traps: dict[str, set[str]]
    as_of: date
    employees: int
    proposals: int
    notes: dict[str, str] = field(default_factory=dict)


def anchor(f: Finding) -> str:
    """What a finding is about, in the generator's terms."""
    if f.rule_id == "R6" and f.key.startswith("cluster:"):
        return "cluster:" + f.key.split(":")[1]
    if f.rule_id == "R7":
        kind, rest = f.key.split(":", 1)
        return "ppk" if kind == "ppk" else "unit:" + rest.split(":")[0]
    if f.rule_id == "R9":
        kind, rest = f.key.split(":", 1)
        return f"{kind}:{rest.rsplit(':', 1)[0]}"
    if f.rule_id == "R10":
        return "acting:" + f.key.split(":")[0]
    return f.proposal_id or f.key


@dataclass(frozen=True)
class Score:
    rule_id: str
    planted: int
    found: int
    flagged: int
    false_flags: int
    trap_hits: int

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    @property
    def precision(self) -> float:
        return (self.flagged - self.false_flags) / self.flagged if self.flagged else 1.0

    @property
    def false_rate(self) -> float:
        return self.false_flags / self.flagged if self.flagged else 0.0


def score(findings: Iterable[Finding], syn: Synthetic) -> dict[str, Score]:
    by_rule: dict[str, set[str]] = defaultdict(set)
    for f in findings:
        by_rule[f.rule_id].add(anchor(f))
    out = {}
    for rid in [f"R{i}" for i in range(1, 11)]:
        got = by_rule.get(rid, set())
        planted = syn.planted.get(rid, set())
        out[rid] = Score(
            rid,
            len(planted),
            len(planted & got),
            len(got),
            len(got - planted),
            len(got & syn.traps.get(rid, set())),
        )
    return out


class _Gen:
    def __init__(self, employees: int, proposals: int | None, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n = employees
        self.n_proposals = proposals if proposals is not None else max(60, employees // 10)
        self.envs: list[dict[str, Any]] = []
        self.seq: dict[str, int] = defaultdict(int)
        self.planted: dict[str, set[str]] = defaultdict(set)
        self.traps: dict[str, set[str]] = defaultdict(set)
        self.emps: dict[str, Emp] = {}
        self.units: list[str] = []
        self.bidang: list[str] = []
        self.parent: dict[str, str | None] = {}
        self.head: dict[str, str] = {}
        self.staff_by_unit: dict[str, list[str]] = defaultdict(list)
        self.reserved: set[str] = set()  # people used by a planted case or a trap
        self.kin: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.proposal_no = 0
        self.k = max(3, employees // 1000)
        self._staff: list[str] | None = None

    # -- envelopes ---------------------------------------------------------------------
    def emit(
        self,
        producer: str,
        type_: str,
        data: dict[str, Any],
        when: datetime,
        *,
        actor: str,
        role: str | None = "admin",
        subject: str | None = None,
    ) -> dict[str, Any]:
        source = SOURCES[producer]
        self.seq[source] += 1
        env: dict[str, Any] = {
            "specversion": "1.0",
            "id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "source": source,
            "type": type_,
            "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "subject": subject,
            "datacontenttype": "application/json",
            "sequence": self.seq[source],
            "actor": actor,
            "data": data,
        }
        if role is not None:
            env["actorrole"] = role
        self.envs.append(env)
        return env

    def at(self, day: date, minute: int = 0) -> datetime:
        return datetime.combine(day, time(8, 0), tzinfo=UTC) + timedelta(minutes=minute)

    # -- the Pemda -----------------------------------------------------------------------
    def name(self) -> str:
        base = self.rng.choice(COMMON_NAMES) if self.rng.random() < 0.5 else self.rare_name()
        return f"{self.rng.choice(TITLES)}{base}{self.rng.choice(SUFFIXES)}"

    def rare_name(self) -> str:
        first = ("Andi", "Yusuf", "Lina", "Hendra", "Putri", "Wawan", "Ratna", "Fajar", "Indah")
        last = ("Saputra", "Wijaya", "Hasibuan", "Nasution", "Siregar", "Pratama", "Kurnia")
        return f"{self.rng.choice(first)} {self.rng.choice(last)} {self.rng.randint(1, 999)}"

    def unit(self, unit_id: str, parent: str | None, kind: str) -> None:
        self.units.append(unit_id)
        self.parent[unit_id] = parent
        self.emit(
            "formasi",
            "formasi.unit_changed",
            {
                "unit_id": unit_id,
                "change": "created",
                "valid_from": "2019-01-01",
                "name": f"Unit {unit_id}",
                "parent_id": parent,
                "unit_type": kind,
            },
            self.at(date(2019, 1, 1)),
            actor="bkd-admin",
            subject=unit_id,
        )

    def register(self, i: int, unit: str, jabatan: str, jenis: str, eselon: str | None) -> Emp:
        nip = make_nip(i)
        gol = self.rng.choice(("31", "32", "33", "34", "41", "42"))
        if eselon and eselon <= "22":
            gol = "42"
        tmt = date(2019, 1, 1) + timedelta(days=self.rng.randint(0, 5 * 365))
        e = Emp(nip, self.name(), unit, jabatan, jenis, eselon, gol, tmt)
        self.emps[nip] = e
        data: dict[str, Any] = {
            "nip": nip,
            "name": e.name,
            "unor_id": unit,
            "jabatan_id": jabatan,
            "kind": "PNS",
            "jenis_jabatan": jenis,
            "tmt_jabatan": tmt.isoformat(),
            "golongan_id": gol,
        }
        if eselon:
            data["eselon_id"] = eselon
        self.emit(
            "pegawai",
            "pegawai.registered",
            data,
            self.at(date(2019, 1, 2), i % 600),
            actor="bkd-admin",
            subject=nip,
        )
        if jenis != "1":
            self.staff_by_unit[unit].append(nip)
        return e

    def build_pemda(self) -> None:
        n_opd = max(4, self.n // 300)
        self.unit("U-SETDA", None, "setda")
        i = 0
        self.sekda = self.register(i, "U-SETDA", "J-SEKDA", "1", "21").nip
        i += 1
        self.reviewers = []
        for _ in range(5):
            self.reviewers.append(self.register(i, "U-SETDA", "J-TPK", "2", None).nip)
            i += 1
        self.operators_asn = []
        for _ in range(3):
            self.operators_asn.append(self.register(i, "U-SETDA", "J-OPERATOR", "4", None).nip)
            i += 1
        self.reserved |= {self.sekda, *self.reviewers, *self.operators_asn}
        per_bidang = max(6, (self.n - i) // (n_opd * 5))
        opds = [f"U-OPD{o:03d}" for o in range(n_opd)]
        for opd in opds:
            self.unit(opd, "U-SETDA", "dinas")
            for b in range(4):
                self.unit(f"{opd}-B{b}", opd, "bidang")
                self.bidang.append(f"{opd}-B{b}")
        # acting posts: a few bidang get no definitive head (R10 cases and traps)
        self.acting_units = set(
            self.rng.sample(self.bidang, min(len(self.bidang) // 3, 3 * self.k + 3))
        )
        for opd in opds:
            self.head[opd] = self.register(i, opd, "J-KADIS", "1", "22").nip
            i += 1
        for bid in self.bidang:
            if bid not in self.acting_units:
                self.head[bid] = self.register(i, bid, "J-KABID", "1", "32").nip
                i += 1
        self.reserved |= set(self.head.values())
        while i < self.n:
            unit = self.bidang[i % len(self.bidang)]
            jab = f"J-STAF{self.rng.randint(1, 6)}"
            self.register(i, unit, jab, "4" if self.rng.random() < 0.6 else "2", None)
            i += 1
        del per_bidang

    # -- histories -------------------------------------------------------------------------
    def move_history(self, nip: str, day: date, unit: str, reason: str = "mutasi") -> None:
        e = self.emps[nip]
        prev = {"unor_id": e.unit, "jabatan_id": e.jabatan, "jenis_jabatan": e.jenis}
        e.unit = unit
        e.tmt = day
        cur: dict[str, Any] = {
            "unor_id": unit,
            "jabatan_id": e.jabatan,
            "jenis_jabatan": e.jenis,
            "tmt": day.isoformat(),
        }
        if e.eselon:
            cur["eselon_id"] = e.eselon
        self.emit(
            "pegawai",
            "pegawai.placement_changed",
            {"nip": nip, "previous": prev, "current": cur, "reason": reason},
            self.at(day),
            actor="bkd-admin",
            subject=nip,
        )

    def rank(self, nip: str, day: date) -> None:
        e = self.emps[nip]
        new = str(min(int(e.golongan) + 1, 44))
        self.emit(
            "pegawai",
            "pegawai.rank_changed",
            {
                "nip": nip,
                "golongan_id": new,
                "previous_golongan_id": e.golongan,
                "tmt": day.isoformat(),
            },
            self.at(day),
            actor="bkd-admin",
            subject=nip,
        )
        e.golongan = new

    def background_history(self) -> None:
        staff = [n for n in self.emps if n not in self.reserved]
        for nip in self.rng.sample(staff, len(staff) // 3):
            day = date(2023, 1, 2) + timedelta(days=self.rng.randint(0, 600))
            # a placement within the same unit (a new jabatan date) keeps membership stable
            self.move_history(nip, day, self.emps[nip].unit, "correction")
        for nip in self.rng.sample(staff, len(staff) // 4):
            self.rank(nip, date(2023, 4, 1) + timedelta(days=self.rng.randint(0, 700)))

    # -- kinship ---------------------------------------------------------------------------
    def relate(
        self,
        a: str,
        b: str,
        relation: str,
        basis: str = "nik",
        confidence: float = 1.0,
        one_sided: bool = False,
    ) -> None:
        """`b` is `relation` to `a`; facts for both sides (unless `one_sided`: only a's record)."""
        inverse = {"spouse": "spouse", "parent": "child", "child": "parent", "sibling": "sibling"}
        self.kin[a].append(
            {"other_nip": b, "relation": relation, "basis": basis, "confidence": confidence}
        )
        if not one_sided:
            self.kin[b].append(
                {
                    "other_nip": a,
                    "relation": inverse[relation],
                    "basis": f"{basis} (family of {a})"[:200],
                    "confidence": confidence,
                }
            )

    def free_staff(self, unit: str | None = None, exclude: Iterable[str] = ()) -> str:
        if unit:
            pool = self.staff_by_unit[unit]
        else:
            if self._staff is None:
                self._staff = [n for n in self.emps if self.emps[n].jenis != "1"]
            pool = self._staff
        ex = set(exclude)
        for _ in range(10000):
            nip = self.rng.choice(pool)
            if nip not in self.reserved and nip not in ex:
                self.reserved.add(nip)
                return nip
        raise RuntimeError("the synthetic Pemda is too small for its planted cases")

    def background_kin(self) -> None:
        """Pairs of relatives in different units; nobody in two pairs; no heads, reviewers
        or planted people: true relations that no rule should flag."""
        pairs = self.n // 25
        for _ in range(pairs):
            a = self.free_staff()
            for _ in range(50):
                b = self.free_staff()
                if self.emps[a].unit != self.emps[b].unit:
                    break
                self.reserved.discard(b)
            rel = self.rng.choice(("spouse", "sibling", "child"))
            basis = self.rng.choice(("nik", "name+birth_date+birth_place"))
            conf = 1.0 if basis == "nik" else 0.9
            if rel == "sibling":
                basis, conf = "shared parent (nik)", 0.9
            self.relate(a, b, rel, basis, conf)

    def emit_family(self, day: date) -> None:
        for nip in sorted(self.kin):
            self.emit(
                "pegawai",
                "pegawai.family_updated",
                {"nip": nip, "relations": self.kin[nip]},
                self.at(day),
                actor="bkd-admin",
                subject=nip,
            )

    # -- proposals -------------------------------------------------------------------------
    def proposal(
        self,
        nip: str,
        to_unit: str,
        *,
        round_id: str,
        day: date,
        outcome: str = "approved",
        rank: int | None = 1,
        approver: str = PPK_NEW,
        approver_nip: str | None = None,
        approver_role: str = "ppk",
        reviewer: str | None = None,
        proposer: str = OPERATOR,
        proposer_nip: str | None = None,
        proposer_role: str = "admin",
        justification: str | None = None,
        delegation: str | None = None,
        mendagri: bool = False,
        tmt: date | None = None,
        execute: bool = False,
        sk_date: date | None = None,
        jabatan: str | None = None,
        planned_tmt: date | None = None,
        blocked: bool = False,
    ) -> str:
        self.proposal_no += 1
        pid = f"PRP-{self.proposal_no:06d}"
        e = self.emps[nip]
        base: dict[str, Any] = {
            "proposal_id": pid,
            "round_id": round_id,
            "nip": nip,
            "from_post": {"unor_id": e.unit, "jabatan_id": e.jabatan},
            "to_post": {"unor_id": to_unit, "jabatan_id": jabatan or e.jabatan},
            "jenis_mutasi": "MU",
            "jenis_penugasan": "D",
        }
        if planned_tmt is not None:
            base["planned_tmt"] = planned_tmt.isoformat()
        reviewer = reviewer or self.rng.choice(self.reviewers)
        steps: list[tuple[str, str, dict[str, Any], str, str, str | None, int]] = []
        created = {
            **base,
            "origin": "plan" if rank else "manual",
            "eligibility": {
                "ruleset_version": "eligibility/2026.1",
                "blocked": blocked,
                "outcomes": [],
            },
        }
        if rank:
            created |= {"plan_rank": rank, "score": 900 - 10 * rank, "plan_id": f"PLAN-{round_id}"}
        steps.append(
            ("mutasi.proposal_created", "draft", created, proposer, proposer_role, proposer_nip, 0)
        )
        steps.append(
            ("mutasi.proposal_submitted", "submitted", {}, proposer, proposer_role, proposer_nip, 1)
        )
        rec = "agree" if outcome == "approved" else "disagree"
        steps.append(
            (
                "mutasi.proposal_reviewed",
                "reviewed",
                {"recommendation": rec},
                f"tpk-{reviewer[-4:]}",
                "penilai",
                reviewer,
                2,
            )
        )
        if outcome == "approved":
            extra: dict[str, Any] = {}
            if justification:
                extra["justification"] = justification
            if delegation:
                extra["delegation_id"] = delegation
            if mendagri:
                extra["mendagri_approval"] = {
                    "number": "100.2.2.6/1234/OTDA",
                    "letter_date": (day - timedelta(days=3)).isoformat(),
                    "document_ref": "arsip/mendagri-1234.pdf",
                }
            steps.append(
                (
                    "mutasi.proposal_approved",
                    "approved",
                    extra,
                    approver,
                    approver_role,
                    approver_nip,
                    5,
                )
            )
            if execute:
                when = tmt or (planned_tmt or day + timedelta(days=10))
                steps.append(
                    (
                        "mutasi.executed",
                        "executed",
                        {
                            "sk_number": f"800/{self.proposal_no}/BKPSDM/{day.year}",
                            "sk_date": (sk_date or day + timedelta(days=1)).isoformat(),
                            "tmt": when.isoformat(),
                            "snapshot": {"name": e.name},
                        },
                        "bkd-admin",
                        "admin",
                        None,
                        8,
                    )
                )
        elif outcome == "rejected":
            steps.append(
                (
                    "mutasi.proposal_rejected",
                    "rejected",
                    {"reason": "tidak sesuai kebutuhan"},
                    approver,
                    approver_role,
                    approver_nip,
                    5,
                )
            )
        previous: str | None = None
        for version, (type_, state, extra, actor, role, actor_nip, offset) in enumerate(steps, 1):
            data = {**base, **extra, "state": state, "previous_state": previous, "version": version}
            if actor_nip:
                data["actor_nip"] = actor_nip
            self.emit(
                "mutasi",
                type_,
                data,
                self.at(day - timedelta(days=max(0, 5 - offset)), self.proposal_no % 400),
                actor=actor,
                role=role,
                subject=pid,
            )
            previous = state
        return pid

    def other_bidang(self, nip: str) -> str:
        cur = self.emps[nip].unit
        while True:
            b = self.rng.choice(self.bidang)
            if b != cur:
                return b


def generate(employees: int = 3000, proposals: int | None = None, seed: int = 7) -> Synthetic:
    """A synthetic Pemda of `employees` people and about `proposals` proposals in its main
    round (default: a tenth of the employees), with planted cases and traps."""
    g = _Gen(employees, proposals, seed)
    k = g.k
    g.build_pemda()
    # -- R5 fast track: frequent movers and short tenure through a waiver ------------------
    fast = [g.free_staff() for _ in range(k)]
    for nip in fast:
        for j, day in enumerate((date(2023, 2, 1), date(2023, 11, 1), date(2024, 8, 1))):
            g.move_history(nip, day, g.emps[nip].unit, "mutasi" if j else "correction")
        g.rank(nip, date(2025, 4, 1))
    slow_trap = [g.free_staff() for _ in range(k)]
    for nip in slow_trap:
        g.move_history(nip, date(2024, 3, 1), g.emps[nip].unit, "correction")
    waived = [g.free_staff() for _ in range(k)]
    for nip in waived:
        g.move_history(nip, date(2025, 6, 1), g.emps[nip].unit, "mutasi")
    waiver_trap = [g.free_staff() for _ in range(k)]
    for nip in waiver_trap:
        g.move_history(nip, date(2020, 6, 1), g.emps[nip].unit, "correction")
    g.background_history()
    # -- R7 unit head changes (planted: many moves follow; trap: few) ----------------------
    k7 = min(k, 5)
    heads_changed = g.rng.sample([b for b in g.bidang if b in g.head], 2 * k7)
    r7_units, r7_traps = heads_changed[:k7], heads_changed[k7:]
    for unit in heads_changed:
        old = g.head[unit]
        new = g.free_staff(unit=g.rng.choice([b for b in g.bidang if b != unit]))
        g.emps[new].jabatan, g.emps[new].jenis, g.emps[new].eselon = "J-KABID", "1", "32"
        g.staff_by_unit[g.emps[new].unit].remove(new)
        g.move_history(new, date(2026, 1, 10), unit, "mutasi")
        g.emps[old].jabatan, g.emps[old].jenis, g.emps[old].eselon = "J-STAF1", "4", None
        g.move_history(old, date(2026, 1, 10), g.rng.choice(g.bidang), "mutasi")
        g.head[unit] = new
        g.reserved.add(new)
    # -- kinship ------------------------------------------------------------------------------
    g.background_kin()
    r1 = []  # (candidate, kind)
    for j in range(k):
        cand = g.free_staff()
        reviewer = g.reviewers[j % len(g.reviewers)]
        rel = ("spouse", "sibling", "child")[j % 3]
        g.relate(cand, reviewer, rel, "nik", 1.0)
        r1.append((cand, "reviewer", reviewer))
    lowconf = g.free_staff()
    g.relate(
        lowconf, g.reviewers[0], "sibling", "shared parent (name+birth_date+birth_place)", 0.81
    )
    r1.append((lowconf, "reviewer", g.reviewers[0]))
    onesided = g.free_staff()
    spouse_free = g.reviewers[-1]
    g.relate(onesided, spouse_free, "parent", "name+birth_date+birth_place", 0.9, one_sided=True)
    r1.append((onesided, "reviewer", spouse_free))
    inlaw_spouse = g.free_staff()
    inlaw = g.free_staff()
    g.relate(g.reviewers[1], inlaw_spouse, "spouse")
    g.relate(inlaw_spouse, inlaw, "sibling", "shared parent (nik)", 0.9)
    r1.append((inlaw, "reviewer", g.reviewers[1]))
    delegated = g.free_staff()
    g.relate(delegated, g.sekda, "child")
    r1.append((delegated, "delegate", g.sekda))
    # R2: candidate moved under a relative (head of the unit, of the dinas above, or PLH)
    r2 = []
    for j in range(k):
        unit = g.rng.choice([b for b in g.bidang if b in g.head and b not in heads_changed])
        cand = g.free_staff(exclude=g.staff_by_unit[unit])
        g.relate(
            cand,
            g.head[unit] if j % 2 == 0 else g.head[g.parent[unit] or ""],
            "sibling",
            "shared parent (nik)",
            0.9,
        )
        r2.append((cand, unit))
    # look-alike trap: same name as the head of the target unit, no relation
    r2_traps = []
    for _ in range(k):
        unit = g.rng.choice([b for b in g.bidang if b in g.head and b not in heads_changed])
        cand = g.free_staff(exclude=g.staff_by_unit[unit])
        g.emps[cand].name = g.emps[g.head[unit]].name  # same name, other birth data (NIP)
        r2_traps.append((cand, unit))
    # R3: self-dealing (the operator is the candidate) and an operator proposing a relative
    r3_self = g.operators_asn[0]
    r3_rel = g.free_staff()
    g.relate(r3_rel, g.operators_asn[1], "spouse")
    r3_trap = g.free_staff()
    g.emps[r3_trap].name = g.emps[g.operators_asn[2]].name
    # R9: clusters of relatives inside one unit; trap: a married couple in one unit
    r9_units = g.rng.sample(
        [b for b in g.bidang if b not in heads_changed and len(g.staff_by_unit[b]) >= 6], k
    )
    for unit in r9_units:
        fam = [g.free_staff(unit=unit) for _ in range(5)]
        g.relate(fam[0], fam[1], "sibling", "shared parent (nik)", 0.9)
        g.relate(fam[1], fam[2], "sibling", "shared parent (nik)", 0.9)
        g.relate(fam[2], fam[3], "spouse")
        g.relate(fam[3], fam[4], "child")
    for unit in g.rng.sample(
        [b for b in g.bidang if b not in r9_units and len(g.staff_by_unit[b]) >= 6], k
    ):
        a, b = g.free_staff(unit=unit), g.free_staff(unit=unit)
        g.relate(a, b, "spouse")
        g.traps["R9"].add(f"unit:{unit}")
    chain = [g.free_staff() for _ in range(3)]
    g.relate(chain[0], chain[1], "sibling", "shared parent (nik)", 0.9)
    g.relate(chain[1], chain[2], "sibling", "shared parent (nik)", 0.9)
    g.emit_family(date(2025, 12, 1))
    # -- R10 acting posts --------------------------------------------------------------------
    acting_units = sorted(g.acting_units)
    r10_long = acting_units[:k]
    r10_short = acting_units[k : 2 * k]
    r10_nocand = acting_units[2 * k :]
    acting_holder: dict[str, str] = {}
    for unit in acting_units:
        holder = g.free_staff()
        start = date(2026, 9, 1) if unit in r10_short else date(2025, 9, 1)
        acting_holder[unit] = holder
        g.emit(
            "pegawai",
            "pegawai.acting_changed",
            {
                "nip": holder,
                "unor_id": unit,
                "jabatan_id": "J-KABID",
                "jenis_penugasan": "PLT",
                "start": start.isoformat(),
                "active": True,
            },
            g.at(start),
            actor="bkd-admin",
            subject=holder,
        )
    # -- records: blackouts, delegation, plans, waivers, rounds ---------------------------------
    g.emit(
        "mutasi",
        "mutasi.blackout_set",
        {
            "blackout_id": "BLK-PILKADA",
            "start": "2026-10-20",
            "end": "2027-04-30",
            "basis": "Pilkada serentak 2027",
        },
        g.at(date(2025, 11, 1)),
        actor=PPK_OLD,
        role="ppk",
        subject="BLK-PILKADA",
    )
    g.emit(
        "mutasi",
        "mutasi.blackout_set",
        {
            "blackout_id": "BLK-2024",
            "start": "2024-03-22",
            "end": "2024-09-22",
            "basis": "Pilkada 2024",
        },
        g.at(date(2024, 1, 5)),
        actor=PPK_OLD,
        role="ppk",
        subject="BLK-2024",
    )
    g.emit(
        "mutasi",
        "mutasi.delegation_recorded",
        {
            "delegation_id": "DLG-SEKDA",
            "delegator": PPK_NEW,
            "delegate": "sekda",
            "delegate_nip": g.sekda,
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
            "reference": "SK 800/1/2026",
        },
        g.at(date(2026, 1, 2)),
        actor=PPK_NEW,
        role="ppk",
        subject="DLG-SEKDA",
    )
    for nip in waived + waiver_trap:
        g.emit(
            "mutasi",
            "mutasi.waiver_recorded",
            {
                "waiver_id": f"WVR-{nip}",
                "nip": nip,
                "rule_code": "MIN_TIME_IN_POST",
                "reason": "kebutuhan organisasi",
                "approver": PPK_NEW,
            },
            g.at(date(2026, 1, 3)),
            actor=PPK_NEW,
            role="ppk",
            subject=nip,
        )
    for rid, when in (
        (OLD_ROUND, date(2025, 5, 1)),
        (MAIN_ROUND, date(2026, 1, 5)),
        (LATE_ROUND, date(2026, 9, 1)),
    ):
        g.emit(
            "mutasi",
            "mutasi.round_changed",
            {"round_id": rid, "name": f"Mutasi {rid}", "status": "open"},
            g.at(when),
            actor="bkd-admin",
            subject=rid,
        )
    # -- the old round (old PPK) -------------------------------------------------------------
    for _ in range(30):
        nip = g.free_staff()
        g.proposal(
            nip,
            g.other_bidang(nip),
            round_id=OLD_ROUND,
            day=date(2025, 6, 2) + timedelta(days=g.rng.randint(0, 20)),
            approver=PPK_OLD,
        )
    # -- the main round: approvals Feb 2026 by the new PPK (R7 regional planted) ------------
    g.planted["R7"].add("ppk")
    main_day = lambda: date(2026, 2, 2) + timedelta(days=g.rng.randint(0, 25))  # noqa: E731
    made = 0
    for unit in r7_units:  # 40 % of the unit moved out right after its head changed
        for _ in range(max(6, len(g.staff_by_unit[unit]) * 2 // 5)):
            nip = g.free_staff(unit=unit)
            g.proposal(
                nip,
                g.other_bidang(nip),
                round_id=MAIN_ROUND,
                day=main_day(),
                execute=True,
                planned_tmt=date(2026, 3, 2),
            )
            made += 1
        g.planted["R7"].add(f"unit:{unit}")
    for unit in r7_traps:
        nip = g.free_staff(unit=unit)
        g.proposal(
            nip,
            g.other_bidang(nip),
            round_id=MAIN_ROUND,
            day=main_day(),
            planned_tmt=date(2026, 3, 2),
        )
        made += 1
        g.traps["R7"].add(f"unit:{unit}")
    for cand, role, who in r1:
        kw: dict[str, Any] = (
            {"reviewer": who}
            if role == "reviewer"
            else {
                "approver": "sekda",
                "approver_nip": who,
                "approver_role": "ppk",
                "delegation": "DLG-SEKDA",
            }
        )
        pid = g.proposal(cand, g.other_bidang(cand), round_id=MAIN_ROUND, day=main_day(), **kw)
        g.planted["R1"].add(pid)
        if role == "delegate":  # the Sekda also heads the line of supervision of every unit
            g.planted["R2"].add(pid)
        made += 1
    for cand, unit in r2:
        g.planted["R2"].add(g.proposal(cand, unit, round_id=MAIN_ROUND, day=main_day()))
        made += 1
    for cand, unit in r2_traps:
        pid = g.proposal(cand, unit, round_id=MAIN_ROUND, day=main_day())
        g.traps["R2"].add(pid)
        made += 1
    unit = acting_units[0]
    plh_cand = g.free_staff(exclude=g.staff_by_unit[unit])
    g.relate(plh_cand, acting_holder[unit], "spouse")
    g.emit(
        "pegawai",
        "pegawai.family_updated",
        {"nip": plh_cand, "relations": g.kin[plh_cand]},
        g.at(date(2026, 1, 4)),
        actor="bkd-admin",
        subject=plh_cand,
    )
    g.emit(
        "pegawai",
        "pegawai.family_updated",
        {"nip": acting_holder[unit], "relations": g.kin[acting_holder[unit]]},
        g.at(date(2026, 1, 4)),
        actor="bkd-admin",
        subject=acting_holder[unit],
    )
    g.planted["R2"].add(g.proposal(plh_cand, unit, round_id=MAIN_ROUND, day=main_day()))
    made += 1
    g.planted["R3"].add(
        g.proposal(
            r3_self,
            g.other_bidang(r3_self),
            round_id=MAIN_ROUND,
            day=main_day(),
            proposer=r3_self,
            proposer_nip=r3_self,
            proposer_role="operator",
        )
    )
    g.planted["R3"].add(
        g.proposal(
            r3_rel,
            g.other_bidang(r3_rel),
            round_id=MAIN_ROUND,
            day=main_day(),
            proposer="op-" + g.operators_asn[1][-4:],
            proposer_nip=g.operators_asn[1],
            proposer_role="operator",
        )
    )
    g.traps["R3"].add(
        g.proposal(
            r3_trap,
            g.other_bidang(r3_trap),
            round_id=MAIN_ROUND,
            day=main_day(),
            proposer="op-" + g.operators_asn[2][-4:],
            proposer_nip=g.operators_asn[2],
            proposer_role="operator",
        )
    )
    made += 3
    for _ in range(k):  # R4
        nip = g.free_staff()
        g.planted["R4"].add(
            g.proposal(nip, g.other_bidang(nip), round_id=MAIN_ROUND, day=main_day(), rank=8)
        )
        nip = g.free_staff()
        g.traps["R4"].add(
            g.proposal(
                nip,
                g.other_bidang(nip),
                round_id=MAIN_ROUND,
                day=main_day(),
                rank=8,
                justification="Satu-satunya kandidat dengan sertifikasi auditor yang "
                "disyaratkan jabatan ini.",
            )
        )
        made += 2
    for nip in fast + waived:
        g.planted["R5"].add(
            g.proposal(
                nip,
                g.other_bidang(nip),
                round_id=MAIN_ROUND,
                day=main_day(),
                planned_tmt=date(2026, 3, 2),
            )
        )
        made += 1
    for nip in slow_trap + waiver_trap:
        g.traps["R5"].add(
            g.proposal(
                nip,
                g.other_bidang(nip),
                round_id=MAIN_ROUND,
                day=main_day(),
                planned_tmt=date(2026, 3, 2),
            )
        )
        made += 1
    for _ in range(k):  # R8 backdating and resubmission
        nip = g.free_staff()
        g.planted["R8"].add(
            g.proposal(
                nip,
                g.other_bidang(nip),
                round_id=MAIN_ROUND,
                day=date(2026, 2, 20),
                execute=True,
                tmt=date(2026, 1, 2),
            )
        )
        nip = g.free_staff()
        target = g.other_bidang(nip)
        g.proposal(
            nip,
            target,
            round_id=MAIN_ROUND,
            day=date(2026, 2, 3),
            outcome="rejected",
            planned_tmt=date(2026, 3, 2),
        )
        g.planted["R8"].add(
            g.proposal(
                nip,
                target,
                round_id=MAIN_ROUND,
                day=date(2026, 2, 24),
                planned_tmt=date(2026, 4, 1),
                jabatan="J-STAF6",
            )
        )
        nip = g.free_staff()
        g.proposal(
            nip, g.other_bidang(nip), round_id=MAIN_ROUND, day=date(2026, 2, 3), outcome="rejected"
        )
        g.traps["R8"].add(
            g.proposal(nip, g.other_bidang(nip), round_id=MAIN_ROUND, day=date(2026, 2, 24))
        )
        made += 5
    chain_pids = [
        g.proposal(
            n,
            g.other_bidang(n),
            round_id=MAIN_ROUND,
            day=main_day(),
            approver="sekda",
            approver_nip=g.sekda,
            delegation="DLG-SEKDA",
        )
        for n in chain
    ]
    for _ in range(4):
        n = g.free_staff()
        g.proposal(
            n,
            g.other_bidang(n),
            round_id=MAIN_ROUND,
            day=main_day(),
            approver="sekda",
            approver_nip=g.sekda,
            delegation="DLG-SEKDA",
        )
    made += 7
    g.planted["R9"].add(f"approver:{g.sekda}")
    g.planted["R9"] |= {f"unit:{u}" for u in r9_units}
    del chain_pids
    for unit in r10_long:
        cand = g.free_staff(exclude=[acting_holder[unit]])
        g.proposal(
            cand, unit, round_id=MAIN_ROUND, day=main_day(), outcome="none", jabatan="J-KABID"
        )
        g.planted["R10"].add(f"acting:{acting_holder[unit]}")
        made += 1
    for unit in r10_short:
        cand = g.free_staff(exclude=[acting_holder[unit]])
        g.proposal(
            cand, unit, round_id=MAIN_ROUND, day=main_day(), outcome="none", jabatan="J-KABID"
        )
        g.traps["R10"].add(f"acting:{acting_holder[unit]}")
        made += 1
    for unit in r10_nocand:
        g.traps["R10"].add(f"acting:{acting_holder[unit]}")
    # fill the round with ordinary moves (plan ranks 1-3, one move per person)
    while made < g.n_proposals:
        nip = g.free_staff()
        g.proposal(
            nip,
            g.other_bidang(nip),
            round_id=MAIN_ROUND,
            day=main_day(),
            rank=g.rng.randint(1, 3),
            execute=g.rng.random() < 0.5,
            planned_tmt=date(2026, 3, 2),
            outcome="approved" if g.rng.random() < 0.95 else "rejected",
        )
        made += 1
    # -- the late round: a cluster before the blackout, and moves inside it (R6) ---------------
    for _ in range(25):
        nip = g.free_staff()
        g.proposal(
            nip,
            g.other_bidang(nip),
            round_id=LATE_ROUND,
            day=date(2026, 9, 25) + timedelta(days=g.rng.randint(0, 20)),
        )
    g.planted["R6"].add("cluster:BLK-PILKADA")
    for _ in range(k):
        nip = g.free_staff()
        g.planted["R6"].add(
            g.proposal(nip, g.other_bidang(nip), round_id=LATE_ROUND, day=date(2026, 11, 2))
        )
        nip = g.free_staff()
        g.traps["R6"].add(
            g.proposal(
                nip, g.other_bidang(nip), round_id=LATE_ROUND, day=date(2026, 11, 3), mendagri=True
            )
        )
    return Synthetic(
        envelopes=g.envs,
        planted={r: set(v) for r, v in g.planted.items()},
        traps={r: set(v) for r, v in g.traps.items()},
        as_of=AS_OF,
        employees=len(g.emps),
        proposals=g.proposal_no,
        notes={"sekda": g.sekda},
    )
