"""Extending a fallback case, and closing it once a market firm has taken over."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from market.dates import add_months
from market.permissions import can_manage_fallback, require
from market.services.events import event_record

from ...models import (
    FALLBACK_CASE_TRANSITIONS,
    EngagementPhase,
    FallbackCase,
    FallbackCaseStatus,
)
from ...models.fallback import FALLBACK_MAX_MONTHS
from ..common import (
    day_text,
    lock_for_change,
    required_reason,
    status_move,
)
from ..engagements import engagement_set_end
from ..handover import handover_open
from .common import CASE_CLOSED, EXTEND_NOT_LATER, EXTEND_REASON, EXTEND_TOO_LONG

# --- Extension and closing --------------------------------------------------------------


@transaction.atomic
def fallback_extend(*, actor, case: FallbackCase, until: date, reason: str) -> FallbackCase:
    """Only the bureau extends a fallback term, with a reason, by at most 6 months at a
    time (Beijing art. 77)."""
    if actor is not None:
        require(can_manage_fallback(actor, case.district))
    reason = required_reason(reason, EXTEND_REASON)
    # The operator and the engagement with the row: the event names the one, the new
    # end goes to the other (``engagement_set_end`` then locks it).
    _compound, locked = lock_for_change(case, related=("engagement", "operator"))
    if locked.status != FallbackCaseStatus.OPEN:
        raise ValidationError(CASE_CLOSED)
    if until is None or until <= locked.planned_end_on:
        raise ValidationError(
            {"until": EXTEND_NOT_LATER % {"date": day_text(locked.planned_end_on)}}
        )
    if until > add_months(locked.planned_end_on, FALLBACK_MAX_MONTHS):
        raise ValidationError({"until": EXTEND_TOO_LONG % {"months": FALLBACK_MAX_MONTHS}})
    before = locked.planned_end_on
    locked.planned_end_on = until
    locked.extension_reason = (locked.extension_reason + "\n" + reason).strip()
    locked.save(update_fields=["planned_end_on", "extension_reason"])
    engagement_set_end(engagement=locked.engagement, ends_on=until)
    event_record(
        actor=actor,
        action="fallback.extended",
        target=locked,
        compound=locked.compound,  # and so its district, the case's
        before={"until": before.isoformat()},
        after={"until": until.isoformat()},
        data={"reason": reason},
    )
    case.planned_end_on, case.extension_reason = until, locked.extension_reason
    return locked


@transaction.atomic
def fallback_case_close(*, case: FallbackCase, today: date) -> FallbackCase | bool:
    """Leaving fallback: once a trial or contract has replaced the fallback engagement
    (``engagement_start`` ends it the day before), the case closes and the fallback
    operator hands over to the new firm. Idempotent."""
    compound, locked = lock_for_change(case, related=("engagement", "operator"))
    if locked.status != FallbackCaseStatus.OPEN:
        return False
    if locked.engagement.phase != EngagementPhase.ENDED:
        return False
    status_move(
        locked,
        table=FALLBACK_CASE_TRANSITIONS,
        target=FallbackCaseStatus.CLOSED,
        model="fallback case",
    )
    locked.closed_on = locked.engagement.ended_on
    locked.save(update_fields=["status", "closed_on"])
    successor = (
        locked.compound.engagements.filter(
            phase__in=[EngagementPhase.LIVE, EngagementPhase.ENDED],
            starts_on__gt=locked.engagement.starts_on,
        )
        .exclude(pk=locked.engagement_id)
        .select_related("firm")
        .order_by("starts_on", "id")
        .first()
    )
    if successor is not None and successor.firm_id != locked.operator_id:
        handover_open(
            outgoing_engagement=locked.engagement,
            incoming_firm=successor.firm,
            opened_on=successor.starts_on,
            compound=compound,
        )
    event_record(
        actor=None,
        action="fallback.closed",
        target=locked,
        compound=locked.compound,  # and so its district, the case's
        before={"status": FallbackCaseStatus.OPEN},
        after={"status": locked.status, "last_day": str(locked.closed_on)},
    )
    case.status = locked.status
    return locked
