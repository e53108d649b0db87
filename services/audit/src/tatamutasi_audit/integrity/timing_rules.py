"""Rules about when moves happen: R6 election window, R7 mass moves after a change of head,
R10 acting posts held too long."""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta

from tatamutasi_audit.integrity.facts import Evidence, Facts, PostChange, Proposal
from tatamutasi_audit.integrity.rule import MAX_EVIDENCE, Finding, Gap, Outcome, Rule, Threshold


def decided_day(p: Proposal) -> date:
    a = p.approval
    assert a is not None
    return a.at.date()


def approved(p: Proposal) -> Evidence:
    """The approval's evidence of a decided proposal."""
    a = p.approval
    assert a is not None
    return a.evidence


class R6ElectionWindow(Rule):
    id = "R6"
    version = "R6/2026.1"
    title_en = "Election window"
    title_id = "Masa larangan pilkada"
    explanation_en = (
        "A replacement decided inside an election blackout without a written approval of the "
        "Minister of Home Affairs, or an unusual cluster of decisions just before a blackout "
        "starts."
    )
    explanation_id = (
        "Penggantian pejabat diputuskan dalam masa larangan pilkada tanpa persetujuan "
        "tertulis Menteri Dalam Negeri, atau keputusan menumpuk secara tidak wajar tepat "
        "sebelum masa larangan dimulai."
    )
    citation = "UU 10/2016 Ps. 71(2) and 162(3)"
    severity = "high"
    thresholds = (
        Threshold(
            "pre_window_days",
            30,
            1,
            180,
            True,
            "Days before a blackout starts that are checked for a cluster",
            "Hari sebelum masa larangan dimulai yang diperiksa untuk penumpukan",
        ),
        Threshold(
            "baseline_days",
            180,
            30,
            730,
            True,
            "Days before that window whose decision rate is the baseline",
            "Hari sebelum rentang itu yang laju keputusannya menjadi pembanding",
        ),
        Threshold(
            "cluster_factor",
            3.0,
            1.0,
            50.0,
            False,
            "How many times the baseline count makes a cluster",
            "Berapa kali jumlah pembanding yang dianggap penumpukan",
        ),
        Threshold(
            "min_cluster",
            20,
            1,
            10000,
            True,
            "Fewest decisions in the window that can make a cluster",
            "Jumlah keputusan paling sedikit dalam rentang yang dapat dianggap penumpukan",
        ),
    )

    def evaluate(self, facts: Facts, t: Mapping[str, float], out: Outcome) -> None:
        blackouts = [b for b in facts.blackouts if b.active]
        if not blackouts:
            return
        for p in facts.focused():
            if not p.decided:
                continue
            a = p.approval
            assert a is not None
            day = a.at.date()
            if a.data.get("mendagri_approval"):
                continue
            for b in blackouts:
                if b.start <= day <= b.end:
                    out.findings.append(
                        self.finding(
                            f"{p.proposal_id}:blackout:{b.blackout_id}",
                            subjects=(p.nip, *((a.person,) if a.person else ())),
                            confidence=1.0,
                            en=f"approved on {day.isoformat()}, inside the blackout "
                            f"{b.start.isoformat()}..{b.end.isoformat()} ({b.basis}), with no "
                            "Mendagri approval recorded.",
                            id_=f"disetujui pada {day.isoformat()}, di dalam masa larangan "
                            f"{b.start.isoformat()}..{b.end.isoformat()} ({b.basis}), tanpa "
                            "persetujuan Mendagri yang tercatat.",
                            evidence=(
                                b.evidence.noted("the blackout"),
                                a.evidence.noted("approval inside it"),
                            ),
                            proposal_id=p.proposal_id,
                            round_id=p.round_id,
                            unor_id=p.to_unor,
                        )
                    )
        decided = facts.approvals()
        days = [p.approval.at.date() for p in decided]  # type: ignore[union-attr]
        pre, base = int(t["pre_window_days"]), int(t["baseline_days"])
        for b in blackouts:
            w0 = b.start - timedelta(days=pre)
            b0 = w0 - timedelta(days=base)
            inside = [p for p, d in zip(decided, days, strict=True) if w0 <= d < b.start]
            before = sum(1 for d in days if b0 <= d < w0)
            expected = before * pre / base
            if len(inside) < t["min_cluster"] or len(inside) < t["cluster_factor"] * max(
                expected, 1.0
            ):
                continue
            out.findings.append(
                self.finding(
                    f"cluster:{b.blackout_id}:{w0.isoformat()}",
                    subjects=[p.nip for p in inside],
                    confidence=min(1.0, 0.6 + 0.1 * len(inside) / max(expected, 1.0)),
                    severity="medium",
                    en=f"{len(inside)} moves were approved in the {pre} days before the blackout "
                    f"({b.basis}) starting {b.start.isoformat()}, against about "
                    f"{expected:.1f} expected from the {base} days before.",
                    id_=f"{len(inside)} mutasi disetujui dalam {pre} hari sebelum masa larangan "
                    f"({b.basis}) yang dimulai {b.start.isoformat()}, sedangkan yang wajar "
                    f"sekitar {expected:.1f} menurut {base} hari sebelumnya.",
                    evidence=(
                        b.evidence.noted("the blackout"),
                        *(approved(p).noted("approval") for p in inside[: MAX_EVIDENCE - 1]),
                    ),
                )
            )


