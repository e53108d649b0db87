"""What every integrity rule has: an id and version, a plain explanation in Indonesian and
English, the regulation it serves, a default severity, thresholds with validated ranges, and
a pure `evaluate(facts, thresholds) -> findings`. A finding is a signal for human review,
never an accusation."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from tatamutasi_audit.integrity.facts import Evidence, Facts

SEVERITIES = ("info", "low", "medium", "high")
MAX_SUBJECTS = 100
MAX_EVIDENCE = 200


@dataclass(frozen=True)
class Threshold:
    name: str
    default: float
    minimum: float
    maximum: float
    integer: bool
    description_en: str
    description_id: str

    def check(self, value: object) -> str | None:
        """None when `value` is acceptable, else the reason (English)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "must be a number"
        if self.integer and float(value) != int(value):
            return "must be a whole number"
        if not self.minimum <= float(value) <= self.maximum:
            return f"must be between {self.minimum:g} and {self.maximum:g}"
        return None


@dataclass(frozen=True)
class Finding:
    """One pattern a rule found. `key` identifies it within the rule: the same key is the
    same finding (never raised twice)."""

    rule_id: str
    rule_version: str
    key: str
    severity: str
    subjects: tuple[str, ...]
    confidence: float
    explanation_en: str
    explanation_id: str
    citation: str
    evidence: tuple[Evidence, ...]
    proposal_id: str | None = None
    round_id: str | None = None
    unor_id: str | None = None
    notes_en: tuple[str, ...] = ()
    notes_id: tuple[str, ...] = ()

    @property
    def finding_key(self) -> str:
        return f"{self.rule_id}:{self.key}"


@dataclass(frozen=True)
class Gap:
    """Something a rule could not check (e.g. no family record on file): not a finding."""

    rule_id: str
    subject: str
    proposal_id: str | None
    note_en: str
    note_id: str


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)


class Rule:
    id: ClassVar[str]
    version: ClassVar[str]
    title_en: ClassVar[str]
    title_id: ClassVar[str]
    explanation_en: ClassVar[str]
    explanation_id: ClassVar[str]
    citation: ClassVar[str]
    severity: ClassVar[str]
    thresholds: ClassVar[tuple[Threshold, ...]]

    def defaults(self) -> dict[str, float]:
        return {t.name: t.default for t in self.thresholds}

    def evaluate(self, facts: Facts, t: Mapping[str, float], out: Outcome) -> None:
        raise NotImplementedError

    # -- helpers for subclasses -----------------------------------------------------------
    def finding(
        self,
        key: str,
        *,
        subjects: Sequence[str],
        confidence: float,
        en: str,
        id_: str,
        evidence: Sequence[Evidence],
        severity: str | None = None,
        proposal_id: str | None = None,
        round_id: str | None = None,
        unor_id: str | None = None,
        notes_en: Sequence[str] = (),
        notes_id: Sequence[str] = (),
    ) -> Finding:
        """Compose the explanation: what the rule is about, then this case (never a NIP or
        name in the text: the subjects list carries who, and the ledger pseudonymises it)."""
        unique_ev = list({(e.ledger_index, e.note): e for e in evidence}.values())
        extra_en = (" Note: " + "; ".join(notes_en) + ".") if notes_en else ""
        extra_id = (" Catatan: " + "; ".join(notes_id) + ".") if notes_id else ""
        return Finding(
            rule_id=self.id,
            rule_version=self.version,
            key=key,
            severity=severity or self.severity,
            subjects=tuple(dict.fromkeys(subjects))[:MAX_SUBJECTS],
            confidence=round(max(0.0, min(1.0, confidence)), 3),
            explanation_en=f"{self.title_en}: {en}{extra_en}"[:2000],
            explanation_id=f"{self.title_id}: {id_}{extra_id}"[:2000],
            citation=self.citation,
            evidence=tuple(unique_ev[:MAX_EVIDENCE]),
            proposal_id=proposal_id,
            round_id=round_id,
            unor_id=unor_id,
            notes_en=tuple(notes_en),
            notes_id=tuple(notes_id),
        )


def missing_family_gap(rule: Rule, facts: Facts, nip: str, proposal_id: str | None) -> Gap | None:
    if facts.graph().has_family_record(nip):
        return None
    return Gap(
        rule.id,
        nip,
        proposal_id,
        "no family record on file for this person: kinship could be checked only from the "
        "other people's records",
        "data keluarga orang ini tidak ada: hubungan keluarga hanya dapat diperiksa dari data "
        "keluarga orang lain",
    )
