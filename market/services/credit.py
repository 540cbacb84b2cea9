"""Firm credit (DOMAIN: Firms and vetting): score = 80-point base + up to 40 positive
points − negative points, from entries that count for 12 months; grade AAA ≥ 85,
AA 80–85, A 70–80, B 60–70, C < 60; blacklisted firms leave the catalogue."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..dates import add_months
from ..models import CreditEntry, CreditGrade, Firm
from ..permissions import can_vet_firm, require
from ..signals import firm_status_changed
from .events import event_record
from .offers import offer_listing_sync

BASE_SCORE = Decimal(80)
MAX_POSITIVE = Decimal(40)
ENTRY_LIFETIME_MONTHS = 12
# (lowest score, grade), highest first.
GRADE_THRESHOLDS = [
    (Decimal(85), CreditGrade.AAA),
    (Decimal(80), CreditGrade.AA),
    (Decimal(70), CreditGrade.A),
    (Decimal(60), CreditGrade.B),
]

POINTS_NONZERO = _("Give a positive or negative number of points (not 0).")
REASON_REQUIRED = _("Give the reason for this credit entry.")


def credit_grade_for(score: Decimal) -> str:
    for lowest, grade in GRADE_THRESHOLDS:
        if score >= lowest:
            return grade
    return CreditGrade.C


def credit_score_for(*, firm: Firm, on: date) -> Decimal:
    """Computed in the database from the entries in force on ``on``."""
    totals = CreditEntry.objects.filter(
        firm=firm, recorded_on__lte=on, expires_on__gt=on
    ).aggregate(
        positive=Sum("points", filter=Q(points__gt=0)),
        negative=Sum("points", filter=Q(points__lt=0)),
    )
    positive = min(totals["positive"] or Decimal(0), MAX_POSITIVE)
    score = BASE_SCORE + positive + (totals["negative"] or Decimal(0))
    return max(score, Decimal(0)).quantize(Decimal("0.1"))


@transaction.atomic
def firm_credit_recompute(*, firm: Firm, on: date | None = None, actor=None) -> Firm:
    on = on or timezone.localdate()
    locked = Firm.objects.select_for_update().get(pk=firm.pk)
    score = credit_score_for(firm=locked, on=on)
    grade = credit_grade_for(score)
    if (locked.credit_score, locked.credit_grade) == (score, grade):
        return locked
    before = {"score": str(locked.credit_score), "grade": locked.credit_grade}
    locked.credit_score, locked.credit_grade = score, grade
    locked.save(update_fields=["credit_score", "credit_grade"])
    offer_listing_sync(firm=locked)
    event_record(
        actor=actor,
        action="firm.credit_changed",
        target=locked,
        district=locked.registered_district,
        before=before,
        after={"score": str(score), "grade": grade},
        data={"on": on.isoformat()},
    )
    firm.credit_score, firm.credit_grade = score, grade
    return locked


@transaction.atomic
def credit_entry_add(
    *,
    firm: Firm,
    points: Decimal,
    reason: str,
    actor,
    recorded_on: date | None = None,
    source: str = "bureau",
) -> CreditEntry:
    """Record a dated, reasoned credit entry and recompute the firm's score."""
    if actor is not None and source == "bureau":
        require(can_vet_firm(actor, firm))
    if not points:
        raise ValidationError({"points": POINTS_NONZERO})
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    recorded_on = recorded_on or timezone.localdate()
    entry = CreditEntry.objects.create(
        firm=firm,
        points=points,
        reason=reason.strip(),
        recorded_on=recorded_on,
        expires_on=add_months(recorded_on, ENTRY_LIFETIME_MONTHS),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        source=source,
    )
    event_record(
        actor=actor,
        action="firm.credit_entry_added",
        target=firm,
        district=firm.registered_district,
        after={
            "points": str(points),
            "reason": entry.reason,
            "expires_on": entry.expires_on.isoformat(),
            "source": source,
        },
    )
    firm_credit_recompute(firm=firm, on=timezone.localdate(), actor=actor)
    return entry


def credit_recompute_all(*, on: date) -> int:
    """For the daily run: entries expire, so scores move without anyone acting.
    Returns how many firms changed."""
    changed = 0
    for firm in Firm.objects.all().only("pk"):
        before = Firm.objects.values_list("credit_score", flat=True).get(pk=firm.pk)
        after = firm_credit_recompute(firm=firm, on=on).credit_score
        changed += before != after
    return changed


BLACKLIST_REASON_REQUIRED = _("Give the reason for blacklisting; it is kept on the record.")


@transaction.atomic
def firm_blacklist(*, firm: Firm, actor, reason: str) -> Firm:
    """Blacklisted firms are hidden from the catalogue and cannot be chosen."""
    if actor is not None:
        require(can_vet_firm(actor, firm))
    if not (reason or "").strip():
        raise ValidationError({"reason": BLACKLIST_REASON_REQUIRED})
    locked = Firm.objects.select_for_update().get(pk=firm.pk)
    if locked.blacklisted:
        return locked
    locked.blacklisted, locked.blacklist_reason = True, reason.strip()
    locked.save(update_fields=["blacklisted", "blacklist_reason"])
    offer_listing_sync(firm=locked)
    event_record(
        actor=actor,
        action="firm.blacklisted",
        target=locked,
        district=locked.registered_district,
        before={"blacklisted": False},
        after={"blacklisted": True},
        data={"reason": locked.blacklist_reason},
    )
    firm.blacklisted = True
    transaction.on_commit(lambda: firm_status_changed.send(sender=Firm, firm=locked))
    return locked


@transaction.atomic
def firm_unblacklist(*, firm: Firm, actor, reason: str) -> Firm:
    if actor is not None:
        require(can_vet_firm(actor, firm))
    if not (reason or "").strip():
        raise ValidationError({"reason": BLACKLIST_REASON_REQUIRED})
    locked = Firm.objects.select_for_update().get(pk=firm.pk)
    if not locked.blacklisted:
        return locked
    locked.blacklisted = False
    locked.save(update_fields=["blacklisted"])
    offer_listing_sync(firm=locked)
    event_record(
        actor=actor,
        action="firm.unblacklisted",
        target=locked,
        district=locked.registered_district,
        before={"blacklisted": True},
        after={"blacklisted": False},
        data={"reason": reason.strip()},
    )
    firm.blacklisted = False
    transaction.on_commit(lambda: firm_status_changed.send(sender=Firm, firm=locked))
    return locked
