"""Fallback limits, messages and the reason check shared by the fallback services."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

SEEKING_DAYS = 30
LOW_SCORE = Decimal(60)

ALREADY_DESIGNATED = _(
    "%(firm)s is already the designated fallback operator of %(district)s. End that "
    "designation first; a district has exactly one fallback operator at a time."
)
FIRM_NOT_APPROVED = _("Only an approved firm can be designated as the fallback operator.")
FIRM_NOT_IN_DISTRICT = _("This firm does not serve %(district)s.")
FEE_INVALID = _("Give the fallback fee in ¥ per ㎡ per month, e.g. 1.20.")
REASON_REQUIRED = _("Give the reason; it is kept on the record.")
NO_OPERATOR = _("%(district)s has no designated fallback operator.")
EXTEND_NOT_LATER = _("The new last day must be after the current one (%(date)s).")
EXTEND_TOO_LONG = _("An extension runs at most %(months)d months past the current last day.")
EXTEND_REASON = _("An extension needs a reason (Beijing art. 77).")
CASE_CLOSED = _("This fallback case is closed.")
NOT_SERVED_BY_MARKET = _("%(compound)s is not served by a firm on a trial or contract.")
WARNING_REQUIRED = _(
    "Record a written warning to %(firm)s first; fallback can be ordered only after one."
)
# The firm must have had the warning before the order (DOMAIN "Fallback": "after a written
# warning"): a warning and an order on the same day give it no chance to answer.
WARNING_TOO_RECENT = _(
    "The written warning was given on %(date)s; fallback can be ordered from the next day."
)
WARNING_OTHER = _("This warning was not given to the firm serving the compound.")
WARNING_TEXT_REQUIRED = _("Write the warning.")
SCORES_NOT_LOW = _(
    "Fallback can be ordered only after two consecutive quarters scoring below 60 "
    "(latest scores: %(scores)s)."
)
SCORES_MISSING = _("There are no two quarterly evaluations for this firm here yet.")
