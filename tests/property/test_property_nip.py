"""NIP PNS and NI PPPK parsing, property-based (issue #12, item 3): a NIP built from its
parts parses back to exactly those parts and cross-checks clean against them; any 18
characters either parse consistently (the same answer every time, and the parts rebuild the
string) or raise the domain's NipError with a bilingual reason, never anything else."""

from datetime import date

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tatamutasi_pegawai.domain.nip import Kind, NipError, NipInfo, cross_check, parse_nip

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def nip_parts(draw: st.DrawFn) -> tuple[str, NipInfo]:
    birth = draw(st.dates(date(1940, 1, 1), date(2007, 12, 31)))
    year = draw(st.integers(birth.year + 18, min(birth.year + 60, 9999)))
    sex = draw(st.sampled_from([1, 2]))
    serial = draw(st.integers(1, 999))
    if draw(st.booleans()):
        month = draw(st.integers(1, 12))
        nip = f"{birth:%Y%m%d}{year:04d}{month:02d}{sex}{serial:03d}"
        return nip, NipInfo(Kind.PNS, birth, year, month, sex, serial)
    contracts = draw(st.integers(1, 9))
    nip = f"{birth:%Y%m%d}{year:04d}2{contracts}{sex}{serial:03d}"
    return nip, NipInfo(Kind.PPPK, birth, year, None, sex, serial, contracts)


def rebuild(info: NipInfo) -> str:
    middle = f"{info.appointment_month:02d}" if info.kind is Kind.PNS else f"2{info.contract_count}"
    b = info.birth_date  # strftime does not pad years below 1000
    birth = f"{b.year:04d}{b.month:02d}{b.day:02d}"
    return f"{birth}{info.appointment_year:04d}{middle}{info.sex}{info.serial:03d}"


def _valid_round_trip(case: tuple[str, NipInfo]) -> None:
    nip, info = case
    assert parse_nip(nip) == info
    assert rebuild(parse_nip(nip)) == nip
    tmt = date(info.appointment_year, info.appointment_month or 1, 1)
    sex = "M" if info.sex == 1 else "F"
    assert cross_check(info, birth_date=info.birth_date, tmt_cpns=tmt, sex=sex) == []


@FAST
@given(nip_parts())
def test_a_valid_nip_round_trips_and_cross_checks_clean(case: tuple[str, NipInfo]) -> None:
    _valid_round_trip(case)


def _any_eighteen(text: str) -> None:
    try:
        info = parse_nip(text)
    except NipError as exc:
        assert exc.issue.code.startswith("nip_")
        assert exc.issue.en and exc.issue.id and exc.issue.en != exc.issue.id
        with pytest.raises(NipError) as again:
            parse_nip(text)
        assert again.value.issue == exc.issue  # consistent
        return
    assert parse_nip(text) == info  # consistent
    assert rebuild(info) == text  # only real ASCII digits in the right places parse
    assert info.appointment_year >= info.birth_date.year + 18
    assert info.appointment_year <= info.birth_date.year + 65
    assert info.birth_date.year >= 1900


DIGITS_AND_LOOKALIKES = st.text(
    alphabet=st.sampled_from(list("0123456789") + ["٣", "１", "²", " ", "-", "a", "\n", "\x00"]),
    min_size=18,
    max_size=18,
)


@FAST
@given(st.one_of(st.text(min_size=18, max_size=18), DIGITS_AND_LOOKALIKES))
@example("198503122010011002")
@example("１９８５０３１２２０１００１１００２"[:18])
@example("000000000000000000")
@example("198502292010011002")  # 29 February of a common year
def test_any_eighteen_characters_parse_consistently_or_raise_the_domain_error(
    text: str,
) -> None:
    _any_eighteen(text)


@FAST
@given(nip_parts(), st.integers(0, 17), st.sampled_from("0123456789"))
def test_one_changed_digit_gives_a_consistent_answer_and_cross_check_sees_it(
    case: tuple[str, NipInfo], position: int, digit: str
) -> None:
    nip, info = case
    changed = nip[:position] + digit + nip[position + 1 :]
    _any_eighteen(changed)
    try:
        other = parse_nip(changed)
    except NipError:
        return
    tmt = date(info.appointment_year, info.appointment_month or 1, 1)
    sex = "M" if info.sex == 1 else "F"
    issues = cross_check(other, birth_date=info.birth_date, tmt_cpns=tmt, sex=sex)
    if other.birth_date != info.birth_date:
        assert "birth_date" in {i.field for i in issues}
    if other.sex != info.sex:
        assert "sex" in {i.field for i in issues}


@pytest.mark.chaos
@LONG
@given(st.one_of(st.text(min_size=18, max_size=18), DIGITS_AND_LOOKALIKES))
def test_any_eighteen_characters_long(text: str) -> None:
    _any_eighteen(text)


@pytest.mark.chaos
@LONG
@given(nip_parts())
def test_a_valid_nip_round_trips_long(case: tuple[str, NipInfo]) -> None:
    _valid_round_trip(case)
