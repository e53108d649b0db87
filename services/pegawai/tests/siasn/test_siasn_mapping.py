"""Normalisation of SIASN shapes into records: every quirk of DOMAIN.md §1.3, §1.5, §1.9."""

import dataclasses
from datetime import UTC, date, datetime

import pytest

from tatamutasi_pegawai.adapters.siasn import SiasnMalformed, SiasnSnapshot, SiasnUnorJabatanSave
from tatamutasi_pegawai.adapters.siasn import mapping as m

NIP = "198503122010011002"


def utama(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": "A5EB03E23C33F6A0E040640A040252AD",
        "nipBaru": NIP,
        "nipLama": "",
        "nama": "BUDI SANTOSO",
        "gelarDepan": "",
        "gelarBelakang": "S.Kom., M.T.",
        "tglLahir": "12-03-1985",
        "jenisKelamin": "M",
        "statusPegawai": "PNS",
        "jenisPegawaiId": "10",
        "kedudukanPnsId": "01",
        "tmtCpns": "01-01-2010",
        "tmtPns": "01-01-0001",
        "tkPendidikanTerakhirId": "45",
        "unorId": "8ae48288597fac650159824e03aa2470",
        "jenisJabatanId": "1",
        "tmtJabatan": "02-01-2023",
        "eselonId": 32,
        "golRuangAkhirId": "41",
        "golRuangAkhir": "IV/a",
        "tmtGolAkhir": "01-04-2022",
        "mkTahun": "14",
        "bupPensiun": "58",
        "tmtPensiun": "",
        "kelas_jabatan": 11,
        "somethingNew": {"ignored": True},
    }
    data.update(changes)
    return data


def test_profile_reads_dd_mm_yyyy_dates_and_treats_sentinel_empty_and_null_as_none() -> None:
    p = m.profile(utama(tmtEselon=None), nip=NIP)
    assert p.tanggal_lahir == date(1985, 3, 12)
    assert p.tmt_cpns == date(2010, 1, 1)
    assert p.tmt_pns is None  # "01-01-0001"
    assert p.tmt_pensiun is None  # ""
    assert p.tmt_jabatan == date(2023, 1, 2)


def test_profile_keeps_codes_and_ids_as_strings_even_when_numbers_arrive() -> None:
    p = m.profile(utama(), nip=NIP)
    assert p.eselon_id == "32"
    assert p.kelas_jabatan == "11"
    assert p.golongan_id == "41"
    assert p.kedudukan_id == "01"
    assert p.pns_id == "A5EB03E23C33F6A0E040640A040252AD"
    assert p.unor_id == "8ae48288597fac650159824e03aa2470"
    assert p.mk_tahun == 14 and p.bup_pensiun == 58
    assert p.display_name == "BUDI SANTOSO, S.Kom., M.T."
    assert p.nip_lama is None


def test_profile_reads_pppk_with_roman_golongan_and_empty_ids() -> None:
    p = m.profile(
        utama(
            nipBaru="199001012024211001",
            statusPegawai="PPPK",
            jenisPegawaiId="",
            golRuangAkhirId="",
            golRuangAkhir="ix",
            tmtCpns="",
        ),
        nip="199001012024211001",
    )
    assert p.is_pppk
    assert p.golongan_id is None and p.golongan == "IX"
    assert p.jenis_pegawai_id is None and p.tmt_cpns is None


def test_profile_rejects_a_pppk_golongan_that_is_not_roman() -> None:
    with pytest.raises(SiasnMalformed, match="golRuangAkhir"):
        m.profile(utama(statusPegawai="PPPK", golRuangAkhir="III/a"), nip=NIP)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tglLahir": "31-02-1985"}, "tglLahir"),
        ({"tglLahir": "1985-03-12"}, "tglLahir"),
        ({"nipBaru": "19850312"}, "nipBaru"),
        ({"nipBaru": "199001012015032001"}, "nipBaru"),
        ({"id": ""}, "id"),
        ({"nama": None}, "nama"),
        ({"mkTahun": "empat belas"}, "mkTahun"),
        ({"jenisKelamin": "X"}, "jenisKelamin"),
        ({"unorId": {"nested": 1}}, "unorId"),
    ],
)
def test_profile_reports_malformed_fields_by_name(changes: dict[str, object], field: str) -> None:
    with pytest.raises(SiasnMalformed) as raised:
        m.profile(utama(**changes), nip=NIP)
    assert raised.value.resource == "data-utama"
    assert raised.value.field == field
    assert field in raised.value.alasan


