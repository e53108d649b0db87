"""Rules about how a move went through: R4 merit override, R5 fast track, R8 backdating and
resubmission until it passes."""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta

from tatamutasi_audit.integrity.facts import Facts, Proposal
from tatamutasi_audit.integrity.rule import Outcome, Rule, Threshold


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def recorded_reason(p: Proposal) -> str:
    """The longest reason recorded on the decision path (approval justification or reason,
    review notes)."""
    texts = []
    a = p.approval
    if a is not None:
        texts += [_text(a.data.get("justification")), _text(a.data.get("reason"))]
    for s in p.all_steps("mutasi.proposal_reviewed"):
        texts += [_text(s.data.get("notes")), _text(s.data.get("reason"))]
    return max(texts, key=len, default="")


class R4MeritOverride(Rule):
    id = "R4"
    version = "R4/2026.1"
    title_en = "Merit override without a reason"
    title_id = "Mengesampingkan merit tanpa alasan"
    explanation_en = (
        "An approved move whose candidate ranked far below others for that post in the plan, "
        "approved without a recorded reason: the merit-based ranking was set aside silently."
    )
    explanation_id = (
        "Mutasi yang disetujui padahal kandidatnya berperingkat jauh di bawah kandidat lain "
        "untuk jabatan itu dalam rencana, tanpa alasan yang dicatat: peringkat berbasis merit "
        "dikesampingkan diam-diam."
    )
    citation = "PP 11/2017 Ps. 190(4); UU 28/1999 Ps. 3; UU 30/2014 Ps. 10 (AUPB)"
    severity = "medium"
    thresholds = (
        Threshold(
            "max_rank",
            3,
            1,
            100,
            True,
            "A plan rank above this counts as 'far below others'",
            "Peringkat rencana di atas angka ini dianggap 'jauh di bawah kandidat lain'",
        ),
        Threshold(
            "min_reason_chars",
            20,
            1,
            1000,
            True,
            "A recorded reason shorter than this counts as no reason",
            "Alasan yang lebih pendek dari ini dianggap tidak ada",
        ),
    )

    def evaluate(self, facts: Facts, t: Mapping[str, float], out: Outcome) -> None:
        for p in facts.focused():
            rank = p.plan_rank
            if not p.decided or rank is None or rank <= t["max_rank"]:
                continue
            if len(recorded_reason(p)) >= t["min_reason_chars"]:
                continue
            a = p.approval
            assert a is not None
            out.findings.append(
                self.finding(
                    p.proposal_id,
                    subjects=(p.nip, *((a.person,) if a.person else ())),
                    confidence=min(1.0, 0.7 + 0.3 * (rank - t["max_rank"]) / max(rank, 1)),
                    en=f"the candidate was ranked {rank} for this post in the plan "
                    f"(threshold {int(t['max_rank'])}) and no reason was recorded.",
                    id_=f"kandidat berperingkat {rank} untuk jabatan ini dalam rencana "
                    f"(ambang {int(t['max_rank'])}) dan tidak ada alasan yang dicatat.",
                    evidence=(
                        p.created.evidence.noted(f"plan rank {rank}"),
                        a.evidence.noted("approval without a reason"),
                    ),
                    proposal_id=p.proposal_id,
                    round_id=p.round_id,
                    unor_id=p.to_unor,
                )
            )


def _reference_day(p: Proposal, as_of: date) -> date:
    tmt = p.created.data.get("planned_tmt")
    if isinstance(tmt, str):
        return date.fromisoformat(tmt)
    return p.decided_on() or p.created.at.date() or as_of


def peer_counts(facts: Facts, window_days: int) -> dict[str, tuple[int, int]]:
    """(people, moves and promotions) per golongan in the window before `as_of`
    (registrations do not count)."""
    start = facts.as_of - timedelta(days=window_days)
    people: dict[str, int] = defaultdict(int)
    moves: dict[str, int] = defaultdict(int)
    for nip, person in facts.people.items():
        gol = person.golongan_id or ""
        people[gol] += 1
        moves[gol] += sum(
            1
            for c in facts.history.get(nip, ())
            if start <= c.on < facts.as_of and c.reason != "registration"
        )
    return {g: (n, moves[g]) for g, n in people.items()}


