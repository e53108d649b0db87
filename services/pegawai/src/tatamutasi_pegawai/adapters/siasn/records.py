"""Normalised SIASN records: what the rest of the service may see of SIASN.

Plain frozen dataclasses with English field names, dates as `date` (never the `01-01-0001`
sentinel), codes kept as strings ("41", "04"), ids as strings. `SiasnSnapshot` holds
everything read for one NIP; `SiasnFailure` says why a NIP could not be read. Both convert
to and from JSON-ready dicts (`to_dict` / `from_dict`) so a fetch can be stored and replayed
into the registry later."""

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, TypeVar, Union

StatusPegawai = Literal["PNS", "PPPK", "CPNS", "OTHER"]
Sex = Literal["M", "F"]
ACTING_PENUGASAN = frozenset({"PLT", "PLH", "PJ"})


@dataclass(frozen=True, slots=True)
class SiasnProfile:
    """`pns/data-utama`. Personal fields (nik, birth, address, phone) are restricted."""

    pns_id: str
    nip: str
    nip_lama: str | None
    nama: str
    gelar_depan: str | None
    gelar_belakang: str | None
    sex: Sex | None
    tempat_lahir: str | None
    tanggal_lahir: date | None
    agama_id: str | None
    nik: str | None
    email: str | None
    email_gov: str | None
    no_hp: str | None
    alamat: str | None
    status_pegawai: StatusPegawai
    jenis_pegawai_id: str | None
    jenis_pegawai_nama: str | None
    kedudukan_id: str | None
    kedudukan_nama: str | None
    tmt_cpns: date | None
    tmt_pns: date | None
    tk_pendidikan_id: str | None
    tk_pendidikan_nama: str | None
    pendidikan_id: str | None
    pendidikan_nama: str | None
    tahun_lulus: int | None
    instansi_induk_id: str | None
    instansi_kerja_id: str | None
    satuan_kerja_id: str | None
    unor_id: str | None
    unor_nama: str | None
    unor_induk_id: str | None
    unor_induk_nama: str | None
    jenis_jabatan_id: str | None
    jabatan_nama: str | None
    jabatan_struktural_id: str | None
    jabatan_fungsional_id: str | None
    jabatan_fungsional_umum_id: str | None
    tmt_jabatan: date | None
    eselon_id: str | None
    eselon: str | None
    golongan_id: str | None  # None for PPPK (their golongan has no BKN golongan id)
    golongan: str | None  # "IV/a" for PNS, a roman numeral ("IX") for PPPK
    pangkat: str | None
    tmt_golongan: date | None
    mk_tahun: int | None
    mk_bulan: int | None
    bup_pensiun: int | None
    tmt_pensiun: date | None
    kelas_jabatan: str | None

    @property
    def is_pppk(self) -> bool:
        return self.status_pegawai == "PPPK"

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.gelar_depan, self.nama) if p)
        return f"{name}, {self.gelar_belakang}" if self.gelar_belakang else name


@dataclass(frozen=True, slots=True)
class SiasnJabatan:
    """One `rw-jabatan` row (a placement; acting posts have `jenis_penugasan` PLT/PLH/PJ)."""

    id: str
    jenis_jabatan: str | None  # "1" struktural, "2" fungsional tertentu, "4" pelaksana
    jenis_penugasan: str | None  # D, PLT, PLH, PJ, TT (None: not given, read as definitive)
    jenis_mutasi: str | None  # MJ, MU
    instansi_kerja_id: str | None
    satuan_kerja_id: str | None
    unor_id: str | None
    unor_nama: str | None
    unor_induk_id: str | None
    eselon_id: str | None
    eselon: str | None
    jabatan_fungsional_id: str | None
    jabatan_fungsional_umum_id: str | None
    nama_jabatan: str | None
    tmt_jabatan: date | None
    nomor_sk: str | None
    tanggal_sk: date | None
    tmt_pelantikan: date | None
    tmt_mutasi: date | None

    @property
    def is_acting(self) -> bool:
        return self.jenis_penugasan in ACTING_PENUGASAN


