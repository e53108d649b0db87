"""Synthetic, seeded, deterministic SIASN data for one Pemda: a UNOR tree and N employees with
histories, in SIASN's own shapes (camelCase, `dd-mm-yyyy` dates, `01-01-0001` sentinels,
string codes, three id formats). All names and numbers are invented.

Employee records are built lazily (per index, from their own seeded generator), so a large
fake starts fast; the NIP list is built up front to keep NIPs unique (DOMAIN.md §2)."""

import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

TODAY = date(2025, 7, 1)  # fixed: the fake must answer the same for the same seed
SENTINEL = "01-01-0001"

FIRST_M = (
    "AHMAD",
    "BUDI",
    "DEDI",
    "EKO",
    "FAJAR",
    "GILANG",
    "HENDRA",
    "IRFAN",
    "JOKO",
    "KURNIAWAN",
    "LUKMAN",
    "MUHAMMAD",
    "NUGROHO",
    "PRASETYO",
    "RAHMAT",
    "SAPUTRA",
    "TAUFIK",
    "WAHYU",
    "YUSUF",
    "ARIF",
    "BAMBANG",
    "HARIS",
    "RIZKY",
    "ADITYA",
)
FIRST_F = (
    "AYU",
    "DEWI",
    "FITRI",
    "INDAH",
    "KARTIKA",
    "LESTARI",
    "MAYA",
    "NUR",
    "PUTRI",
    "RATNA",
    "SITI",
    "SRI",
    "TRI",
    "WULAN",
    "YULIA",
    "ANISA",
    "DIAN",
    "RINA",
    "NOVI",
    "MEGA",
)
LAST = (
    "SANTOSO",
    "WIJAYA",
    "SETIAWAN",
    "HIDAYAT",
    "KUSUMA",
    "PRATAMA",
    "SARI",
    "RAHAYU",
    "LESTARI",
    "SUSANTO",
    "HARAHAP",
    "SIREGAR",
    "NASUTION",
    "LUBIS",
    "SIMANJUNTAK",
    "PURNOMO",
    "GUNAWAN",
    "HAKIM",
    "FIRMANSYAH",
    "UTAMI",
)
PLACES = (
    "BANDAR LAMPUNG",
    "METRO",
    "PALEMBANG",
    "JAKARTA",
    "BANDUNG",
    "SURABAYA",
    "MEDAN",
    "PADANG",
    "YOGYAKARTA",
    "SEMARANG",
)
OPD = (
    ("SEKRETARIAT DAERAH", "SEKRETARIS DAERAH", "21"),
    ("DINAS PENDIDIKAN DAN KEBUDAYAAN", "KEPALA DINAS PENDIDIKAN DAN KEBUDAYAAN", "22"),
    ("DINAS KESEHATAN", "KEPALA DINAS KESEHATAN", "22"),
    ("DINAS PEKERJAAN UMUM DAN PENATAAN RUANG", "KEPALA DINAS PEKERJAAN UMUM", "22"),
    ("BADAN KEPEGAWAIAN DAN PENGEMBANGAN SUMBER DAYA MANUSIA", "KEPALA BKPSDM", "22"),
    ("BADAN PERENCANAAN PEMBANGUNAN DAERAH", "KEPALA BAPPEDA", "22"),
    ("DINAS KOMUNIKASI, INFORMATIKA DAN STATISTIK", "KEPALA DINAS KOMINFO", "22"),
    ("DINAS PERHUBUNGAN", "KEPALA DINAS PERHUBUNGAN", "22"),
    ("BADAN PENGELOLAAN KEUANGAN DAN ASET DAERAH", "KEPALA BPKAD", "22"),
    ("DINAS SOSIAL", "KEPALA DINAS SOSIAL", "22"),
)
BIDANG = ("SEKRETARIAT", "BIDANG PERENCANAAN", "BIDANG PELAYANAN", "BIDANG PENGEMBANGAN")
SEKSI = ("PROGRAM", "UMUM DAN KEPEGAWAIAN", "KEUANGAN", "DATA DAN INFORMASI")
GOLONGAN = (
    ("11", "I/a", "Juru Muda"),
    ("12", "I/b", "Juru Muda Tingkat I"),
    ("13", "I/c", "Juru"),
    ("14", "I/d", "Juru Tingkat I"),
    ("21", "II/a", "Pengatur Muda"),
    ("22", "II/b", "Pengatur Muda Tingkat I"),
    ("23", "II/c", "Pengatur"),
    ("24", "II/d", "Pengatur Tingkat I"),
    ("31", "III/a", "Penata Muda"),
    ("32", "III/b", "Penata Muda Tingkat I"),
    ("33", "III/c", "Penata"),
    ("34", "III/d", "Penata Tingkat I"),
    ("41", "IV/a", "Pembina"),
    ("42", "IV/b", "Pembina Tingkat I"),
    ("43", "IV/c", "Pembina Utama Muda"),
    ("44", "IV/d", "Pembina Utama Madya"),
    ("45", "IV/e", "Pembina Utama"),
)
ESELON = {"21": "II.a", "22": "II.b", "31": "III.a", "32": "III.b", "41": "IV.a"}
# (tk id, tk name, starting golongan index, gelar belakang, jurusan)
PENDIDIKAN = (
    ("15", "SLTA", 4, "", "SMA IPA"),
    ("30", "Diploma III", 6, "A.Md.", "D-III AKUNTANSI"),
    ("40", "S-1/Sarjana", 8, "S.E.", "S-1 EKONOMI MANAJEMEN"),
    ("40", "S-1/Sarjana", 8, "S.Kom.", "S-1 TEKNIK INFORMATIKA"),
    ("40", "S-1/Sarjana", 8, "S.H.", "S-1 ILMU HUKUM"),
    ("40", "S-1/Sarjana", 8, "S.Pd.", "S-1 PENDIDIKAN MATEMATIKA"),
    ("45", "S-2", 9, "M.Si.", "S-2 ADMINISTRASI PUBLIK"),
)
JFT = (
    ("ANALIS KEBIJAKAN AHLI MUDA", "MU"),
    ("PRANATA KOMPUTER AHLI PERTAMA", "PT"),
    ("PERENCANA AHLI MUDA", "MU"),
    ("ANALIS SUMBER DAYA MANUSIA APARATUR AHLI PERTAMA", "PT"),
    ("AUDITOR AHLI MADYA", "MA"),
    ("ARSIPARIS TERAMPIL", "TR"),
)
JFU = (
    "PENGADMINISTRASI UMUM",
    "PENGELOLA KEUANGAN",
    "PENGOLAH DATA",
    "ANALIS KEPEGAWAIAN",
    "PENGELOLA BARANG MILIK NEGARA",
)
HUKUMAN = (
    ("01", "Teguran Lisan", "R"),
    ("02", "Teguran Tertulis", "R"),
    ("04", "Penundaan KGB", "S"),
)


