"""SIASN shapes → normalised records (pure functions; DOMAIN.md §1.3, §1.5, §1.6, §1.9).

Quirks handled here and only here:
- dates are `dd-mm-yyyy` strings; `01-01-0001`, "" and null mean "unknown" (None);
- codes and ids arrive as strings or numbers and are kept as strings ("41", not 41);
- `rw-jabatan` comes in no order (sorted here by TMT), acting posts are PLT/PLH/PJ rows;
- `rw-skp22` has `PerilakuKerjaNilai`/`KuadranKinerjaNilai` with capitals, `tahun` may be a
  number or a string;
- PPPK: `statusPegawai` "PPPK", empty `jenisPegawaiId`, golongan as a roman numeral with an
  empty id;
- `ref-unor` uses PascalCase keys;
- unknown keys are ignored, missing optional keys read as None.

Anything that cannot be read raises `SiasnMalformed` naming the resource and the field."""

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

from tatamutasi_pegawai.adapters.siasn.errors import SiasnMalformed
from tatamutasi_pegawai.adapters.siasn.records import (
    Sex,
    SiasnDiklat,
    SiasnFamily,
    SiasnGolongan,
    SiasnHukdis,
    SiasnJabatan,
    SiasnKompetensi,
    SiasnPendidikan,
    SiasnPotensi,
    SiasnProfile,
    SiasnRelative,
    SiasnSKP22,
    SiasnUnor,
    SiasnUnorJabatanSave,
    StatusPegawai,
)

NULL_DATES = frozenset({"01-01-0001", "00-00-0000", "0001-01-01"})
_DMY = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NIP = re.compile(r"^\d{18}$")
_PPPK_GOLONGAN = re.compile(r"^(?:I|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII|XIII|XIV|XV|XVI|XVII)$")

T = TypeVar("T")


class _Reader:
    """Reads one SIASN object; every error names the resource and the field."""

    def __init__(self, resource: str, obj: Any) -> None:
        if not isinstance(obj, Mapping):
            raise SiasnMalformed(
                resource,
                "",
                f"expected an object, got {type(obj).__name__}",
                f"seharusnya objek, diterima {type(obj).__name__}",
            )
        self.resource = resource
        self.obj = obj

    def fail(self, key: str, reason: str, alasan: str) -> SiasnMalformed:
        return SiasnMalformed(self.resource, key, reason, alasan)

    def text(self, key: str) -> str | None:
        """A string field; numbers become their decimal text; "" and null become None."""
        value = self.obj.get(key)
        if value is None or isinstance(value, bool):
            if isinstance(value, bool):
                raise self.fail(key, "expected text, got a boolean", "seharusnya teks")
            return None
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else str(value)
        if not isinstance(value, str):
            raise self.fail(
                key,
                f"expected text, got {type(value).__name__}",
                f"seharusnya teks, diterima {type(value).__name__}",
            )
        value = value.strip()
        return value or None

    def code(self, key: str) -> str | None:
        """A code or id, kept as a string ("41"); numbers are accepted and turned to text."""
        return self.text(key)

    def required(self, key: str) -> str:
        value = self.text(key)
        if value is None:
            raise self.fail(key, "is missing or empty", "tidak ada atau kosong")
        return value

    def date(self, key: str) -> date | None:
        raw = self.text(key)
        if raw is None or raw in NULL_DATES:
            return None
        match = _DMY.match(raw)
        if match is None:
            raise self.fail(
                key,
                f"{raw!r} is not a dd-mm-yyyy date",
                f"{raw!r} bukan tanggal berformat dd-mm-yyyy",
            )
        day, month, year = (int(g) for g in match.groups())
        if year <= 1:
            return None
        try:
            return date(year, month, day)
        except ValueError:
            raise self.fail(
                key, f"{raw!r} is not a real date", f"{raw!r} bukan tanggal yang sah"
            ) from None

    def integer(self, key: str) -> int | None:
        value = self.obj.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise self.fail(key, "expected a whole number", "seharusnya bilangan bulat")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+(?:\.0+)?\s*", value):
            return int(float(value))
        raise self.fail(key, f"{value!r} is not a whole number", f"{value!r} bukan bilangan bulat")

    def number(
        self, key: str, *, low: float | None = None, high: float | None = None
    ) -> float | None:
        value = self.obj.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise self.fail(key, "expected a number", "seharusnya angka")
        try:
            number = float(value.replace(",", ".") if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise self.fail(key, f"{value!r} is not a number", f"{value!r} bukan angka") from None
        if (
            number != number
            or (low is not None and number < low)
            or (high is not None and number > high)
        ):
            raise self.fail(
                key,
                f"{value!r} is outside {low}..{high}",
                f"{value!r} di luar rentang {low}..{high}",
            )
        return number

    def flag(self, key: str) -> bool | None:
        value = self.obj.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "ya", "y", "t"}:
            return True
        if text in {"0", "false", "tidak", "n", "f"}:
            return False
        raise self.fail(key, f"{value!r} is not a yes/no value", f"{value!r} bukan nilai ya/tidak")

    def sex(self, key: str) -> Sex | None:
        raw = self.text(key)
        if raw is None:
            return None
        value = raw.upper()
        if value in {"M", "L", "1", "LAKI-LAKI", "PRIA"}:
            return "M"
        if value in {"F", "P", "2", "PEREMPUAN", "WANITA"}:
            return "F"
        raise self.fail(key, f"{raw!r} is not a sex code", f"{raw!r} bukan kode jenis kelamin")

    def sub(self, key: str) -> "_Reader | None":
        value = self.obj.get(key)
        if value is None or value == "":
            return None
        return _Reader(f"{self.resource}.{key}", value)


