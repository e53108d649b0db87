"""Registry rules: SKP predikat (PermenPANRB 6/2022), JPM (PermenPANRB 38/2017) and the
derivation of kinship facts between employees. Pure functions (DOMAIN.md §4.2, §4.3)."""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

# -- SKP 2022+ ------------------------------------------------------------------------------
#: (hasil kinerja, perilaku kerja) -> predikat; 1 di atas, 2 sesuai, 3 di bawah ekspektasi;
#: predikat 1 Sangat Baik, 2 Baik, 3 Butuh Perbaikan, 4 Kurang/Misconduct, 5 Sangat Kurang.
PREDIKAT_MATRIX: dict[tuple[int, int], int] = {
    (1, 1): 1,
    (1, 2): 2,
    (1, 3): 4,
    (2, 1): 2,
    (2, 2): 2,
    (2, 3): 4,
    (3, 1): 3,
    (3, 2): 3,
    (3, 3): 5,
}
PREDIKAT_NAMES = {
    1: "Sangat Baik",
    2: "Baik",
    3: "Butuh Perbaikan",
    4: "Kurang/Misconduct",
    5: "Sangat Kurang",
}


def skp_predikat(hasil_kinerja: int, perilaku_kerja: int) -> int:
    """The predikat of the PermenPANRB 6/2022 matrix."""
    return PREDIKAT_MATRIX[(hasil_kinerja, perilaku_kerja)]


