"""Qualification checks for reports: training names recognised as requirement codes, old and
new leadership trainings counted as one, and the fast per-jabatan check agreeing with the
explained evaluation on every aspect."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tatamutasi_formasi.domain import qualification as ql
from tatamutasi_formasi.domain import requirements as rq
from tatamutasi_formasi.domain.codes import EDUCATION_LEVELS, GOLONGAN, TRAINING_CODES


@pytest.mark.parametrize(
    ("name", "hint", "code"),
    [
        ("Diklat Kepemimpinan Tingkat IV", None, "PIM_IV"),
        ("DIKLATPIM TK. III", None, "PIM_III"),
        ("Diklatpim II Angkatan 45", None, "PIM_II"),
        ("Pelatihan Kepemimpinan Pengawas (PKP)", None, "PKP"),
        ("Pelatihan Kepemimpinan Administrator", None, "PKA"),
        ("Pelatihan Kepemimpinan Nasional Tingkat II", None, "PKN_II"),
        ("Latsar CPNS Golongan III", None, "LATSAR"),
        ("Diklat Prajabatan", None, "LATSAR"),
        ("Sertifikasi Pengadaan Barang/Jasa Tingkat Dasar", None, "SERTIFIKASI_PBJ"),
        ("Diklat Fungsional Perawat", None, "DIKLAT_JF"),
        ("anything", "pka", "PKA"),
        ("Bimtek SIPD", None, None),
        ("Diklat Kepemimpinan Tingkat I", None, None),
    ],
)
def test_training_names_map_to_requirement_codes(
    name: str, hint: str | None, code: str | None
) -> None:
    assert ql.training_code(name, hint) == code


def test_old_and_new_leadership_trainings_count_as_one() -> None:
    assert ql.held_training(["PIM_IV"]) == {"PIM_IV", "PKP"}
    assert ql.held_training(["PKA", "LATSAR"]) == {"PKA", "PIM_III", "LATSAR"}
    assert ql.held_training([]) == frozenset()


def test_managerial_minimum_ignores_socio_cultural_and_unknown_keys() -> None:
    scores = {"integritas": 3, "kerjasama": 2.5, "perekatBangsa": 1, "other": 0}
    assert ql.managerial_minimum(scores) == 2.5
    assert ql.managerial_scores(scores) == {"integritas": 3.0, "kerjasama": 2.5}
    assert ql.managerial_minimum({"perekatBangsa": 1}) is None


def _aspect(code: str) -> str:
    return {
        "GOLONGAN": "golongan",
        "EDUCATION": "education",
        "MANAGERIAL": "managerial",
        "TECHNICAL": "technical",
        "TRAINING": "training",
    }[code.split("_")[0]]


golongan = st.none() | st.sampled_from([*GOLONGAN, "IX"])
levels = st.sampled_from(list(EDUCATION_LEVELS))
fields = st.sampled_from(["Keperawatan", "Hukum", "Kesehatan Masyarakat", "Ekonomi"])
requirements = st.builds(
    rq.Requirements,
    min_golongan_id=st.none() | st.sampled_from(["21", "31", "33"]),
    max_golongan_id=st.none() | st.sampled_from(["34", "41", "44"]),
    education=st.lists(
        st.builds(
            rq.EducationOption,
            min_level_id=levels,
            fields=st.lists(fields, max_size=2).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
    managerial_level=st.none() | st.integers(1, 5),
    technical=st.lists(
        st.builds(rq.Competency, code=st.sampled_from(["sipd", "askep"]), level=st.integers(1, 5)),
        max_size=2,
    ).map(tuple),
    training=st.lists(st.sampled_from(list(TRAINING_CODES)), max_size=2).map(tuple),
)
holders = st.builds(
    dict,
    golongan_id=golongan,
    education_level_id=st.none() | levels,
    education_field=st.none() | st.sampled_from(["S-1 Keperawatan", "S-1 Ilmu Hukum", "D-III"]),
    scores=st.none() | st.dictionaries(st.sampled_from(ql.MANAGERIAL_KEYS), st.integers(1, 5)),
    technical=st.none() | st.dictionaries(st.sampled_from(["sipd", "askep"]), st.integers(1, 5)),
    training=st.none() | st.frozensets(st.sampled_from(list(TRAINING_CODES)), min_size=1),
)


@settings(max_examples=400, deadline=None)
@given(req=requirements, h=holders)
def test_fast_check_agrees_with_the_explained_evaluation(req: rq.Requirements, h: dict) -> None:
    scores = h["scores"] or None
    evaluation = rq.evaluate(
        req,
        rq.Holder(
            golongan_id=h["golongan_id"],
            education_level_id=h["education_level_id"],
            education_field=h["education_field"],
            managerial_scores=scores,
            technical=h["technical"],
            training=h["training"],
        ),
        aspects=ql.ASPECTS,
    )
    failed_expected = {_aspect(c.code) for c in evaluation.failed}
    unknown_expected = {_aspect(c.code) for c in evaluation.unknown} - failed_expected
    failed, unknown = ql.QualificationCheck(req).run(
        ql.HolderFacts(
            h["golongan_id"],
            h["education_level_id"],
            h["education_field"],
            ql.managerial_minimum(scores) if scores else None,
            h["technical"],
            h["training"],
        )
    )
    assert set(failed) == failed_expected
    assert set(unknown) == unknown_expected