def _items(resource: str, data: Any) -> list[Any]:
    """A list payload; None (404-empty) is an empty list."""
    if data is None:
        return []
    if isinstance(data, Mapping) and isinstance(data.get("data"), list):
        return list(data["data"])
    if not isinstance(data, list):
        raise SiasnMalformed(
            resource,
            "",
            f"expected a list, got {type(data).__name__}",
            f"seharusnya daftar, diterima {type(data).__name__}",
        )
    return data


def _map_list(resource: str, data: Any, one: Callable[[_Reader], T]) -> list[T]:
    return [one(_Reader(f"{resource}[{i}]", item)) for i, item in enumerate(_items(resource, data))]


# -- data-utama --------------------------------------------------------------------------


def _status_pegawai(r: _Reader) -> StatusPegawai:
    raw = (r.text("statusPegawai") or "").upper()
    if raw in {"PNS", "PPPK", "CPNS"}:
        return raw  # type: ignore[return-value]
    if r.text("jenisPengadaan") == "C":
        return "PPPK"
    return "PNS" if raw == "" and r.text("jenisPegawaiId") else "OTHER"


def profile(data: Any, *, nip: str | None = None) -> SiasnProfile:
    """`pns/data-utama/{nip}` → SiasnProfile. `nip`, when given, must be the NIP returned."""
    r = _Reader("data-utama", data)
    nip_baru = r.required("nipBaru")
    if not _NIP.match(nip_baru):
        raise r.fail("nipBaru", f"{nip_baru!r} is not 18 digits", f"{nip_baru!r} bukan 18 angka")
    if nip is not None and nip_baru != nip:
        raise r.fail(
            "nipBaru",
            "SIASN answered with another employee's record",
            "SIASN mengembalikan data pegawai lain",
        )
    status = _status_pegawai(r)
    golongan_id = r.code("golRuangAkhirId")
    golongan = r.text("golRuangAkhir")
    if status == "PPPK":
        golongan_id = golongan_id or None
        if golongan is not None and not _PPPK_GOLONGAN.match(golongan.upper()):
            raise r.fail(
                "golRuangAkhir",
                f"{golongan!r} is not a PPPK golongan (I-XVII)",
                f"{golongan!r} bukan golongan PPPK (I-XVII)",
            )
        golongan = golongan.upper() if golongan else None
    return SiasnProfile(
        pns_id=r.required("id"),
        nip=nip_baru,
        nip_lama=r.text("nipLama"),
        nama=r.required("nama"),
        gelar_depan=r.text("gelarDepan"),
        gelar_belakang=r.text("gelarBelakang"),
        sex=r.sex("jenisKelamin"),
        tempat_lahir=r.text("tempatLahir"),
        tanggal_lahir=r.date("tglLahir"),
        agama_id=r.code("agamaId"),
        nik=r.text("nik"),
        email=r.text("email"),
        email_gov=r.text("emailGov"),
        no_hp=r.text("noHp"),
        alamat=r.text("alamat"),
        status_pegawai=status,
        jenis_pegawai_id=r.code("jenisPegawaiId"),
        jenis_pegawai_nama=r.text("jenisPegawaiNama"),
        kedudukan_id=r.code("kedudukanPnsId"),
        kedudukan_nama=r.text("kedudukanPnsNama"),
        tmt_cpns=r.date("tmtCpns"),
        tmt_pns=r.date("tmtPns"),
        tk_pendidikan_id=r.code("tkPendidikanTerakhirId"),
        tk_pendidikan_nama=r.text("tkPendidikanTerakhir"),
        pendidikan_id=r.code("pendidikanTerakhirId"),
        pendidikan_nama=r.text("pendidikanTerakhirNama"),
        tahun_lulus=r.integer("tahunLulus"),
        instansi_induk_id=r.code("instansiIndukId"),
        instansi_kerja_id=r.code("instansiKerjaId"),
        satuan_kerja_id=r.code("satuanKerjaKerjaId"),
        unor_id=r.code("unorId"),
        unor_nama=r.text("unorNama"),
        unor_induk_id=r.code("unorIndukId"),
        unor_induk_nama=r.text("unorIndukNama"),
        jenis_jabatan_id=r.code("jenisJabatanId"),
        jabatan_nama=r.text("jabatanNama"),
        jabatan_struktural_id=r.code("jabatanStrukturalId"),
        jabatan_fungsional_id=r.code("jabatanFungsionalId"),
        jabatan_fungsional_umum_id=r.code("jabatanFungsionalUmumId"),
        tmt_jabatan=r.date("tmtJabatan"),
        eselon_id=r.code("eselonId"),
        eselon=r.text("eselon"),
        golongan_id=golongan_id,
        golongan=golongan,
        pangkat=r.text("pangkatAkhir"),
        tmt_golongan=r.date("tmtGolAkhir"),
        mk_tahun=r.integer("mkTahun"),
        mk_bulan=r.integer("mkBulan"),
        bup_pensiun=r.integer("bupPensiun"),
        tmt_pensiun=r.date("tmtPensiun"),
        kelas_jabatan=r.code("kelas_jabatan"),
    )


