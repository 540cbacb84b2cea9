"""The treasurer pays an invoice in a browser: Stripe.js (localstripe's stand-in, served
by localstripe itself) tokenises test card 4242 4242 4242 4242, the server confirms the
PaymentIntent, and the page shows "paid" once Stripe's signed webhook has arrived.
Screenshots go to test-results/e2e/."""

import re
from datetime import date
from decimal import Decimal

import pytest

from contracts.models import Engagement, EngagementKind, EngagementPhase
from contracts.payments.models import Invoice, InvoiceStatus, StripeEvent
from contracts.payments.services import invoice_issue
from tests.factories import (
    PASSWORD,
    CommitteeMemberFactory,
    CompoundFactory,
    DistrictFactory,
    FirmMemberFactory,
    StreetOfficeFactory,
)
from tests.stripe_fixtures import localstripe, localstripe_server, stripe_webhooks  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("stripe_webhooks")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_treasurer_pays_an_invoice_by_card(live_server, page, output_dir):
    district = DistrictFactory(name="大兴区", code="110115")
    compound = CompoundFactory(
        street_office=StreetOfficeFactory(district=district, name="兴丰街道"), name="枣园小区"
    )
    committee = CommitteeMemberFactory(committee__compound=compound, role="chair").committee
    treasurer = CommitteeMemberFactory(
        committee=committee, role="member", is_treasurer=True, name="李会计"
    ).user
    firm = FirmMemberFactory(
        role="admin", firm__districts=[district], firm__name="北京兴业物业有限公司"
    ).firm
    engagement = Engagement.objects.create(
        compound=compound,
        firm=firm,
        kind=EngagementKind.CONTRACT,
        phase=EngagementPhase.LIVE,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        fee=Decimal("1.50"),
        area=Decimal("8000.00"),
    )
    invoice = invoice_issue(engagement=engagement, month=date(2026, 3, 1), today=date(2026, 3, 1))
    base = live_server.url

    page.goto(base + "/accounts/login/")
    page.locator("input[name=login]").fill(treasurer.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/my/"))

    page.goto(base + f"/invoices/{invoice.pk}/pay/")
    assert page.get_by_text("北京兴业物业有限公司").is_visible()
    assert page.get_by_text("¥12000.00").first.is_visible()
    # localstripe's Stripe.js draws plain inputs for the card element.
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").fill("4242424242424242")
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("30")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("10000")
    page.screenshot(path=output_dir / "1-card.png", full_page=True)
    page.get_by_role("button", name=re.compile("支付 ¥")).click()

    page.get_by_text("该账单已支付，谢谢。").wait_for(timeout=20_000)
    page.screenshot(path=output_dir / "2-paid.png", full_page=True)
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID
    assert StripeEvent.objects.filter(type="payment_intent.succeeded", outcome="paid").exists()
