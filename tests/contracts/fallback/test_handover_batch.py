"""Confirming several handover items at once (``handover_confirm_items``) and the page's
confirm-all form: one transaction per side, all or nothing, few queries."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts.models import (
    Engagement,
    Handover,
    HandoverItem,
    HandoverItemKind,
    HandoverPhoto,
    HandoverStatus,
)
from contracts.services.handover import handover_confirm_items
from contracts.signals import handover_requests_transfer
from market.models import Event
from market.permissions import roles_of

from .conftest import png_upload

KINDS = HandoverItemKind.values


def outgoing_items(refund="1234.50", photos=None):
    items = {kind: {} for kind in KINDS}
    items[HandoverItemKind.FACILITIES]["photos"] = [png_upload()] if photos is None else photos
    items[HandoverItemKind.FEES]["refund_amount"] = refund
    return items


def nothing_confirmed(handover) -> bool:
    return not (
        HandoverItem.objects.filter(handover=handover, outgoing_confirmed_on__isnull=False).exists()
        or HandoverItem.objects.filter(
            handover=handover, incoming_confirmed_on__isnull=False
        ).exists()
        or HandoverPhoto.objects.exists()
        or Event.objects.filter(action="handover.item_confirmed").exists()
    )


def test_two_calls_complete_the_handover(handover, outgoing_admin, operator_admin):
    today = handover.opened_on + timedelta(days=3)
    received = []

    def on_transfer(sender, handover, **kwargs):
        received.append(handover.pk)

    handover_requests_transfer.connect(on_transfer)
    try:
        confirmed = handover_confirm_items(
            actor=outgoing_admin, handover=handover, items=outgoing_items(), today=today
        )
        assert [item.kind for item in confirmed] == KINDS
        assert handover.status == HandoverStatus.OPEN
        assert received == [handover.pk]
        # A list of kinds is enough for the incoming side.
        handover_confirm_items(actor=operator_admin, handover=handover, items=KINDS, today=today)
    finally:
        handover_requests_transfer.disconnect(on_transfer)
    assert handover.status == HandoverStatus.COMPLETED
    handover.refresh_from_db()
    assert handover.completed_on == today and str(handover.refund_amount) == "1234.50"
    assert received == [handover.pk]
    assert all(
        item.outgoing_confirmed_by == outgoing_admin
        and item.incoming_confirmed_by == operator_admin
        for item in handover.items.all()
    )
    events = Event.objects.filter(action="handover.item_confirmed")
    assert events.count() == 2 * len(KINDS)
    assert sorted((e.after["item"], e.after["side"]) for e in events) == sorted(
        (kind, side) for kind in KINDS for side in ("outgoing", "incoming")
    )
    assert Event.objects.filter(action="handover.completed").count() == 1
    assert HandoverPhoto.objects.filter(item__kind="facilities").count() == 1
    with pytest.raises(ValidationError):
        handover_confirm_items(actor=operator_admin, handover=handover, items=["keys"])


def test_one_bad_item_and_nothing_is_saved(handover, outgoing_admin):
    fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    for items in (
        outgoing_items(refund=None),
        outgoing_items(refund="-3"),
        outgoing_items(photos=[]),
        outgoing_items(photos=[fake]),
        {**outgoing_items(), "nonsense": {}},
        {},
    ):
        with pytest.raises(ValidationError):
            handover_confirm_items(actor=outgoing_admin, handover=handover, items=items)
        assert nothing_confirmed(handover)
    # Every bad item is reported, not only the first.
    with pytest.raises(ValidationError) as error:
        handover_confirm_items(
            actor=outgoing_admin, handover=handover, items=outgoing_items(refund="", photos=[])
        )
    assert {"photos", "refund_amount"} <= set(error.value.error_dict)
    handover.refresh_from_db()
    assert handover.refund_amount is None and nothing_confirmed(handover)


def test_earlier_photos_suffice_for_the_facilities(handover, outgoing_admin):
    handover_confirm_items(
        actor=outgoing_admin,
        handover=handover,
        items={"facilities": {"photos": [png_upload()], "note": "电梯两部"}},
    )
    handover_confirm_items(actor=outgoing_admin, handover=handover, items=["facilities"])
    item = handover.items.get(kind="facilities")
    assert item.outgoing_confirmed_on and item.note == "电梯两部"


def test_someone_outside_the_two_firms_is_refused(handover, firm_staff, committee_member, official):
    for user in (firm_staff, committee_member, official):
        with pytest.raises(PermissionDenied):
            handover_confirm_items(actor=user, handover=handover, items=KINDS)
    assert nothing_confirmed(handover)


@pytest.mark.parametrize("side", ["outgoing", "incoming"])
def test_a_side_of_five_items_costs_a_bounded_number_of_queries(
    side, handover, outgoing_admin, operator_admin, django_assert_max_num_queries
):
    """The first side to confirm (the completion's own work, in the succession module, is
    not counted here). Item by item it cost 46 queries (outgoing) and 40 (incoming)."""
    # Warm, as in a running simulation: the actors' roles and the content type are cached.
    roles_of(outgoing_admin), roles_of(operator_admin)
    ContentType.objects.get_for_model(handover)
    if side == "outgoing":
        # With the photo, the refund and the open requests' transfer (its receiver's reads).
        with django_assert_max_num_queries(12):
            handover_confirm_items(actor=outgoing_admin, handover=handover, items=outgoing_items())
    else:
        with django_assert_max_num_queries(6):
            handover_confirm_items(actor=operator_admin, handover=handover, items=KINDS)
    assert handover.items.filter(**{f"{side}_confirmed_on__isnull": False}).count() == len(KINDS)


@pytest.mark.parametrize("side", ["outgoing", "incoming"])
def test_confirm_all_reads_the_handover_and_its_checklist_once(
    side, handover, outgoing_admin, operator_admin, django_assert_max_num_queries
):
    """ "Confirm all" locks the handover and reads its checklist once, then confirms on
    that lock (it locked and read both twice, as a wrapper of handover_confirm_items)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contracts.services.handover import handover_confirm_remaining

    roles_of(outgoing_admin), roles_of(operator_admin)
    ContentType.objects.get_for_model(handover)
    if side == "outgoing":
        actor, extra = outgoing_admin, {"photos": [png_upload()], "refund_amount": "0"}
    else:
        actor, extra = operator_admin, {}
    with CaptureQueriesContext(connection) as queries:
        confirmed = handover_confirm_remaining(actor=actor, handover=handover, **extra)
    assert [item.kind for item in confirmed] == KINDS
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert sum('FROM "contracts_handover"' in sql for sql in reads) == 1
    assert sum('FROM "contracts_handoveritem"' in sql for sql in reads) == 1
    assert len(queries) <= (12 if side == "outgoing" else 6)


