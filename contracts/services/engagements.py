"""Engagements: the slot a trial, contract or fallback case holds on a compound.

Callers (the trial, contract and — issue #6 — fallback services) lock the compound row
first, then call these inside their own transaction. The database's conditional unique
constraints are the last word: a second live or upcoming engagement is refused there even
if two requests slip past the checks at the same moment.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from market.models import Compound, ManagementStatus
from market.prepared import KeyedQuery, row_lock
from market.services.compounds import compound_set_management_status

from ..models import ENGAGEMENT_TRANSITIONS, Engagement, EngagementKind, EngagementPhase
from ..signals import engagement_ended
from .common import check_transition, lock_compound

SLOT_TAKEN = _(
    "%(compound)s already has a trial or contract lined up to start next. "
    "Wait until it has started, or withdraw it first."
)
SERVED_UNTIL = _(
    "%(compound)s is served by %(firm)s until %(date)s; choose a start date after that."
)
SERVED_INDEFINITELY = _(
    "%(compound)s is served by %(firm)s with no end date yet; the current engagement must "
    "be given notice before another can be lined up."
)
ALREADY_SERVED = _("%(compound)s is already being served by another firm.")

KIND_TO_STATUS = {
    EngagementKind.TRIAL: ManagementStatus.TRIAL,
    EngagementKind.CONTRACT: ManagementStatus.CONTRACTED,
    EngagementKind.FALLBACK: ManagementStatus.FALLBACK,
}


# Checked by every trial request and engagement opened (compiled once: market.prepared).
_SLOT_OBSTACLES = KeyedQuery(
    lambda compound_id: Engagement.objects.filter(
        Q(phase=EngagementPhase.UPCOMING)
        | (Q(phase=EngagementPhase.LIVE) & ~Q(kind=EngagementKind.FALLBACK)),
        compound_id=compound_id,
    ).select_related("firm")
)


def engagement_check_slot(*, compound: Compound, starts_on: date, exclude=None) -> None:
    """Refuse a new engagement starting on ``starts_on`` if another is lined up, or if the
    market engagement serving now does not end before it. A live fallback engagement is no
    obstacle: a market engagement replaces it (Beijing art. 77)."""
    # One query for both obstacles (a compound has at most a few such rows).
    obstacles = _SLOT_OBSTACLES.rows(compound.pk)
    if exclude is not None:
        obstacles = [e for e in obstacles if e.pk != exclude.pk]
    if any(e.phase == EngagementPhase.UPCOMING for e in obstacles):
        raise ValidationError(SLOT_TAKEN % {"compound": compound.name}, code="slot_taken")
    live = next((e for e in obstacles if e.phase == EngagementPhase.LIVE), None)
    if live is None:
        return
    if live.ends_on is None:
        raise ValidationError(
            SERVED_INDEFINITELY % {"compound": compound.name, "firm": live.firm.name},
            code="served",
        )
    if live.ends_on >= starts_on:
        raise ValidationError(
            SERVED_UNTIL
            % {
                "compound": compound.name,
                "firm": live.firm.name,
                "date": date_format(live.ends_on, "Y-m-d"),
            },
            code="served",
        )


def engagement_open(
    *, compound: Compound, kind: str, firm, starts_on: date, ends_on, fee, area
) -> Engagement:
    """Line up an engagement (phase ``upcoming``). The compound must be locked."""
    engagement_check_slot(compound=compound, starts_on=starts_on)
    try:
        with transaction.atomic():
            return Engagement.objects.create(
                compound=compound,
                kind=kind,
                firm=firm,
                phase=EngagementPhase.UPCOMING,
                starts_on=starts_on,
                ends_on=ends_on,
                fee=fee,
                area=area,
            )
    except IntegrityError:
        # Another request took the slot between our check and our insert.
        raise ValidationError(SLOT_TAKEN % {"compound": compound.name}, code="slot_taken") from None


def _move(engagement: Engagement, phase: str) -> Engagement:
    locked = row_lock(Engagement, engagement.pk)
    check_transition(
        model="engagement", table=ENGAGEMENT_TRANSITIONS, current=locked.phase, target=phase
    )
    locked.phase = phase
    return locked


def engagement_start(
    *, engagement: Engagement, on: date, actor=None, reason: str, compound: Compound | None = None
) -> Engagement:
    """The engagement goes live; a live fallback engagement it replaces ends the day
    before; the compound's management status follows. A caller already holding the
    compound's lock passes the locked ``compound`` to spare locking it again."""
    if compound is None or compound.pk != engagement.compound_id:
        compound = lock_compound(engagement.compound_id)
    if engagement.kind != EngagementKind.FALLBACK:
        for fallback in compound.engagements.filter(
            phase=EngagementPhase.LIVE, kind=EngagementKind.FALLBACK
        ):
            engagement_end(
                engagement=fallback, on=on - timedelta(days=1), reason="replaced by the market"
            )
    locked = _move(engagement, EngagementPhase.LIVE)
    try:
        with transaction.atomic():
            locked.save(update_fields=["phase"])
    except IntegrityError:
        raise ValidationError(ALREADY_SERVED % {"compound": compound.name}, code="served") from None
    target = KIND_TO_STATUS[locked.kind]
    if compound.management_status != target:
        compound_set_management_status(
            compound=compound, status=target, actor=actor, reason=reason, locked=True
        )
    engagement.phase = locked.phase
    return locked


def engagement_end(*, engagement: Engagement, on: date, reason: str) -> Engagement:
    """The engagement's last day of service was ``on``. The compound's status stays until
    a successor starts or fallback (issue #6, listening to ``engagement_ended``) takes over."""
    locked = _move(engagement, EngagementPhase.ENDED)
    locked.ended_on = on
    if locked.ends_on is None or locked.ends_on > on:
        locked.ends_on = max(on, locked.starts_on)
    locked.end_reason = reason[:200]
    locked.save(update_fields=["phase", "ended_on", "ends_on", "end_reason"])
    engagement.phase = locked.phase
    transaction.on_commit(lambda: engagement_ended.send(sender=Engagement, engagement=locked))
    return locked


def engagement_cancel(*, engagement: Engagement, reason: str) -> Engagement:
    """An upcoming engagement that will not start (a trial withdrawn after acceptance)."""
    locked = _move(engagement, EngagementPhase.CANCELLED)
    locked.end_reason = reason[:200]
    locked.save(update_fields=["phase", "end_reason"])
    engagement.phase = locked.phase
    return locked


def engagement_set_end(*, engagement: Engagement, ends_on) -> Engagement:
    """Notice given, or an indefinite holdover term (``ends_on`` None)."""
    locked = row_lock(Engagement, engagement.pk)
    locked.ends_on = ends_on
    locked.save(update_fields=["ends_on"])
    engagement.ends_on = ends_on
    return locked
