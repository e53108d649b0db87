"""The SK draft of a mutasi round: the list of moves (lampiran keputusan) in the form BKD
uses, built from the execution snapshots of a round's proposals. Pure data and formatting
helpers; the .xlsx and PDF renderings live in `adapters/sk_documents.py`.

Labels follow DOMAIN.md §1.8: a PNS golongan is shown as "pangkat (gol/ruang)", e.g.
"Penata Muda (III/a)"; a PPPK has no pangkat, only a golongan in roman numerals I–XVII
("Golongan IX")."""

from dataclasses import dataclass
from datetime import date

from tatamutasi_contracts.pegawai import PPPK_GOLONGAN
from tatamutasi_matching.domain.tables import GOLONGAN

BULAN: tuple[str, ...] = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

PANGKAT: dict[str, str] = {
    "11": "Juru Muda",
    "12": "Juru Muda Tk I",
    "13": "Juru",
    "14": "Juru Tk I",
    "21": "Pengatur Muda",
    "22": "Pengatur Muda Tk I",
    "23": "Pengatur",
    "24": "Pengatur Tk I",
    "31": "Penata Muda",
    "32": "Penata Muda Tk I",
    "33": "Penata",
    "34": "Penata Tk I",
    "41": "Pembina",
    "42": "Pembina Tk I",
    "43": "Pembina Utama Muda",
    "44": "Pembina Utama Madya",
    "45": "Pembina Utama",
}
"""BKN golongan id → pangkat (DOMAIN.md §1.8)."""


JENIS_PENUGASAN: dict[str, str] = {
    "D": "Definitif",
    "PLT": "Pelaksana Tugas (Plt.)",
    "PLH": "Pelaksana Harian (Plh.)",
}


@dataclass(frozen=True)
class SkLine:
    """One move in the lampiran, as snapshotted at execution."""

    number: int
    name: str
    nip: str
    golongan: str | None  # a label, e.g. "Penata Muda (III/a)" (see `golongan_label`)
    from_jabatan: str | None
    from_unit: str | None
    to_jabatan: str
    to_unit: str
    jenis_penugasan: str  # "D", "PLT", "PLH", ...
    tmt: date | None
    note: str | None


@dataclass(frozen=True)
class SkDraft:
    """A round's SK draft: who decides (PPK), which round, the SK number and date once known,
    and the lines in order."""

    pemda_name: str
    ppk_title: str  # e.g. "GUBERNUR LAMPUNG"
    round_name: str
    sk_number: str | None
    sk_date: date | None
    lines: tuple[SkLine, ...]


def format_tanggal(d: date) -> str:
    """An Indonesian long date: 23 November 2026 (no leading zero, month name in full)."""
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def golongan_label(golongan_id: str) -> str:
    """ "31" → "Penata Muda (III/a)"; a PPPK roman numeral "IX" → "Golongan IX"; a gol/ruang
    already written out ("III/a") → its pangkat label; anything else is returned as given,
    so an unexpected code is shown rather than lost."""
    code = golongan_id.strip()
    if code in PANGKAT:
        return f"{PANGKAT[code]} ({GOLONGAN[code]})"
    for gid, ruang in GOLONGAN.items():
        if code.upper() == ruang.upper():
            return f"{PANGKAT[gid]} ({ruang})"
    if code.upper() in PPPK_GOLONGAN:
        return f"Golongan {code.upper()}"
    return code


def jenis_penugasan_label(code: str) -> str:
    """ "D" → "Definitif", "PLT" → "Pelaksana Tugas (Plt.)"; unknown codes as given."""
    return JENIS_PENUGASAN.get(code.strip().upper(), code)


def jabatan_with_unit(jabatan: str | None, unit: str | None) -> str:
    """ "Analis Kebijakan" + "Dinas Kesehatan" → "Analis Kebijakan pada Dinas Kesehatan";
    either part may be missing; "-" when both are."""
    parts = [p for p in (jabatan, unit) if p]
    if len(parts) == 2:
        return f"{parts[0]} pada {parts[1]}"
    return parts[0] if parts else "-"