@dataclass(frozen=True, slots=True)
class SiasnGolongan:
    id: str
    golongan_id: str | None
    golongan: str | None
    pangkat: str | None
    tmt_golongan: date | None
    sk_nomor: str | None
    sk_tanggal: date | None
    jenis_kp_id: str | None
    jenis_kp_nama: str | None
    mk_tahun: int | None
    mk_bulan: int | None


@dataclass(frozen=True, slots=True)
class SiasnPendidikan:
    id: str
    tk_pendidikan_id: str | None
    tk_pendidikan_nama: str | None
    pendidikan_id: str | None
    pendidikan_nama: str | None
    tahun_lulus: int | None
    tanggal_lulus: date | None
    is_pertama: bool
    nomor_ijasah: str | None
    nama_sekolah: str | None
    gelar_depan: str | None
    gelar_belakang: str | None


@dataclass(frozen=True, slots=True)
class SiasnSKP22:
    """SKP 2022+ (PermenPANRB 6/2022): codes "1".."5" kept as strings."""

    id: str
    tahun: int
    hasil_kinerja_nilai: str | None
    hasil_kinerja: str | None
    perilaku_kerja_nilai: str | None
    perilaku_kerja: str | None
    kuadran_kinerja_nilai: str | None  # the predikat code
    kuadran_kinerja: str | None
    penilai_nama: str | None
    penilai_nip: str | None


@dataclass(frozen=True, slots=True)
class SiasnPotensi:
    id: str | None
    tahun: int | None
    tanggal_penilaian: date | None
    berfikir_kritis: float | None
    intelektual: float | None
    interpersonal: float | None
    kesadaran_diri: float | None
    motivasi_komitmen: float | None
    total: float | None


@dataclass(frozen=True, slots=True)
class SiasnKompetensi:
    """The eight managerial competencies plus perekat bangsa, levels 1-5."""

    id: str | None
    tahun: int | None
    tanggal_penilaian: date | None
    integritas: float | None
    kerjasama: float | None
    komunikasi: float | None
    orientasi_pada_hasil: float | None
    pelayanan_publik: float | None
    pengembangan_diri_dan_orla: float | None
    mengelola_perubahan: float | None
    pengambilan_keputusan: float | None
    perekat_bangsa: float | None
    standar_level: float | None


@dataclass(frozen=True, slots=True)
class SiasnHukdis:
    id: str
    jenis_hukuman_id: str | None
    jenis_hukuman_nama: str | None
    tingkat_hukuman: str | None
    alasan_id: str | None
    alasan_nama: str | None
    sk_nomor: str | None
    sk_tanggal: date | None
    mulai: date | None
    akhir: date | None
    masa_tahun: int | None
    masa_bulan: int | None


@dataclass(frozen=True, slots=True)
class SiasnDiklat:
    id: str
    jenis_diklat_id: str | None
    latihan_struktural_id: str | None
    nama: str | None
    nomor_sertifikat: str | None
    tanggal: date | None
    tanggal_selesai: date | None
    tahun: int | None
    jumlah_jam: int | None
    penyelenggara: str | None


@dataclass(frozen=True, slots=True)
class SiasnRelative:
    """A family member. SIASN gives no NIP for relatives: kinship between employees is derived
    later from names and birth dates."""

    relation: Literal["pasangan", "anak", "ayah", "ibu"]
    nama: str
    gelar_depan: str | None
    gelar_belakang: str | None
    tanggal_lahir: date | None
    sex: Sex | None
    is_pns: bool | None
    status: str | None  # pasangan: statusNikah; anak: jenis anak / status
    tanggal_menikah: date | None
    akta_menikah: str | None


@dataclass(frozen=True, slots=True)
class SiasnFamily:
    pasangan: tuple[SiasnRelative, ...] = ()
    anak: tuple[SiasnRelative, ...] = ()
    ayah: SiasnRelative | None = None
    ibu: SiasnRelative | None = None


