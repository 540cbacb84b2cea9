"""Handover between operators (Civil Code arts. 949–950; Beijing art. 76).

When a compound changes operator, the outgoing firm hands over within 30 days: records and
documents, keys and access cards, facilities and their condition (with photos), the fee
settlement (prepaid fees for the unserved period refunded — the amount is recorded here;
payments, issue #7, acts on it) and the open service requests (transferred through the
``handover_requests_transfer`` signal, which the ratings app, issue #5, answers). Both
firms confirm each item; the outgoing firm stays answerable until the handover completes.
A refusal or a missed deadline is recorded once and lowers the firm's credit score.
"""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from market.models import Compound, Event, Firm
from market.permissions import can_manage_fallback, handover_side_of, require
from market.prepared import KeyedQuery
from market.services.credit import credit_entry_add
from market.services.events import event_build, event_record
from market.uploads import validate_upload

from ..models import (
    HANDOVER_TRANSITIONS,
    Engagement,
    Handover,
    HandoverItem,
    HandoverItemKind,
    HandoverPhoto,
    HandoverStatus,
)
from ..signals import handover_requests_transfer
from .common import (
    absolute_url,
    day_text,
    email_after_commit,
    firm_emails,
    lock_row,
    required_reason,
    status_move,
    today_or,
)

# Credit points for refusing a handover or missing its deadline (DOMAIN: "Refusal is
# recorded as a credit penalty").
HANDOVER_PENALTY_POINTS = Decimal("-5")
MAX_PHOTOS = 10

NOT_A_PARTY = _("Only the outgoing or the incoming firm of this handover can confirm its items.")
ALREADY_DONE = _("This handover is complete.")
PHOTO_REQUIRED = _("Attach at least one photo of the facilities and their condition.")
TOO_MANY_PHOTOS = _("Attach at most %(count)d photos.")
REFUND_REQUIRED = _("Give the prepaid fees to refund, in ¥ (0 if none).")
REFUSAL_REASON = _("Give the reason for refusing; it is kept on the record.")
ONLY_OUTGOING = _("Only the outgoing firm can refuse the handover.")
ALREADY_ENFORCED = _("The bureau has already enforced this takeover.")
NOT_YET_ENFORCEABLE = _(
    "The outgoing firm has until the deadline to hand over; the bureau can enforce the "
    "takeover from %(date)s, or at once if the firm refuses."
)
ENFORCE_REASON = _("Give the reason for enforcing the takeover; it is kept on the record.")


# An engagement's handover (one at most): compiled once (market.prepared).
_HANDOVER_OF = KeyedQuery(
    lambda engagement_id: Handover.objects.filter(outgoing_engagement_id=engagement_id)[:1]
)


@transaction.atomic
def handover_open(
    *,
    outgoing_engagement: Engagement,
    incoming_firm: Firm,
    opened_on: date,
    compound: Compound | None = None,
) -> Handover:
    """Open the checklist for ``outgoing_engagement`` (once; a second call returns it).
    A caller holding the compound's lock passes it (with its street office, as
    ``lock_compound`` loads it): the event row and the notice need not load it again."""
    existing = _HANDOVER_OF.first(outgoing_engagement.pk)
    if existing is not None:
        return existing
    if compound is None or compound.pk != outgoing_engagement.compound_id:
        compound = outgoing_engagement.compound
    outgoing_firm = outgoing_engagement.firm  # named in the event and the notice
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                compound=compound,
                outgoing_engagement=outgoing_engagement,
                outgoing_firm=outgoing_firm,
                incoming_firm=incoming_firm,
                opened_on=opened_on,
                due_on=Handover.due_for(opened_on),
            )
    except IntegrityError:
        return Handover.objects.get(outgoing_engagement=outgoing_engagement)
    HandoverItem.objects.bulk_create(
        HandoverItem(handover=handover, kind=kind) for kind in HandoverItemKind.values
    )
    event_record(
        actor=None,
        action="handover.opened",
        target=handover,
        compound=handover.compound,
        after={
            "outgoing": outgoing_firm.name,
            "incoming": incoming_firm.name,
            "due_on": handover.due_on.isoformat(),
        },
    )
    email_after_commit(
        recipients=firm_emails(outgoing_firm) + firm_emails(incoming_firm),
        subject=_t("Handover of %(compound)s due by %(date)s")
        % {"compound": handover.compound.name, "date": day_text(handover.due_on)},
        body=_t(
            "%(outgoing)s hands over records, keys and access cards, facilities, the fee "
            "settlement and open requests to %(incoming)s within 30 days (Civil Code arts. "
            "949–950). Both firms confirm each item on the checklist."
        )
        % {"outgoing": outgoing_firm.name, "incoming": incoming_firm.name},
        url=absolute_url("handover_detail", handover.pk),
    )
    return handover