def test_profile_rejects_a_list_where_an_object_is_expected() -> None:
    with pytest.raises(SiasnMalformed, match="expected an object"):
        m.profile([utama()])


def test_profile_sex_accepts_m_f_and_l_p_codes() -> None:
    assert m.profile(utama(jenisKelamin="F"), nip=NIP).sex == "F"
    assert m.profile(utama(jenisKelamin="P"), nip=NIP).sex == "F"
    assert m.profile(utama(jenisKelamin="L"), nip=NIP).sex == "M"
    assert m.profile(utama(jenisKelamin=""), nip=NIP).sex is None


def jab(id_: str, tmt: str | None, **extra: object) -> dict[str, object]:
    return {"id": id_, "tmtJabatan": tmt, "jenisJabatan": "4", "unorId": "U", **extra}


def test_rw_jabatan_is_sorted_by_tmt_with_unknown_dates_first() -> None:
    rows = m.rw_jabatan(
        [
            jab("c", "01-06-2020"),
            jab("a", "01-01-2010", tmtPelantikan="01-01-0001", tmtMutasi=None),
            jab("x", "01-01-0001"),
            jab("b", "15-03-2015", tmtMutasi=""),
        ]
    )
    assert [r.id for r in rows] == ["x", "a", "b", "c"]
    assert rows[1].tmt_pelantikan is None and rows[1].tmt_mutasi is None


def test_rw_jabatan_recognises_plt_and_plh_rows_and_current_ignores_them() -> None:
    rows = m.rw_jabatan(
        [
            jab("def", "01-01-2020", jenisPenugasanId="D"),
            jab("plt", "01-01-2023", jenisPenugasanId="plt"),
            jab("plh", "01-01-2024", jenisPenugasanId="PLH"),
            jab("old", "01-01-2015", jenisPenugasanId=""),
        ]
    )
    assert [r.is_acting for r in rows] == [False, False, True, True]
    assert rows[2].jenis_penugasan == "PLT"
    snapshot = SiasnSnapshot(
        nip=NIP,
        fetched_at=datetime(2025, 1, 1, tzinfo=UTC),
        profile=m.profile(utama(), nip=NIP),
        jabatan=rows,
    )
    assert snapshot.current_jabatan is not None and snapshot.current_jabatan.id == "def"
    assert [r.id for r in snapshot.acting] == ["plt", "plh"]


def test_none_means_404_empty_for_every_list() -> None:
    for reader in (
        m.rw_jabatan,
        m.rw_golongan,
        m.rw_pendidikan,
        m.rw_skp22,
        m.rw_potensi,
        m.rw_kompetensi,
        m.rw_hukdis,
        m.rw_diklat,
        m.pasangan,
        m.anak,
        m.ref_unor,
    ):
        assert reader(None) == ()
    assert m.ortu(None) == (None, None)


def test_a_list_endpoint_answering_an_object_is_malformed() -> None:
    with pytest.raises(SiasnMalformed, match="expected a list"):
        m.rw_golongan({"id": "1"})


def test_rw_skp22_reads_capitalised_nilai_keys_and_numeric_or_string_tahun() -> None:
    rows = m.rw_skp22(
        [
            {
                "id": "2",
                "tahun": "2023",
                "hasilKinerjaNilai": "2",
                "PerilakuKerjaNilai": "1",
                "KuadranKinerjaNilai": 2,
                "kuadranKinerja": "BAIK",
            },
            {"id": "1", "tahun": 2022, "hasilKinerjaNilai": 3, "perilakuKerjaNilai": "3"},
        ]
    )
    assert [r.tahun for r in rows] == [2022, 2023]
    assert rows[1].perilaku_kerja_nilai == "1"
    assert rows[1].kuadran_kinerja_nilai == "2"  # a string, even though a number arrived
    assert rows[0].hasil_kinerja_nilai == "3" and rows[0].perilaku_kerja_nilai == "3"


