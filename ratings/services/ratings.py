"""Resident ratings: submit (one per household per month), flag, moderate, reply."""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from market.models.offers import ScopeItem
from market.permissions import can_answer_for_firm, can_manage_household_codes, require
from market.services.events import event_record

from ..models import COMMENT_TRANSITIONS, CommentStatus, HouseholdCode, Rating
from .common import (
    check_transition,
    committee_emails,
    email_after_commit,
    month_start,
    scope_items_of,
    serving_engagement,
)

MAX_COMMENT = 2000
ALREADY_RATED = _("Your household has already rated %(month)s. You can rate again next month.")
SCORE_MISSING = _("Give every service item a score from 1 to 5.")
SCORE_OUT_OF_RANGE = _("Scores run from 1 to 5.")
COMMENT_TOO_LONG = _("The comment is too long: at most %(max)d characters.")
REPLY_REQUIRED = _("Write a reply.")
ALREADY_REPLIED = _("The firm has already replied to this rating; a reply is given once.")
NO_COMMENT = _("This rating has no comment.")
REASON_REQUIRED = _("Say why this comment should be held.")

# Links and phone numbers in a public comment are held for the committee: they are the
# usual shape of advertising and of someone's personal data.
_NEEDS_MODERATION = re.compile(r"https?://|www\.|\b1[3-9]\d{9}\b", re.IGNORECASE)


def scores_clean(*, scores: dict, items: list[str]) -> dict[str, int]:
    cleaned = {}
    for item in items:
        value = scores.get(item)
        if value in (None, ""):
            raise ValidationError({"scores": SCORE_MISSING})
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError({"scores": SCORE_OUT_OF_RANGE}) from None
        if str(number) != str(value).strip() or not 1 <= number <= 5:
            raise ValidationError({"scores": SCORE_OUT_OF_RANGE})
        cleaned[item] = number
    return cleaned


def scope_choices(items: list[str]) -> list[tuple[str, str]]:
    labels = dict(ScopeItem.choices)
    return [(item, str(labels.get(item, item))) for item in items]


@transaction.atomic
def rating_submit(
    *, household_code: HouseholdCode, scores: dict, comment: str = "", today: date | None = None
) -> Rating:
    """One rating per household per month (the unique constraint decides races)."""
    today = today or timezone.localdate()
    code = HouseholdCode.objects.select_for_update().get(pk=household_code.pk)
    compound = code.compound
    engagement = serving_engagement(compound)
    cleaned = scores_clean(scores=scores, items=scope_items_of(engagement))
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError({"comment": COMMENT_TOO_LONG % {"max": MAX_COMMENT}})
    month = month_start(today)
    if Rating.objects.filter(household_code=code, month=month).exists():
        raise ValidationError(ALREADY_RATED % {"month": f"{month:%Y-%m}"}, code="already_rated")
    average = (Decimal(sum(cleaned.values())) / len(cleaned)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    status = CommentStatus.NONE
    flag_reason = ""
    if comment:
        status = CommentStatus.PUBLISHED
        if _NEEDS_MODERATION.search(comment):
            status, flag_reason = CommentStatus.HELD, "link or phone number"
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                compound=compound,
                engagement=engagement,
                firm=engagement.firm,
                household_code=code,
                month=month,
                scores=cleaned,
                average=average,
                comment=comment,
                comment_status=status,
                flag_reason=flag_reason,
            )
    except IntegrityError:
        raise ValidationError(
            ALREADY_RATED % {"month": f"{month:%Y-%m}"}, code="already_rated"
        ) from None
    event_record(
        actor=None,
        action="rating.submitted",
        target=rating,
        compound=compound,
        after={"average": str(average), "month": f"{month:%Y-%m}", "comment": status},
    )
    return rating


def _lock(rating: Rating) -> Rating:
    return (
        Rating.objects.select_for_update(of=("self",))
        .select_related("compound__street_office__district", "firm")
        .get(pk=rating.pk)
    )


def _move_comment(
    *, actor, rating: Rating, target: str, action: str, data=None, flag_reason=None
) -> Rating:
    locked = _lock(rating)
    check_transition(
        model="comment",
        table=COMMENT_TRANSITIONS,
        current=locked.comment_status,
        target=target,
    )
    before = locked.comment_status
    locked.comment_status = target
    if flag_reason is not None:
        locked.flag_reason = flag_reason
    locked.save(update_fields=["comment_status", "flag_reason"])
    event_record(
        actor=actor,
        action=action,
        target=locked,
        before={"comment": before},
        after={"comment": target, **(data or {})},
    )
    return locked


@transaction.atomic
def rating_flag(*, actor, rating: Rating, reason: str) -> Rating:
    """The firm (or the committee) asks for a comment to be reviewed; it is held until
    the committee decides."""
    if not (
        can_answer_for_firm(actor, rating.firm)
        or can_manage_household_codes(actor, rating.compound)
    ):
        require(False)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    if rating.comment_status == CommentStatus.NONE:
        raise ValidationError(NO_COMMENT)
    locked = _move_comment(
        actor=actor,
        rating=rating,
        flag_reason=reason[:200],
        target=CommentStatus.HELD,
        action="rating.comment_flagged",
        data={"reason": reason[:200]},
    )
    email_after_commit(
        recipients=committee_emails_of(locked),
        subject=_("A rating comment is waiting for moderation"),
        body=_("A comment on %(compound)s was flagged: %(reason)s")
        % {"compound": locked.compound.name, "reason": reason[:200]},
    )
    return locked


def committee_emails_of(rating: Rating) -> list[str]:
    committee = rating.compound.current_committee
    return committee_emails(committee.pk) if committee else []


@transaction.atomic
def rating_moderate(*, actor, rating: Rating, publish: bool) -> Rating:
    require(can_manage_household_codes(actor, rating.compound))
    target = CommentStatus.PUBLISHED if publish else CommentStatus.HIDDEN
    return _move_comment(
        actor=actor, rating=rating, target=target, action="rating.comment_moderated"
    )


@transaction.atomic
def rating_reply(*, actor, rating: Rating, text: str) -> Rating:
    """The firm replies once, publicly."""
    require(can_answer_for_firm(actor, rating.firm))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": REPLY_REQUIRED})
    if len(text) > MAX_COMMENT:
        raise ValidationError({"text": COMMENT_TOO_LONG % {"max": MAX_COMMENT}})
    locked = _lock(rating)
    if locked.replied_at is not None:
        raise ValidationError(ALREADY_REPLIED, code="replied")
    locked.reply, locked.replied_at, locked.replied_by = text, timezone.now(), actor
    locked.save(update_fields=["reply", "replied_at", "replied_by"])
    event_record(actor=actor, action="rating.replied", target=locked, after={"reply": text[:200]})
    return locked
