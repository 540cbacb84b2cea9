from .codes import HouseholdCode
from .evaluations import (
    ADJUSTMENT_TRANSITIONS,
    CHECK_POINTS,
    AdjustmentKind,
    AdjustmentStatus,
    CheckResult,
    Evaluation,
    FeeAdjustment,
    Inspection,
    InspectionPhoto,
)
from .ratings import (
    COMMENT_TRANSITIONS,
    ONE_PER_HOUSEHOLD_PER_MONTH,
    CommentStatus,
    Rating,
)
from .requests import (
    REQUEST_TRANSITIONS,
    RequestCategory,
    RequestStatus,
    ServiceRequest,
    Urgency,
)
from .settings import DEFAULT_NORMAL_HOURS, DEFAULT_URGENT_HOURS, DistrictRatingSettings

__all__ = [
    "ADJUSTMENT_TRANSITIONS",
    "CHECK_POINTS",
    "COMMENT_TRANSITIONS",
    "DEFAULT_NORMAL_HOURS",
    "DEFAULT_URGENT_HOURS",
    "ONE_PER_HOUSEHOLD_PER_MONTH",
    "REQUEST_TRANSITIONS",
    "AdjustmentKind",
    "AdjustmentStatus",
    "CheckResult",
    "CommentStatus",
    "DistrictRatingSettings",
    "Evaluation",
    "FeeAdjustment",
    "HouseholdCode",
    "Inspection",
    "InspectionPhoto",
    "Rating",
    "RequestCategory",
    "RequestStatus",
    "ServiceRequest",
    "Urgency",
]
