"""Analisis Beban Kerja (ABK): the need for a jabatan from its workload (DOMAIN.md §3.6).

    kebutuhan = Σ (workload volume per year × standard time per unit, hours) / effective hours

The effective working time is 1,250 hours a year by default (PermenPANRB 1/2020; a setting,
since DOMAIN.md marks it UNCONFIRMED). The unrounded result is kept next to the need so an
auditor can see how the number was reached."""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

DEFAULT_EFFECTIVE_HOURS = 1250.0
Rounding = Literal["half_up", "ceil", "floor"]


class ABKError(ValueError):
    def __init__(self, field: str, en: str, id_: str) -> None:
        super().__init__(en)
        self.field = field
        self.en = en
        self.id_ = id_


@dataclass(frozen=True)
class WorkloadItem:
    """One task (uraian tugas): how often a year, and how long each takes (hours)."""

    task: str
    volume: float
    standard_hours: float


@dataclass(frozen=True)
class ABKResult:
    total_hours: float
    effective_hours: float
    exact: float  # unrounded persons needed
    need: int


def compute(
    items: list[WorkloadItem],
    effective_hours: float = DEFAULT_EFFECTIVE_HOURS,
    rounding: Rounding = "half_up",
) -> ABKResult:
    if not items:
        raise ABKError("items", "At least one workload item is needed", "Minimal satu uraian tugas")
    if not effective_hours > 0 or not math.isfinite(effective_hours):
        raise ABKError(
            "effective_hours",
            "Effective hours must be positive",
            "Jam kerja efektif harus lebih dari nol",
        )
    for i, it in enumerate(items):
        for name, value in (("volume", it.volume), ("standard_hours", it.standard_hours)):
            if not math.isfinite(value) or value < 0:
                raise ABKError(
                    f"items[{i}].{name}",
                    f"{name} must be zero or more",
                    f"{name} tidak boleh negatif",
                )
    total = sum(Decimal(str(it.volume)) * Decimal(str(it.standard_hours)) for it in items)
    exact = total / Decimal(str(effective_hours))
    if rounding == "ceil":
        need = int(exact.to_integral_value(rounding="ROUND_CEILING"))
    elif rounding == "floor":
        need = int(exact.to_integral_value(rounding="ROUND_FLOOR"))
    else:
        need = int(exact.to_integral_value(rounding=ROUND_HALF_UP))
    return ABKResult(float(total), float(effective_hours), round(float(exact), 4), need)