def test_rw_skp22_without_tahun_is_malformed() -> None:
    with pytest.raises(SiasnMalformed, match="tahun"):
        m.rw_skp22([{"id": "1", "tahun": ""}])


def test_potensi_accepts_fractional_and_string_scores_and_checks_ranges() -> None:
    (row,) = m.rw_potensi(
        [
            {
                "tahun": 2023,
                "tglPenilaian": "10-05-2023",
                "berfikirKritis": 3.25,
                "intelektual": "4,5",
                "interpersonal": "3",
                "kesadaranDiri": 2,
                "motivasiKomitmen": 5,
                "total": 71.2,
            }
        ]
    )
    assert row.intelektual == 4.5 and row.berfikir_kritis == 3.25 and row.total == 71.2
    assert row.tanggal_penilaian == date(2023, 5, 10)
    with pytest.raises(SiasnMalformed, match="berfikirKritis"):
        m.rw_potensi([{"berfikirKritis": 7}])
    with pytest.raises(SiasnMalformed, match="total"):
        m.rw_potensi([{"total": "banyak"}])


def test_kompetensi_reads_the_eight_managerial_keys_and_perekat_bangsa() -> None:
    keys = (
        "integritas",
        "kerjasama",
        "komunikasi",
        "orientasiPadaHasil",
        "pelayananPublik",
        "pengembanganDiriDanOrla",
        "mengelolaPerubahan",
        "pengambilanKeputusan",
        "perekatBangsa",
    )
    (row,) = m.rw_kompetensi([{"tahun": "2024", **dict.fromkeys(keys, "3"), "standarLevel": 3}])
    assert row.integritas == row.perekat_bangsa == row.pengambilan_keputusan == 3.0
    assert row.standar_level == 3.0 and row.tahun == 2024


def test_family_shapes_pasangan_anak_ortu() -> None:
    family = m.family(
        {
            "nipBaru": NIP,
            "listPasangan": [
                {
                    "statusNikah": "1",
                    "dataPernikahan": {
                        "id": "ba970862-d79c-4b53-9315-25d3f2c20a6b",
                        "aktaMenikah": "AM-1",
                        "tgglMenikah": "05-11-2012",
                        "isPns": "1",
                    },
                    "orang": {
                        "nama": "SITI RAHMA",
                        "tglLahir": "01-01-1988",
                        "jenisKelamin": "F",
                        "gelarDepan": "",
                        "gelarBlk": "S.Kep.",
                    },
                }
            ],
        },
        {
            "nipBaru": NIP,
            "listAnak": [
                {"nama": "ANAK DUA", "tglLahir": "01-01-2016", "jenisKelamin": "M"},
                {"nama": "ANAK SATU", "tglLahir": "01-01-2014", "jenisKelamin": "F", "isPns": 0},
            ],
        },
        {"nipBaru": NIP, "ayah": {"nama": "AYAH", "tglLahir": ""}, "ibu": {"nama": ""}},
    )
    (spouse,) = family.pasangan
    assert spouse.nama == "SITI RAHMA" and spouse.gelar_belakang == "S.Kep."
    assert spouse.tanggal_menikah == date(2012, 11, 5) and spouse.is_pns is True
    assert [a.nama for a in family.anak] == ["ANAK SATU", "ANAK DUA"]
    assert family.anak[0].is_pns is False
    assert family.ayah is not None and family.ayah.tanggal_lahir is None
    assert family.ibu is None  # no name: no parent recorded


def test_pasangan_without_orang_is_malformed() -> None:
    with pytest.raises(SiasnMalformed, match="orang"):
        m.pasangan({"listPasangan": [{"statusNikah": "1"}]})


