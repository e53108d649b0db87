"""The seeded synthetic Pemda: its events satisfy the contracts, every planted case is
flagged (recall 100 %), at most 5 % of each rule's flags are not planted, and no trap
(look-alike names, justified overrides, Mendagri-approved moves, ...) is flagged."""

import orjson
import pytest

from tatamutasi_audit.integrity import synthetic
from tatamutasi_audit.integrity.catalogue import evaluate
from tatamutasi_audit.integrity.events import FactsBuilder, observed_from_envelope
from tatamutasi_contracts import validate_event


@pytest.fixture(scope="module")
def pemda() -> synthetic.Synthetic:
    return synthetic.generate(3000, seed=11)


def test_synthetic_pemda_events_satisfy_the_contracts(pemda: synthetic.Synthetic) -> None:
    assert pemda.employees == 3000 and pemda.proposals >= 300
    for env in pemda.envelopes:
        validate_event(orjson.dumps(env))
    assert len({e["id"] for e in pemda.envelopes}) == len(pemda.envelopes)
    names = [e["data"]["name"] for e in pemda.envelopes if e["type"] == "pegawai.registered"]
    assert sum("Siti Aminah" in n for n in names) > 20  # look-alikes are common


def test_every_planted_case_is_flagged_and_no_trap_is(pemda: synthetic.Synthetic) -> None:
    facts = (
        FactsBuilder()
        .add_all(observed_from_envelope(e, i) for i, e in enumerate(pemda.envelopes))
        .build(pemda.as_of)
    )
    findings = evaluate(facts).findings
    scores = synthetic.score(findings, pemda)
    for rid, s in scores.items():
        assert s.planted >= 2, rid
        assert s.recall == 1.0, (rid, sorted(pemda.planted[rid]))
        assert s.false_rate <= 0.05, rid
        assert s.trap_hits == 0, rid
    assert all(pemda.traps.get(r) for r in ("R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10"))
    # every finding cites ledger entries and never names a person in its text
    nips = {e["data"]["nip"] for e in pemda.envelopes if e["type"] == "pegawai.registered"}
    for f in findings:
        assert f.evidence
        assert not any(n in f.explanation_en or n in f.explanation_id for n in f.subjects)
        assert set(f.subjects) <= nips


def test_the_generator_is_deterministic_for_a_seed() -> None:
    a = synthetic.generate(1000, seed=3)
    b = synthetic.generate(1000, seed=3)
    assert [e["id"] for e in a.envelopes] == [e["id"] for e in b.envelopes]
    assert a.planted == b.planted
