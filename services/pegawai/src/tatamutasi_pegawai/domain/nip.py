"""NIP (PNS) and NI PPPK: structure and cross-checks (Perka BKN 22/2007 and 43/2007).

NIP PNS  = YYYYMMDD (birth) | YYYYMM (TMT CPNS) | G (1 male, 2 female) | NNN (001-999)
NI PPPK  = YYYYMMDD (birth) | YYYY (appointment year) | 2 | C (contract count 1-9) | G | NNN
Unlike NIK, no 40 is added to the day for women."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

MIN_AGE_AT_APPOINTMENT = 18
# Plausibility: NIPs of this form were issued from 1974 on, to people born after 1900, and
# nobody is appointed past the highest retirement age (BUP 65 for JPT/fungsional ahli utama).
MIN_BIRTH_YEAR = 1900
MAX_AGE_AT_APPOINTMENT = 65


class Kind(StrEnum):
    PNS = "PNS"
    PPPK = "PPPK"


@dataclass(frozen=True)
class NipInfo:
    kind: Kind
    birth_date: date
    appointment_year: int
    appointment_month: int | None  # None for PPPK (the NI holds only the year)
    sex: int  # 1 male, 2 female
    serial: int
    contract_count: int | None = None


@dataclass(frozen=True)
class NipIssue:
    code: str
    en: str
    id: str


class NipError(ValueError):
    def __init__(self, issue: NipIssue) -> None:
        super().__init__(issue.en)
        self.issue = issue


def _fail(code: str, en: str, id_: str) -> NipError:
    return NipError(NipIssue(code, en, id_))


def parse_nip(nip: str) -> NipInfo:
    """Parse and check the structure; raises NipError with a bilingual reason."""
    if len(nip) != 18 or not (nip.isascii() and nip.isdigit()):
        raise _fail(
            "nip_length", "A NIP has exactly 18 digits", "NIP harus terdiri dari tepat 18 angka"
        )
    try:
        birth = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        raise _fail(
            "nip_birth_date",
            f"Digits 1-8 ({nip[:8]}) are not a real birth date",
            f"Angka ke-1 s.d. 8 ({nip[:8]}) bukan tanggal lahir yang sah",
        ) from None
    if birth.year < MIN_BIRTH_YEAR:
        raise _fail(
            "nip_birth_date",
            f"Digits 1-8 ({nip[:8]}) give a birth year before {MIN_BIRTH_YEAR}",
            f"Angka ke-1 s.d. 8 ({nip[:8]}) memuat tahun lahir sebelum {MIN_BIRTH_YEAR}",
        )
    month_digits = int(nip[12:14])
    if 1 <= month_digits <= 12:
        kind, year, month, contracts = Kind.PNS, int(nip[8:12]), month_digits, None
    elif nip[12] == "2" and nip[13] in "123456789":
        kind, year, month, contracts = Kind.PPPK, int(nip[8:12]), None, int(nip[13])
    else:
        raise _fail(
            "nip_tmt",
            f"Digits 13-14 ({nip[12:14]}) are neither a TMT CPNS month "
            "(01-12) nor a PPPK marker (21-29)",
            f"Angka ke-13 s.d. 14 ({nip[12:14]}) bukan bulan TMT CPNS (01-12) "
            "maupun penanda PPPK (21-29)",
        )
    if year < birth.year + MIN_AGE_AT_APPOINTMENT:
        raise _fail(
            "nip_tmt_age",
            f"Appointment year {year} is before the holder turned {MIN_AGE_AT_APPOINTMENT}",
            f"Tahun pengangkatan {year} sebelum pemegang NIP berusia "
            f"{MIN_AGE_AT_APPOINTMENT} tahun",
        )
    if year > birth.year + MAX_AGE_AT_APPOINTMENT:
        raise _fail(
            "nip_tmt_age",
            f"Appointment year {year} is after the holder turned {MAX_AGE_AT_APPOINTMENT}",
            f"Tahun pengangkatan {year} setelah pemegang NIP berusia "
            f"{MAX_AGE_AT_APPOINTMENT} tahun",
        )
    sex = int(nip[14])
    if sex not in (1, 2):
        raise _fail(
            "nip_sex",
            f"Digit 15 ({nip[14]}) must be 1 (male) or 2 (female)",
            f"Angka ke-15 ({nip[14]}) harus 1 (laki-laki) atau 2 (perempuan)",
        )
    serial = int(nip[15:18])
    if serial == 0:
        raise _fail(
            "nip_serial",
            "The sequence number (digits 16-18) cannot be 000",
            "Nomor urut (angka ke-16 s.d. 18) tidak boleh 000",
        )
    return NipInfo(kind, birth, year, month, sex, serial, contracts)


# -- cross-check against the record's own data (DOMAIN.md §2.1 check 7) ---------------
@dataclass(frozen=True)
class FieldIssue:
    """A rule broken by one field: machine code plus both languages."""

    field: str
    code: str
    en: str
    id: str


SEX_DIGIT = {"M": 1, "F": 2}


def cross_check(
    info: NipInfo,
    *,
    birth_date: date | None = None,
    tmt_cpns: date | None = None,
    sex: str | None = None,
) -> list[FieldIssue]:
    """Compare what the NIP encodes with the record's own birth date, TMT CPNS (for PPPK:
    the TMT of the first PPPK appointment, only its year is encoded) and sex ("M"/"F").
    Fields that are not given are not checked. Returns every mismatch."""
    issues: list[FieldIssue] = []
    if birth_date is not None and birth_date != info.birth_date:
        issues.append(
            FieldIssue(
                "birth_date",
                "nip_birth_date_mismatch",
                f"The birth date {birth_date.isoformat()} does not match the NIP, which "
                f"encodes {info.birth_date.isoformat()} (digits 1-8)",
                f"Tanggal lahir {birth_date.isoformat()} tidak sesuai dengan NIP, yang "
                f"memuat {info.birth_date.isoformat()} (angka ke-1 s.d. 8)",
            )
        )
    if tmt_cpns is not None:
        if info.kind is Kind.PNS:
            ok = (tmt_cpns.year, tmt_cpns.month) == (info.appointment_year, info.appointment_month)
            encoded = f"{info.appointment_year:04d}-{info.appointment_month or 0:02d}"
            got = f"{tmt_cpns.year:04d}-{tmt_cpns.month:02d}"
            digits_en, digits_id = "digits 9-14", "angka ke-9 s.d. 14"
        else:
            ok = tmt_cpns.year == info.appointment_year
            encoded, got = str(info.appointment_year), str(tmt_cpns.year)
            digits_en, digits_id = "digits 9-12", "angka ke-9 s.d. 12"
        if not ok:
            issues.append(
                FieldIssue(
                    "tmt_cpns",
                    "nip_tmt_mismatch",
                    f"The appointment TMT ({got}) does not match the NIP, which encodes "
                    f"{encoded} ({digits_en})",
                    f"TMT pengangkatan ({got}) tidak sesuai dengan NIP, yang memuat "
                    f"{encoded} ({digits_id})",
                )
            )
    if sex is not None and SEX_DIGIT.get(sex) != info.sex:
        encoded_sex = "M" if info.sex == 1 else "F"
        issues.append(
            FieldIssue(
                "sex",
                "nip_sex_mismatch",
                f"Sex {sex!r} does not match the NIP, whose digit 15 ({info.sex}) means "
                f"{'male' if info.sex == 1 else 'female'} ({encoded_sex!r})",
                f"Jenis kelamin {sex!r} tidak sesuai dengan NIP, yang angka ke-15-nya "
                f"({info.sex}) berarti {'laki-laki' if info.sex == 1 else 'perempuan'} "
                f"({encoded_sex!r})",
            )
        )
    return issues
