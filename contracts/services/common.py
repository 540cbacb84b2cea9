"""What every service here shares: locking, the transition check, and e-mails after commit."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from market.exceptions import InvalidTransition
from market.models import CommitteeMember, Firm, FirmMember, FirmRole
from market.prepared import KeyedQuery, row_lock
from market.services.compounds import lock_compound  # noqa: F401  (the services' lock)


def check_transition(*, model: str, table: dict[str, set[str]], current: str, target: str):
    if target not in table.get(current, set()):
        raise InvalidTransition(model=model, current=current, target=target)


def lock_row(instance, *, related=()):
    """A fresh copy of ``instance`` with its own row locked (not the joined rows)."""
    return row_lock(type(instance), instance.pk, related=tuple(related))


def lock_for_change(instance, *, related=()):
    """Lock the compound first, then ``instance``'s row: every service takes the two locks in
    this order, so two changes of one compound cannot deadlock. Returns (compound, locked)."""
    compound = lock_compound(instance.compound_id)
    locked = lock_row(instance, related=related)
    # The locked compound (street office and district joined) serves ``locked.compound``:
    # event rows and e-mails read it, and a lazy load cost two queries per service.
    locked.compound = compound
    return compound, locked


def status_move(obj, *, table: dict[str, set[str]], target: str, model: str) -> str:
    """Check ``obj.status`` → ``target`` against the transition table, set it (unsaved) and
    return the status before."""
    before = obj.status
    check_transition(model=model, table=table, current=before, target=target)
    obj.status = target
    return before


def instance_sync(original, locked, *, fields=None):
    """Copy what a service changed on the locked copy back onto the caller's instance:
    ``fields`` only, or else every public attribute. Returns ``locked``."""
    if fields is None:
        original.__dict__.update(
            {k: v for k, v in locked.__dict__.items() if not k.startswith("_")}
        )
    else:
        for field in fields:
            setattr(original, field, getattr(locked, field))
    return locked


def required_reason(reason: str, message) -> str:
    """The reason stripped; a blank one is refused with ``message`` on the reason field."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason


def day_text(value) -> str:
    return date_format(value, "Y-m-d")


def today_or(today):
    return today if today is not None else timezone.localdate()


def committee_emails(committee_id: int) -> list[str]:
    """The current members' addresses. By id: the services need not load the committee."""
    return sorted(set(_COMMITTEE_EMAILS.rows(committee_id)) - {"", None})


def firm_emails(firm: Firm) -> list[str]:
    return sorted({firm.email, *_FIRM_ADMIN_EMAILS.rows(firm.pk)} - {"", None})


# Every notice looks its recipients up: compiled once (market.prepared).
_COMMITTEE_EMAILS = KeyedQuery(
    lambda committee_id: (
        CommitteeMember.objects.active()
        .filter(committee_id=committee_id)
        .values_list("email", flat=True)
    )
)
_FIRM_ADMIN_EMAILS = KeyedQuery(
    lambda firm_id: (
        FirmMember.objects.active()
        .filter(firm_id=firm_id, role=FirmRole.ADMIN)
        .values_list("user__email", flat=True)
    )
)


def absolute_url(name: str, *args) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(name, args=args)


def email_after_commit(*, recipients: list[str], subject: str, body: str, url: str = "") -> None:
    """Send a notice once the transaction has committed (nothing is sent on rollback).
    ``subject`` and ``body`` are already translated; the template adds greeting and link."""
    if not recipients:
        return
    language = translation.get_language() or settings.LANGUAGE_CODE
    subject, body = str(subject), str(body)

    def send():
        with translation.override(language):
            message = render_to_string("contracts/emails/notice.txt", {"body": body, "url": url})
        send_mail(subject=subject, message=message, from_email=None, recipient_list=recipients)

    transaction.on_commit(send)
