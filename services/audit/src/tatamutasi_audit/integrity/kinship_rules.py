"""Rules about family ties: R1 a related decider, R2 a related head of the target unit,
R3 self-dealing, R9 relatives clustered in a unit or an approver's chain."""

import hashlib
from collections import defaultdict
from collections.abc import Mapping

from tatamutasi_audit.integrity.facts import Evidence, Facts, Proposal
from tatamutasi_audit.integrity.kinship import KinPath
from tatamutasi_audit.integrity.rule import Outcome, Rule, Threshold, missing_family_gap

MIN_CONFIDENCE = Threshold(
    "min_confidence",
    0.5,
    0.1,
    1.0,
    False,
    "Kinship facts below this confidence are ignored",
    "Fakta kekerabatan di bawah tingkat keyakinan ini diabaikan",
)
HIGH_CONFIDENCE = Threshold(
    "high_confidence",
    0.95,
    0.5,
    1.0,
    False,
    "At or above this confidence the flag is `high` (a relation that also blocks the "
    "decision in the workflow); below it, `medium` (a flag only)",
    "Pada atau di atas tingkat keyakinan ini bendera bertingkat `high` (hubungan yang juga "
    "memblokir keputusan di alur kerja); di bawahnya `medium` (hanya bendera)",
)
KIN_CITATION_COI = "PP 11/2017 Ps. 190(5); UU 30/2014 Ps. 42-43"
ROLE_EN = {"proposer": "proposer", "reviewer": "reviewer", "approver": "approver"}
ROLE_ID = {"proposer": "pengusul", "reviewer": "penilai", "approver": "pejabat yang memutus"}


def _severity(path: KinPath, t: Mapping[str, float]) -> str:
    return "high" if path.confidence >= t["high_confidence"] else "medium"


def _step_evidence(ev: Evidence, note: str) -> Evidence:
    return ev.noted(note)


def deciders(facts: Facts, p: Proposal) -> list[tuple[str, str, Evidence]]:
    """(role, NIP, evidence) of who reviewed and who approved; an approval made under a
    delegation counts for the delegate and the delegator (the PPK) alike."""
    out: list[tuple[str, str, Evidence]] = []
    for s in p.all_steps("mutasi.proposal_reviewed"):
        if s.person:
            out.append(("reviewer", s.person, s.evidence))
    a = p.approval
    if a is not None:
        if a.person:
            out.append(("approver", a.person, a.evidence))
        d = facts.delegations.get(str(a.data.get("delegation_id") or ""))
        if d is not None:
            for n in (d.delegate_nip, d.delegator_nip):
                if n:
                    out.append(("approver", n, d.evidence))
    seen: set[tuple[str, str]] = set()
    unique = []
    for role, n, ev in out:
        if (role, n) not in seen:
            seen.add((role, n))
            unique.append((role, n, ev))
    return unique


def proposers(p: Proposal) -> list[tuple[str, Evidence]]:
    out: list[tuple[str, Evidence]] = []
    for type_ in ("mutasi.proposal_created", "mutasi.proposal_submitted"):
        for s in p.all_steps(type_):
            if s.person and s.person not in [n for n, _ in out]:
                out.append((s.person, s.evidence))
    return out


