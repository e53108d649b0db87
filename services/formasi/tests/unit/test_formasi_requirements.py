"""Requirement evaluation: the pure rules the gap report and the matching engine share."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tatamutasi_formasi.domain import (
    Competency,
    Condition,
    EducationOption,
    Holder,
    RequirementError,
    Requirements,
    evaluate,
    validate,
)
from tatamutasi_formasi.domain.codes import (
    EDUCATION_LEVELS,
    GOLONGAN,
    default_rank_range,
    infer_unit_type,
    level_for,
)
from tatamutasi_formasi.domain.requirements import (
    BasicCheck,
    default_managerial_level,
    field_matches,
)

NURSE = Requirements(
    min_golongan_id="31",
    max_golongan_id="32",
    education=(
        EducationOption("40", ("Kesehatan Masyarakat", "Keperawatan")),
        EducationOption("30", ("Keperawatan",)),
    ),
)


def codes(ev: object) -> list[tuple[str, str]]:
    return [(c.code, c.outcome) for c in ev.checks]  # type: ignore[attr-defined]


def test_holder_within_rank_range_and_listed_field_meets() -> None:
    ev = evaluate(NURSE, Holder("32", "40", "S-1 ILMU KEPERAWATAN"))
    assert ev.met
    assert codes(ev) == [("GOLONGAN_MIN", "met"), ("GOLONGAN_MAX", "met"), ("EDUCATION", "met")]


def test_golongan_below_minimum_and_above_maximum_fail() -> None:
    low = evaluate(NURSE, Holder("24", "40", "Keperawatan"))
    assert not low.met and [c.code for c in low.failed] == ["GOLONGAN_MIN"]
    assert "II/d" in low.failed[0].id_ and "III/a" in low.failed[0].id_
    high = evaluate(NURSE, Holder("41", "40", "Keperawatan"))
    assert [c.code for c in high.failed] == ["GOLONGAN_MAX"]


def test_education_alternatives_are_data() -> None:
    # D-III Keperawatan is the second alternative; D-III Kesehatan Masyarakat is not listed
    assert evaluate(NURSE, Holder("31", "30", "D-III Keperawatan")).met
    ev = evaluate(NURSE, Holder("31", "30", "D-III Kesehatan Masyarakat"))
    assert [c.code for c in ev.failed] == ["EDUCATION"]
    # a higher level than required still counts
    assert evaluate(NURSE, Holder("31", "45", "S-2 Kesehatan Masyarakat")).met
    # the wrong field at the right level fails
    assert not evaluate(NURSE, Holder("31", "40", "S-1 Hukum")).met


def test_unknown_facts_are_reported_not_guessed() -> None:
    ev = evaluate(NURSE, Holder(None, "40", None))
    assert not ev.met and not ev.failed
    assert {c.code for c in ev.unknown} == {"GOLONGAN_UNKNOWN", "EDUCATION_FIELD_UNKNOWN"}


def test_field_matching_is_by_whole_words() -> None:
    assert field_matches("Keperawatan", "S-1 ILMU KEPERAWATAN")
    assert field_matches("Kesehatan Masyarakat", "S.1 kesehatan  masyarakat")
    assert not field_matches("Hukum", "S-1 Hukuman")
    assert not field_matches("", "anything")


def test_managerial_technical_training_and_conditions() -> None:
    req = Requirements(
        managerial_level=3,
        technical=(Competency("Manajemen SDM", 3),),
        training=("PKA",),
        conditions=(Condition("skp_baik_years", "ge", 2), Condition("pns", "is", True)),
    )
    good = Holder(
        managerial_scores={"integritas": 3, "kerjasama": 4},
        technical={"Manajemen SDM": 3},
        training=frozenset({"PKA"}),
        facts={"skp_baik_years": 2, "pns": True},
    )
    assert evaluate(req, good).met
    bad = Holder(
        managerial_scores={"integritas": 2, "kerjasama": 4},
        technical={"Manajemen SDM": 2},
        training=frozenset(),
        facts={"skp_baik_years": 1, "pns": False},
    )
    failed = [c.code for c in evaluate(req, bad).failed]
    assert failed == [
        "MANAGERIAL",
        "TECHNICAL",
        "TRAINING",
        "CONDITION_SKP_BAIK_YEARS",
        "CONDITION_PNS",
    ]
    assert "integritas" in evaluate(req, bad).failed[0].en
    unknown = evaluate(req, Holder())
    assert len(unknown.unknown) == 5 and not unknown.failed


def test_aspects_limit_what_is_checked() -> None:
    req = Requirements(min_golongan_id="33", training=("PKP",))
    ev = evaluate(req, Holder("34"), aspects=("golongan",))
    assert ev.met and codes(ev) == [("GOLONGAN_MIN", "met")]


@pytest.mark.parametrize(
    ("req", "field"),
    [
        (Requirements(min_golongan_id="35"), "min_golongan_id"),
        (Requirements(min_golongan_id="41", max_golongan_id="33"), "max_golongan_id"),
        (
            Requirements(education=(EducationOption("41"),)),
            "requirements.education[0].min_level_id",
        ),
        (Requirements(training=("PKA", "PIM_V")), "requirements.training[1]"),
        (
            Requirements(conditions=(Condition("shoe_size", "ge", 40),)),
            "requirements.conditions[0].code",
        ),
        (Requirements(conditions=(Condition("pns", "ge", 1),)), "requirements.conditions[0].op"),
        (
            Requirements(conditions=(Condition("age", "le", "old"),)),
            "requirements.conditions[0].value",
        ),
        (
            Requirements(conditions=(Condition("age", "le", True),)),
            "requirements.conditions[0].value",
        ),
        (
            Requirements(conditions=(Condition("certification", "in", ()),)),
            "requirements.conditions[0].value",
        ),
    ],
)
def test_unknown_codes_and_bad_values_are_refused(req: Requirements, field: str) -> None:
    with pytest.raises(RequirementError) as exc:
        validate(req)
    assert exc.value.field == field
    assert exc.value.en and exc.value.id_


def test_valid_requirements_pass_validation() -> None:
    validate(NURSE)
    validate(Requirements(conditions=(Condition("certification", "in", ("PBJ", "K3")),)))


def test_defaults_from_eselon_jenjang_and_permenpanrb_38_2017() -> None:
    assert default_rank_range("struktural", "32", None) == ("34", "41")  # III.b: III/d-IV/a
    assert default_rank_range("struktural", "41", None) == ("33", "34")  # IV.a: III/c-III/d
    assert default_rank_range("fungsional", None, "MU") == ("33", "34")  # Ahli Muda
    assert default_rank_range("pelaksana", None, None) == (None, None)
    assert level_for("struktural", "22") == "jpt_pratama"
    assert [
        default_managerial_level(x)
        for x in ("jpt_pratama", "administrator", "pengawas", "pelaksana")
    ] == [
        4,
        3,
        2,
        1,
    ]
    assert default_managerial_level("fungsional") is None


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("DINAS KESEHATAN", "dinas"),
        ("Sekretariat Daerah", "sekretariat_daerah"),
        ("SEKRETARIAT", "sekretariat"),
        ("SUB BAGIAN UMUM", "subbagian"),
        ("BIDANG APLIKASI INFORMATIKA", "bidang"),
        ("KELURAHAN GEDONG", "kelurahan"),
        ("UPT PUSKESMAS KEDATON", "upt"),
        ("Something else", "lainnya"),
    ],
)
def test_unit_type_from_siasn_name(name: str, kind: str) -> None:
    assert infer_unit_type(name) == kind


_gol = st.sampled_from([None, "99", *GOLONGAN])
_lvl = st.sampled_from([None, *EDUCATION_LEVELS])
_field = st.sampled_from([None, "S-1 Keperawatan", "D-III Kesehatan Masyarakat", "S-1 Hukum"])
_req = st.builds(
    Requirements,
    min_golongan_id=st.sampled_from([None, "31", "33"]),
    max_golongan_id=st.sampled_from([None, "34", "41"]),
    education=st.lists(
        st.builds(
            EducationOption,
            st.sampled_from(["15", "30", "40", "45"]),
            st.sampled_from([(), ("Keperawatan",), ("Kesehatan Masyarakat", "Hukum")]),
        ),
        max_size=3,
    ).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(_req, _gol, _lvl, _field)
def test_fast_check_agrees_with_evaluate(
    req: Requirements, gol: str | None, lvl: str | None, field: str | None
) -> None:
    full = evaluate(req, Holder(gol, lvl, field), aspects=("golongan", "education"))
    assert BasicCheck(req).passes(gol, lvl, field) == (not full.failed)
