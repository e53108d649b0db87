"""Pure registry rules: NIP cross-check, SKP predikat, JPM, reference codes, kinship."""

from datetime import date
from pathlib import Path

import pytest

from tatamutasi_pegawai.adapters.reference_files import (
    ReferenceFileError,
    load_reference,
)
from tatamutasi_pegawai.domain import rules
from tatamutasi_pegawai.domain.nip import cross_check, parse_nip
from tatamutasi_pegawai.domain.reference import BUILTIN
from tatamutasi_pegawai.domain.rules import FamilyMember, Person

REFERENCE = Path(__file__).resolve().parents[4].parent / "shared" / "reference" / "siasn"


# -- NIP cross-check ----------------------------------------------------------------------
def test_cross_check_accepts_matching_record() -> None:
    info = parse_nip("198503122010011002")
    assert cross_check(info, birth_date=date(1985, 3, 12), tmt_cpns=date(2010, 1, 1), sex="M") == []
    assert cross_check(info) == []


def test_cross_check_reports_each_mismatch() -> None:
    info = parse_nip("198503122010011002")
    issues = cross_check(info, birth_date=date(1985, 3, 13), tmt_cpns=date(2010, 2, 1), sex="F")
    assert [(i.field, i.code) for i in issues] == [
        ("birth_date", "nip_birth_date_mismatch"),
        ("tmt_cpns", "nip_tmt_mismatch"),
        ("sex", "nip_sex_mismatch"),
    ]
    assert all(i.en != i.id for i in issues)


def test_cross_check_no_plus_40_for_women() -> None:
    info = parse_nip("199001012015032001")
    assert cross_check(info, birth_date=date(1990, 1, 1), sex="F") == []
    assert cross_check(info, birth_date=date(1990, 1, 41 - 40), sex="M")[0].field == "sex"


def test_cross_check_pppk_compares_year_only() -> None:
    info = parse_nip("200012312024211001")
    assert cross_check(info, tmt_cpns=date(2024, 9, 1)) == []
    [issue] = cross_check(info, tmt_cpns=date(2025, 1, 1))
    assert issue.code == "nip_tmt_mismatch" and "9-12" in issue.en


# -- SKP and JPM -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hasil", "perilaku", "predikat"),
    [
        (1, 1, 1),
        (1, 2, 2),
        (1, 3, 4),
        (2, 1, 2),
        (2, 2, 2),
        (2, 3, 4),
        (3, 1, 3),
        (3, 2, 3),
        (3, 3, 5),
    ],
)
def test_skp_matrix(hasil: int, perilaku: int, predikat: int) -> None:
    assert rules.skp_predikat(hasil, perilaku) == predikat


def test_jpm_and_category() -> None:
    scores = dict.fromkeys(rules.KOMPETENSI_KEYS, 3.0)
    assert rules.jpm(scores, 3) == 100.0
    assert rules.jpm(scores, 4) == 75.0 and rules.jpm_category(75.0) == "MMS"
    assert rules.jpm_category(80) == "MS" and rules.jpm_category(67.99) == "KMS"
    assert rules.standard_level("21", "1") == 4 and rules.standard_level(None, "4") == 1
    assert rules.standard_level(None, "2") is None
    with pytest.raises(ValueError):
        rules.jpm({"berfikirKritis": 3}, 3)


# -- reference codes -------------------------------------------------------------------------
def test_builtin_reference_validates_codes() -> None:
    assert BUILTIN.check("golongan", "45", "g") is None
    issue = BUILTIN.check("golongan", "46", "golongan_id")
    assert issue is not None and issue.field == "golongan_id" and "46" in issue.id
    assert BUILTIN.check("tingkat_pendidikan", "40", "x") is None
    assert BUILTIN.check("kedudukan", "92", "x") is None
    assert BUILTIN.check("jenis_hukuman", "999", "x") is None  # no table: unchecked
    assert BUILTIN.name("golongan", "31") == "III/a"


def test_missing_reference_folder_falls_back(tmp_path: Path) -> None:
    assert load_reference(None) is BUILTIN
    assert load_reference(tmp_path / "nope") is BUILTIN
    assert load_reference(tmp_path) is BUILTIN  # exists but empty