class R1RelatedDecider(Rule):
    id = "R1"
    version = "R1/2026.1"
    title_en = "Decider related to the candidate"
    title_id = "Pemutus memiliki hubungan keluarga dengan kandidat"
    explanation_en = (
        "A reviewer (Tim Penilai Kinerja) or the approving official is a spouse, parent, "
        "child, sibling or in-law of the employee being moved: a conflict of interest the "
        "official should have declared and stepped away from."
    )
    explanation_id = (
        "Penilai (Tim Penilai Kinerja) atau pejabat yang menyetujui adalah suami/istri, orang "
        "tua, anak, saudara kandung atau keluarga semenda pegawai yang dimutasi: konflik "
        "kepentingan yang seharusnya dinyatakan dan pejabat tersebut mundur dari keputusan."
    )
    citation = "PP 11/2017 Ps. 190(5); UU 30/2014 Ps. 42-43; UU 28/1999 Ps. 5"
    severity = "high"
    thresholds = (MIN_CONFIDENCE, HIGH_CONFIDENCE)

    def evaluate(self, facts: Facts, t: Mapping[str, float], out: Outcome) -> None:
        g = facts.graph()
        for p in facts.focused():
            if not p.active and not p.decided:
                continue
            ds = deciders(facts, p)
            if ds and (gap := missing_family_gap(self, facts, p.nip, p.proposal_id)):
                out.gaps.append(gap)
            for role, who, ev in ds:
                if who == p.nip:
                    continue  # R3
                path = g.relation(p.nip, who)
                if path is None or path.confidence < t["min_confidence"]:
                    continue
                out.findings.append(
                    self.finding(
                        f"{p.proposal_id}:{role}:{who}",
                        subjects=(p.nip, who),
                        confidence=path.confidence,
                        severity=_severity(path, t),
                        en=f"the {ROLE_EN[role]} is the candidate's {path.describe_en()}.",
                        id_=f"{ROLE_ID[role]} adalah {path.describe_id()} dari kandidat.",
                        evidence=(
                            p.created.evidence.noted("the proposal"),
                            _step_evidence(ev, f"the {role}'s decision"),
                            *(e.noted("kinship fact") for e in path.evidence),
                        ),
                        proposal_id=p.proposal_id,
                        round_id=p.round_id,
                        unor_id=p.to_unor,
                        notes_en=path.notes_en,
                        notes_id=path.notes_id,
                    )
                )


class R2RelatedTargetHead(Rule):
    id = "R2"
    version = "R2/2026.1"
    title_en = "Candidate related to the target unit's leadership"
    title_id = "Kandidat berkerabat dengan pimpinan unit tujuan"
    explanation_en = (
        "The employee would be placed under a relative: the head of the target unit, or a "
        "head higher in its line of supervision (including acting PLT/PLH heads), is their "
        "spouse, parent, child, sibling or in-law."
    )
    explanation_id = (
        "Pegawai akan ditempatkan di bawah kerabatnya sendiri: kepala unit tujuan atau "
        "atasan di atasnya dalam garis pengawasan (termasuk PLT/PLH) adalah suami/istri, "
        "orang tua, anak, saudara kandung atau keluarga semenda pegawai tersebut."
    )
    citation = "PP 11/2017 Ps. 190(5); UU 28/1999 Ps. 1(5) and 5(4)"
    severity = "medium"
    thresholds = (
        MIN_CONFIDENCE,
        HIGH_CONFIDENCE,
        Threshold(
            "supervision_levels",
            2,
            0,
            6,
            True,
            "How many units above the target unit count as its line of supervision",
            "Berapa tingkat unit di atas unit tujuan yang dihitung sebagai garis pengawasan",
        ),
    )

    def evaluate(self, facts: Facts, t: Mapping[str, float], out: Outcome) -> None:
        g = facts.graph()
        levels = int(t["supervision_levels"])
        for p in facts.focused():
            if not p.active and not p.decided:
                continue
            chain = facts.supervision_chain(p.to_unor, levels)
            checked = False
            for depth, unit in enumerate(chain):
                for head, ev, how in facts.heads(unit):
                    if head == p.nip:
                        continue
                    checked = True
                    path = g.relation(p.nip, head)
                    if path is None or path.confidence < t["min_confidence"]:
                        continue
                    where_en = "the target unit" if depth == 0 else f"{depth} level(s) above it"
                    where_id = "unit tujuan" if depth == 0 else f"{depth} tingkat di atasnya"
                    acting = "" if how == "definitive" else f" ({how})"
                    out.findings.append(
                        self.finding(
                            f"{p.proposal_id}:{unit}:{head}",
                            subjects=(p.nip, head),
                            confidence=path.confidence,
                            severity="high"
                            if depth == 0 and path.confidence >= t["high_confidence"]
                            else "medium",
                            en=f"the head{acting} of {where_en} is the candidate's "
                            f"{path.describe_en()}.",
                            id_=f"kepala{acting} {where_id} adalah {path.describe_id()} "
                            "dari kandidat.",
                            evidence=(
                                p.created.evidence.noted("the proposal"),
                                *((ev.noted("the head's post"),) if ev else ()),
                                *(e.noted("kinship fact") for e in path.evidence),
                            ),
                            proposal_id=p.proposal_id,
                            round_id=p.round_id,
                            unor_id=unit,
                            notes_en=path.notes_en,
                            notes_id=path.notes_id,
                        )
                    )
            if checked and (gap := missing_family_gap(self, facts, p.nip, p.proposal_id)):
                out.gaps.append(gap)


