"""Reference codes the formasi rules need (DOMAIN.md §1.8, §3.4, §4.3), as plain data.

Values marked UNCONFIRMED in DOMAIN.md are defaults that a jabatan may override."""

from typing import Literal

JabatanJenis = Literal["struktural", "fungsional", "pelaksana"]
JabatanLevel = Literal[
    "jpt_utama",
    "jpt_madya",
    "jpt_pratama",
    "administrator",
    "pengawas",
    "eselon_v",
    "fungsional",
    "pelaksana",
]

# Golongan ids in ladder order (I/a .. IV/e); the numeric id order is the ladder order.
GOLONGAN: dict[str, str] = {
    "11": "I/a", "12": "I/b", "13": "I/c", "14": "I/d",
    "21": "II/a", "22": "II/b", "23": "II/c", "24": "II/d",
    "31": "III/a", "32": "III/b", "33": "III/c", "34": "III/d",
    "41": "IV/a", "42": "IV/b", "43": "IV/c", "44": "IV/d", "45": "IV/e",
}  # fmt: skip
GOLONGAN_BY_NAME: dict[str, str] = {v: k for k, v in GOLONGAN.items()}
# PPPK golongan are roman numerals I..XVII (DOMAIN.md §1.9); they have no PNS rank range.


_GOLONGAN_RANK = {gid: i for i, gid in enumerate(GOLONGAN)}


def golongan_rank(golongan_id: str) -> int:
    """Position on the ladder (0 = I/a); KeyError for an unknown id."""
    return _GOLONGAN_RANK[golongan_id]


# Eselon id -> (name, level, min golongan, max golongan)  (§1.8, §3.4 PP 13/2002 table)
ESELON: dict[str, tuple[str, JabatanLevel, str, str]] = {
    "10": ("I.a", "jpt_utama", "44", "45"),
    "11": ("I.a", "jpt_madya", "44", "45"),
    "12": ("I.b", "jpt_madya", "43", "45"),
    "21": ("II.a", "jpt_pratama", "43", "44"),
    "22": ("II.b", "jpt_pratama", "42", "43"),
    "31": ("III.a", "administrator", "41", "42"),
    "32": ("III.b", "administrator", "34", "41"),
    "41": ("IV.a", "pengawas", "33", "34"),
    "42": ("IV.b", "pengawas", "32", "33"),
    "51": ("V.a", "eselon_v", "31", "32"),
    "52": ("V.b", "eselon_v", "31", "32"),
}

# JF jenjang -> (name, min golongan, max golongan)  (§1.8, §3.4)
JF_JENJANG: dict[str, tuple[str, str, str]] = {
    "PT": ("Ahli Pertama", "31", "32"),
    "MU": ("Ahli Muda", "33", "34"),
    "MA": ("Ahli Madya", "41", "43"),
    "UT": ("Ahli Utama", "44", "45"),
    "PM": ("Pemula", "21", "21"),
    "TR": ("Terampil", "22", "24"),
    "MH": ("Mahir", "31", "32"),
    "PY": ("Penyelia", "33", "34"),
}

# Standard managerial competency level per jabatan level (PermenPANRB 38/2017, §4.3).
MANAGERIAL_LEVEL: dict[str, int] = {
    "jpt_utama": 5,
    "jpt_madya": 5,
    "jpt_pratama": 4,
    "administrator": 3,
    "pengawas": 2,
    "eselon_v": 2,
    "pelaksana": 1,
}

# Tingkat pendidikan id -> (name, order). 42/47/49 are UNCONFIRMED names (profession/
# specialist levels); ordered between S-1 and S-3.
EDUCATION_LEVELS: dict[str, tuple[str, int]] = {
    "05": ("SD", 1),
    "10": ("SLTP", 2),
    "12": ("SLTP Kejuruan", 2),
    "15": ("SLTA", 3),
    "17": ("SLTA Kejuruan", 3),
    "18": ("SLTA Keguruan", 3),
    "20": ("D-I", 4),
    "25": ("D-II", 5),
    "30": ("D-III", 6),
    "35": ("D-IV", 7),
    "40": ("S-1", 7),
    "42": ("Profesi", 8),
    "45": ("S-2", 9),
    "47": ("Spesialis", 9),
    "49": ("Sub-spesialis", 10),
    "50": ("S-3", 10),
}