def test_reference_folder_overrides_tables(tmp_path: Path) -> None:
    (tmp_path / "golonganPns.json").write_text('[{"id": "11", "nama": "I/a"}]')
    (tmp_path / "jenisHukuman.json").write_text(
        '[{"id": "4", "nama": "PENUNDAAN KGB", "jenisTingkatHukumanId": "S"}]'
    )
    ref = load_reference(tmp_path)
    assert ref.check("golongan", "12", "g") is not None  # only I/a in this folder
    assert ref.check("jenis_hukuman", "5", "h") is not None
    assert ref.jenis_hukuman["4"] == ("PENUNDAAN KGB", "S")
    assert ref.check("eselon", "32", "e") is None  # built-in kept where no file
    assert str(tmp_path) in ref.source


def test_malformed_reference_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "eselon.json").write_text('{"not": "a list"}')
    with pytest.raises(ReferenceFileError):
        load_reference(tmp_path)


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="BKN reference dumps not present")
def test_bkn_reference_dumps_load() -> None:
    ref = load_reference(REFERENCE)
    assert ref.name("golongan", "45") == "IV/e"
    assert ref.check("kedudukan", "05", "k") is None  # only in the full dump
    assert ref.check("tingkat_pendidikan", "42", "t") is None
    assert ref.jenis_hukuman["1"][1] == "R"


# -- kinship -------------------------------------------------------------------------------
def test_normalise_name_drops_titles_and_punctuation() -> None:
    assert rules.normalise_name("Dr. Hj. Siti Aminah, S.Pd., M.M.") == "SITI AMINAH"
    assert rules.normalise_name("SITI  AMINAH") == "SITI AMINAH"
    assert rules.normalise_name("Drs. H. Ma'ruf") == "MARUF"
    assert rules.normalise_place("Kab. Lampung Selatan") == "LAMPUNG SELATAN"
    assert rules.normalise_place("KOTA METRO") == "METRO"


def test_same_person_needs_nik_or_name_date_and_place() -> None:
    a = Person("Dewi Lestari, S.Pd.", birth_date=date(1990, 1, 1), birth_place="Metro")
    assert (
        rules.same_person(
            a, Person("DEWI LESTARI", birth_date=date(1990, 1, 1), birth_place="Kota Metro")
        )
        is not None
    )
    assert rules.same_person(a, Person("Dewi Lestari")) is None
    assert rules.same_person(a, Person("Dewi Lestari", birth_date=date(1990, 1, 1))) is None
    assert (
        rules.same_person(
            a, Person("Dewi Lestari", birth_date=date(1990, 1, 2), birth_place="Metro")
        )
        is None
    )
    with_nik = Person("X", nik="1871014101900002")
    assert rules.same_person(with_nik, Person("Y", nik="1871014101900002")) == rules.Match(
        "nik", 1.0
    )
    different = Person("Dewi Lestari", nik="1", birth_date=date(1990, 1, 1), birth_place="Metro")
    assert (
        rules.same_person(
            different,
            Person("Dewi Lestari", nik="2", birth_date=date(1990, 1, 1), birth_place="Metro"),
        )
        is None
    )


def test_derive_kinship_directions() -> None:
    parent = Person("Sutrisno", birth_date=date(1955, 5, 5), birth_place="Metro")
    employees = {
        "A": Person("Ani", nip="A"),
        "B": Person("Budi", nip="B"),
        "C": Person("Cici", nip="C"),
    }
    families = {
        "B": [FamilyMember("father", parent)],
        "C": [FamilyMember("child", Person("Ani", nip="A"))],
    }
    own = [FamilyMember("father", parent)]
    kins = rules.derive_kinship("A", own, employees, families)
    assert [(k.other_nip, k.relation) for k in kins] == [("B", "sibling"), ("C", "parent")]
    assert kins[0].confidence == 0.81 and kins[1].basis.startswith("nip")


def test_jpm_counts_each_competency_only_up_to_the_standard() -> None:
    above = dict.fromkeys(rules.KOMPETENSI_KEYS, 4.0)
    assert rules.jpm(above, 1) == 100.0  # a pelaksana assessed at level 4 is a full match
    mixed = dict(above, integritas=1.0)
    # the surplus elsewhere does not hide the gap in integritas (1 of 3)
    assert rules.jpm(mixed, 3) < 100.0
    assert rules.jpm(mixed, 3) == round(100 * (3 * (len(above) - 1) + 1) / (3 * len(above)), 2)
