"""Fallback to the district's state operator (DOMAIN "Fallback (国企兜底) and handover";
Beijing art. 77).

A compound goes to the designated fallback operator when (1) it found no operator within
30 days of registration, (2) its trial or contract ended with no successor starting the
next day, (3) its firm was suspended, revoked or blacklisted, or (4) the bureau orders it
after two consecutive quarters scoring below 60 and a written warning. Each opens one
``FallbackCase`` owning a live fallback engagement: basic services only, at the bureau's
published fallback fee, for at most 6 months (extended only by the bureau, with a reason).

Every change locks the compound row first (``lock_compound``), like the trial and contract
services; the database's one-live-engagement and one-open-case constraints are the last
word when two requests race.
"""

from .cases import (
    fallback_cover_unserved,
    fallback_take_over_firm,
)
from .common import (
    ALREADY_DESIGNATED,
    CASE_CLOSED,
    EXTEND_NOT_LATER,
    EXTEND_REASON,
    EXTEND_TOO_LONG,
    FEE_INVALID,
    FIRM_NOT_APPROVED,
    FIRM_NOT_IN_DISTRICT,
    LOW_SCORE,
    NO_OPERATOR,
    NOT_SERVED_BY_MARKET,
    REASON_REQUIRED,
    SCORES_MISSING,
    SCORES_NOT_LOW,
    SEEKING_DAYS,
    WARNING_OTHER,
    WARNING_REQUIRED,
    WARNING_TEXT_REQUIRED,
    WARNING_TOO_RECENT,
)
from .designation import (
    designation_active,
    fallback_designate,
    fallback_designation_end,
)
from .extension import (
    fallback_case_close,
    fallback_extend,
)
from .orders import (
    fallback_order,
    fallback_order_quarter_scores,
    quarter_scores_provider_register,
    written_warning_record,
)

__all__ = [
    "ALREADY_DESIGNATED",
    "CASE_CLOSED",
    "EXTEND_NOT_LATER",
    "EXTEND_REASON",
    "EXTEND_TOO_LONG",
    "FEE_INVALID",
    "FIRM_NOT_APPROVED",
    "FIRM_NOT_IN_DISTRICT",
    "LOW_SCORE",
    "NOT_SERVED_BY_MARKET",
    "NO_OPERATOR",
    "REASON_REQUIRED",
    "SCORES_MISSING",
    "SCORES_NOT_LOW",
    "SEEKING_DAYS",
    "WARNING_OTHER",
    "WARNING_REQUIRED",
    "WARNING_TEXT_REQUIRED",
    "WARNING_TOO_RECENT",
    "designation_active",
    "fallback_case_close",
    "fallback_cover_unserved",
    "fallback_designate",
    "fallback_designation_end",
    "fallback_extend",
    "fallback_order",
    "fallback_order_quarter_scores",
    "fallback_take_over_firm",
    "quarter_scores_provider_register",
    "written_warning_record",
]