def _lock(handover: Handover) -> Handover:
    # The street office too: each event row needs the compound's district.
    return lock_row(handover, related=("compound__street_office", "outgoing_firm", "incoming_firm"))


def _lock_as_party(handover: Handover, actor) -> tuple[Handover, str]:
    """Lock the handover and say which side ``actor`` acts for; refused for anyone else."""
    locked = _lock(handover)
    side = handover_side_of(actor, locked)
    if side is None:
        raise PermissionDenied(NOT_A_PARTY)
    return locked, side


def _move(handover: Handover, target: str) -> str:
    return status_move(handover, table=HANDOVER_TRANSITIONS, target=target, model="handover")


def _parse_refund(value) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"refund_amount": REFUND_REQUIRED}) from None
    if amount < 0 or amount >= Decimal("10000000000"):
        raise ValidationError({"refund_amount": REFUND_REQUIRED})
    return amount


# What a caller may give per item (``handover_confirm_items``).
ITEM_OPTIONS = frozenset({"note", "photos", "refund_amount"})


@transaction.atomic
def handover_confirm(
    *,
    actor,
    handover: Handover,
    kind: str,
    note: str = "",
    photos=(),
    refund_amount=None,
    today: date | None = None,
) -> HandoverItem:
    """A firm confirms one item for its side (see ``handover_confirm_items``)."""
    (item,) = handover_confirm_items(
        actor=actor,
        handover=handover,
        items={kind: {"note": note, "photos": photos, "refund_amount": refund_amount}},
        today=today,
    )
    return item


def _item_options(items) -> dict[str, dict]:
    """``{kind: {note, photos, refund_amount}}`` from a mapping, or from a list of kinds
    (confirmed without note, photos or refund)."""
    if isinstance(items, Mapping):
        options = {kind: dict(opts or {}) for kind, opts in items.items()}
    else:
        options = {kind: {} for kind in items}
    for opts in options.values():
        unknown = set(opts) - ITEM_OPTIONS
        if unknown:
            raise TypeError(f"unknown handover item options: {sorted(unknown)}")
    return options


@transaction.atomic
def handover_confirm_items(
    *,
    actor,
    handover: Handover,
    items: Mapping[str, Mapping] | Iterable[str],
    today: date | None = None,
) -> list[HandoverItem]:
    """A firm confirms several items for its side at once: ``items`` maps each kind to its
    ``note``, ``photos`` and ``refund_amount`` (or is a list of kinds). The outgoing side
    attaches photos of the facilities and states the refund of prepaid fees. All or
    nothing: one invalid item and none is confirmed. When every item is confirmed by both
    sides, the handover completes. Returns the confirmed items, in checklist order."""
    today = today_or(today)
    options = _item_options(items)
    locked, side = _lock_as_party(handover, actor)
    confirmed = _confirm_locked(locked, side=side, options=options, actor=actor, today=today)
    handover.status = locked.status
    return confirmed


def _locked_checklist(locked: Handover) -> list[HandoverItem]:
    # All items, locked in one read: the completion check needs them all.
    return list(HandoverItem.objects.select_for_update().filter(handover=locked))


