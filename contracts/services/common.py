"""What every service here shares: the transition check and e-mails after commit."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from market.exceptions import InvalidTransition
from market.models import Committee, Firm, FirmRole


def check_transition(*, model: str, table: dict[str, set[str]], current: str, target: str):
    if target not in table.get(current, set()):
        raise InvalidTransition(model=model, current=current, target=target)


def today_or(today):
    return today if today is not None else timezone.localdate()


def committee_emails(committee: Committee) -> list[str]:
    return sorted({m.email for m in committee.members.filter(left_on__isnull=True) if m.email})


def firm_emails(firm: Firm) -> list[str]:
    admins = firm.members.filter(left_on__isnull=True, role=FirmRole.ADMIN).select_related("user")
    return sorted({firm.email, *(m.user.email for m in admins)} - {""})


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