# --- The page's confirm-all form ------------------------------------------------------


def login(client, user):
    client.force_login(user)
    return client


def test_the_page_offers_confirm_all_to_each_side(
    client, handover, outgoing_admin, committee_member
):
    url = reverse("handover_detail", args=[handover.pk])
    action = reverse("handover_confirm_all", args=[handover.pk])
    page = login(client, outgoing_admin).get(url).content.decode()
    assert action in page and 'name="all-refund_amount"' in page and 'name="all-photos"' in page
    assert action not in login(client, committee_member).get(url).content.decode()


def test_confirming_everything_through_the_page(client, handover, outgoing_admin, operator_admin):
    url = reverse("handover_confirm_all", args=[handover.pk])
    login(client, outgoing_admin)
    bad = client.post(url, {"all-refund_amount": "300"})
    assert bad.status_code == 400 and "请至少上传一张设施设备" in bad.content.decode()
    bad = client.post(url, {"all-refund_amount": "-1", "all-photos": [png_upload()]})
    assert bad.status_code == 400
    bad = client.post(url, {"all-photos": [png_upload()]})
    assert bad.status_code == 400 and "应退预收物业费" in bad.content.decode()
    assert nothing_confirmed(handover)
    # One item confirmed on its own first: confirm-all does the rest.
    single = client.post(reverse("handover_confirm", args=[handover.pk]), {"kind": "keys"})
    assert single.status_code == 302
    ok = client.post(url, {"all-refund_amount": "300.00", "all-photos": [png_upload()]})
    assert ok.status_code == 302
    assert Event.objects.filter(action="handover.item_confirmed").count() == len(KINDS)
    # Nothing left for this side: refused, with a message.
    again = client.post(url, {"all-refund_amount": "1"})
    assert again.status_code == 400 and "form-errors" in again.content.decode()
    login(client, operator_admin)
    assert (
        'name="all-refund_amount"'
        not in client.get(reverse("handover_detail", args=[handover.pk])).content.decode()
    )
    assert client.post(url, {}).status_code == 302
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.COMPLETED and str(handover.refund_amount) == "300.00"
    # Complete: refused with the service's message, nothing changes.
    done = client.post(url, {})
    assert done.status_code == 400 and "本次交接已完成" in done.content.decode()
    assert Event.objects.filter(action="handover.item_confirmed").count() == 2 * len(KINDS)