# -- assessments ----------------------------------------------------------------------------
POTENSI_KEYS = (
    "berfikirKritis",
    "intelektual",
    "interpersonal",
    "kesadaranDiri",
    "motivasiKomitmen",
)
KOMPETENSI_KEYS = (
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

#: Standard managerial level per eselon id (JPT madya 5, JPT pratama 4, administrator 3,
#: pengawas 2; §4.3). Pelaksana (jenis jabatan 4) is 1. JF levels vary: not derived.
STANDARD_LEVEL_BY_ESELON = {
    "10": 5,
    "11": 5,
    "12": 5,
    "21": 4,
    "22": 4,
    "31": 3,
    "32": 3,
    "41": 2,
    "42": 2,
}


def standard_level(eselon_id: str | None, jenis_jabatan: str | None) -> int | None:
    if eselon_id in STANDARD_LEVEL_BY_ESELON:
        return STANDARD_LEVEL_BY_ESELON[eselon_id]
    if jenis_jabatan == "4":
        return 1
    return None


def jpm(scores: Mapping[str, float], standard: int) -> float:
    """Job Person Match: how much of the jabatan's standard the person meets, as a
    percentage (0-100). Each competency counts up to the standard level only, so a surplus in
    one competency cannot hide a gap in another, and a pelaksana (standard 1) assessed at
    level 4 is a 100 % match, not 400 %."""
    keys = [k for k in KOMPETENSI_KEYS if k in scores]
    if not keys:
        raise ValueError("no competency scores")
    met = sum(min(scores[k], standard) for k in keys)
    return round(100.0 * met / (standard * len(keys)), 2)


def jpm_category(value: float) -> str:
    """Selection scale: MS >= 80 %, MMS 68-80 %, KMS < 68 % (§4.3)."""
    if value >= 80:
        return "MS"
    if value >= 68:
        return "MMS"
    return "KMS"


# -- kinship --------------------------------------------------------------------------------
_TITLE_TOKEN = re.compile(
    r"^(h|hj|ir|dr|drs|dra|prof|st|se|sh|mh|mm|mt|md|ak|amd|spd|skm|ssi|skep|"
    r"kom|sos|ip|ag|pd|kep|ked|psi|si|hum|sc|phd|ba|ma|mba|msc|sp|spog|spa|mpd|msi|"
    r"mkes|mkom|mpa|map|msc)$"
)


def normalise_name(name: str) -> str:
    """Upper-case ASCII name without academic/religious titles and punctuation, so that
    `Dr. Hj. Siti Aminah, S.Pd., M.M.` and `SITI AMINAH` compare equal. The part after the
    first comma is taken as gelar belakang and dropped."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = text.split(",", 1)[0]
    words = []
    for raw in text.replace(".", ". ").split():
        token = re.sub(r"[^A-Za-z']", "", raw).lower()
        if not token:
            continue
        if raw.endswith(".") and _TITLE_TOKEN.match(token):
            continue
        words.append(token.replace("'", "").upper())
    return " ".join(w for w in words if w)


def normalise_place(place: str | None) -> str | None:
    if not place:
        return None
    text = unicodedata.normalize("NFKD", place).encode("ascii", "ignore").decode().upper()
    text = re.sub(r"^(KABUPATEN|KAB\.?|KOTA)\s+", "", text.strip())
    return re.sub(r"[^A-Z0-9]+", " ", text).strip() or None


@dataclass(frozen=True)
class Person:
    """Identity facts used to recognise one person in two records."""

    name: str
    nik: str | None = None
    birth_date: date | None = None
    birth_place: str | None = None
    nip: str | None = None


@dataclass(frozen=True)
class Match:
    basis: str
    confidence: float


NIK_CONFIDENCE = 1.0
NAME_DOB_PLACE_CONFIDENCE = 0.9
SIBLING_FACTOR = 0.9


def same_person(a: Person, b: Person) -> Match | None:
    """By NIK (certain), else by normalised name + birth date + birth place (all three
    required). A name alone, or name + date without a place, is never a match. Two
    different NIKs (or NIPs) mean two people."""
    if a.nip and b.nip:
        return Match("nip", NIK_CONFIDENCE) if a.nip == b.nip else None
    if a.nik and b.nik:
        return Match("nik", NIK_CONFIDENCE) if a.nik == b.nik else None
    if a.birth_date is None or b.birth_date is None or a.birth_date != b.birth_date:
        return None
    pa, pb = normalise_place(a.birth_place), normalise_place(b.birth_place)
    if pa is None or pb is None or pa != pb:
        return None
    na, nb = normalise_name(a.name), normalise_name(b.name)
    if not na or na != nb:
        return None
    return Match("name+birth_date+birth_place", NAME_DOB_PLACE_CONFIDENCE)


#: Family record relation -> what the matched employee is to the record's owner.
FAMILY_RELATION = {"spouse": "spouse", "child": "child", "father": "parent", "mother": "parent"}
INVERSE = {"spouse": "spouse", "child": "parent", "parent": "child", "sibling": "sibling"}


@dataclass(frozen=True)
class FamilyMember:
    relation: str  # spouse, child, father, mother
    person: Person


@dataclass(frozen=True)
class Kin:
    other_nip: str
    relation: str  # what other_nip is to the owner
    basis: str
    confidence: float


def derive_kinship(
    owner_nip: str,
    owner_family: Iterable[FamilyMember],
    employees: Mapping[str, Person],
    families: Mapping[str, list[FamilyMember]],
) -> list[Kin]:
    """Relations of `owner_nip` to other registered employees.

    - a family member of the owner who is an employee: spouse/child/parent;
    - an employee whose own family record names the owner: the inverse relation;
    - an employee who shares a parent with the owner: sibling (confidence scaled down).
    For each other NIP the strongest fact per relation is kept; stable order."""
    best: dict[tuple[str, str], Kin] = {}

    def keep(kin: Kin) -> None:
        key = (kin.other_nip, kin.relation)
        if key not in best or kin.confidence > best[key].confidence:
            best[key] = kin

    own = list(owner_family)
    owner_person = employees.get(owner_nip)
    for member in own:
        for nip, person in employees.items():
            if nip == owner_nip:
                continue
            m = same_person(member.person, person)
            if m:
                keep(Kin(nip, FAMILY_RELATION[member.relation], m.basis, m.confidence))
    if owner_person is not None:
        for nip, members in families.items():
            if nip == owner_nip:
                continue
            for member in members:
                m = same_person(member.person, owner_person)
                if m:
                    relation = INVERSE[FAMILY_RELATION[member.relation]]
                    keep(Kin(nip, relation, f"{m.basis} (family of {nip})", m.confidence))
    own_parents = [m.person for m in own if m.relation in ("father", "mother")]
    if own_parents:
        for nip, members in families.items():
            if nip == owner_nip:
                continue
            for member in members:
                if member.relation not in ("father", "mother"):
                    continue
                for parent in own_parents:
                    m = same_person(parent, member.person)
                    if m:
                        keep(
                            Kin(
                                nip,
                                "sibling",
                                f"shared parent ({m.basis})",
                                round(m.confidence * SIBLING_FACTOR, 3),
                            )
                        )
    return sorted(best.values(), key=lambda k: (k.other_nip, k.relation))
