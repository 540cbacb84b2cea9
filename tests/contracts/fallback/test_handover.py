"""The handover checklist (Civil Code arts. 949–950, Beijing art. 76): both firms confirm
each item; refusal or a missed deadline costs credit, once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.daily import daily_run
from contracts.models import HandoverItemKind, HandoverPhoto, HandoverStatus
from contracts.services.handover import (
    HANDOVER_PENALTY_POINTS,
    handover_confirm,
    handover_refuse,
)
from contracts.signals import handover_requests_transfer
from market.models import CreditEntry, Event

from .conftest import confirm_everything as _confirm_everything
from .conftest import png_upload


def test_the_handover_completes_when_both_sides_confirm_every_item(
    handover, outgoing_admin, operator_admin
):
    today = handover.opened_on + timedelta(days=5)
    received = []

    def on_transfer(sender, handover, **kwargs):
        received.append(handover.pk)

    handover_requests_transfer.connect(on_transfer)
    try:
        kinds = HandoverItemKind.values
        for kind in kinds[:-1]:
            extra = {"photos": [png_upload()]} if kind == HandoverItemKind.FACILITIES else {}
            if kind == HandoverItemKind.FEES:
                extra["refund_amount"] = "1234.50"
            handover_confirm(
                actor=outgoing_admin, handover=handover, kind=kind, today=today, **extra
            )
            handover_confirm(actor=operator_admin, handover=handover, kind=kind, today=today)
        handover.refresh_from_db()
        # Until the outgoing side's checklist is complete, the handover is open.
        assert handover.status == HandoverStatus.OPEN
        handover_confirm(
            actor=outgoing_admin, handover=handover, kind=HandoverItemKind.REQUESTS, today=today
        )
        assert handover.status == HandoverStatus.OPEN
        handover_confirm(
            actor=operator_admin, handover=handover, kind=HandoverItemKind.REQUESTS, today=today
        )
    finally:
        handover_requests_transfer.disconnect(on_transfer)
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.COMPLETED and handover.completed_on == today
    assert handover.refund_amount == Decimal("1234.50")
    assert received == [handover.pk]
    assert HandoverPhoto.objects.filter(item__handover=handover).count() == 1
    assert Event.objects.filter(action="handover.completed").count() == 1
    with pytest.raises(ValidationError):
        handover_confirm(actor=outgoing_admin, handover=handover, kind="keys", today=today)


def test_facilities_need_a_photo_and_fees_a_refund_amount(handover, outgoing_admin):
    with pytest.raises(ValidationError) as error:
        handover_confirm(actor=outgoing_admin, handover=handover, kind="facilities")
    assert "photos" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        handover_confirm(actor=outgoing_admin, handover=handover, kind="fees")
    assert "refund_amount" in error.value.error_dict
    with pytest.raises(ValidationError):
        handover_confirm(actor=outgoing_admin, handover=handover, kind="fees", refund_amount="-3")
    item = handover.items.get(kind="fees")
    assert item.outgoing_confirmed_on is None


def test_a_fake_photo_is_refused_and_nothing_is_saved(handover, outgoing_admin):
    fake = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    with pytest.raises(ValidationError):
        handover_confirm(actor=outgoing_admin, handover=handover, kind="facilities", photos=[fake])
    assert not HandoverPhoto.objects.exists()
    assert handover.items.get(kind="facilities").outgoing_confirmed_on is None


def test_someone_outside_the_two_firms_cannot_confirm(
    handover, firm_staff, committee_member, official
):
    for user in (firm_staff, committee_member, official):
        with pytest.raises(PermissionDenied):
            handover_confirm(actor=user, handover=handover, kind="keys")
    assert handover.items.get(kind="keys").outgoing_confirmed_on is None


def test_refusing_records_the_penalty_once(handover, outgoing_admin, operator_admin):
    firm = handover.outgoing_firm
    with pytest.raises(ValidationError):
        handover_refuse(actor=outgoing_admin, handover=handover, reason=" ")
    with pytest.raises(PermissionDenied):
        handover_refuse(actor=operator_admin, handover=handover, reason="不")
    handover_refuse(actor=outgoing_admin, handover=handover, reason="费用争议")
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.REFUSED and handover.penalised_on
    entry = CreditEntry.objects.get(firm=firm)
    assert entry.points == HANDOVER_PENALTY_POINTS and entry.source == "handover"
    firm.refresh_from_db()
    assert firm.credit_score == Decimal(80) + HANDOVER_PENALTY_POINTS
    # The missed deadline afterwards adds no second penalty.
    daily_run(today=handover.due_on + timedelta(days=1))
    assert CreditEntry.objects.filter(firm=firm).count() == 1


def test_a_missed_deadline_records_the_penalty_exactly_once(handover):
    firm = handover.outgoing_firm
    daily_run(today=handover.due_on)
    assert not CreditEntry.objects.filter(firm=firm).exists()
    daily_run(today=handover.due_on + timedelta(days=1))
    daily_run(today=handover.due_on + timedelta(days=2))
    from contracts.fallback_rules import handovers_overdue

    handovers_overdue(handover.due_on + timedelta(days=3))
    assert CreditEntry.objects.filter(firm=firm).count() == 1
    assert Event.objects.filter(action="handover.overdue").count() == 1
    handover.refresh_from_db()
    assert handover.penalised_on == handover.due_on + timedelta(days=1)


def test_a_completed_handover_is_never_penalised(handover, outgoing_admin, operator_admin):
    _confirm_everything(handover, outgoing_admin, operator_admin, today=handover.opened_on)
    daily_run(today=handover.due_on + timedelta(days=1))
    assert not CreditEntry.objects.exists()
