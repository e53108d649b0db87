"""Reference tables where the law is a table (DOMAIN.md §1.8, §3.4, §4.2, §4.3).

Each table carries the citation it was taken from. Codes are BKN reference codes."""

from dataclasses import dataclass

GOLONGAN: dict[str, str] = {
    "11": "I/a", "12": "I/b", "13": "I/c", "14": "I/d",
    "21": "II/a", "22": "II/b", "23": "II/c", "24": "II/d",
    "31": "III/a", "32": "III/b", "33": "III/c", "34": "III/d",
    "41": "IV/a", "42": "IV/b", "43": "IV/c", "44": "IV/d", "45": "IV/e",
}  # fmt: skip
"""BKN golongan id → label. Ids sort in rank order (I/a lowest, IV/e highest)."""

GOLONGAN_ORDER: dict[str, int] = {gid: i for i, gid in enumerate(GOLONGAN)}


@dataclass(frozen=True)
class RankRange:
    lowest: str  # golongan id
    highest: str
    citation: str


ESELON_CITATION = "PP 100/2000 jo. PP 13/2002 (Lampiran: pangkat terendah–tertinggi per eselon)"
ESELON_RANK_RANGE: dict[str, RankRange] = {
    "10": RankRange("44", "45", ESELON_CITATION),  # I.a
    "11": RankRange("44", "45", ESELON_CITATION),  # I.a (JPT madya)
    "12": RankRange("43", "45", ESELON_CITATION),  # I.b
    "21": RankRange("43", "44", ESELON_CITATION),  # II.a
    "22": RankRange("42", "43", ESELON_CITATION),  # II.b
    "31": RankRange("41", "42", ESELON_CITATION),  # III.a
    "32": RankRange("34", "41", ESELON_CITATION),  # III.b
    "41": RankRange("33", "34", ESELON_CITATION),  # IV.a
    "42": RankRange("32", "33", ESELON_CITATION),  # IV.b
    "51": RankRange("31", "32", ESELON_CITATION),  # V.a
}

JF_CITATION = "PermenPANRB per jabatan fungsional (jenjang × pangkat); DOMAIN.md §3.4"
JF_RANK_RANGE: dict[str, RankRange] = {
    "PT": RankRange("31", "32", JF_CITATION),  # Ahli Pertama
    "MU": RankRange("33", "34", JF_CITATION),  # Ahli Muda
    "MA": RankRange("41", "43", JF_CITATION),  # Ahli Madya
    "UT": RankRange("44", "45", JF_CITATION),  # Ahli Utama
    "PM": RankRange("21", "21", JF_CITATION),  # Pemula
    "TR": RankRange("22", "24", JF_CITATION),  # Terampil
    "MH": RankRange("31", "32", JF_CITATION),  # Mahir
    "PY": RankRange("33", "34", JF_CITATION),  # Penyelia
}

EDUCATION_LEVEL: dict[str, str] = {
    "05": "SD", "10": "SLTP", "12": "SLTP Kejuruan", "15": "SLTA", "17": "SLTA Kejuruan",
    "18": "SLTA Keguruan", "20": "D-I", "25": "D-II", "30": "D-III", "35": "D-IV",
    "40": "S-1", "42": "Profesi", "45": "S-2", "47": "Spesialis", "49": "Sub-spesialis",
    "50": "S-3",
}  # fmt: skip
"""Tingkat pendidikan id → label. Equivalent levels share an ordinal (D-IV = S-1)."""

EDUCATION_ORDINAL: dict[str, int] = {
    "05": 1, "10": 2, "12": 2, "15": 3, "17": 3, "18": 3, "20": 4, "25": 5, "30": 6,
    "35": 7, "40": 7, "42": 8, "45": 9, "47": 9, "49": 10, "50": 10,
}  # fmt: skip

MANAGERIAL_KEYS: tuple[str, ...] = (
    "integritas",
    "kerjasama",
    "komunikasi",
    "orientasiPadaHasil",
    "pelayananPublik",
    "pengembanganDiriDanOrangLain",
    "mengelolaPerubahan",
    "pengambilanKeputusan",
)
SOCIO_CULTURAL_KEYS: tuple[str, ...] = ("perekatBangsa",)
COMPETENCY_KEYS: tuple[str, ...] = MANAGERIAL_KEYS + SOCIO_CULTURAL_KEYS

STANDARD_CITATION = "PermenPANRB 38/2017 (standar kompetensi jabatan ASN)"
MANAGERIAL_STANDARD: dict[str, int] = {
    "jpt_utama": 5,
    "jpt_madya": 5,
    "jpt_pratama": 4,
    "administrator": 3,
    "pengawas": 2,
    "pelaksana": 1,
}
"""Standard managerial (and socio-cultural) level per jabatan class, same for all 9 keys.
Functional posts carry their own standard (`Post.competency_standard`)."""

ESELON_CLASS: dict[str, str] = {
    "10": "jpt_utama", "11": "jpt_madya", "12": "jpt_madya", "21": "jpt_pratama",
    "22": "jpt_pratama", "31": "administrator", "32": "administrator", "41": "pengawas",
    "42": "pengawas", "51": "pelaksana", "52": "pelaksana",
}  # fmt: skip

PREDIKAT: dict[int, str] = {
    1: "Sangat Baik",
    2: "Baik",
    3: "Butuh Perbaikan",
    4: "Kurang",
    5: "Sangat Kurang",
}
"""SKP predikat kinerja (PermenPANRB 6/2022; SIASN `kuadranKinerjaNilai`)."""

JENIS_DIKLAT: dict[str, str] = {
    "1": "Diklat Struktural",
    "2": "Diklat Fungsional",
    "3": "Diklat Teknis",
    "5": "Pelatihan Manajerial",
    "6": "Pelatihan Sosial Kultural",
    "8": "Bimbingan Teknis",
}
"""BKN jenis diklat ids (SIASN reference `jenisDiklat`) used for training recommendations."""