# -- histories ---------------------------------------------------------------------------


def _jabatan_row(r: _Reader) -> SiasnJabatan:
    penugasan = r.code("jenisPenugasanId")
    return SiasnJabatan(
        id=r.required("id"),
        jenis_jabatan=r.code("jenisJabatan"),
        jenis_penugasan=penugasan.upper() if penugasan else None,
        jenis_mutasi=r.code("jenisMutasiId"),
        instansi_kerja_id=r.code("instansiKerjaId"),
        satuan_kerja_id=r.code("satuanKerjaId"),
        unor_id=r.code("unorId"),
        unor_nama=r.text("unorNama") or r.text("namaUnor"),
        unor_induk_id=r.code("unorIndukId"),
        eselon_id=r.code("eselonId"),
        eselon=r.text("eselon"),
        jabatan_fungsional_id=r.code("jabatanFungsionalId"),
        jabatan_fungsional_umum_id=r.code("jabatanFungsionalUmumId"),
        nama_jabatan=r.text("namaJabatan"),
        tmt_jabatan=r.date("tmtJabatan"),
        nomor_sk=r.text("nomorSk"),
        tanggal_sk=r.date("tanggalSk"),
        tmt_pelantikan=r.date("tmtPelantikan"),
        tmt_mutasi=r.date("tmtMutasi"),
    )


def rw_jabatan(data: Any) -> tuple[SiasnJabatan, ...]:
    rows = _map_list("rw-jabatan", data, _jabatan_row)
    return tuple(
        sorted(
            rows,
            key=lambda j: (
                j.tmt_jabatan is not None,
                j.tmt_jabatan or date.min,
                j.tanggal_sk or date.min,
                j.id,
            ),
        )
    )


def _golongan_row(r: _Reader) -> SiasnGolongan:
    return SiasnGolongan(
        id=r.required("id"),
        golongan_id=r.code("golonganId"),
        golongan=r.text("golongan"),
        pangkat=r.text("pangkat"),
        tmt_golongan=r.date("tmtGolongan"),
        sk_nomor=r.text("skNomor"),
        sk_tanggal=r.date("skTanggal"),
        jenis_kp_id=r.code("jenisKPId"),
        jenis_kp_nama=r.text("jenisKPNama"),
        mk_tahun=r.integer("masaKerjaGolonganTahun"),
        mk_bulan=r.integer("masaKerjaGolonganBulan"),
    )