# Structural and other training (diklat) a jabatan may require.
TRAINING_CODES: dict[str, str] = {
    "LATSAR": "Pelatihan Dasar CPNS",
    "PIM_II": "Diklat Kepemimpinan Tingkat II",
    "PIM_III": "Diklat Kepemimpinan Tingkat III",
    "PIM_IV": "Diklat Kepemimpinan Tingkat IV",
    "PKN_II": "Pelatihan Kepemimpinan Nasional Tingkat II",
    "PKA": "Pelatihan Kepemimpinan Administrator",
    "PKP": "Pelatihan Kepemimpinan Pengawas",
    "DIKLAT_JF": "Diklat fungsional / penjenjangan JF",
    "SERTIFIKASI_PBJ": "Sertifikasi pengadaan barang/jasa",
}

# Unit (UNOR) types.
UNIT_TYPES: dict[str, str] = {
    "pemda": "Pemerintah Daerah",
    "sekretariat_daerah": "Sekretariat Daerah",
    "sekretariat_dprd": "Sekretariat DPRD",
    "inspektorat": "Inspektorat",
    "dinas": "Dinas",
    "badan": "Badan",
    "kantor": "Kantor",
    "satpol_pp": "Satuan Polisi Pamong Praja",
    "rsud": "Rumah Sakit Umum Daerah",
    "kecamatan": "Kecamatan",
    "kelurahan": "Kelurahan",
    "upt": "Unit Pelaksana Teknis",
    "puskesmas": "Puskesmas",
    "sekolah": "Sekolah",
    "biro": "Biro",
    "bagian": "Bagian",
    "sekretariat": "Sekretariat (of an OPD)",
    "bidang": "Bidang",
    "subbagian": "Subbagian",
    "subbidang": "Subbidang",
    "seksi": "Seksi",
    "lainnya": "Lainnya",
}
# Unit types that are an OPD (perangkat daerah) in their own right.
OPD_TYPES: frozenset[str] = frozenset(
    {
        "sekretariat_daerah",
        "sekretariat_dprd",
        "inspektorat",
        "dinas",
        "badan",
        "kantor",
        "satpol_pp",
        "rsud",
        "kecamatan",
    }
)

_NAME_PREFIXES: tuple[tuple[str, str], ...] = (
    ("SEKRETARIAT DAERAH", "sekretariat_daerah"),
    ("SEKRETARIAT DPRD", "sekretariat_dprd"),
    ("SEKRETARIAT DEWAN", "sekretariat_dprd"),
    ("SEKRETARIAT", "sekretariat"),
    ("INSPEKTORAT", "inspektorat"),
    ("DINAS", "dinas"),
    ("BADAN", "badan"),
    ("KANTOR", "kantor"),
    ("SATUAN POLISI", "satpol_pp"),
    ("RUMAH SAKIT", "rsud"),
    ("RSUD", "rsud"),
    ("KECAMATAN", "kecamatan"),
    ("KELURAHAN", "kelurahan"),
    ("UPT", "upt"),
    ("UNIT PELAKSANA", "upt"),
    ("PUSKESMAS", "puskesmas"),
    ("BIRO", "biro"),
    ("SUB BAGIAN", "subbagian"),
    ("SUBBAGIAN", "subbagian"),
    ("BAGIAN", "bagian"),
    ("SUB BIDANG", "subbidang"),
    ("SUBBIDANG", "subbidang"),
    ("BIDANG", "bidang"),
    ("SEKSI", "seksi"),
    ("SD ", "sekolah"),
    ("SMP", "sekolah"),
    ("SMA", "sekolah"),
    ("SMK", "sekolah"),
    ("PEMERINTAH", "pemda"),
)


def infer_unit_type(name: str) -> str:
    """A unit type from a SIASN `NamaUnor` (which carries no usable type code)."""
    upper = " ".join(name.upper().split()) + " "
    for prefix, unit_type in _NAME_PREFIXES:
        if upper.startswith(prefix):
            return unit_type
    return "lainnya"


def default_rank_range(
    jenis: JabatanJenis, eselon_id: str | None, jf_jenjang: str | None
) -> tuple[str | None, str | None]:
    """Default (min, max) golongan: from the eselon table for struktural posts, from the JF
    jenjang table for fungsional; none for pelaksana (set explicitly when needed)."""
    if jenis == "struktural" and eselon_id in ESELON:
        _, _, lo, hi = ESELON[eselon_id]
        return lo, hi
    if jenis == "fungsional" and jf_jenjang in JF_JENJANG:
        _, lo, hi = JF_JENJANG[jf_jenjang]
        return lo, hi
    return None, None


def level_for(jenis: JabatanJenis, eselon_id: str | None) -> JabatanLevel:
    if jenis == "struktural":
        if eselon_id not in ESELON:
            raise KeyError(eselon_id)
        return ESELON[eselon_id][1]
    return "fungsional" if jenis == "fungsional" else "pelaksana"
