"""The demo Pemda: a small synthetic city government, clearly marked as such.

Every name, NIP and unit here is invented (data sintetis). It is loaded through the public
APIs, exactly as a client would, so the demo exercises the real paths and fills the ledger."""

import random
from dataclasses import dataclass
from datetime import date

PEMDA_NAME = "Pemerintah Kota Contoh (DEMO — data sintetis)"

OPD: tuple[tuple[str, str], ...] = (
    ("DEMO-SETDA", "Sekretariat Daerah"),
    ("DEMO-BKPSDM", "Badan Kepegawaian dan Pengembangan SDM"),
    ("DEMO-BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah"),
    ("DEMO-DINKES", "Dinas Kesehatan"),
    ("DEMO-DISDIK", "Dinas Pendidikan dan Kebudayaan"),
    ("DEMO-KOMINFO", "Dinas Komunikasi dan Informatika"),
)

JABATAN: tuple[tuple[str, str], ...] = (
    ("DEMO-J-KADIS", "Kepala Dinas"),
    ("DEMO-J-SEKR", "Sekretaris"),
    ("DEMO-J-KABID", "Kepala Bidang"),
    ("DEMO-J-KASUBBAG", "Kepala Subbagian"),
    ("DEMO-J-ANALIS", "Analis Kebijakan Ahli Muda"),
    ("DEMO-J-PRANATA", "Pranata Komputer Ahli Pertama"),
    ("DEMO-J-PENGADM", "Pengadministrasi Perkantoran"),
)

_FIRST_M = ("Budi", "Agus", "Rudi", "Hendra", "Dedi", "Ahmad", "Yusuf", "Fajar", "Rizki", "Bayu")
_FIRST_F = ("Siti", "Dewi", "Ratna", "Putri", "Nur", "Indah", "Ayu", "Rina", "Lestari", "Wulan")
_LAST = (
    "Santoso",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Lubis",
    "Siregar",
    "Nasution",
    "Pratama",
    "Kurniawan",
    "Rahmawati",
    "Setiawan",
    "Harahap",
)
_TITLES = ("", "S.E.", "S.Kom.", "S.Kep.", "S.Pd.", "S.H.", "M.M.", "S.T., M.T.")


@dataclass(frozen=True)
class DemoPegawai:
    nip: str
    name: str
    unor_id: str
    jabatan_id: str


def make_nip(birth: date, tmt_year: int, tmt_month: int, sex: int, serial: int) -> str:
    return f"{birth:%Y%m%d}{tmt_year:04d}{tmt_month:02d}{sex}{serial:03d}"


def demo_pegawai(count: int = 36, seed: int = 2027) -> list[DemoPegawai]:
    rng = random.Random(seed)
    out: list[DemoPegawai] = []
    seen: set[str] = set()
    while len(out) < count:
        sex = rng.choice((1, 2))
        birth = date(rng.randint(1968, 1996), rng.randint(1, 12), rng.randint(1, 28))
        tmt_year = birth.year + rng.randint(22, 30)
        nip = make_nip(birth, min(tmt_year, 2024), rng.randint(1, 12), sex, rng.randint(1, 30))
        if nip in seen:
            continue
        seen.add(nip)
        first = rng.choice(_FIRST_M if sex == 1 else _FIRST_F)
        title = rng.choice(_TITLES)
        name = f"{first} {rng.choice(_LAST)}" + (f", {title}" if title else "")
        unor_id = OPD[len(out) % len(OPD)][0]
        jabatan_id = JABATAN[rng.randrange(len(JABATAN))][0]
        out.append(DemoPegawai(nip, name, unor_id, jabatan_id))
    return out
