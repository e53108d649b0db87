"""BKN reference codes (DOMAIN.md §1.8) and their validation.

The built-in tables are the small code lists of §1.8; when the BKN reference dumps are
available (settings `reference_path`), the adapter in `adapters/reference_files.py` replaces
them with the full tables. Pure: no I/O here."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from tatamutasi_pegawai.domain.nip import FieldIssue

GOLONGAN: dict[str, str] = {
    "11": "I/a",
    "12": "I/b",
    "13": "I/c",
    "14": "I/d",
    "21": "II/a",
    "22": "II/b",
    "23": "II/c",
    "24": "II/d",
    "31": "III/a",
    "32": "III/b",
    "33": "III/c",
    "34": "III/d",
    "41": "IV/a",
    "42": "IV/b",
    "43": "IV/c",
    "44": "IV/d",
    "45": "IV/e",
}
ESELON: dict[str, str] = {
    "10": "I.a",
    "11": "I.a",
    "12": "I.b",
    "21": "II.a",
    "22": "II.b",
    "31": "III.a",
    "32": "III.b",
    "41": "IV.a",
    "42": "IV.b",
    "51": "V.a",
    "52": "V.b",
    "99": "NON",
    "00": "-",
}
JENIS_JABATAN: dict[str, str] = {
    "1": "Jabatan Struktural",
    "2": "Jabatan Fungsional Tertentu",
    "3": "Jabatan Rangkap (Struktural dan Fungsional)",
    "4": "Jabatan Fungsional Umum (pelaksana)",
}
TINGKAT_PENDIDIKAN: dict[str, str] = {
    "05": "SD",
    "10": "SLTP",
    "12": "SLTP Kejuruan",
    "15": "SLTA",
    "17": "SLTA Kejuruan",
    "18": "SLTA Keguruan",
    "20": "D-I",
    "25": "D-II",
    "30": "D-III/Sarjana Muda",
    "35": "D-IV",
    "40": "S-1",
    "42": "Profesi",
    "45": "S-2",
    "47": "Spesialis",
    "49": "Sub-spesialis",
    "50": "S-3",
}
KEDUDUKAN: dict[str, str] = {
    "01": "Aktif",
    "02": "CLTN",
    "03": "Tugas Belajar",
    "04": "Pemberhentian Sementara",
    "15": "PNS kena hukuman disiplin",
    "20": "Masa Persiapan Pensiun",
    "66": "Diberhentikan",
    "88": "Pemberhentian dengan hak pensiun",
    "92": "Pemblokiran Data PNS",
    "98": "Mencapai BUP",
    "99": "Pensiun",
}
JENIS_PENUGASAN: dict[str, str] = {
    "D": "Definitif",
    "PLT": "Pelaksana Tugas (PLT)",
    "PLH": "Pelaksana Harian (PLH)",
    "PJ": "Pejabat Non Definitif (PJ)",
    "TT": "Tugas Tambahan",
}
AGAMA: dict[str, str] = {
    "1": "Islam",
    "2": "Kristen",
    "3": "Katholik",
    "4": "Hindu",
    "5": "Budha",
    "6": "Konghucu",
    "7": "Lainnya",
}

#: Kedudukan hukum codes after which an employee is no longer in service.
INACTIVE_KEDUDUKAN = frozenset({"66", "88", "98", "99"})

_LABELS: dict[str, tuple[str, str]] = {
    "golongan": ("golongan", "golongan"),
    "eselon": ("eselon", "eselon"),
    "jenis_jabatan": ("jenis jabatan", "jenis jabatan"),
    "tingkat_pendidikan": ("education level", "tingkat pendidikan"),
    "kedudukan": ("kedudukan hukum", "kedudukan hukum"),
    "jenis_penugasan": ("assignment type", "jenis penugasan"),
    "agama": ("religion", "agama"),
    "jenis_hukuman": ("sanction type", "jenis hukuman"),
}


@dataclass(frozen=True)
class ReferenceTables:
    """Code -> name per table. `jenis_hukuman` maps id -> (name, tingkat R/S/B); it is
    empty (unchecked) without the BKN dumps. `source` says where the tables came from."""

    golongan: Mapping[str, str] = field(default_factory=lambda: dict(GOLONGAN))
    eselon: Mapping[str, str] = field(default_factory=lambda: dict(ESELON))
    jenis_jabatan: Mapping[str, str] = field(default_factory=lambda: dict(JENIS_JABATAN))
    tingkat_pendidikan: Mapping[str, str] = field(default_factory=lambda: dict(TINGKAT_PENDIDIKAN))
    kedudukan: Mapping[str, str] = field(default_factory=lambda: dict(KEDUDUKAN))
    jenis_penugasan: Mapping[str, str] = field(default_factory=lambda: dict(JENIS_PENUGASAN))
    agama: Mapping[str, str] = field(default_factory=lambda: dict(AGAMA))
    jenis_hukuman: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    source: str = "built-in (DOMAIN.md §1.8)"

    def check(self, table: str, code: str | None, field_name: str) -> FieldIssue | None:
        """None when `code` is None or known; otherwise a bilingual field issue."""
        if code is None:
            return None
        codes: Mapping[str, object] = getattr(self, table)
        if table == "jenis_hukuman" and not codes:
            return None  # no table loaded: cannot check
        if code in codes:
            return None
        en, id_ = _LABELS[table]
        sample = ", ".join(sorted(codes)[:8])
        return FieldIssue(
            field_name,
            f"unknown_{table}",
            f"Unknown {en} code {code!r} (BKN reference, e.g. {sample}, ...)",
            f"Kode {id_} {code!r} tidak dikenal (referensi BKN, mis. {sample}, ...)",
        )

    def name(self, table: str, code: str | None) -> str | None:
        if code is None:
            return None
        value = getattr(self, table).get(code)
        if isinstance(value, tuple):
            return str(value[0])
        return None if value is None else str(value)


BUILTIN = ReferenceTables()


def golongan_roman(golongan_id: str) -> str | None:
    return GOLONGAN.get(golongan_id)