class R3SelfDealing(Rule):
    id = "R3"
    version = "R3/2026.1"
    title_en = "Self-dealing"
    title_id = "Mengurus kepentingan sendiri"
    explanation_en = (
        "The proposer, a reviewer or the approver is the employee being moved, or the "
        "proposer proposed their own relative."
    )
    explanation_id = (
        "Pengusul, penilai atau pejabat yang menyetujui adalah pegawai yang dimutasi itu "
        "sendiri, atau pengusul mengusulkan kerabatnya sendiri."
    )
    citation = "UU 30/2014 Ps. 42-43; PP 11/2017 Ps. 190(5); UU 28/1999 Ps. 5(4)"
    severity = "high"
    thresholds = (MIN_CONFIDENCE, HIGH_CONFIDENCE)

    def evaluate(self, facts: Facts, t: Mapping[str, float], out: Outcome) -> None:
        g = facts.graph()
        for p in facts.focused():
            if not p.active and not p.decided:
                continue
            actors = [("proposer", n, ev) for n, ev in proposers(p)] + deciders(facts, p)
            for role, who, ev in actors:
                if who != p.nip:
                    continue
                out.findings.append(
                    self.finding(
                        f"{p.proposal_id}:self:{role}",
                        subjects=(p.nip,),
                        confidence=1.0,
                        en=f"the {ROLE_EN[role]} of this proposal is the candidate themself.",
                        id_=f"{ROLE_ID[role]} usulan ini adalah kandidat itu sendiri.",
                        evidence=(ev.noted(f"the {role}'s step"),),
                        proposal_id=p.proposal_id,
                        round_id=p.round_id,
                        unor_id=p.to_unor,
                    )
                )
            for who, ev in proposers(p):
                if who == p.nip:
                    continue
                path = g.relation(p.nip, who)
                if path is None or path.confidence < t["min_confidence"]:
                    continue
                out.findings.append(
                    self.finding(
                        f"{p.proposal_id}:relative:{who}",
                        subjects=(p.nip, who),
                        confidence=path.confidence,
                        severity=_severity(path, t),
                        en=f"the proposer is the candidate's {path.describe_en()}.",
                        id_=f"pengusul adalah {path.describe_id()} dari kandidat.",
                        evidence=(
                            ev.noted("the proposer's step"),
                            *(e.noted("kinship fact") for e in path.evidence),
                        ),
                        proposal_id=p.proposal_id,
                        round_id=p.round_id,
                        unor_id=p.to_unor,
                        notes_en=path.notes_en,
                        notes_id=path.notes_id,
                    )
                )


def _group_key(group: set[str]) -> str:
    return hashlib.sha256(",".join(sorted(group)).encode()).hexdigest()[:16]


