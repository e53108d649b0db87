"""Gap arithmetic: need against bezetting, per post and aggregated (pure)."""

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

FIVE_YEARS = 5  # PP 11/2017 Pasal 190(3): mutasi after at most 5 years in post


@dataclass(frozen=True)
class PostGap:
    unit_id: str
    jabatan_id: str
    need: int
    filled: int
    acting: int

    @property
    def vacant(self) -> int:
        return max(self.need - self.filled, 0)

    @property
    def over(self) -> int:
        return max(self.filled - self.need, 0)


@dataclass
class Totals:
    need: int = 0
    filled: int = 0
    acting: int = 0
    vacant: int = 0
    over: int = 0
    posts: int = 0

    def add(self, g: PostGap) -> None:
        self.need += g.need
        self.filled += g.filled
        self.acting += g.acting
        self.vacant += g.vacant
        self.over += g.over
        self.posts += 1

    @property
    def net(self) -> int:
        """Need minus filled (positive: short overall; vacancies elsewhere may offset)."""
        return self.need - self.filled


def post_gaps(
    needs: Mapping[tuple[str, str], int],
    filled: Mapping[tuple[str, str], int],
    acting: Mapping[tuple[str, str], int],
) -> list[PostGap]:
    """One row per unit x jabatan that has a need, a holder or an acting holder."""
    keys = sorted(set(needs) | set(filled) | set(acting))
    return [
        PostGap(u, j, needs.get((u, j), 0), filled.get((u, j), 0), acting.get((u, j), 0))
        for u, j in keys
    ]


def aggregate(
    gaps: Iterable[PostGap], key: Callable[[PostGap], Hashable | None]
) -> dict[Hashable, Totals]:
    """Sum per key. Vacant and over are summed per post, so a surplus in one post never
    hides a shortage in another."""
    out: dict[Hashable, Totals] = {}
    for g in gaps:
        k = key(g)
        if k is None:
            continue
        out.setdefault(k, Totals()).add(g)
    return out


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def add_months(d: date, months: int) -> date:
    total = d.month - 1 + months
    year, month = d.year + total // 12, total % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def retiring_within(tmt_pensiun: date | None, as_of: date, months: int) -> bool:
    return tmt_pensiun is not None and as_of <= tmt_pensiun <= add_months(as_of, months)


def past_max_tenure(tmt_jabatan: date | None, as_of: date, years: int = FIVE_YEARS) -> bool:
    return tmt_jabatan is not None and add_years(tmt_jabatan, years) <= as_of