def _confirm_locked(
    locked: Handover,
    *,
    side: str,
    options: dict[str, dict],
    actor,
    today: date,
    checklist: list[HandoverItem] | None = None,
) -> list[HandoverItem]:
    """``handover_confirm_items`` on the handover its caller has locked for ``side``
    (with its checklist, if the caller has read it under that lock)."""
    if locked.status == HandoverStatus.COMPLETED:
        raise ValidationError(ALREADY_DONE)
    if not options or any(kind not in HandoverItemKind.values for kind in options):
        raise ValidationError({"kind": _t("Choose an item of the checklist.")})
    if checklist is None:
        checklist = _locked_checklist(locked)
    chosen = [item for item in checklist if item.kind in options]
    # Validate every item before writing anything; the first error of each item is kept.
    failures: list[ValidationError] = []
    photos_of: dict[int, list] = {}
    refund = None
    for item in chosen:
        opts = options[item.kind]
        try:
            photos_of[item.pk] = _checked_photos(item, side=side, photos=opts.get("photos"))
            if side == "outgoing" and item.kind == HandoverItemKind.FEES:
                refund_amount = opts.get("refund_amount")
                if refund_amount in (None, ""):
                    raise ValidationError({"refund_amount": REFUND_REQUIRED})
                refund = _parse_refund(refund_amount)
        except ValidationError as error:
            failures.append(error)
    if len(failures) == 1:
        raise failures[0]
    if failures:
        merged: dict = {}
        for error in failures:
            error.update_error_dict(merged)
        raise ValidationError(merged)
    if refund is not None:
        locked.refund_amount = refund
        locked.save(update_fields=["refund_amount"])
    on_field, by_field = f"{side}_confirmed_on", f"{side}_confirmed_by"
    # One UPDATE for what every chosen item shares (bulk_update built a CASE per item and
    # field), and one per item that gets a note.
    HandoverItem.objects.filter(pk__in=[item.pk for item in chosen]).update(
        **{on_field: today, by_field: actor}
    )
    for item in chosen:
        setattr(item, on_field, today)
        setattr(item, by_field, actor)
        note = (options[item.kind].get("note") or "").strip()
        if note:
            item.note = (item.note + "\n" + note).strip()
            HandoverItem.objects.filter(pk=item.pk).update(note=item.note)
    new_photos = [
        HandoverPhoto(item=item, image=photo) for item in chosen for photo in photos_of[item.pk]
    ]
    if new_photos:
        HandoverPhoto.objects.bulk_create(new_photos)
    if side == "outgoing" and HandoverItemKind.REQUESTS in options:
        handover_requests_transfer.send(sender=Handover, handover=locked)
    # The event log is append-only: one INSERT for all the items' events.
    Event.objects.bulk_create(
        event_build(
            actor=actor,
            action="handover.item_confirmed",
            target=locked,
            compound=locked.compound,
            after={"item": item.kind, "side": side, "photos": len(photos_of[item.pk])},
        )
        for item in chosen
    )
    if all(item.done for item in checklist):
        _complete(locked, today=today, actor=actor)
    return chosen


NOTHING_LEFT = _("Your firm has already confirmed every item.")


@transaction.atomic
def handover_confirm_remaining(
    *, actor, handover: Handover, photos=(), refund_amount=None, today: date | None = None
) -> list[HandoverItem]:
    """A firm confirms every item its side has not confirmed yet, in one go (the
    handover page's "confirm all"): the photos go with the facilities item and the refund
    with the fees item, both asked of the outgoing side only. Which items remain is read
    under the lock, so a colleague's confirmation a moment earlier is not repeated."""
    locked, side = _lock_as_party(handover, actor)
    if locked.status == HandoverStatus.COMPLETED:
        raise ValidationError(ALREADY_DONE)
    checklist = _locked_checklist(locked)
    on_field = f"{side}_confirmed_on"
    items = {item.kind: {} for item in checklist if getattr(item, on_field) is None}
    if not items:
        raise ValidationError(NOTHING_LEFT)
    if side == "outgoing":
        if HandoverItemKind.FACILITIES in items:
            items[HandoverItemKind.FACILITIES]["photos"] = photos
        if HandoverItemKind.FEES in items:
            items[HandoverItemKind.FEES]["refund_amount"] = refund_amount
    # Locked once, here: the items are confirmed on the same lock.
    confirmed = _confirm_locked(
        locked,
        side=side,
        options=_item_options(items),
        actor=actor,
        today=today_or(today),
        checklist=checklist,
    )
    handover.status = locked.status
    return confirmed


def _checked_photos(item: HandoverItem, *, side: str, photos) -> list:
    """The photos given for ``item``, checked; the outgoing side must show the facilities
    (unless photos were attached before)."""
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": TOO_MANY_PHOTOS % {"count": MAX_PHOTOS}})
    for photo in photos:
        validate_upload(photo, allowed=("image",))
    if (
        side == "outgoing"
        and item.kind == HandoverItemKind.FACILITIES
        and not photos
        and not item.photos.exists()
    ):
        raise ValidationError({"photos": PHOTO_REQUIRED})
    return photos


