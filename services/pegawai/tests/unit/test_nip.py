"""Unit tests for the NIP PNS / NI PPPK parser (DOMAIN.md section 2)."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tatamutasi_pegawai.domain.nip import (
    MAX_AGE_AT_APPOINTMENT,
    MIN_AGE_AT_APPOINTMENT,
    Kind,
    NipError,
    NipInfo,
    parse_nip,
)


def _fails(nip: str, code: str) -> NipError:
    with pytest.raises(NipError) as info:
        parse_nip(nip)
    exc = info.value
    assert exc.issue.code == code
    # bilingual: both messages present, different, and the exception text is the English one
    assert exc.issue.en
    assert exc.issue.id
    assert exc.issue.en != exc.issue.id
    assert str(exc) == exc.issue.en
    return exc


# -- valid ------------------------------------------------------------------------------
def test_valid_pns_male() -> None:
    info = parse_nip("198503122010011002")
    assert info == NipInfo(
        kind=Kind.PNS,
        birth_date=date(1985, 3, 12),
        appointment_year=2010,
        appointment_month=1,
        sex=1,
        serial=2,
        contract_count=None,
    )


def test_valid_pns_female() -> None:
    info = parse_nip("199012312015122999")
    assert info.kind is Kind.PNS
    assert info.birth_date == date(1990, 12, 31)
    assert (info.appointment_year, info.appointment_month) == (2015, 12)
    assert info.sex == 2
    assert info.serial == 999
    assert info.contract_count is None


def test_female_day_is_not_shifted_by_40() -> None:
    """Unlike NIK, the birth day of a woman is not day+40 (DOMAIN.md 2.1)."""
    _fails("198503522010012001", "nip_birth_date")  # day 52 = 12 + 40 is not a date


def test_valid_pppk_example_from_domain_doc() -> None:
    info = parse_nip("200012312024211001")
    assert info == NipInfo(
        kind=Kind.PPPK,
        birth_date=date(2000, 12, 31),
        appointment_year=2024,
        appointment_month=None,
        sex=1,
        serial=1,
        contract_count=1,
    )


def test_valid_pppk_female_with_nine_contracts() -> None:
    info = parse_nip("199507042022292015")
    assert info.kind is Kind.PPPK
    assert info.appointment_year == 2022
    assert info.appointment_month is None
    assert info.contract_count == 9
    assert info.sex == 2
    assert info.serial == 15


def test_leap_day_birth_is_valid() -> None:
    assert parse_nip("198802292010011001").birth_date == date(1988, 2, 29)


def test_appointed_exactly_at_minimum_age_is_valid() -> None:
    info = parse_nip(f"19900101{1990 + MIN_AGE_AT_APPOINTMENT}01" + "1001")
    assert info.appointment_year == 2008


# -- nip_length -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "nip",
    [
        "19850312201001100",  # 17 digits
        "1985031220100110021",  # 19 digits
        "",
        "19850312201001100A",  # a letter
        "19850312 201001 1 002",  # display format with spaces
        "1985031220100110-2",
    ],
)
def test_wrong_length_or_non_digits(nip: str) -> None:
    exc = _fails(nip, "nip_length")
    assert exc.issue.en == "A NIP has exactly 18 digits"
    assert exc.issue.id == "NIP harus terdiri dari tepat 18 angka"


@pytest.mark.parametrize(
    "nip",
    [
        "١٩٨٥٠٣١٢٢٠١٠٠١١٠٠٢",  # Arabic-Indic digits: str.isdigit() is True, int() accepts them
        "１９８５０３１２２０１００１１００２",  # full-width digits
        "19850312201001²002",  # superscript two: isdigit() True but int() fails
    ],
    ids=["arabic-indic", "fullwidth", "superscript"],
)
def test_non_ascii_digits_are_rejected_as_length_error(nip: str) -> None:
    """A NIP is 18 ASCII digits; Unicode digits must be rejected with nip_length."""
    _fails(nip, "nip_length")


# -- nip_birth_date ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "nip",
    [
        "198513122010011002",  # month 13
        "198502302010011002",  # 30 February
        "198500122010011002",  # month 00
        "198503002010011002",  # day 00
        "198902292010011002",  # 29 February in a non-leap year
    ],
)
def test_birth_date_not_a_calendar_date(nip: str) -> None:
    exc = _fails(nip, "nip_birth_date")
    assert nip[:8] in exc.issue.en
    assert nip[:8] in exc.issue.id


# -- nip_tmt ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("nip", "digits"),
    [
        ("198503122010001002", "00"),  # TMT month 00
        ("198503122010131002", "13"),  # TMT month 13
        ("198503122010201002", "20"),  # "2" marker without a contract count
        ("198503122010301002", "30"),
    ],
)
def test_tmt_month_invalid(nip: str, digits: str) -> None:
    exc = _fails(nip, "nip_tmt")
    assert f"({digits})" in exc.issue.en
    assert f"({digits})" in exc.issue.id


# -- nip_tmt_age ------------------------------------------------------------------------
def test_appointed_at_ten_years_old() -> None:
    exc = _fails("198503121995011002", "nip_tmt_age")
    assert "1995" in exc.issue.en
    assert "1995" in exc.issue.id


def test_appointed_one_year_before_minimum_age() -> None:
    _fails("198503122002011002", "nip_tmt_age")  # 2002 - 1985 = 17


def test_appointed_before_birth() -> None:
    _fails("198503121980011002", "nip_tmt_age")


def test_pppk_appointed_too_young() -> None:
    _fails("200012312010211001", "nip_tmt_age")


def test_appointed_past_the_highest_retirement_age() -> None:
    _fails("195003122016011002", "nip_tmt_age")  # 66 at appointment
    assert parse_nip("195003122015011002").appointment_year == 2015  # 65: still possible


@pytest.mark.parametrize("nip", ["000101012019211001", "189912312010011001"])
def test_birth_year_before_1900_is_not_plausible(nip: str) -> None:
    exc = _fails(nip, "nip_birth_date")
    assert "1900" in exc.issue.en and "1900" in exc.issue.id


# -- nip_sex ----------------------------------------------------------------------------
@pytest.mark.parametrize("digit", ["0", "3", "9"])
def test_sex_digit_not_1_or_2(digit: str) -> None:
    exc = _fails(f"19850312201001{digit}002", "nip_sex")
    assert f"({digit})" in exc.issue.en


# -- nip_serial -------------------------------------------------------------------------
def test_serial_000() -> None:
    exc = _fails("198503122010011000", "nip_serial")
    assert "000" in exc.issue.en
    assert "000" in exc.issue.id


# -- property ---------------------------------------------------------------------------
@st.composite
def nip_parts(draw: st.DrawFn) -> tuple[date, int, int, int, int]:
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
    tmt_year = draw(
        st.integers(
            min_value=birth.year + MIN_AGE_AT_APPOINTMENT,
            max_value=min(birth.year + MAX_AGE_AT_APPOINTMENT, 9999),
        )
    )
    tmt_month = draw(st.integers(min_value=1, max_value=12))
    sex = draw(st.sampled_from((1, 2)))
    serial = draw(st.integers(min_value=1, max_value=999))
    return birth, tmt_year, tmt_month, sex, serial


@settings(database=None)  # keep the run pure: no .hypothesis folder in the repo
@given(nip_parts())
def test_property_valid_pns_parts_round_trip(parts: tuple[date, int, int, int, int]) -> None:
    birth, tmt_year, tmt_month, sex, serial = parts
    nip = f"{birth:%Y%m%d}{tmt_year:04d}{tmt_month:02d}{sex}{serial:03d}"
    assert len(nip) == 18
    info = parse_nip(nip)
    assert info == NipInfo(Kind.PNS, birth, tmt_year, tmt_month, sex, serial, None)