def rw_golongan(data: Any) -> tuple[SiasnGolongan, ...]:
    rows = _map_list("rw-golongan", data, _golongan_row)
    return tuple(
        sorted(rows, key=lambda g: (g.tmt_golongan is not None, g.tmt_golongan or date.min, g.id))
    )


def _pendidikan_row(r: _Reader) -> SiasnPendidikan:
    return SiasnPendidikan(
        id=r.required("id"),
        tk_pendidikan_id=r.code("tkPendidikanId"),
        tk_pendidikan_nama=r.text("tkPendidikanNama"),
        pendidikan_id=r.code("pendidikanId"),
        pendidikan_nama=r.text("pendidikanNama"),
        tahun_lulus=r.integer("tahunLulus"),
        tanggal_lulus=r.date("tglLulus"),
        is_pertama=bool(r.flag("isPendidikanPertama")),
        nomor_ijasah=r.text("nomorIjasah"),
        nama_sekolah=r.text("namaSekolah"),
        gelar_depan=r.text("gelarDepan"),
        gelar_belakang=r.text("gelarBelakang"),
    )


def rw_pendidikan(data: Any) -> tuple[SiasnPendidikan, ...]:
    rows = _map_list("rw-pendidikan", data, _pendidikan_row)
    return tuple(sorted(rows, key=lambda p: (p.tahun_lulus is not None, p.tahun_lulus or 0, p.id)))


def _skp_row(r: _Reader) -> SiasnSKP22:
    tahun = r.integer("tahun")
    if tahun is None:
        raise r.fail("tahun", "is missing", "tidak ada")

    def nilai(*keys: str) -> str | None:
        for key in keys:
            value = r.code(key)
            if value is not None:
                return value
        return None

    return SiasnSKP22(
        id=r.required("id"),
        tahun=tahun,
        hasil_kinerja_nilai=nilai("hasilKinerjaNilai", "HasilKinerjaNilai"),
        hasil_kinerja=r.text("hasilKinerja"),
        perilaku_kerja_nilai=nilai("PerilakuKerjaNilai", "perilakuKerjaNilai"),
        perilaku_kerja=r.text("perilakuKerja"),
        kuadran_kinerja_nilai=nilai("KuadranKinerjaNilai", "kuadranKinerjaNilai"),
        kuadran_kinerja=r.text("kuadranKinerja"),
        penilai_nama=r.text("namaPenilai"),
        penilai_nip=r.code("nipNrpPenilai"),
    )


def rw_skp22(data: Any) -> tuple[SiasnSKP22, ...]:
    rows = _map_list("rw-skp22", data, _skp_row)
    return tuple(sorted(rows, key=lambda s: (s.tahun, s.id)))


def _potensi_row(r: _Reader) -> SiasnPotensi:
    level = {"low": 1.0, "high": 5.0}
    return SiasnPotensi(
        id=r.code("id"),
        tahun=r.integer("tahun"),
        tanggal_penilaian=r.date("tglPenilaian"),
        berfikir_kritis=r.number("berfikirKritis", **level),
        intelektual=r.number("intelektual", **level),
        interpersonal=r.number("interpersonal", **level),
        kesadaran_diri=r.number("kesadaranDiri", **level),
        motivasi_komitmen=r.number("motivasiKomitmen", **level),
        total=r.number("total", low=0, high=100),
    )


def rw_potensi(data: Any) -> tuple[SiasnPotensi, ...]:
    rows = _map_list("rw-potensi", data, _potensi_row)
    return tuple(
        sorted(
            rows,
            key=lambda p: (p.tahun or 0, p.tanggal_penilaian or date.min, p.id or ""),
        )
    )


def _kompetensi_row(r: _Reader) -> SiasnKompetensi:
    level = {"low": 1.0, "high": 5.0}
    return SiasnKompetensi(
        id=r.code("id"),
        tahun=r.integer("tahun"),
        tanggal_penilaian=r.date("tglPenilaian"),
        integritas=r.number("integritas", **level),
        kerjasama=r.number("kerjasama", **level),
        komunikasi=r.number("komunikasi", **level),
        orientasi_pada_hasil=r.number("orientasiPadaHasil", **level),
        pelayanan_publik=r.number("pelayananPublik", **level),
        pengembangan_diri_dan_orla=r.number("pengembanganDiriDanOrla", **level),
        mengelola_perubahan=r.number("mengelolaPerubahan", **level),
        pengambilan_keputusan=r.number("pengambilanKeputusan", **level),
        perekat_bangsa=r.number("perekatBangsa", **level),
        standar_level=r.number("standarLevel", **level),
    )


