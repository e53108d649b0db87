"""Scoring of employee × post: components, weights, matching/missing, training needs."""

from datetime import date

import pytest
from matching_factories import employee, post

from tatamutasi_matching.domain.model import Aspiration, Assessment, Post, Training
from tatamutasi_matching.domain.ninebox import place
from tatamutasi_matching.domain.scoring import (
    COMPONENTS,
    ScoringConfig,
    score_pair,
    training_needs,
)

AS_OF = date(2026, 1, 1)


def test_score_is_returned_as_named_components_that_sum_to_the_total() -> None:
    e = employee(field_years={"keuangan": 5.0})
    s = score_pair(e, post(), AS_OF, place(e, AS_OF))
    d = s.as_dict()
    assert [c["name"] for c in d["components"]] == list(COMPONENTS)
    assert sum(c["contribution"] for c in d["components"]) == pytest.approx(s.total, abs=0.05)
    assert 0 <= s.score <= 1000 and s.score == round(s.total * 10)
    assert "rumpun:akuntansi/ekonomi" in s.matching and "education:D-III" in s.matching


def test_finance_graduate_fits_budget_post_better_than_health_graduate() -> None:
    finance = employee(nip="1" * 18, education_rumpun="ekonomi", field_years={"keuangan": 4})
    health = employee(nip="2" * 18, education_rumpun="kesehatan", field_years={"kesehatan": 4})
    budget = post()
    assert score_pair(finance, budget, AS_OF).total > score_pair(health, budget, AS_OF).total
    assert "rumpun:akuntansi/ekonomi" in score_pair(health, budget, AS_OF).missing


def test_missing_competencies_map_to_recommended_training() -> None:
    e = employee(
        assessment=Assessment(2025, levels={"integritas": 4.0, "perekatBangsa": 1.0}),
        technical_competencies=frozenset({"penganggaran"}),
    )
    p = post(eselon_id="31", technical_competencies=frozenset({"penganggaran", "sipd"}))
    s = score_pair(e, p, AS_OF)
    needs = {t.competency: t for t in s.training}
    assert needs["perekatBangsa"].jenis_diklat_id == "6"  # Pelatihan Sosial Kultural
    assert needs["kerjasama"].jenis_diklat == "Pelatihan Manajerial"
    assert needs["kerjasama"].gap == 3.0
    assert needs["sipd"].jenis_diklat == "Diklat Teknis"
    assert "integritas" not in needs
    assert "technical:penganggaran" in s.matching and "technical:sipd" in s.missing


def test_training_from_history_counts_as_technical_competency() -> None:
    e = employee(trainings=(Training("Bimtek SIPD", 2025, 24, "8", "sipd"),))
    p = post(technical_competencies=frozenset({"sipd"}))
    assert "technical:sipd" in score_pair(e, p, AS_OF).matching


def test_stated_aspiration_raises_the_score_by_rank() -> None:
    p = post()
    first = employee(aspirations=(Aspiration(1, post_id=p.post_id),))
    third = employee(aspirations=(Aspiration(3, unor_id="BPKAD"),))
    none = employee()
    scores = [score_pair(x, p, AS_OF).total for x in (first, third, none)]
    assert scores[0] > scores[1] > scores[2]


def test_tenure_pushes_long_stayers_to_move() -> None:
    stay_post = Post("BPKAD/PELAKSANA", "BPKAD", "PELAKSANA", "Pelaksana")
    fresh = employee(tmt_jabatan=date(2025, 1, 1))
    long = employee(tmt_jabatan=date(2018, 1, 1))
    comp = lambda s: next(c for c in s.components if c.name == "tenure").value  # noqa: E731
    assert comp(score_pair(fresh, stay_post, AS_OF)) == 100.0
    assert comp(score_pair(long, stay_post, AS_OF)) == 0.0
    assert comp(score_pair(long, post(), AS_OF)) == 100.0
    assert comp(score_pair(fresh, post(), AS_OF)) == 0.0


def test_weights_are_configurable_per_round() -> None:
    e = employee(aspirations=(Aspiration(1, post_id=post().post_id),))
    only_aspiration = ScoringConfig(version="round-2", weights={"aspiration": 1.0})
    s = score_pair(e, post(), AS_OF, cfg=only_aspiration)
    assert s.total == 100.0 and s.version == "round-2"
    with pytest.raises(ValueError):
        ScoringConfig(weights={"luck": 1.0})
    with pytest.raises(ValueError):
        ScoringConfig(weights={"competence": 0.0})


def test_training_needs_of_a_unit_are_grouped_by_jenis_diklat() -> None:
    p = post(post_id="BPKAD/PELAKSANA", technical_competencies=frozenset({"sipd"}))
    a = employee(nip="1" * 18)
    b = employee(nip="2" * 18, technical_competencies=frozenset({"sipd"}))
    rows = training_needs([a, b], {p.post_id: p}, AS_OF)
    assert rows[0]["competency"] == "sipd" and rows[0]["employees"] == 1
    assert rows[0]["nips"] == [a.nip] and rows[0]["jenis_diklat"] == "Diklat Teknis"