class R5FastTrack(Rule):
    id = "R5"
    version = "R5/2026.1"
    title_en = "Fast track"
    title_id = "Jalur cepat"
    explanation_en = (
        "The employee is moved or promoted far more often than peers of the same rank "
        "(golongan), or is moved before the 2-year minimum in post through a waiver."
    )
    explanation_id = (
        "Pegawai dimutasi atau naik pangkat jauh lebih sering daripada rekan dengan golongan "
        "yang sama, atau dimutasi sebelum minimal 2 tahun dalam jabatan melalui pengecualian."
    )
    citation = "PP 11/2017 Ps. 190(3); SE MenPANRB 19/2023; UU 28/1999 Ps. 3"
    severity = "medium"
    thresholds = (
        Threshold(
            "min_tenure_days",
            730,
            180,
            1825,
            True,
            "Minimum days in post before a move (PP 11/2017 Ps. 190(3): 2 years)",
            "Minimal hari dalam jabatan sebelum mutasi (PP 11/2017 Ps. 190(3): 2 tahun)",
        ),
        Threshold(
            "window_days",
            1460,
            365,
            3650,
            True,
            "Window in which moves and promotions are counted",
            "Rentang waktu penghitungan mutasi dan kenaikan pangkat",
        ),
        Threshold(
            "min_events",
            4,
            2,
            20,
            True,
            "Fewest moves and promotions in the window (this one included) that count",
            "Jumlah mutasi dan kenaikan pangkat paling sedikit dalam rentang (termasuk ini)",
        ),
        Threshold(
            "peer_factor",
            3.0,
            1.0,
            20.0,
            False,
            "How many times the peers' average the count must reach",
            "Berapa kali rata-rata rekan segolongan yang harus dicapai",
        ),
    )

    def evaluate(self, facts: Facts, t: Mapping[str, float], out: Outcome) -> None:
        counts = peer_counts(facts, int(t["window_days"]))
        waivers = defaultdict(list)
        for w in facts.waivers:
            waivers[w.nip].append(w)
        for p in facts.focused():
            if not p.active and not p.decided:
                continue
            day = _reference_day(p, facts.as_of)
            history = sorted(facts.history.get(p.nip, []), key=lambda c: c.on)
            person = facts.people.get(p.nip)
            placements = [c for c in history if c.kind == "placement" and c.on < day]
            since = placements[-1].on if placements else (person.tmt_jabatan if person else None)
            since_ev = (
                placements[-1].evidence if placements else (person.evidence if person else None)
            )
            mine = [
                w
                for w in waivers.get(p.nip, [])
                if w.post_id in (None, f"{p.to_unor}/{p.to_jabatan}", p.to_jabatan, p.to_unor)
            ]
            if since is not None and mine and (day - since).days < t["min_tenure_days"]:
                out.findings.append(
                    self.finding(
                        f"{p.proposal_id}:waiver",
                        subjects=(p.nip,),
                        confidence=0.9,
                        en=f"moved after {(day - since).days} days in post (minimum "
                        f"{int(t['min_tenure_days'])}) through {len(mine)} waiver(s).",
                        id_=f"dimutasi setelah {(day - since).days} hari dalam jabatan (minimal "
                        f"{int(t['min_tenure_days'])}) melalui {len(mine)} pengecualian.",
                        evidence=(
                            p.created.evidence.noted("the proposal"),
                            *((since_ev.noted("start in current post"),) if since_ev else ()),
                            *(w.evidence.noted("waiver") for w in mine),
                        ),
                        proposal_id=p.proposal_id,
                        round_id=p.round_id,
                        unor_id=p.to_unor,
                    )
                )
            start = day - timedelta(days=int(t["window_days"]))
            recent = [c for c in history if start <= c.on < day and c.reason != "registration"]
            count = len(recent) + 1
            gol = person.golongan_id if person else None
            n_peers, peer_total = counts.get(gol or "", (0, 0))
            own = sum(
                1
                for c in history
                if facts.as_of - timedelta(days=int(t["window_days"])) <= c.on < facts.as_of
                and c.reason != "registration"
            )
            peer = facts.peer_moves.get(gol or "") or (
                (peer_total - own) / (n_peers - 1) if n_peers > 1 else 0.0
            )
            if count >= t["min_events"] and count >= t["peer_factor"] * max(peer, 0.5):
                out.findings.append(
                    self.finding(
                        f"{p.proposal_id}:frequency",
                        subjects=(p.nip,),
                        confidence=0.8 if peer > 0 else 0.6,
                        en=f"{count} moves or promotions in {int(t['window_days'])} days "
                        f"(this one included); peers of the same golongan average {peer:.2f}.",
                        id_=f"{count} mutasi atau kenaikan pangkat dalam {int(t['window_days'])} "
                        f"hari (termasuk ini); rata-rata rekan segolongan {peer:.2f}.",
                        evidence=(
                            p.created.evidence.noted("the proposal"),
                            *(c.evidence.noted(f"{c.kind} {c.on.isoformat()}") for c in recent),
                        ),
                        proposal_id=p.proposal_id,
                        round_id=p.round_id,
                        unor_id=p.to_unor,
                        notes_en=() if peer > 0 else ("no peer statistics for this golongan",),
                        notes_id=() if peer > 0 else ("tidak ada statistik rekan segolongan",),
                    )
                )