@dataclass(frozen=True, slots=True)
class SiasnUnor:
    """One `ref-unor` record (the instansi's unit tree)."""

    id: str
    instansi_id: str | None
    diatasan_id: str | None
    induk_unor_id: str | None
    eselon_id: str | None
    nama_unor: str
    nama_jabatan: str | None
    cepat_kode: str | None
    pemimpin_pns_id: str | None  # None: the head post is vacant
    jenis_unor_id: str | None


@dataclass(frozen=True, slots=True)
class SiasnSnapshot:
    """Everything SIASN holds on one NIP, normalised. Histories are in chronological order."""

    nip: str
    fetched_at: datetime
    profile: SiasnProfile
    jabatan: tuple[SiasnJabatan, ...] = ()
    golongan: tuple[SiasnGolongan, ...] = ()
    pendidikan: tuple[SiasnPendidikan, ...] = ()
    skp22: tuple[SiasnSKP22, ...] = ()
    potensi: tuple[SiasnPotensi, ...] = ()
    kompetensi: tuple[SiasnKompetensi, ...] = ()
    hukdis: tuple[SiasnHukdis, ...] = ()
    diklat: tuple[SiasnDiklat, ...] = ()
    family: SiasnFamily = field(default_factory=SiasnFamily)

    @property
    def current_jabatan(self) -> SiasnJabatan | None:
        """The latest definitive (non-acting) placement with a known TMT."""
        for row in reversed(self.jabatan):
            if not row.is_acting and row.tmt_jabatan is not None:
                return row
        return None

    @property
    def acting(self) -> tuple[SiasnJabatan, ...]:
        return tuple(row for row in self.jabatan if row.is_acting)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SiasnSnapshot":
        return from_jsonable(cls, data)


@dataclass(frozen=True, slots=True)
class SiasnFailure:
    """Why one NIP could not be read. `kind`: not_found, malformed, unavailable, auth,
    protocol. Nothing of a failed NIP is kept (never half-built)."""

    nip: str
    kind: str
    reason: str
    alasan: str
    resource: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)  # type: ignore[no-any-return]


# -- JSON codec --------------------------------------------------------------------------

T = TypeVar("T")


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_jsonable(v) for v in value]
    return value


def from_jsonable(cls: type[T], data: Any) -> T:
    return typing.cast(T, _decode(cls, data))


def _decode(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        if value is None:
            return None
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decode(options[0], value)
    if origin is tuple:
        (item,) = typing.get_args(tp)[:1]
        return tuple(_decode(item, v) for v in value)
    if origin is Literal:
        return value
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        kwargs = {f.name: _decode(hints[f.name], value[f.name]) for f in dataclasses.fields(tp)}
        constructor: Any = tp
        return constructor(**kwargs)
    if tp is datetime:
        return datetime.fromisoformat(value)
    if tp is date:
        return date.fromisoformat(value)
    return value


@dataclass(frozen=True, slots=True)
class SiasnUnorJabatanSave:
    """A placement to write back with `POST /jabatan/unorjabatan/save` (DOMAIN.md §1.5).

    `instansi_id`, `instansi_induk_id` and `satuan_kerja_id` default to the configured
    institution when left empty. `path` lists uploaded documents as SIASN expects them
    (`{dok_id, dok_nama, dok_uri, object, slug}`)."""

    pns_id: str
    unor_id: str
    jenis_jabatan: str
    nomor_sk: str
    tanggal_sk: date
    tmt_jabatan: date
    jenis_mutasi: str = "MJ"  # MJ mutasi jabatan, MU mutasi unor
    jenis_penugasan: str = "D"  # D, PLT, PLH, PJ, TT
    eselon_id: str | None = None
    jabatan_fungsional_id: str | None = None
    jabatan_fungsional_umum_id: str | None = None
    sub_jabatan_id: str | None = None
    tmt_mutasi: date | None = None
    tmt_pelantikan: date | None = None
    id: str | None = None  # an existing rw-jabatan id to correct; None creates a new row
    instansi_id: str | None = None
    instansi_induk_id: str | None = None
    satuan_kerja_id: str | None = None
    path: tuple[dict[str, str], ...] = ()