def rw_kompetensi(data: Any) -> tuple[SiasnKompetensi, ...]:
    rows = _map_list("rw-kompetensi", data, _kompetensi_row)
    return tuple(
        sorted(
            rows,
            key=lambda k: (k.tahun or 0, k.tanggal_penilaian or date.min, k.id or ""),
        )
    )


def _hukdis_row(r: _Reader) -> SiasnHukdis:
    return SiasnHukdis(
        id=r.required("id"),
        jenis_hukuman_id=r.code("jenisHukumanId"),
        jenis_hukuman_nama=r.text("jenisHukumanNama"),
        tingkat_hukuman=r.code("jenisTingkatHukumanId"),
        alasan_id=r.code("alasanHukumanDisiplinId"),
        alasan_nama=r.text("alasanHukumanDisiplinNama"),
        sk_nomor=r.text("skNomor"),
        sk_tanggal=r.date("skTanggal"),
        mulai=r.date("hukumanTanggal"),
        akhir=r.date("akhirHukumanTanggal"),
        masa_tahun=r.integer("masaTahun"),
        masa_bulan=r.integer("masaBulan"),
    )


def rw_hukdis(data: Any) -> tuple[SiasnHukdis, ...]:
    rows = _map_list("rw-hukdis", data, _hukdis_row)
    return tuple(sorted(rows, key=lambda h: (h.mulai is not None, h.mulai or date.min, h.id)))


def _diklat_row(r: _Reader) -> SiasnDiklat:
    return SiasnDiklat(
        id=r.required("id"),
        jenis_diklat_id=r.code("jenisDiklatId"),
        latihan_struktural_id=r.code("latihanStrukturalId"),
        nama=r.text("latihanStrukturalNama") or r.text("namaDiklat"),
        nomor_sertifikat=r.text("nomor"),
        tanggal=r.date("tanggal"),
        tanggal_selesai=r.date("tanggalSelesai"),
        tahun=r.integer("tahun"),
        jumlah_jam=r.integer("jumlahJam"),
        penyelenggara=r.text("institusiPenyelenggara"),
    )


def rw_diklat(data: Any) -> tuple[SiasnDiklat, ...]:
    rows = _map_list("rw-diklat", data, _diklat_row)
    return tuple(sorted(rows, key=lambda d: (d.tanggal is not None, d.tanggal or date.min, d.id)))


# -- family (DOMAIN.md §1.9, assumed shapes) ---------------------------------------------


def _person(relation: Any, r: _Reader, *, status: str | None = None) -> SiasnRelative:
    return SiasnRelative(
        relation=relation,
        nama=r.required("nama"),
        gelar_depan=r.text("gelarDepan"),
        gelar_belakang=r.text("gelarBlk") or r.text("gelarBelakang"),
        tanggal_lahir=r.date("tglLahir"),
        sex=r.sex("jenisKelamin"),
        is_pns=r.flag("isPns"),
        status=status,
        tanggal_menikah=None,
        akta_menikah=None,
    )


def pasangan(data: Any) -> tuple[SiasnRelative, ...]:
    if data is None:
        return ()
    r = _Reader("data-pasangan", data)
    raw = r.obj.get("listPasangan")
    if raw is None:
        return ()
    out = []
    for i, item in enumerate(_items("data-pasangan.listPasangan", raw)):
        row = _Reader(f"data-pasangan.listPasangan[{i}]", item)
        orang = row.sub("orang")
        if orang is None:
            raise row.fail("orang", "is missing", "tidak ada")
        nikah = row.sub("dataPernikahan")
        person = _person("pasangan", orang, status=row.code("statusNikah"))
        is_pns = nikah.flag("isPns") if nikah is not None else None
        out.append(
            SiasnRelative(
                relation="pasangan",
                nama=person.nama,
                gelar_depan=person.gelar_depan,
                gelar_belakang=person.gelar_belakang,
                tanggal_lahir=person.tanggal_lahir,
                sex=person.sex,
                is_pns=is_pns if is_pns is not None else person.is_pns,
                status=person.status,
                tanggal_menikah=(
                    nikah.date("tgglMenikah") or nikah.date("tglMenikah") if nikah else None
                ),
                akta_menikah=nikah.text("aktaMenikah") if nikah else None,
            )
        )
    return tuple(out)


