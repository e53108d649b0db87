"""SIASN date quirks, property-based (issue #12, item 3). SIASN sends `dd-mm-yyyy` (days and
months with or without a leading zero, sometimes with a time, `01-01-0001`/`00-00-0000` for
"no date"); the mapping reads every form it accepts back to the same date, writes dates in
the form it reads, and answers anything else with SiasnMalformed naming the field, never
another exception."""

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tatamutasi_pegawai.adapters.siasn.errors import SiasnMalformed
from tatamutasi_pegawai.adapters.siasn.mapping import NULL_DATES, _Reader, format_date

FAST = settings(max_examples=200, deadline=None)
LONG = settings(max_examples=5000, deadline=None)
# years below 1000 are out of scope: strftime("%Y") does not pad them on Linux
DATES = st.dates(date(1000, 1, 1), date(9999, 12, 31))


def read(value: Any) -> date | None:
    return _Reader("profile", {"tglLahir": value}).date("tglLahir")


@st.composite
def siasn_forms(draw: st.DrawFn) -> tuple[date, str]:
    d = draw(DATES)
    day = draw(st.sampled_from([f"{d.day}", f"{d.day:02d}"]))
    month = draw(st.sampled_from([f"{d.month}", f"{d.month:02d}"]))
    time = draw(
        st.sampled_from(["", " 00:00", "T00:00:00", " 07:30:15", " 00:00:00.000", "T23:59:59.5"])
    )
    pad = draw(st.sampled_from(["", " ", "\t", "  "]))
    return d, f"{pad}{day}-{month}-{d.year:04d}{time}{pad}"


@FAST
@given(siasn_forms())
def test_every_accepted_form_reads_back_the_same_date(case: tuple[date, str]) -> None:
    d, text = case
    assert read(text) == d


@FAST
@given(DATES)
def test_written_dates_read_back(d: date) -> None:
    assert read(format_date(d)) == d


@pytest.mark.parametrize("empty", [None, "", "  ", *sorted(NULL_DATES), "01-01-0001 00:00:00"])
def test_no_date_forms_are_none(empty: Any) -> None:
    assert read(empty) is None


def _never_crashes(value: Any) -> None:
    try:
        got = read(value)
    except SiasnMalformed as exc:
        assert exc.field == "tglLahir" or "tglLahir" in str(exc)
        return
    assert got is None or isinstance(got, date)


JUNK = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789-/ T:.", max_size=25),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@FAST
@given(JUNK)
def test_anything_else_is_malformed_never_a_crash(value: Any) -> None:
    _never_crashes(value)


@pytest.mark.chaos
@LONG
@given(JUNK)
def test_anything_else_long(value: Any) -> None:
    _never_crashes(value)
