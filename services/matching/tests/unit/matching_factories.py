"""Builders for matching domain tests (plain constructors, fixed dates)."""

from dataclasses import replace
from datetime import date
from typing import Any

from tatamutasi_matching.domain.model import Assessment, Employee, Post, SKPRecord

EFFECTIVE = date(2026, 1, 1)

ALL_LEVEL_3 = dict.fromkeys(
    (
        "integritas",
        "kerjasama",
        "komunikasi",
        "orientasiPadaHasil",
        "pelayananPublik",
        "pengembanganDiriDanOrangLain",
        "mengelolaPerubahan",
        "pengambilanKeputusan",
        "perekatBangsa",
    ),
    3.0,
)


def employee(**changes: Any) -> Employee:
    base = Employee(
        nip="198501012010011001",
        name="Budi Santoso, S.E.",
        current_post_id="BPKAD/PELAKSANA",
        unor_id="BPKAD",
        kind="PNS",
        sex="M",
        birth_year=1985,
        tmt_jabatan=date(2021, 1, 1),
        tmt_cpns=date(2010, 1, 1),
        golongan_id="33",
        education_level_id="40",
        education_rumpun="ekonomi",
        kedudukan_id="01",
        tmt_pensiun=date(2043, 2, 1),
        skp=(SKPRecord(2024, 2), SKPRecord(2025, 1)),
        assessment=Assessment(year=2025, potensi_total=75.0, jpm=85.0, levels=dict(ALL_LEVEL_3)),
    )
    return replace(base, **changes)


def post(**changes: Any) -> Post:
    base = Post(
        post_id="BPKAD/KASUBBID-ANGGARAN",
        unor_id="BPKAD",
        jabatan_id="KASUBBID-ANGGARAN",
        name="Kepala Subbidang Anggaran",
        opd_id="BPKAD",
        jenis_jabatan="1",
        eselon_id="41",
        min_education_level_id="30",
        education_rumpun=frozenset({"ekonomi", "akuntansi"}),
        rumpun="keuangan",
    )
    return replace(base, **changes)
