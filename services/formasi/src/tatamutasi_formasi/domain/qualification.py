"""Qualification gaps: does a holder meet the requirements of the post they hold?

`QualificationCheck` is the fast form of `requirements.evaluate` for reports over tens of
thousands of holders: per jabatan it is built once, and per holder it answers which aspects
fail and which cannot be checked (facts unknown), without building explanations. The gap
report calls `evaluate` only for the holders that fail, to explain them. A property test
keeps the two in agreement.

Also here: recognising a training record (`pegawai.training_recorded` name / jenis) as one of
the training codes jabatan requirements name, and the equivalence of the pre-2019
leadership trainings with their successors (Perlan LAN 2019: Diklatpim IV -> PKP,
Diklatpim III -> PKA, Diklatpim II -> PKN II)."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tatamutasi_formasi.domain.codes import EDUCATION_LEVELS, GOLONGAN, TRAINING_CODES
from tatamutasi_formasi.domain.requirements import Requirements, normalise_field

# The aspects a gap report checks, in report order. Named conditions (age, SKP, ...) need
# facts the read model does not hold; they are checked per person by /jabatan/{id}/evaluate.
ASPECTS: tuple[str, ...] = ("golongan", "education", "managerial", "technical", "training")

ASPECT_NAMES: dict[str, tuple[str, str]] = {
    "golongan": ("golongan", "rank (golongan)"),
    "education": ("pendidikan", "education"),
    "managerial": ("kompetensi manajerial", "managerial competency"),
    "technical": ("kompetensi teknis", "technical competency"),
    "training": ("diklat", "training"),
}

# The eight managerial competencies of PermenPANRB 38/2017 as keyed by SIASN asesmen;
# `perekatBangsa` (socio-cultural) has its own standard and is not part of the level check.
MANAGERIAL_KEYS: tuple[str, ...] = (
    "integritas",
    "kerjasama",
    "komunikasi",
    "orientasiPadaHasil",
    "pelayananPublik",
    "pengembanganDiriDanOrla",
    "mengelolaPerubahan",
    "pengambilanKeputusan",
)

# Held training -> also counts as (both directions: the old and the new name of one course).
TRAINING_EQUIVALENT: dict[str, tuple[str, ...]] = {
    "PIM_IV": ("PKP",),
    "PKP": ("PIM_IV",),
    "PIM_III": ("PKA",),
    "PKA": ("PIM_III",),
    "PIM_II": ("PKN_II",),
    "PKN_II": ("PIM_II",),
}

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(LATSAR|PELATIHAN DASAR|PRAJABATAN|DIKLAT PRAJAB(ATAN)?)\b"), "LATSAR"),
    (re.compile(r"\b(PKN|KEPEMIMPINAN NASIONAL)\b.*\b(II|2)\b"), "PKN_II"),
    (re.compile(r"\b(PKA|KEPEMIMPINAN ADMINISTRATOR)\b"), "PKA"),
    (re.compile(r"\b(PKP|KEPEMIMPINAN PENGAWAS)\b"), "PKP"),
    (re.compile(r"\b(PBJ|PENGADAAN BARANG)\b"), "SERTIFIKASI_PBJ"),
    (re.compile(r"\b(DIKLAT|PELATIHAN) (FUNGSIONAL|PENJENJANGAN)\b"), "DIKLAT_JF"),
)
_PIM = re.compile(r"\b(DIKLATPIM|PIM|KEPEMIMPINAN)\b(?: TINGKAT| TK)? (IV|III|II|I|[1-4])\b")


def training_code(name: str, code_hint: str | None = None) -> str | None:
    """The TRAINING_CODES code a training record stands for, or None (a technical course,
    a seminar, ...). `code_hint` is taken when it is itself a known code."""
    for candidate in (code_hint, name):
        if candidate and candidate.strip().upper() in TRAINING_CODES:
            return candidate.strip().upper()
    text = normalise_field(name)
    pim = _PIM.search(text)
    if pim:
        level = _ROMAN.get(pim.group(2)) or int(pim.group(2))
        return {2: "PIM_II", 3: "PIM_III", 4: "PIM_IV"}.get(level)
    for pattern, code in _PATTERNS:
        if pattern.search(text):
            return code
    return None


def held_training(codes: Iterable[str]) -> frozenset[str]:
    """The codes held, with the equivalent old/new names of the leadership trainings."""
    out = set(codes)
    for c in list(out):
        out.update(TRAINING_EQUIVALENT.get(c, ()))
    return frozenset(out)


def managerial_minimum(scores: Mapping[str, float]) -> float | None:
    """The lowest of the eight managerial scores present (None: none present)."""
    values = [float(scores[k]) for k in MANAGERIAL_KEYS if k in scores]
    return min(values) if values else None


def managerial_scores(scores: Mapping[str, float]) -> dict[str, float]:
    return {k: float(scores[k]) for k in MANAGERIAL_KEYS if k in scores}


@dataclass(frozen=True)
class HolderFacts:
    """What the read model knows of a holder (None: unknown)."""

    golongan_id: str | None = None
    education_level_id: str | None = None
    education_field: str | None = None
    managerial_min: float | None = None
    technical: Mapping[str, int] | None = None
    training: frozenset[str] | None = None  # None: no training on record


_RANK = {gid: i for i, gid in enumerate(GOLONGAN)}


class QualificationCheck:
    """Per jabatan, built once: `run(facts)` -> (failed aspects, unknown aspects), the same
    verdicts as `requirements.evaluate(req, holder, aspects=ASPECTS)` (an aspect fails when
    any of its checks is not met; it is unknown when none fails and one cannot be checked)."""

    def __init__(self, req: Requirements) -> None:
        self._lo = _RANK[req.min_golongan_id] if req.min_golongan_id else None
        self._hi = _RANK[req.max_golongan_id] if req.max_golongan_id else None
        self._education = [
            (
                EDUCATION_LEVELS[o.min_level_id][1],
                tuple(f" {normalise_field(f)} " for f in o.fields),
            )
            for o in req.education
        ]
        self._managerial = req.managerial_level
        self._technical = tuple((c.code, c.level) for c in req.technical)
        self._training = tuple(req.training)
        self.requires = frozenset(
            a
            for a, present in (
                ("golongan", self._lo is not None or self._hi is not None),
                ("education", bool(self._education)),
                ("managerial", self._managerial is not None),
                ("technical", bool(self._technical)),
                ("training", bool(self._training)),
            )
            if present
        )

    def run(self, f: HolderFacts) -> tuple[tuple[str, ...], tuple[str, ...]]:
        failed: list[str] = []
        unknown: list[str] = []
        if self._lo is not None or self._hi is not None:
            rank = _RANK.get(f.golongan_id or "")
            if rank is None:
                unknown.append("golongan")
            elif (self._lo is not None and rank < self._lo) or (
                self._hi is not None and rank > self._hi
            ):
                failed.append("golongan")
        if self._education:
            verdict = self._education_verdict(f)
            if verdict == "not_met":
                failed.append("education")
            elif verdict == "unknown":
                unknown.append("education")
        if self._managerial is not None:
            if f.managerial_min is None:
                unknown.append("managerial")
            elif f.managerial_min < self._managerial:
                failed.append("managerial")
        if self._technical:
            tech = f.technical
            if tech is not None and any(c in tech and tech[c] < lv for c, lv in self._technical):
                failed.append("technical")
            elif tech is None or any(c not in tech for c, _ in self._technical):
                unknown.append("technical")
        if self._training:
            if f.training is None:
                unknown.append("training")
            elif any(t not in f.training for t in self._training):
                failed.append("training")
        return tuple(failed), tuple(unknown)

    def _education_verdict(self, f: HolderFacts) -> str:
        if f.education_level_id not in EDUCATION_LEVELS:
            return "unknown"
        order = EDUCATION_LEVELS[f.education_level_id][1]
        have = f" {normalise_field(f.education_field)} " if f.education_field else None
        field_unknown = False
        for need, fields in self._education:
            if order < need:
                continue
            if not fields:
                return "met"
            if have is None:
                field_unknown = True
                continue
            if any(w != "  " and w in have for w in fields):
                return "met"
        return "unknown" if field_unknown else "not_met"
