"""Pure formasi rules: codes, requirement evaluation, ABK, the unit tree, gap arithmetic.

No FastAPI or SQLAlchemy here. The matching engine imports requirement evaluation from this
package: `from tatamutasi_formasi.domain import Requirements, Holder, evaluate`."""

from tatamutasi_formasi.domain.abk import ABKResult, WorkloadItem, compute
from tatamutasi_formasi.domain.requirements import (
    Check,
    Competency,
    Condition,
    EducationOption,
    Evaluation,
    Holder,
    RequirementError,
    Requirements,
    default_managerial_level,
    evaluate,
    validate,
)

__all__ = [
    "ABKResult",
    "Check",
    "Competency",
    "Condition",
    "EducationOption",
    "Evaluation",
    "Holder",
    "RequirementError",
    "Requirements",
    "WorkloadItem",
    "compute",
    "default_managerial_level",
    "evaluate",
    "validate",
]
