"""9-box placement: axes, numbering, exclusions, inputs shown, succession group."""

from dataclasses import replace
from datetime import date

import pytest
from matching_factories import employee

from tatamutasi_matching.domain.model import Assessment, Sanction, SKPRecord, Training
from tatamutasi_matching.domain.ninebox import (
    BOX,
    NineBoxConfig,
    place,
    place_all,
    succession_candidates,
)

AS_OF = date(2026, 1, 15)


def test_box_numbering_follows_domain_table() -> None:
    assert BOX[("di_atas", "tinggi")] == 9
    assert BOX[("sesuai", "tinggi")] == 8
    assert BOX[("di_atas", "menengah")] == 7
    assert BOX[("di_bawah", "tinggi")] == 6
    assert BOX[("sesuai", "menengah")] == 5
    assert BOX[("di_atas", "rendah")] == 4
    assert BOX[("di_bawah", "menengah")] == 3
    assert BOX[("sesuai", "rendah")] == 2
    assert BOX[("di_bawah", "rendah")] == 1
    assert sorted(BOX.values()) == list(range(1, 10))


@pytest.mark.parametrize(
    ("predikat", "expected"),
    [
        ((1, 1), "di_atas"),
        ((1, 2), "di_atas"),
        ((2, 2), "sesuai"),
        ((2, 3), "sesuai"),
        ((3, 3), "di_bawah"),
        ((4, 5), "di_bawah"),
    ],
)
def test_performance_axis_uses_last_two_years_of_skp(
    predikat: tuple[int, int], expected: str
) -> None:
    e = employee(
        skp=(SKPRecord(2019, 5), SKPRecord(2024, predikat[0]), SKPRecord(2025, predikat[1]))
    )
    p = place(e, AS_OF)
    assert p.performance == expected
    assert [r["year"] for r in p.inputs["skp"]] == [2025, 2024]  # 2019 is ignored


def test_potential_combines_assessment_and_track_record_with_inputs_shown() -> None:
    e = employee(
        trainings=(Training("Bimtek anggaran", 2025, 40),),
        assessment=Assessment(2025, potensi_total=80.0),
    )
    p = place(e, AS_OF)
    tr = p.inputs["track_record"]
    assert p.inputs["assessment"] == {"source": "potensi_total", "value": 80.0, "year": 2025}
    assert tr["parts"]["training_hours"] == 100.0 and tr["parts"]["discipline"] == 100.0
    assert p.potential_score == round((80.0 + tr["score"]) / 2, 2)
    assert p.config_version == NineBoxConfig().version
    assert p.as_dict()["recommendation"] is not None


def test_jpm_is_used_when_potensi_total_is_missing() -> None:
    p = place(employee(assessment=Assessment(2025, jpm=120.0)), AS_OF)
    assert p.inputs["assessment"]["source"] == "jpm" and p.inputs["assessment"]["value"] == 100.0


def test_top_performer_with_high_potential_lands_in_box_nine_and_succession() -> None:
    star = employee(
        nip="1" * 18,
        skp=(SKPRecord(2024, 1), SKPRecord(2025, 1)),
        assessment=Assessment(2025, potensi_total=95.0),
        trainings=(Training("PKA", 2025, 60),),
        education_level_id="45",
        golongan_id="41",
        tmt_cpns=date(2000, 1, 1),
    )
    weak = employee(
        nip="2" * 18, skp=(SKPRecord(2025, 4),), assessment=Assessment(2025, potensi_total=30.0)
    )
    placements = place_all([weak, star], AS_OF)
    assert [p.box for p in placements] == [9, 1]
    assert [p.nip for p in succession_candidates(placements)] == [star.nip]


def test_moderate_sanction_in_last_two_years_excludes_from_mapping() -> None:
    e = employee(sanctions=(Sanction("sedang", date(2025, 2, 1), date(2025, 8, 1)),))
    p = place(e, AS_OF)
    assert p.box is None and "sedang" in p.reason_en and p.reason_id
    light = employee(sanctions=(Sanction("ringan", date(2025, 2, 1), date(2025, 3, 1)),))
    assert place(light, AS_OF).box is not None


def test_missing_skp_or_assessment_leaves_employee_unplaced_with_reason() -> None:
    assert "SKP" in place(employee(skp=()), AS_OF).reason_en
    assert "assessment" in place(employee(assessment=None), AS_OF).reason_en


def test_cut_offs_are_configuration() -> None:
    e = employee(skp=(SKPRecord(2024, 2), SKPRecord(2025, 2)))
    assert place(e, AS_OF).performance == "sesuai"
    lenient = NineBoxConfig(version="test/v2", performance_above=70.0)
    p = place(e, AS_OF, lenient)
    assert p.performance == "di_atas" and p.config_version == "test/v2"
    assert replace(lenient).as_dict()["performance_above"] == 70.0