def unit_head_changes(facts: Facts) -> list[tuple[str, str, date, Evidence]]:
    """(unit, new head NIP, date, evidence): a structural placement at a unit's top level
    that replaces a different holder (registrations are a starting state, not a change)."""
    by_unit: dict[str, list[PostChange]] = defaultdict(list)
    for changes in facts.history.values():
        for c in changes:
            if c.kind != "placement" or c.unor_id is None:
                continue
            structural = c.jenis_jabatan == "1" or (
                c.jenis_jabatan is None and c.jabatan_id in facts.jabatan_structural
            )
            if structural:
                by_unit[c.unor_id].append(c)
    out = []
    for unit, changes in by_unit.items():

        def eselon(c: PostChange) -> str:
            return c.eselon_id or facts.jabatan_structural.get(c.jabatan_id or "") or "99"

        top = min(eselon(c) for c in changes)
        heads = sorted(
            (c for c in changes if eselon(c) == top), key=lambda c: (c.on, c.evidence.ledger_index)
        )
        previous: str | None = None
        for c in heads:
            if previous is not None and c.nip != previous and c.reason != "registration":
                out.append((unit, c.nip, c.on, c.evidence))
            previous = c.nip
    return sorted(out, key=lambda x: (x[2], x[0]))


def ppk_changes(decided: list[Proposal]) -> list[tuple[str, date, Evidence]]:
    """(new PPK token subject, date, evidence): the first approval by a PPK (acting in the
    `ppk` role, not under a delegation) who is not the PPK of the approvals before."""
    out = []
    previous: str | None = None
    for p in decided:
        a = p.approval
        assert a is not None
        if a.actor_role != "ppk" or a.data.get("delegation_id"):
            continue
        if previous is not None and a.actor != previous:
            out.append((a.actor, a.at.date(), a.evidence))
        previous = a.actor
    return out