def anak(data: Any) -> tuple[SiasnRelative, ...]:
    if data is None:
        return ()
    r = _Reader("data-anak", data)
    raw = r.obj.get("listAnak")
    if raw is None:
        return ()
    rows = [
        _person(
            "anak",
            row,
            status=row.code("jenisAnak") or row.code("statusAnak"),
        )
        for row in (
            _Reader(f"data-anak.listAnak[{i}]", item)
            for i, item in enumerate(_items("data-anak.listAnak", raw))
        )
    ]
    return tuple(sorted(rows, key=lambda a: (a.tanggal_lahir or date.min, a.nama)))


def ortu(data: Any) -> tuple[SiasnRelative | None, SiasnRelative | None]:
    if data is None:
        return None, None
    r = _Reader("data-ortu", data)
    ayah = r.sub("ayah")
    ibu = r.sub("ibu")
    return (
        _person("ayah", ayah) if ayah is not None and ayah.text("nama") else None,
        _person("ibu", ibu) if ibu is not None and ibu.text("nama") else None,
    )


def family(pasangan_data: Any, anak_data: Any, ortu_data: Any) -> SiasnFamily:
    ayah, ibu = ortu(ortu_data)
    return SiasnFamily(pasangan=pasangan(pasangan_data), anak=anak(anak_data), ayah=ayah, ibu=ibu)


# -- ref-unor (PascalCase) ---------------------------------------------------------------


def _unor_row(r: _Reader) -> SiasnUnor:
    return SiasnUnor(
        id=r.required("Id"),
        instansi_id=r.code("InstansiId"),
        diatasan_id=r.code("DiatasanId"),
        induk_unor_id=r.code("IndukUnorId"),
        eselon_id=r.code("EselonId"),
        nama_unor=r.required("NamaUnor"),
        nama_jabatan=r.text("NamaJabatan"),
        cepat_kode=r.code("CepatKode"),
        pemimpin_pns_id=r.code("PemimpinPnsId"),
        jenis_unor_id=r.code("JenisUnorId"),
    )


def ref_unor(data: Any) -> tuple[SiasnUnor, ...]:
    return tuple(_map_list("ref-unor", data, _unor_row))


# -- write-back payload ------------------------------------------------------------------


def format_date(value: date | None) -> str | None:
    """date → SIASN's `dd-mm-yyyy` (None stays None)."""
    return None if value is None else value.strftime("%d-%m-%Y")


def unor_jabatan_payload(
    save: SiasnUnorJabatanSave,
    *,
    instansi_id: str = "",
    instansi_induk_id: str = "",
    satuan_kerja_id: str = "",
) -> dict[str, Any]:
    """SiasnUnorJabatanSave → the camelCase body of `POST /jabatan/unorjabatan/save`."""
    if save.jenis_mutasi not in {"MJ", "MU"}:
        raise ValueError(f"jenis_mutasi must be MJ or MU, not {save.jenis_mutasi!r}")
    if save.jenis_penugasan not in {"D", "PLT", "PLH", "PJ", "TT"}:
        raise ValueError(f"unknown jenis_penugasan {save.jenis_penugasan!r}")
    instansi = save.instansi_id or instansi_id
    if not instansi:
        raise ValueError("instansi_id is required (set PEGAWAI_SIASN_INSTANSI_ID)")
    return {
        "id": save.id,
        "pnsId": save.pns_id,
        "instansiId": instansi,
        "instansiIndukId": save.instansi_induk_id or instansi_induk_id or instansi,
        "satuanKerjaId": save.satuan_kerja_id or satuan_kerja_id or None,
        "unorId": save.unor_id,
        "eselonId": save.eselon_id,
        "jenisJabatan": save.jenis_jabatan,
        "jabatanFungsionalId": save.jabatan_fungsional_id,
        "jabatanFungsionalUmumId": save.jabatan_fungsional_umum_id,
        "subJabatanId": save.sub_jabatan_id,
        "jenisMutasiId": save.jenis_mutasi,
        "jenisPenugasanId": save.jenis_penugasan,
        "nomorSk": save.nomor_sk,
        "tanggalSk": format_date(save.tanggal_sk),
        "tmtJabatan": format_date(save.tmt_jabatan),
        "tmtMutasi": format_date(save.tmt_mutasi or save.tmt_jabatan),
        "tmtPelantikan": format_date(save.tmt_pelantikan),
        "path": [dict(p) for p in save.path],
    }
