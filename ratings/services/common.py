"""What the ratings services share."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from contracts.models import Engagement, EngagementPhase
from contracts.services.common import (  # noqa: F401  (re-exported for the services here)
    check_transition,
    committee_emails,
    email_after_commit,
    firm_emails,
)
from market.models import Compound

NOT_SERVED = _(
    "%(compound)s has no property firm serving it at present, so there is nothing to rate "
    "or report yet."
)


def month_start(day: date) -> date:
    return day.replace(day=1)


def serving_engagement(compound: Compound) -> Engagement:
    """The engagement (trial, contract or fallback) serving the compound now."""
    engagement = (
        Engagement.objects.filter(compound=compound, phase=EngagementPhase.LIVE)
        .select_related("firm")
        .first()
    )
    if engagement is None:
        raise ValidationError(NOT_SERVED % {"compound": compound.name}, code="not_served")
    return engagement


def scope_items_of(engagement: Engagement) -> list[str]:
    """The service items the serving firm promised: the trial's or contract's snapshot of
    the offer; a fallback operator is answerable for every item."""
    from market.models.offers import ScopeItem

    trial = getattr(engagement, "trial", None)
    if trial is not None:
        return list(trial.terms.get("scope_items") or ScopeItem.values)
    contract = getattr(engagement, "contract", None)
    if contract is not None:
        return list(contract.scope_items or ScopeItem.values)
    return list(ScopeItem.values)


def grade_of(engagement: Engagement) -> int | None:
    trial = getattr(engagement, "trial", None)
    if trial is not None:
        return trial.terms.get("grade") or trial.offer.grade
    contract = getattr(engagement, "contract", None)
    if contract is not None:
        return contract.grade
    return None