class R9KinConcentration(Rule):
    id = "R9"
    version = "R9/2026.1"
    title_en = "Relatives concentrated"
    title_id = "Pemusatan kerabat"
    explanation_en = (
        "Several relatives end up in one unit, or among the people one official approved: "
        "the kinship network inside the group is denser than the threshold allows."
    )
    explanation_id = (
        "Beberapa orang yang berkerabat berkumpul di satu unit, atau di antara orang-orang "
        "yang disetujui oleh satu pejabat: jaringan kekerabatan di kelompok itu lebih rapat "
        "daripada ambang yang ditetapkan."
    )
    citation = "UU 28/1999 Ps. 1(4)-(5) and 5(4) (KKN); PP 11/2017 Ps. 190(5)"
    severity = "medium"
    thresholds = (
        MIN_CONFIDENCE,
        Threshold(
            "min_cluster",
            3,
            2,
            50,
            True,
            "Smallest group of connected relatives that counts",
            "Kelompok kerabat terhubung terkecil yang dihitung",
        ),
        Threshold(
            "min_density",
            0.05,
            0.0,
            1.0,
            False,
            "Share of the unit's (or chain's) people who have a relative inside it",
            "Bagian orang di unit (atau rantai persetujuan) yang memiliki kerabat di dalamnya",
        ),
    )

    def evaluate(self, facts: Facts, t: Mapping[str, float], out: Outcome) -> None:
        g = facts.graph()
        minc = t["min_confidence"]
        focus_units = facts.focus_units
        moved_in: dict[str, list[Evidence]] = defaultdict(list)
        for p in facts.approvals():
            if p.execution is None:
                moved_in[p.nip].append(p.approval.evidence)  # type: ignore[union-attr]
        for unit, members in sorted(facts.members().items()):
            if focus_units is not None and unit not in focus_units:
                continue
            self._group(facts, g, t, out, members, f"unit:{unit}", unit, None, moved_in, minc)
        chains: dict[str, set[str]] = defaultdict(set)
        approver_ev: dict[str, list[Evidence]] = defaultdict(list)
        for p in facts.approvals():
            who = p.approval.person  # type: ignore[union-attr]
            if who:
                chains[who].add(p.nip)
                approver_ev[p.nip].append(p.approval.evidence)  # type: ignore[union-attr]
        for approver, approved in sorted(chains.items()):
            self._group(
                facts,
                g,
                t,
                out,
                approved,
                f"approver:{approver}",
                None,
                approver,
                approver_ev,
                minc,
            )

    def _group(
        self,
        facts: Facts,
        g: object,
        t: Mapping[str, float],
        out: Outcome,
        members: set[str],
        scope: str,
        unit: str | None,
        approver: str | None,
        extra_ev: Mapping[str, list[Evidence]],
        minc: float,
    ) -> None:
        from tatamutasi_audit.integrity.kinship import KinGraph

        assert isinstance(g, KinGraph)
        if len(members) < t["min_cluster"]:
            return
        groups = g.components(members, minc)
        if not groups:
            return
        related = set().union(*groups)
        density = len(related) / len(members)
        big = [gr for gr in groups if len(gr) >= t["min_cluster"]]
        if not big or density < t["min_density"]:
            return
        known = sum(1 for m in members if g.has_family_record(m))
        coverage = known / len(members)
        notes_en: tuple[str, ...] = ()
        notes_id: tuple[str, ...] = ()
        if coverage < 1.0:
            notes_en = (
                f"{len(members) - known} of {len(members)} people have no family record on "
                "file, so the real density may be higher",
            )
            notes_id = (
                f"{len(members) - known} dari {len(members)} orang tidak memiliki data "
                "keluarga, sehingga kerapatan sebenarnya bisa lebih tinggi",
            )
        for gr in big:
            edges = g.edges_within(gr)
            conf = min(e.confidence for e in edges) if edges else minc
            ev = [e.evidence.noted("kinship fact") for e in edges]
            for n in sorted(gr):
                ev += [e.noted("decided move") for e in extra_ev.get(n, [])]
            where_en = "in one unit" if unit else "among the people one official approved"
            where_id = "di satu unit" if unit else "di antara orang yang disetujui satu pejabat"
            out.findings.append(
                self.finding(
                    f"{scope}:{_group_key(gr)}",
                    subjects=(*sorted(gr), *((approver,) if approver else ())),
                    confidence=conf * (0.9 + 0.1 * coverage),
                    en=f"{len(gr)} connected relatives {where_en} of {len(members)} people "
                    f"(kinship density {density:.2f}).",
                    id_=f"{len(gr)} orang berkerabat {where_id} dari {len(members)} orang "
                    f"(kerapatan kekerabatan {density:.2f}).",
                    evidence=ev,
                    unor_id=unit,
                    notes_en=notes_en,
                    notes_id=notes_id,
                )
            )