class R7MassMovesAfterHeadChange(Rule):
    id = "R7"
    version = "R7/2026.1"
    title_en = "Mass moves after a change of head"
    title_id = "Mutasi besar-besaran setelah pergantian pimpinan"
    explanation_en = (
        "Many moves right after a new regional head (PPK) or a new unit head took office: a "
        "pattern of clearing out or bringing in people that auditors review."
    )
    explanation_id = (
        "Banyak mutasi tepat setelah kepala daerah (PPK) atau kepala unit baru menjabat: pola "
        "menyingkirkan atau membawa orang yang perlu ditinjau auditor."
    )
    citation = "UU 10/2016 Ps. 162(3); PP 11/2017 Ps. 190(1) and 190(4); UU 28/1999 Ps. 5"
    severity = "medium"
    thresholds = (
        Threshold(
            "window_days",
            90,
            7,
            365,
            True,
            "Days after the change that are counted",
            "Hari setelah pergantian yang dihitung",
        ),
        Threshold(
            "min_moves",
            5,
            1,
            1000,
            True,
            "Fewest moves in or out of the unit that count (unit head change)",
            "Jumlah mutasi masuk/keluar unit paling sedikit yang dihitung (pergantian kepala unit)",
        ),
        Threshold(
            "min_factor",
            2.0,
            1.0,
            50.0,
            False,
            "How many times the average moves per unit in such a window the unit must see",
            "Berapa kali rata-rata mutasi per unit dalam rentang yang sama yang harus dialami unit",
        ),
        Threshold(
            "min_share",
            0.1,
            0.0,
            1.0,
            False,
            "Share of the unit's people moved that counts (unit head change)",
            "Bagian pegawai unit yang dimutasi yang dihitung (pergantian kepala unit)",
        ),
        Threshold(
            "min_moves_regional",
            50,
            1,
            100000,
            True,
            "Fewest moves across the Pemda that count (change of regional head)",
            "Jumlah mutasi se-Pemda paling sedikit yang dihitung (pergantian kepala daerah)",
        ),
    )

    def evaluate(self, facts: Facts, t: Mapping[str, float], out: Outcome) -> None:
        decided = facts.approvals()
        window = timedelta(days=int(t["window_days"]))
        members = facts.members()
        units_n = max(len(members), 1)
        for unit, head, day, ev in unit_head_changes(facts):
            end = day + window
            touching = 0
            for p in decided:
                if day < decided_day(p) <= end:
                    touching += 2 if p.from_unor is not None else 1
            average = touching / units_n
            moved = [
                p
                for p in decided
                if p.nip != head
                and (p.to_unor == unit or p.from_unor == unit)
                and day < p.approval.at.date() <= day + window  # type: ignore[union-attr]
            ]
            size = max(len(members.get(unit, ())), 1)
            if (
                len(moved) < t["min_moves"]
                or len(moved) / size < t["min_share"]
                or len(moved) < t["min_factor"] * average
            ):
                continue
            out.findings.append(
                self._found(
                    f"unit:{unit}:{day.isoformat()}:{head}", head, day, ev, moved, t, unit, size
                )
            )
        for ppk, day, ev in ppk_changes(decided):
            moved = [p for p in decided if day <= p.approval.at.date() <= day + window]  # type: ignore[union-attr]
            if len(moved) < t["min_moves_regional"]:
                continue
            out.findings.append(
                self._found(f"ppk:{ppk}:{day.isoformat()}", None, day, ev, moved, t, None, None)
            )

    def _found(
        self,
        key: str,
        head: str | None,
        day: date,
        ev: Evidence,
        moved: list[Proposal],
        t: Mapping[str, float],
        unit: str | None,
        size: int | None,
    ) -> Finding:
        who_en = "a new unit head" if unit else "a new regional head (PPK)"
        who_id = "kepala unit baru" if unit else "kepala daerah (PPK) baru"
        share_en = f" ({len(moved) / size:.0%} of the unit)" if size else ""
        share_id = f" ({len(moved) / size:.0%} dari unit)" if size else ""
        return self.finding(
            key,
            subjects=[*((head,) if head else ()), *(p.nip for p in moved)],
            confidence=0.7,
            en=f"{len(moved)} moves{share_en} were approved within {int(t['window_days'])} days "
            f"after {who_en} took office on {day.isoformat()}.",
            id_=f"{len(moved)} mutasi{share_id} disetujui dalam {int(t['window_days'])} hari "
            f"setelah {who_id} menjabat pada {day.isoformat()}.",
            evidence=(
                ev.noted("change of head"),
                *(p.approval.evidence.noted("approval") for p in moved[: MAX_EVIDENCE - 1]),  # type: ignore[union-attr]
            ),
            unor_id=unit,
        )