def _complete(locked: Handover, *, today: date, actor) -> None:
    # Imported here: succession opens handovers through this module.
    from .succession import handover_release

    before = _move(locked, HandoverStatus.COMPLETED)
    locked.completed_on = today
    locked.save(update_fields=["status", "completed_on"])
    event_record(
        actor=actor,
        action="handover.completed",
        target=locked,
        compound=locked.compound,
        before={"status": before},
        after={"status": locked.status, "refund_amount": str(locked.refund_amount)},
    )
    # Until now the outgoing firm served (DOMAIN "handover"); the incoming one starts today.
    handover_release(handover=locked, on=today, actor=actor, reason="handover complete")


@transaction.atomic
def handover_enforce(*, actor, handover: Handover, reason: str, today: date | None = None):
    """The bureau enforces the takeover after the outgoing firm refused or missed the
    30-day deadline (Beijing art. 76): the incoming operator starts today although the
    checklist is incomplete; the outgoing firm still owes the items and is penalised
    (once)."""
    from .succession import handover_release

    today = today_or(today)
    locked = _lock(handover)
    if actor is not None:
        require(can_manage_fallback(actor, locked.compound.street_office.district))
    if locked.status == HandoverStatus.COMPLETED:
        raise ValidationError(ALREADY_DONE)
    if locked.enforced_on is not None:
        raise ValidationError(ALREADY_ENFORCED)
    if locked.status != HandoverStatus.REFUSED and locked.due_on >= today:
        raise ValidationError(
            NOT_YET_ENFORCEABLE % {"date": day_text(locked.due_on + timedelta(days=1))}
        )
    reason = required_reason(reason, ENFORCE_REASON)
    locked.enforced_on, locked.enforce_reason = today, reason
    locked.enforced_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.save(update_fields=["enforced_on", "enforce_reason", "enforced_by"])
    event_record(
        actor=actor,
        action="handover.enforced",
        target=locked,
        compound=locked.compound,
        after={"incoming": locked.incoming_firm.name, "on": today.isoformat()},
        data={"reason": reason},
    )
    _penalise(
        locked,
        reason=_t("Takeover of %(compound)s enforced by the bureau: %(reason)s")
        % {"compound": locked.compound.name, "reason": reason},
        today=today,
    )
    handover_release(handover=locked, on=today, actor=actor, reason="takeover enforced")
    handover.enforced_on = locked.enforced_on
    return locked


def _penalise(locked: Handover, *, reason: str, today: date) -> None:
    """Record the credit penalty once per handover."""
    if locked.penalised_on is not None:
        return
    locked.penalised_on = today
    locked.save(update_fields=["penalised_on"])
    credit_entry_add(
        firm=locked.outgoing_firm,
        points=HANDOVER_PENALTY_POINTS,
        reason=reason,
        actor=None,
        recorded_on=today,
        source="handover",
    )


@transaction.atomic
def handover_refuse(*, actor, handover: Handover, reason: str, today: date | None = None):
    """The outgoing firm refuses to hand over: recorded, and its credit score drops. The
    obligation stays; the items can still be handed over."""
    today = today_or(today)
    locked, side = _lock_as_party(handover, actor)
    require(side == "outgoing")
    reason = required_reason(reason, REFUSAL_REASON)
    before = _move(locked, HandoverStatus.REFUSED)
    locked.refusal_reason = reason
    locked.save(update_fields=["status", "refusal_reason"])
    event_record(
        actor=actor,
        action="handover.refused",
        target=locked,
        compound=locked.compound,
        before={"status": before},
        after={"status": locked.status},
        data={"reason": reason},
    )
    _penalise(
        locked,
        reason=_t("Refused the handover of %(compound)s: %(reason)s")
        % {"compound": locked.compound.name, "reason": reason},
        today=today,
    )
    handover.status = locked.status
    return locked


@transaction.atomic
def handover_flag_overdue(*, handover: Handover, today: date) -> bool:
    """Past the 30-day deadline and not complete: recorded once, with the penalty."""
    locked = _lock(handover)
    if locked.status == HandoverStatus.COMPLETED or locked.due_on >= today:
        return False
    if locked.penalised_on is not None:
        return False
    event_record(
        actor=None,
        action="handover.overdue",
        target=locked,
        compound=locked.compound,
        data={"due_on": locked.due_on.isoformat()},
    )
    _penalise(
        locked,
        reason=_t("Missed the handover deadline of %(date)s at %(compound)s")
        % {"date": day_text(locked.due_on), "compound": locked.compound.name},
        today=today,
    )
    return True