def test_other_roles_cannot_confirm_all(client, handover, firm_staff, committee_member, official):
    url = reverse("handover_confirm_all", args=[handover.pk])
    assert client.post(url, {}).status_code == 302  # to the login page
    for user in (firm_staff, committee_member, official):
        assert login(client, user).post(url, {}).status_code == 403
    login(client, committee_member)
    assert client.get(url).status_code == 405
    assert nothing_confirmed(handover)


def test_confirming_what_is_left_reads_the_items_under_the_lock(
    handover, outgoing_admin, operator_admin
):
    """A colleague confirmed the keys a moment earlier: "confirm all" confirms the rest
    and does not confirm the keys again."""
    from contracts.services.handover import handover_confirm_remaining

    today = handover.opened_on + timedelta(days=2)
    handover_confirm_items(
        actor=operator_admin, handover=handover, items=[HandoverItemKind.KEYS], today=today
    )
    confirmed = handover_confirm_remaining(actor=operator_admin, handover=handover, today=today)
    assert [item.kind for item in confirmed] == [k for k in KINDS if k != HandoverItemKind.KEYS]
    assert Event.objects.filter(action="handover.item_confirmed").count() == len(KINDS)
    with pytest.raises(ValidationError, match="已确认全部交接事项"):
        handover_confirm_remaining(actor=operator_admin, handover=handover, today=today)
    everything = handover_confirm_remaining(
        actor=outgoing_admin,
        handover=handover,
        photos=[png_upload()],
        refund_amount="0",
        today=today,
    )
    assert len(everything) == len(KINDS) and handover.status == HandoverStatus.COMPLETED


def test_a_handover_opened_under_the_compounds_lock_reads_no_compound_or_firm_again(
    active_trial, operator
):
    """Callers holding the compound's lock pass it: the event row (which needs the
    district) and the notice (which names both firms) read nothing they already have."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from contracts.services.common import lock_compound
    from contracts.services.handover import handover_open

    engagement = Engagement.objects.select_related("firm").get(pk=active_trial.engagement_id)
    ContentType.objects.get_for_model(Handover)
    with transaction.atomic():
        compound = lock_compound(engagement.compound_id)
        with CaptureQueriesContext(connection) as queries:
            handover = handover_open(
                outgoing_engagement=engagement,
                incoming_firm=operator,
                opened_on=active_trial.ends_on + timedelta(days=1),
                compound=compound,
            )
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    for table in ("market_compound", "market_streetoffice", "market_district", "market_firm"):
        assert not any(f'FROM "{table}"' in sql for sql in reads), table
    event = Event.objects.get(action="handover.opened", object_id=str(handover.pk))
    assert event.district_id == compound.street_office.district_id
    assert event.object_repr == str(Handover.objects.get(pk=handover.pk))
