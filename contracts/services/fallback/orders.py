"""The bureau's fallback order after two low quarters and a written warning (trigger 4)."""

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _t

from market.models import Compound, Firm
from market.permissions import can_manage_fallback, require
from market.prepared import row_lock
from market.services.events import event_record

from ...models import (
    Engagement,
    EngagementKind,
    EngagementPhase,
    FallbackCase,
    FallbackTrigger,
    WrittenWarning,
)
from ..common import (
    day_text,
    email_after_commit,
    firm_emails,
    lock_compound,
    required_reason,
    today_or,
)
from .cases import end_market_engagement, open_case
from .common import (
    LOW_SCORE,
    NOT_SERVED_BY_MARKET,
    REASON_REQUIRED,
    SCORES_MISSING,
    SCORES_NOT_LOW,
    WARNING_OTHER,
    WARNING_REQUIRED,
    WARNING_TEXT_REQUIRED,
    WARNING_TOO_RECENT,
)

# --- Bureau order (trigger 4) ---------------------------------------------------------


# Who supplies the quarterly scores: the ratings app registers its reader from
# ``RatingsConfig.ready`` (imports go one way: contracts never imports ratings).
_quarter_scores_provider: Callable[..., Iterable[Decimal]] | None = None


def quarter_scores_provider_register(provider: Callable[..., Iterable[Decimal]]) -> None:
    """``provider(compound=, firm=)`` returns the firm's quarterly scores there, oldest
    first. Registering again replaces it (one source of scores)."""
    global _quarter_scores_provider
    _quarter_scores_provider = provider


def fallback_order_quarter_scores(*, compound: Compound, firm: Firm) -> list[Decimal]:
    """The firm's quarterly evaluation scores at ``compound``, oldest first; none while no
    provider is registered, so no order can be made."""
    if _quarter_scores_provider is None:
        return []
    return [Decimal(score) for score in _quarter_scores_provider(compound=compound, firm=firm)]


@transaction.atomic
def written_warning_record(
    *, actor, compound: Compound, text: str, today: date | None = None
) -> WrittenWarning:
    """The bureau's written warning to the firm serving ``compound``."""
    today = today_or(today)
    district = compound.street_office.district
    if actor is not None:
        require(can_manage_fallback(actor, district))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": WARNING_TEXT_REQUIRED})
    locked = lock_compound(compound.pk)
    live = locked.engagements.filter(phase=EngagementPhase.LIVE).select_related("firm").first()
    if live is None or live.kind == EngagementKind.FALLBACK:
        raise ValidationError(NOT_SERVED_BY_MARKET % {"compound": locked.name})
    warning = WrittenWarning.objects.create(
        compound=locked,
        firm=live.firm,
        text=text,
        issued_on=today,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    event_record(
        actor=actor,
        action="fallback.warning_issued",
        target=warning,
        district=district,
        compound=locked,
        after={"firm": live.firm.name, "text": text},
    )
    email_after_commit(
        recipients=firm_emails(live.firm),
        subject=_t("Written warning about %(compound)s") % {"compound": locked.name},
        body=text,
    )
    return warning


@transaction.atomic
def fallback_order(
    *,
    actor,
    compound: Compound,
    warning: WrittenWarning | None,
    reason: str,
    today: date | None = None,
) -> FallbackCase:
    """The bureau orders fallback after two consecutive quarters below 60 and a written
    warning; the firm's last day is yesterday."""
    today = today_or(today)
    district = compound.street_office.district
    if actor is not None:
        require(can_manage_fallback(actor, district))
    reason = required_reason(reason, REASON_REQUIRED)
    locked = lock_compound(compound.pk)
    live = locked.engagements.filter(phase=EngagementPhase.LIVE).select_related("firm").first()
    if live is None or live.kind == EngagementKind.FALLBACK:
        raise ValidationError(NOT_SERVED_BY_MARKET % {"compound": locked.name})
    if warning is None:
        raise ValidationError(WARNING_REQUIRED % {"firm": live.firm.name})
    if warning.firm_id != live.firm_id or warning.compound_id != locked.pk:
        raise ValidationError(WARNING_OTHER)
    if warning.issued_on >= today:
        raise ValidationError(WARNING_TOO_RECENT % {"date": day_text(warning.issued_on)})
    scores = fallback_order_quarter_scores(compound=locked, firm=live.firm)
    if len(scores) < 2:
        raise ValidationError(SCORES_MISSING)
    if not all(Decimal(score) < LOW_SCORE for score in scores[-2:]):
        raise ValidationError(
            SCORES_NOT_LOW % {"scores": ", ".join(str(score) for score in scores[-2:])}
        )
    engagement = row_lock(Engagement, live.pk)
    last_day = max(today - timedelta(days=1), engagement.starts_on)
    end_market_engagement(engagement=engagement, last_day=last_day, reason="bureau order")
    case = open_case(
        compound=locked,
        trigger=FallbackTrigger.BUREAU_ORDER,
        starts_on=last_day + timedelta(days=1),
        previous=engagement,
        warning=warning,
        actor=actor,
    )
    event_record(
        actor=actor,
        action="fallback.ordered",
        target=case,
        district=district,
        compound=locked,
        data={"reason": reason, "scores": [str(score) for score in scores[-2:]]},
    )
    return case