class R8BackdatingResubmission(Rule):
    id = "R8"
    version = "R8/2026.1"
    title_en = "Backdating or resubmission until it passes"
    title_id = "Tanggal mundur atau pengajuan ulang sampai lolos"
    explanation_en = (
        "The TMT (or the SK date) lies before the approval, or a rejected move was proposed "
        "again with changed data until it was approved."
    )
    explanation_id = (
        "TMT (atau tanggal SK) lebih awal daripada persetujuan, atau usulan yang ditolak "
        "diajukan kembali dengan data yang diubah sampai disetujui."
    )
    citation = "UU 30/2014 Ps. 57-58 and 71; UU 28/1999 Ps. 5"
    severity = "high"
    thresholds = (
        Threshold(
            "tolerance_days",
            0,
            0,
            90,
            True,
            "Days a TMT may precede the approval before it counts",
            "Hari TMT boleh mendahului persetujuan sebelum dihitung",
        ),
        Threshold(
            "min_rejections",
            1,
            1,
            10,
            True,
            "Rejections of the same move before an approval that count",
            "Jumlah penolakan atas mutasi yang sama sebelum disetujui yang dihitung",
        ),
    )

    def evaluate(self, facts: Facts, t: Mapping[str, float], out: Outcome) -> None:
        tol = int(t["tolerance_days"])
        by_move: dict[tuple[str, str], list[Proposal]] = defaultdict(list)
        for p in facts.proposals.values():
            by_move[(p.nip, p.to_unor)].append(p)
        for p in facts.focused():
            a, x = p.approval, p.execution
            if a is not None and x is not None:
                approved = a.at.date()
                for field in ("tmt", "sk_date"):
                    raw = x.data.get(field)
                    if not isinstance(raw, str):
                        continue
                    when = date.fromisoformat(raw)
                    if (approved - when).days > tol:
                        out.findings.append(
                            self.finding(
                                f"{p.proposal_id}:backdated:{field}",
                                subjects=(p.nip,),
                                confidence=1.0,
                                en=f"the {field.upper().replace('_', ' ')} {when.isoformat()} "
                                f"is {(approved - when).days} days before the approval "
                                f"{approved.isoformat()}.",
                                id_=f"{field.upper().replace('_', ' ')} {when.isoformat()} "
                                f"{(approved - when).days} hari sebelum persetujuan "
                                f"{approved.isoformat()}.",
                                evidence=(
                                    a.evidence.noted("approval"),
                                    x.evidence.noted(f"execution with {field}"),
                                ),
                                proposal_id=p.proposal_id,
                                round_id=p.round_id,
                                unor_id=p.to_unor,
                            )
                        )
            if not p.decided:
                continue
            created = p.created.at
            earlier = [
                q
                for q in by_move[(p.nip, p.to_unor)]
                if q.proposal_id != p.proposal_id
                and q.state == "rejected"
                and q.created.at <= created
            ]
            changed = [q for q in earlier if q.fingerprint() != p.fingerprint()]
            if len(earlier) >= t["min_rejections"] and changed:
                rejections = sorted(earlier, key=lambda q: q.created.at)
                out.findings.append(
                    self.finding(
                        f"{p.proposal_id}:resubmitted",
                        subjects=(p.nip,),
                        confidence=min(1.0, 0.6 + 0.2 * len(earlier)),
                        en=f"approved after {len(earlier)} rejected proposal(s) of the same move; "
                        f"{len(changed)} of them carried different data.",
                        id_=f"disetujui setelah {len(earlier)} usulan yang sama ditolak; "
                        f"{len(changed)} di antaranya berisi data yang berbeda.",
                        evidence=(
                            *(
                                (q.step("mutasi.proposal_rejected") or q.steps[-1]).evidence.noted(
                                    "rejected earlier"
                                )
                                for q in rejections
                            ),
                            p.created.evidence.noted("resubmitted"),
                            p.approval.evidence.noted("approved"),  # type: ignore[union-attr]
                        ),
                        proposal_id=p.proposal_id,
                        round_id=p.round_id,
                        unor_id=p.to_unor,
                    )
                )