def _hex(seed: str, *parts: object, upper: bool = True) -> str:
    digest = hashlib.sha256("|".join([seed, *map(str, parts)]).encode()).hexdigest()[:32]
    return digest.upper() if upper else digest


def _uuid(seed: str, *parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "|".join([seed, *map(str, parts)])))


def dmy(value: date | None) -> str:
    return SENTINEL if value is None else value.strftime("%d-%m-%Y")


def _rand_date(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randrange((end - start).days))


def _add_years(value: date, years: int) -> date:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 Feb
        return value.replace(year=value.year + years, day=28)


@dataclass(frozen=True)
class Unor:
    id: str
    nama: str
    nama_jabatan: str
    eselon_id: str | None
    diatasan_id: str | None
    induk_id: str | None
    cepat_kode: str
    jenis_unor_id: str


@dataclass
class Employee:
    """The skeleton decided up front (NIP, kind, placement); the rest is built lazily."""

    index: int
    nip: str
    pppk: bool
    birth: date
    tmt_cpns: date
    sex: int
    unor: Unor
    head_of: Unor | None  # structural post held (None: JFT or pelaksana)
    extra: dict[str, Any] = field(default_factory=dict)


class FakeData:
    """One synthetic Pemda: `unors`, `employees` (by NIP), SIASN-shaped answers per NIP."""

    def __init__(self, *, seed: int = 1, employees: int = 50) -> None:
        self.seed = str(seed)
        self.instansi_id = _hex(self.seed, "instansi")
        self.satuan_kerja_id = _hex(self.seed, "satker")
        self.instansi_nama = "PEMERINTAH KOTA CONTOH (DATA SINTETIS)"
        self.unors = self._build_unors()
        self.employees: dict[str, Employee] = {}
        self.by_pns_id: dict[str, str] = {}
        self._build_employees(employees)

    # -- UNOR tree --------------------------------------------------------------------------

    def _build_unors(self) -> list[Unor]:
        root = Unor(
            id=_hex(self.seed, "unor", "root"),
            nama=self.instansi_nama,
            nama_jabatan="WALI KOTA",
            eselon_id=None,
            diatasan_id=None,
            induk_id=None,
            cepat_kode="5990",
            jenis_unor_id="1",
        )
        unors = [root]
        for o, (nama, jabatan, eselon) in enumerate(OPD):
            opd = Unor(
                id=_hex(self.seed, "unor", o),  # Oracle GUID style, upper case
                nama=nama,
                nama_jabatan=jabatan,
                eselon_id=eselon,
                diatasan_id=root.id,
                induk_id=root.id,
                cepat_kode=f"5990{o + 1:02d}",
                jenis_unor_id="2",
            )
            unors.append(opd)
            for b, bidang in enumerate(BIDANG[: 2 + o % 3]):
                bid = Unor(
                    id=_hex(self.seed, "unor", o, b, upper=False),  # lower-case 32-hex
                    nama=f"{bidang} {nama}",
                    nama_jabatan=f"KEPALA {bidang}" if b else "SEKRETARIS",
                    eselon_id="32" if b or o else "31",
                    diatasan_id=opd.id,
                    induk_id=opd.id,
                    cepat_kode=f"5990{o + 1:02d}{b + 1:02d}",
                    jenis_unor_id="3",
                )
                unors.append(bid)
                for s, seksi in enumerate(SEKSI[: 2 + (o + b) % 2]):
                    unors.append(
                        Unor(
                            id=_uuid(self.seed, "unor", o, b, s),  # RFC-4122 UUID
                            nama=f"SUB BAGIAN {seksi}" if b == 0 else f"SEKSI {seksi}",
                            nama_jabatan=(
                                f"KEPALA SUB BAGIAN {seksi}" if b == 0 else f"KEPALA SEKSI {seksi}"
                            ),
                            eselon_id="41",
                            diatasan_id=bid.id,
                            induk_id=opd.id,
                            cepat_kode=f"5990{o + 1:02d}{b + 1:02d}{s + 1:02d}",
                            jenis_unor_id="4",
                        )
                    )
        return unors

    @cached_property
    def unor_by_id(self) -> dict[str, Unor]:
        return {u.id: u for u in self.unors}

    def induk_of(self, unor: Unor) -> Unor:
        return self.unor_by_id.get(unor.induk_id or "", unor) if unor.induk_id else unor

    # -- employees --------------------------------------------------------------------------

    def _build_employees(self, count: int) -> None:
        rng = random.Random(f"{self.seed}:nips")
        posts = [u for u in self.unors if u.eselon_id]
        working = [u for u in self.unors if u.eselon_id in {"32", "41"}] or self.unors
        serials: dict[str, int] = {}
        self.vacant: set[str] = set()
        post_iter = iter(posts)
        for i in range(count):
            pppk = rng.random() < 0.15
            sex = rng.choice((1, 2))
            head_of = None
            if not pppk:
                for post in post_iter:
                    if rng.random() < 0.1:
                        self.vacant.add(post.id)
                        continue
                    head_of = post
                    break
            if pppk:
                birth = _rand_date(rng, date(1975, 1, 1), date(2000, 12, 31))
                year = rng.randint(max(2019, birth.year + 19), 2024)
                tmt = date(year, rng.choice((1, 3, 4)), 1)
                prefix = f"{birth:%Y%m%d}{year}2{rng.randint(1, 3)}{sex}"
            else:
                young = head_of is None or head_of.eselon_id == "41"
                birth = _rand_date(rng, date(1966 if not young else 1970, 1, 1), date(1998, 12, 31))
                year = min(birth.year + rng.randint(22, 30), 2023)
                if head_of is not None and head_of.eselon_id in {"21", "22", "31", "32"}:
                    year = min(year, 2005)
                    birth = min(birth, date(year - 23, 12, 31))
                tmt = date(year, rng.choice((1, 3, 12)), 1)
                prefix = f"{birth:%Y%m%d}{tmt:%Y%m}{sex}"
            serials[prefix] = serials.get(prefix, 0) + 1
            nip = f"{prefix}{serials[prefix]:03d}"
            unor = head_of or rng.choice(working)
            employee = Employee(i, nip, pppk, birth, tmt, sex, unor, head_of)
            self.employees[nip] = employee
            self.by_pns_id[self.pns_id(employee)] = nip
        for post in post_iter:
            self.vacant.add(post.id)
        self.heads = {e.head_of.id: e for e in self.employees.values() if e.head_of}
        self.nips = list(self.employees)

    def pns_id(self, e: Employee) -> str:
        return _hex(self.seed, "pns", e.index) if e.index % 3 else _uuid(self.seed, "pns", e.index)

    def _rng(self, e: Employee, what: str) -> random.Random:
        return random.Random(f"{self.seed}:{e.index}:{what}")

    def name(self, e: Employee) -> str:
        rng = self._rng(e, "name")
        first = rng.choice(FIRST_M if e.sex == 1 else FIRST_F)
        return f"{first} {rng.choice(LAST)}"

    def education(self, e: Employee) -> tuple[str, str, int, str, str]:
        rng = self._rng(e, "edu")
        if e.head_of is not None:
            return rng.choice(PENDIDIKAN[2:])
        return rng.choice(PENDIDIKAN)

    def golongan_history(self, e: Employee) -> list[tuple[int, date]]:
        """(index into GOLONGAN, TMT): a step every four years, capped by education."""
        if e.pppk:
            return []
        _, _, start, _, _ = self.education(e)
        cap = min(len(GOLONGAN) - 1, start + (6 if start >= 8 else 4))
        steps, when, level = [], e.tmt_cpns, start
        while when <= TODAY:
            steps.append((level, when))
            if level >= cap:
                break
            level, when = level + 1, date(when.year + 4, 4 if when.month <= 4 else 10, 1)
        return steps

    def jabatan_history(self, e: Employee, *, saved: bool = True) -> list[dict[str, Any]]:
        """Rows as SIASN returns them (shuffled: rw-jabatan has no guaranteed order); `saved`
        adds the rows written through the save endpoint."""
        rng = self._rng(e, "jabatan")
        rows: list[dict[str, Any]] = []
        starts = [e.tmt_cpns]
        moves = rng.randint(0, 3)
        for _ in range(moves):
            nxt = _rand_date(rng, _add_years(starts[-1], 2), _add_years(starts[-1], 6))
            if nxt >= TODAY:
                break
            starts.append(nxt)
        working = [u for u in self.unors if u.eselon_id in {"32", "41"}]
        for k, start in enumerate(starts):
            current = k == len(starts) - 1
            unor = e.unor if current else rng.choice(working)
            head = e.head_of if current else None
            rows.append(self._jabatan_row(e, k, start, unor, head, rng, current))
        if not e.pppk and rng.random() < 0.12 and len(starts) > 1:
            acting_unor = rng.choice([u for u in self.unors if u.eselon_id == "32"])
            start = _rand_date(rng, starts[-1], TODAY)
            row = self._jabatan_row(e, 99, start, acting_unor, acting_unor, rng, False)
            row["jenisPenugasanId"] = rng.choice(("PLT", "PLH"))
            row["namaJabatan"] = f"PLT. {acting_unor.nama_jabatan}"
            rows.append(row)
        rng.shuffle(rows)
        if saved:
            rows.extend(e.extra.get("jabatan", []))
        return rows

    def _jabatan_row(
        self,
        e: Employee,
        k: int,
        start: date,
        unor: Unor,
        head: Unor | None,
        rng: random.Random,
        current: bool,
    ) -> dict[str, Any]:
        jenis, eselon_id, jf_id, jfu_id, nama = self._post(e, unor, head, k)
        sentinel_choice = rng.choice((SENTINEL, "", None))
        return {
            "id": _uuid(self.seed, "rwjab", e.index, k),
            "idPns": self.pns_id(e),
            "nipBaru": e.nip,
            "nipLama": "",
            "jenisJabatan": jenis,
            "instansiKerjaId": self.instansi_id,
            "instansiKerjaNama": self.instansi_nama,
            "satuanKerjaId": self.satuan_kerja_id,
            "satuanKerjaNama": self.instansi_nama,
            "unorId": unor.id,
            "unorNama": unor.nama,
            "unorIndukId": self.induk_of(unor).id,
            "unorIndukNama": self.induk_of(unor).nama,
            "eselon": ESELON.get(eselon_id or "", ""),
            "eselonId": eselon_id or "",
            "jabatanFungsionalId": jf_id,
            "jabatanFungsionalNama": nama if jf_id else "",
            "jabatanFungsionalUmumId": jfu_id,
            "jabatanFungsionalUmumNama": nama if jfu_id else "",
            "tmtJabatan": dmy(start),
            "nomorSk": f"821.2/{100 + k}/BKPSDM/{start.year}",
            "tanggalSk": dmy(start - timedelta(days=rng.randint(3, 30))),
            "namaUnor": unor.nama,
            "namaJabatan": nama,
            "tmtPelantikan": dmy(start) if head is not None else sentinel_choice,
            "jenisPenugasanId": "D" if rng.random() < 0.7 else "",
            "jenisMutasiId": "MJ" if k else "",
            "subJabatanId": "",
            "tmtMutasi": dmy(start) if k and current else sentinel_choice,
            "path": {},
            "createdAt": dmy(start),
            "updatedAt": None,
            "deletedAt": None,
        }

    def _post(
        self, e: Employee, unor: Unor, head: Unor | None, k: int
    ) -> tuple[str, str | None, str, str, str]:
        """(jenisJabatan, eselonId, jabatanFungsionalId, jabatanFungsionalUmumId, nama)."""
        if head is not None:
            return "1", head.eselon_id, "", "", head.nama_jabatan
        rng = self._rng(e, f"post{k}")
        if rng.random() < 0.4:
            nama, _ = rng.choice(JFT)
            return "2", None, _hex(self.seed, "jf", nama), "", nama
        nama = rng.choice(JFU)
        return "4", None, "", _hex(self.seed, "jfu", nama, upper=False), nama

    # -- SIASN answers (the `data` part) --------------------------------------------------

    def data_utama(self, nip: str) -> dict[str, Any] | None:
        e = self.employees.get(nip)
        if e is None:
            return None
        rng = self._rng(e, "utama")
        tk_id, tk_nama, _, gelar, jurusan = self.education(e)
        rows = self.jabatan_history(e, saved=False)
        current = max(
            (r for r in rows if r["jenisPenugasanId"] in ("D", "") and r["tmtJabatan"] != SENTINEL),
            key=lambda r: (r["tmtJabatan"][6:], r["tmtJabatan"][3:5], r["tmtJabatan"][:2]),
        )
        current = e.extra.get("synced_jabatan", current)
        gol = self.golongan_history(e)
        bup = 58
        if current["jenisJabatan"] == "1" and current["eselonId"] in {"21", "22"}:
            bup = 60
        if e.pppk:
            pppk_gol = ("V", "VII", "IX", "X")[min(3, self.education(e)[2] // 3)]
            gol_id, gol_name, pangkat, tmt_gol = "", pppk_gol, "", dmy(e.tmt_cpns)
            awal_id, awal = "", pppk_gol
        else:
            level, when = gol[-1]
            gol_id, gol_name, pangkat = GOLONGAN[level]
            tmt_gol = dmy(when)
            awal_id, awal, _ = GOLONGAN[gol[0][0]]
        mk = TODAY.year - e.tmt_cpns.year
        pensiun = date(e.birth.year + bup, e.birth.month, 1) + timedelta(days=32)
        pensiun = pensiun.replace(day=1)
        return {
            "id": self.pns_id(e),
            "nipBaru": e.nip,
            "nipLama": "" if e.pppk or e.tmt_cpns.year > 2000 else f"{e.index + 10000000:09d}",
            "nama": self.name(e),
            "gelarDepan": "Dr." if tk_id == "45" and rng.random() < 0.05 else "",
            "gelarBelakang": gelar,
            "tempatLahir": rng.choice(PLACES),
            "tempatLahirId": _hex(self.seed, "tempat", rng.random()),
            "tglLahir": dmy(e.birth),
            "jenisKelamin": "M" if e.sex == 1 else "F",
            "agamaId": rng.choice(("1", "1", "1", "2", "3", "4")),
            "agama": "",
            "nik": f"18{rng.randint(10, 72):02d}{rng.randint(1, 20):02d}{e.birth:%d%m%y}"
            f"{rng.randint(1, 9999):04d}",
            "email": f"pegawai{e.index}@contoh.invalid",
            "emailGov": "",
            "noHp": f"08{rng.randint(10**9, 10**10 - 1)}",
            "noTelp": None,
            "alamat": f"JL. CONTOH NO. {rng.randint(1, 200)}",
            "kodePos": "35111",
            "jenisPegawaiId": "" if e.pppk else "15",
            "jenisPegawaiNama": "" if e.pppk else "PNS Daerah Kab./Kota",
            "kedudukanPnsId": "01",
            "kedudukanPnsNama": "Aktif",
            "statusPegawai": "PPPK" if e.pppk else "PNS",
            "statusHidup": "1",
            "jenisKawinId": "2",
            "tmtCpns": dmy(e.tmt_cpns) if not e.pppk else "",
            "tmtPns": dmy(_add_years(e.tmt_cpns, 1)) if not e.pppk else SENTINEL,
            "tkPendidikanTerakhirId": tk_id,
            "tkPendidikanTerakhir": tk_nama,
            "pendidikanTerakhirId": _hex(self.seed, "pend", jurusan),
            "pendidikanTerakhirNama": jurusan,
            "tahunLulus": str(e.tmt_cpns.year - 1),
            "instansiIndukId": self.instansi_id,
            "instansiIndukNama": self.instansi_nama,
            "instansiKerjaId": self.instansi_id,
            "instansiKerjaNama": self.instansi_nama,
            "instansiKerjaKodeCepat": "5990",
            "satuanKerjaKerjaId": self.satuan_kerja_id,
            "satuanKerjaKerjaNama": self.instansi_nama,
            "unorId": current["unorId"],
            "unorNama": current["unorNama"],
            "unorIndukId": current["unorIndukId"],
            "unorIndukNama": current.get("unorIndukNama", ""),
            "jenisJabatanId": current["jenisJabatan"],
            "jenisJabatan": {"1": "Jabatan Struktural", "2": "Jabatan Fungsional Tertentu"}.get(
                current["jenisJabatan"], "Jabatan Fungsional Umum"
            ),
            "jabatanNama": current["namaJabatan"],
            "jabatanStrukturalId": _hex(self.seed, "js", current["unorId"])
            if current["jenisJabatan"] == "1"
            else "",
            "jabatanFungsionalId": current["jabatanFungsionalId"],
            "jabatanFungsionalUmumId": current["jabatanFungsionalUmumId"],
            "tmtJabatan": current["tmtJabatan"],
            "eselon": current["eselon"],
            "eselonId": current["eselonId"],
            "tmtEselon": current["tmtJabatan"] if current["eselonId"] else "",
            "golRuangAwalId": awal_id,
            "golRuangAwal": awal,
            "golRuangAkhirId": gol_id,
            "golRuangAkhir": gol_name,
            "pangkatAkhir": pangkat,
            "tmtGolAkhir": tmt_gol,
            "mkTahun": str(mk),
            "mkBulan": "0",
            "masaKerja": f"{mk} Tahun 0 Bulan",
            "bupPensiun": str(bup),
            "tmtPensiun": dmy(pensiun),
            "kelas_jabatan": str(rng.randint(5, 14)),
            "karis_karsu": "",
            "tanggal_taspen": SENTINEL,
            "path": {},
        }

    def rw_jabatan(self, nip: str) -> list[dict[str, Any]] | None:
        e = self.employees.get(nip)
        return None if e is None else self.jabatan_history(e)

    def rw_golongan(self, nip: str) -> list[dict[str, Any]] | None:
        e = self.employees.get(nip)
        if e is None or e.pppk:
            return None  # PPPK: 404-empty
        rows = []
        for k, (level, when) in enumerate(self.golongan_history(e)):
            gid, gname, pangkat = GOLONGAN[level]
            rows.append(
                {
                    "id": _hex(self.seed, "rwgol", e.index, k, upper=k % 2 == 0),
                    "idPns": self.pns_id(e),
                    "nipBaru": e.nip,
                    "golonganId": gid,
                    "golongan": gname,
                    "pangkat": pangkat,
                    "skNomor": f"823.3/{k + 1}/KP/{when.year}",
                    "skTanggal": dmy(when - timedelta(days=20)),
                    "tmtGolongan": dmy(when),
                    "noPertekBkn": "",
                    "tglPertekBkn": SENTINEL,
                    "jumlahKreditUtama": "0",
                    "jenisKPId": "101",
                    "jenisKPNama": "Reguler",
                    "masaKerjaGolonganTahun": str(k * 4),
                    "masaKerjaGolonganBulan": "0",
                    "path": {},
                }
            )
        return rows

    def rw_pendidikan(self, nip: str) -> list[dict[str, Any]] | None:
        e = self.employees.get(nip)
        if e is None:
            return None
        tk_id, tk_nama, _, gelar, jurusan = self.education(e)
        rows: list[dict[str, Any]] = [
            {
                "id": _uuid(self.seed, "pend", e.index, 0),
                "tkPendidikanId": "15",
                "tkPendidikanNama": "SLTA",
                "pendidikanId": _hex(self.seed, "pend", "SMA IPA"),
                "pendidikanNama": "SMA IPA",
                "tahunLulus": str(e.birth.year + 18),
                "tglLulus": dmy(date(e.birth.year + 18, 6, 15)),
                "isPendidikanPertama": "1" if tk_id == "15" else "0",
                "nomorIjasah": f"DN-{e.index:05d}",
                "namaSekolah": "SMA NEGERI 1 CONTOH",
                "gelarDepan": "",
                "gelarBelakang": "",
            }
        ]
        if tk_id != "15":
            rows.append(
                {
                    "id": _uuid(self.seed, "pend", e.index, 1),
                    "tkPendidikanId": tk_id,
                    "tkPendidikanNama": tk_nama,
                    "pendidikanId": _hex(self.seed, "pend", jurusan),
                    "pendidikanNama": jurusan,
                    "tahunLulus": e.tmt_cpns.year - 1,  # sometimes a number
                    "tglLulus": "",
                    "isPendidikanPertama": "1",
                    "nomorIjasah": f"UNIV-{e.index:05d}",
                    "namaSekolah": "UNIVERSITAS CONTOH",
                    "gelarDepan": "",
                    "gelarBelakang": gelar,
                }
            )
        return rows

    def rw_skp22(self, nip: str) -> list[dict[str, Any]] | None:
        e = self.employees.get(nip)
        if e is None:
            return None
        rng = self._rng(e, "skp")
        labels = {"1": "SANGAT BAIK", "2": "BAIK", "3": "BUTUH PERBAIKAN", "4": "KURANG"}
        rows: list[dict[str, Any]] = []
        for year in range(max(2022, e.tmt_cpns.year + 1), TODAY.year):
            hasil, perilaku = rng.choice("1222223"), rng.choice("1222223")
            kuadran = (
                "1" if hasil == perilaku == "1" else ("2" if "3" not in (hasil, perilaku) else "3")
            )
            rows.append(
                {
                    "id": _hex(self.seed, "skp", e.index, year, upper=False),
                    "tahun": year if year % 2 else str(year),
                    "hasilKinerja": {"1": "DIATAS", "2": "SESUAI", "3": "DIBAWAH"}[hasil]
                    + " EKSPEKTASI",
                    "hasilKinerjaNilai": hasil,
                    "perilakuKerja": {"1": "DIATAS", "2": "SESUAI", "3": "DIBAWAH"}[perilaku]
                    + " EKSPEKTASI",
                    "PerilakuKerjaNilai": perilaku,
                    "kuadranKinerja": labels[kuadran],
                    "KuadranKinerjaNilai": kuadran,
                    "namaPenilai": "PENILAI CONTOH",
                    "nipNrpPenilai": "",
                    "penilaiGolonganId": "41",
                    "penilaiJabatanNm": "ATASAN LANGSUNG",
                    "penilaiUnorNm": e.unor.nama,
                    "pnsDinilaiId": self.pns_id(e),
                    "statusPenilai": "ASN",
                    "path": {},
                }
            )
        return rows or None

    def _assessed(self, e: Employee) -> bool:
        return e.head_of is not None or self._rng(e, "assessed").random() < 0.2

    def rw_potensi(self, nip: str) -> list[dict[str, Any]] | None:
        e = self.employees.get(nip)
        if e is None or not self._assessed(e):
            return None
        rng = self._rng(e, "potensi")
        scores = {
            k: round(rng.uniform(2, 4.8), 2)
            for k in ("berfikirKritis", "intelektual", "interpersonal", "kesadaranDiri")
        }
        scores["motivasiKomitmen"] = rng.randint(2, 5)
        return [
            {
                "id": _uuid(self.seed, "potensi", e.index),
                "tahun": "2023",
                "tglPenilaian": dmy(date(2023, rng.randint(1, 12), rng.randint(1, 28))),
                **{k: str(v) if k == "intelektual" else v for k, v in scores.items()},
                "total": round(sum(scores.values()) / 25 * 100, 2),
            }
        ]

    def rw_kompetensi(self, nip: str) -> list[dict[str, Any]] | None:
        e = self.employees.get(nip)
        if e is None or not self._assessed(e):
            return None
        rng = self._rng(e, "kompetensi")
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
        return [
            {
                "id": _uuid(self.seed, "kompetensi", e.index),
                "tahun": 2023,
                "tglPenilaian": dmy(date(2023, rng.randint(1, 12), rng.randint(1, 28))),
                **{k: rng.randint(2, 5) for k in keys},
                "standarLevel": "3",
            }
        ]

    def rw_hukdis(self, nip: str) -> list[dict[str, Any]] | None:
        e = self.employees.get(nip)
        if e is None:
            return None
        rng = self._rng(e, "hukdis")
        if rng.random() >= 0.04:
            return None
        jenis_id, jenis, tingkat = rng.choice(HUKUMAN)
        start = _rand_date(rng, date(2018, 1, 1), date(2024, 6, 1))
        return [
            {
                "id": _hex(self.seed, "hukdis", e.index),
                "jenisHukumanId": jenis_id,
                "jenisHukumanNama": jenis,
                "jenisTingkatHukumanId": tingkat,
                "alasanHukumanDisiplinId": "1",
                "alasanHukumanDisiplinNama": "Tidak masuk kerja tanpa alasan yang sah",
                "skNomor": f"862/{e.index}/HD/{start.year}",
                "skTanggal": dmy(start - timedelta(days=7)),
                "hukumanTanggal": dmy(start),
                "akhirHukumanTanggal": dmy(_add_years(start, 1)) if tingkat == "S" else SENTINEL,
                "masaTahun": "1" if tingkat == "S" else "0",
                "masaBulan": "0",
            }
        ]

    def rw_diklat(self, nip: str) -> list[dict[str, Any]] | None:
        e = self.employees.get(nip)
        if e is None or e.head_of is None:
            return None
        rng = self._rng(e, "diklat")
        when = _rand_date(rng, _add_years(e.tmt_cpns, 5), TODAY)
        pim = {"41": ("4", "PELATIHAN KEPEMIMPINAN PENGAWAS")}.get(
            e.head_of.eselon_id or "", ("3", "PELATIHAN KEPEMIMPINAN ADMINISTRATOR")
        )
        return [
            {
                "id": _hex(self.seed, "diklat", e.index),
                "jenisDiklatId": "1",
                "latihanStrukturalId": pim[0],
                "latihanStrukturalNama": pim[1],
                "nomor": f"PKP/{e.index}/{when.year}",
                "tanggal": dmy(when),
                "tanggalSelesai": dmy(when + timedelta(days=rng.randint(30, 120))),
                "tahun": str(when.year),
                "jumlahJam": str(rng.choice((300, 450, 600))),
                "institusiPenyelenggara": "BPSDM PROVINSI CONTOH",
            }
        ]

    def _spouse_of(self, e: Employee) -> Employee | None:
        """Employees 25k and 25k+1 are married to each other: kinship facts to derive."""
        other = e.index + 1 if e.index % 25 == 0 else e.index - 1 if e.index % 25 == 1 else -1
        if 0 <= other < len(self.nips):
            spouse = self.employees[self.nips[other]]
            return spouse if spouse.sex != e.sex else None
        return None

    def data_pasangan(self, nip: str) -> dict[str, Any] | None:
        e = self.employees.get(nip)
        if e is None:
            return None
        rng = self._rng(e, "pasangan")
        spouse = self._spouse_of(e)
        if spouse is None and rng.random() < 0.25:
            return None
        if spouse is not None:
            name, birth, sex, is_pns = self.name(spouse), spouse.birth, spouse.sex, True
            gelar = self.education(spouse)[3]
        else:
            sex = 2 if e.sex == 1 else 1
            name = f"{rng.choice(FIRST_F if sex == 2 else FIRST_M)} {rng.choice(LAST)}"
            birth = _rand_date(rng, e.birth - timedelta(days=2000), e.birth + timedelta(days=2000))
            is_pns, gelar = False, ""
        married = _rand_date(
            rng, _add_years(max(e.birth, birth), 22), e.tmt_cpns + timedelta(days=2000)
        )
        return {
            "nipBaru": e.nip,
            "listPasangan": [
                {
                    "statusNikah": "1",
                    "dataPernikahan": {
                        "id": _uuid(
                            self.seed, "nikah", min(e.index, spouse.index) if spouse else e.index
                        ),
                        "aktaMenikah": f"AM-{e.index:06d}",
                        "tgglMenikah": dmy(min(married, TODAY)),
                        "isPns": is_pns,
                    },
                    "orang": {
                        "nama": name,
                        "tglLahir": dmy(birth),
                        "jenisKelamin": "M" if sex == 1 else "F",
                        "gelarDepan": "",
                        "gelarBlk": gelar,
                    },
                }
            ],
        }

    def data_anak(self, nip: str) -> dict[str, Any] | None:
        e = self.employees.get(nip)
        if e is None:
            return None
        rng = self._rng(e, "anak")
        count = rng.choice((0, 1, 2, 2, 3))
        if count == 0:
            return None
        children = []
        family_name = self.name(e).split()[-1]
        for k in range(count):
            birth = _rand_date(
                rng, _add_years(e.birth, 24 + 3 * k), _add_years(e.birth, 27 + 3 * k)
            )
            if birth >= TODAY:
                continue
            sex = rng.choice((1, 2))
            children.append(
                {
                    "nama": f"{rng.choice(FIRST_M if sex == 1 else FIRST_F)} {family_name}",
                    "tglLahir": dmy(birth),
                    "jenisKelamin": "M" if sex == 1 else "F",
                    "isPns": False,
                    "jenisAnak": "1",
                }
            )
        return {"nipBaru": e.nip, "listAnak": children} if children else None

    def data_ortu(self, nip: str) -> dict[str, Any] | None:
        e = self.employees.get(nip)
        if e is None:
            return None
        rng = self._rng(e, "ortu")
        # Siblings: every 40th pair of employees share parents (kinship to derive).
        family = e.index - e.index % 2 if e.index % 40 in (10, 11) else e.index
        prng = random.Random(f"{self.seed}:{family}:parents")
        return {
            "nipBaru": e.nip,
            "ayah": {
                "nama": f"{prng.choice(FIRST_M)} {prng.choice(LAST)}",
                "tglLahir": dmy(_add_years(e.birth, -prng.randint(25, 35)))
                if rng.random() < 0.8
                else "",
                "jenisKelamin": "M",
            },
            "ibu": {
                "nama": f"{prng.choice(FIRST_F)} {prng.choice(LAST)}",
                "tglLahir": SENTINEL,
                "jenisKelamin": "F",
            },
        }

    def ref_unor(self) -> list[dict[str, Any]]:
        rows = []
        for u in self.unors:
            head = self.heads.get(u.id)
            vacant_value = "" if len(u.id) == 36 else None
            rows.append(
                {
                    "Id": u.id,
                    "InstansiId": self.instansi_id,
                    "DiatasanId": u.diatasan_id,
                    "EselonId": u.eselon_id,
                    "NamaUnor": u.nama,
                    "NamaJabatan": u.nama_jabatan,
                    "CepatKode": u.cepat_kode,
                    "IndukUnorId": u.induk_id,
                    "PemimpinPnsId": self.pns_id(head) if head else vacant_value,
                    "JenisUnorId": u.jenis_unor_id,
                }
            )
        return rows
