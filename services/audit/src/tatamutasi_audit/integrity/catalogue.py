"""The rule catalogue, configuration (which rules run, with which thresholds) and the one
entry point `evaluate(facts, config)`."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from tatamutasi_audit.integrity.facts import Facts
from tatamutasi_audit.integrity.kinship_rules import (
    R1RelatedDecider,
    R2RelatedTargetHead,
    R3SelfDealing,
    R9KinConcentration,
)
from tatamutasi_audit.integrity.process_rules import (
    R4MeritOverride,
    R5FastTrack,
    R8BackdatingResubmission,
)
from tatamutasi_audit.integrity.rule import Outcome, Rule
from tatamutasi_audit.integrity.timing_rules import (
    R6ElectionWindow,
    R7MassMovesAfterHeadChange,
    R10LongActing,
)

RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        R1RelatedDecider(),
        R2RelatedTargetHead(),
        R3SelfDealing(),
        R4MeritOverride(),
        R5FastTrack(),
        R6ElectionWindow(),
        R7MassMovesAfterHeadChange(),
        R8BackdatingResubmission(),
        R9KinConcentration(),
        R10LongActing(),
    )
}


@dataclass(frozen=True)
class ConfigIssue:
    field: str
    code: str
    message_en: str
    message_id: str


@dataclass(frozen=True)
class RuleConfig:
    enabled: bool = True
    thresholds: Mapping[str, float] = field(default_factory=dict)


Config = Mapping[str, RuleConfig]


def default_config() -> dict[str, RuleConfig]:
    return {rid: RuleConfig(True, r.defaults()) for rid, r in RULES.items()}


def validate(rule_id: str, thresholds: Mapping[str, object]) -> list[ConfigIssue]:
    """Problems with a rule's thresholds (unknown names, out of range, not numbers)."""
    rule = RULES.get(rule_id)
    if rule is None:
        return [
            ConfigIssue(
                "rule_id",
                "unknown_rule",
                f"Unknown rule {rule_id!r}; rules are {', '.join(RULES)}",
                f"Aturan {rule_id!r} tidak dikenal; aturan yang ada: {', '.join(RULES)}",
            )
        ]
    specs = {t.name: t for t in rule.thresholds}
    issues = []
    for name, value in thresholds.items():
        spec = specs.get(name)
        if spec is None:
            issues.append(
                ConfigIssue(
                    f"thresholds.{name}",
                    "unknown_threshold",
                    f"Rule {rule_id} has no threshold {name!r}; it has {', '.join(specs)}",
                    f"Aturan {rule_id} tidak memiliki ambang {name!r}; "
                    f"yang ada: {', '.join(specs)}",
                )
            )
            continue
        reason = spec.check(value)
        if reason is not None:
            issues.append(
                ConfigIssue(
                    f"thresholds.{name}",
                    "out_of_range",
                    f"{name} {reason}",
                    f"{name} harus angka"
                    + (
                        ""
                        if "number" in reason
                        else f" antara {spec.minimum:g} dan {spec.maximum:g}"
                    )
                    + (" bulat" if "whole" in reason else ""),
                )
            )
    if not issues and {"min_confidence", "high_confidence"} <= specs.keys():
        merged = {**rule.defaults(), **thresholds}
        if float(merged["high_confidence"]) < float(merged["min_confidence"]):  # type: ignore[arg-type]
            issues.append(
                ConfigIssue(
                    "thresholds.high_confidence",
                    "out_of_range",
                    "high_confidence must not be below min_confidence",
                    "high_confidence tidak boleh lebih kecil dari min_confidence",
                )
            )
    return issues


def evaluate(facts: Facts, config: Config | None = None, rules: set[str] | None = None) -> Outcome:
    """Run the enabled rules (or only `rules`) over `facts`; findings in a stable order."""
    cfg = dict(default_config())
    cfg.update(config or {})
    out = Outcome()
    for rid, rule in RULES.items():
        rc = cfg[rid]
        if not rc.enabled or (rules is not None and rid not in rules):
            continue
        rule.evaluate(facts, {**rule.defaults(), **rc.thresholds}, out)
    out.findings.sort(key=lambda f: (int(f.rule_id[1:]), f.key))
    return out