class R10LongActing(Rule):
    id = "R10"
    version = "R10/2026.1"
    title_en = "Acting post held too long"
    title_id = "Jabatan PLT/PLH terlalu lama"
    explanation_en = (
        "A PLT or PLH assignment has run beyond the legal limit (3 months, extendable once by "
        "3 months) while eligible candidates for the post exist."
    )
    explanation_id = (
        "Penugasan PLT atau PLH telah melewati batas (3 bulan, dapat diperpanjang sekali 3 "
        "bulan) padahal ada kandidat yang memenuhi syarat untuk jabatan itu."
    )
    citation = "SE Kepala BKN 1/SE/I/2021; UU 30/2014 Ps. 14; PP 11/2017 Ps. 190(1)"
    severity = "low"
    thresholds = (
        Threshold(
            "plt_max_days",
            180,
            30,
            730,
            True,
            "Longest a PLT may run",
            "Batas terlama PLT",
        ),
        Threshold(
            "plh_max_days",
            180,
            30,
            730,
            True,
            "Longest a PLH may run",
            "Batas terlama PLH",
        ),
        Threshold(
            "require_candidates",
            1,
            0,
            1,
            True,
            "1: flag only when an eligible candidate is known; 0: flag every overrun",
            "1: tandai hanya jika ada kandidat yang memenuhi syarat; 0: tandai setiap kelebihan",
        ),
    )

    def evaluate(self, facts: Facts, t: Mapping[str, float], out: Outcome) -> None:
        candidates: dict[tuple[str, str], list[Proposal]] = defaultdict(list)
        for p in facts.proposals.values():
            if p.state in ("withdrawn", "superseded"):
                continue
            elig = p.created.data.get("eligibility") or {}
            if not elig.get("blocked", False):
                candidates[(p.to_unor, p.to_jabatan)].append(p)
        for a in facts.acting:
            if not a.active:
                continue
            limit = t["plt_max_days"] if a.jenis == "PLT" else t["plh_max_days"]
            until = a.end if a.end is not None and a.end < facts.as_of else facts.as_of
            days = (until - a.start).days
            if days <= limit:
                continue
            found = [p for p in candidates.get((a.unor_id, a.jabatan_id), []) if p.nip != a.nip]
            if not found and t["require_candidates"] >= 1:
                out.gaps.append(_no_candidate(self.id, a.nip, days))
                continue
            out.findings.append(
                self.finding(
                    f"{a.nip}:{a.unor_id}:{a.jabatan_id}:{a.start.isoformat()}",
                    subjects=(a.nip, *sorted({p.nip for p in found})),
                    confidence=0.9 if found else 0.6,
                    severity="medium" if days > 2 * limit else self.severity,
                    en=f"{a.jenis} held for {days} days (limit {int(limit)}) with "
                    f"{len({p.nip for p in found})} eligible candidate(s) proposed for the post.",
                    id_=f"{a.jenis} dijabat selama {days} hari (batas {int(limit)}) dengan "
                    f"{len({p.nip for p in found})} kandidat memenuhi syarat diusulkan untuk "
                    "jabatan itu.",
                    evidence=(
                        a.evidence.noted("acting assignment"),
                        *(p.created.evidence.noted("eligible candidate") for p in found[:50]),
                    ),
                    unor_id=a.unor_id,
                    notes_en=() if found else ("no eligible candidate is known",),
                    notes_id=()
                    if found
                    else ("tidak diketahui ada kandidat yang memenuhi syarat",),
                )
            )


def _no_candidate(rule_id: str, nip: str, days: int) -> Gap:
    return Gap(
        rule_id,
        nip,
        None,
        f"acting post held {days} days but no eligible candidate is known, so it is not flagged",
        f"jabatan PLT/PLH dijabat {days} hari tetapi tidak diketahui ada kandidat yang memenuhi "
        "syarat, sehingga tidak ditandai",
    )
