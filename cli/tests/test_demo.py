"""Unit tests for the synthetic demo Pemda (tatamutasi_cli.demo)."""

from collections import Counter
from datetime import date

import pytest

from tatamutasi_cli.demo import JABATAN, OPD, DemoPegawai, demo_pegawai, make_nip
from tatamutasi_pegawai.domain.nip import Kind, parse_nip


def test_deterministic_for_a_seed() -> None:
    assert demo_pegawai(36, seed=7) == demo_pegawai(36, seed=7)
    assert demo_pegawai() == demo_pegawai(36, seed=2027)


def test_different_seeds_differ() -> None:
    assert demo_pegawai(36, seed=1) != demo_pegawai(36, seed=2)


@pytest.mark.parametrize("count", [0, 1, 6, 36, 200])
def test_count(count: int) -> None:
    people = demo_pegawai(count)
    assert len(people) == count
    assert all(isinstance(p, DemoPegawai) for p in people)


def test_unique_nips() -> None:
    people = demo_pegawai(300, seed=11)
    counts = Counter(p.nip for p in people)
    assert counts.most_common(1)[0][1] == 1


@pytest.mark.parametrize("seed", [2027, 0, 1, 42])
def test_every_nip_parses(seed: int) -> None:
    for p in demo_pegawai(100, seed=seed):
        assert len(p.nip) == 18
        info = parse_nip(p.nip)
        assert info.kind is Kind.PNS
        assert info.appointment_year <= 2024
        assert info.appointment_year - info.birth_date.year >= 22
        assert 1 <= info.serial <= 30


def test_names_match_sex_and_are_not_empty() -> None:
    for p in demo_pegawai(100):
        assert p.name.strip()
        assert p.name == p.name.strip()
        first = p.name.split()[0]
        sex = parse_nip(p.nip).sex
        assert first in (
            ("Budi", "Agus", "Rudi", "Hendra", "Dedi", "Ahmad", "Yusuf", "Fajar", "Rizki", "Bayu")
            if sex == 1
            else (
                "Siti",
                "Dewi",
                "Ratna",
                "Putri",
                "Nur",
                "Indah",
                "Ayu",
                "Rina",
                "Lestari",
                "Wulan",
            )
        )


def test_units_from_opd_round_robin() -> None:
    people = demo_pegawai(36)
    unit_ids = [u for u, _ in OPD]
    assert [p.unor_id for p in people] == [unit_ids[i % len(OPD)] for i in range(36)]
    assert Counter(p.unor_id for p in people) == dict.fromkeys(unit_ids, 6)
    assert all(u.startswith("DEMO-") for u in unit_ids)


def test_jabatan_from_catalogue() -> None:
    ids = {j for j, _ in JABATAN}
    assert {p.jabatan_id for p in demo_pegawai(100)} <= ids


def test_make_nip_layout() -> None:
    assert make_nip(date(1985, 3, 12), 2010, 1, 1, 2) == "198503122010011002"


def test_the_demo_couple_for_the_red_flag() -> None:
    """The workflow demo has the husband (as his OPD's operator) propose his wife into his OPD:
    a man and a woman of different OPDs, recorded as spouses by the pegawai demo, outside the
    plan's proposals (demo_workflow excludes them)."""
    from tatamutasi_cli import demo_workflow
    from tatamutasi_cli.demo_pegawai import couple

    pair = couple()
    assert pair is not None
    husband, wife = pair
    assert parse_nip(husband.nip).sex == 1 and parse_nip(wife.nip).sex == 2
    assert husband.unor_id != wife.unor_id  # a move into his OPD from hers
    assert couple([husband]) is None and couple([husband, wife]) == (husband, wife)
    assert demo_workflow.FLAG_RULE == "R3"