def test_ref_unor_pascal_case_and_vacant_head_as_none() -> None:
    rows = m.ref_unor(
        [
            {
                "Id": "A5EB03E23C33F6A0E040640A040252AD",
                "InstansiId": "I",
                "DiatasanId": None,
                "EselonId": 22,
                "NamaUnor": "DINAS",
                "NamaJabatan": "KEPALA DINAS",
                "CepatKode": "5900",
                "IndukUnorId": "",
                "PemimpinPnsId": "",
                "JenisUnorId": "2",
            },
            {
                "Id": "ba970862-d79c-4b53-9315-25d3f2c20a6b",
                "NamaUnor": "SEKSI",
                "PemimpinPnsId": "X",
            },
        ]
    )
    assert rows[0].eselon_id == "22" and rows[0].pemimpin_pns_id is None
    assert rows[0].diatasan_id is None and rows[0].induk_unor_id is None
    assert rows[1].pemimpin_pns_id == "X"
    with pytest.raises(SiasnMalformed, match="NamaUnor"):
        m.ref_unor([{"Id": "1", "namaUnor": "camelCase is not ref-unor"}])


def test_golongan_pendidikan_hukdis_diklat_rows() -> None:
    (gol,) = m.rw_golongan(
        [{"id": "g", "golonganId": 31, "golongan": "III/a", "tmtGolongan": "01-03-2010"}]
    )
    assert gol.golongan_id == "31" and gol.tmt_golongan == date(2010, 3, 1)
    pend = m.rw_pendidikan(
        [
            {"id": "p2", "tahunLulus": 2008, "isPendidikanPertama": "1", "tkPendidikanId": "40"},
            {"id": "p1", "tahunLulus": "2003", "isPendidikanPertama": "0"},
        ]
    )
    assert [p.id for p in pend] == ["p1", "p2"] and pend[1].is_pertama
    (hd,) = m.rw_hukdis(
        [{"id": "h", "hukumanTanggal": "01-02-2020", "akhirHukumanTanggal": "01-01-0001"}]
    )
    assert hd.mulai == date(2020, 2, 1) and hd.akhir is None
    (dk,) = m.rw_diklat([{"id": "d", "latihanStrukturalNama": "PKP", "jumlahJam": "450"}])
    assert dk.nama == "PKP" and dk.jumlah_jam == 450


def test_snapshot_round_trips_through_json() -> None:
    snapshot = SiasnSnapshot(
        nip=NIP,
        fetched_at=datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
        profile=m.profile(utama(), nip=NIP),
        jabatan=m.rw_jabatan([jab("a", "01-01-2010"), jab("b", None)]),
        family=m.family(None, {"listAnak": [{"nama": "A", "tglLahir": "01-01-2015"}]}, None),
    )
    data = snapshot.to_dict()
    assert data["profile"]["tanggal_lahir"] == "1985-03-12"
    assert SiasnSnapshot.from_dict(data) == snapshot


def test_unor_jabatan_payload_uses_dd_mm_yyyy_and_configured_instansi() -> None:
    save = SiasnUnorJabatanSave(
        pns_id="P",
        unor_id="U",
        jenis_jabatan="1",
        eselon_id="32",
        nomor_sk="821.2/1/2025",
        tanggal_sk=date(2025, 1, 5),
        tmt_jabatan=date(2025, 2, 1),
        tmt_pelantikan=date(2025, 2, 3),
    )
    body = m.unor_jabatan_payload(save, instansi_id="I", satuan_kerja_id="S")
    assert body["tanggalSk"] == "05-01-2025" and body["tmtJabatan"] == "01-02-2025"
    assert body["tmtMutasi"] == "01-02-2025" and body["tmtPelantikan"] == "03-02-2025"
    assert body["instansiId"] == body["instansiIndukId"] == "I"
    assert body["satuanKerjaId"] == "S" and body["id"] is None
    assert body["jenisMutasiId"] == "MJ" and body["jenisPenugasanId"] == "D"
    with pytest.raises(ValueError, match="instansi_id"):
        m.unor_jabatan_payload(save)
    with pytest.raises(ValueError, match="jenis_mutasi"):
        m.unor_jabatan_payload(dataclasses.replace(save, jenis_mutasi="XX"), instansi_id="I")
