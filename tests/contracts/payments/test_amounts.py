"""Invoice amounts (DOMAIN "Payments"): floor area × fee per ㎡·月, pro-rated by days,
amendments from their effective date; one invoice per engagement-month."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError

from contracts.daily import daily_run
from contracts.models import AmendmentStatus, ContractAmendment, EngagementKind, EngagementPhase
from contracts.payments.amounts import invoice_lines, total
from contracts.payments.models import Invoice, InvoiceStatus, to_fen
from contracts.payments.services import invoice_issue
from tests.contracts.conftest import sign_both

from .conftest import make_engagement

D = Decimal


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "month", "fee", "area", "expected"),
    [
        # Full month: area × fee.
        (date(2026, 1, 1), None, date(2026, 3, 1), "1.50", "10000", "15000.00"),
        # Partial first month: 1 March 17 → 15 of 31 days.
        (date(2026, 3, 17), None, date(2026, 3, 1), "1.50", "10000", "7258.06"),
        # Partial last month: ends 10 April → 10 of 30 days.
        (date(2026, 1, 1), date(2026, 4, 10), date(2026, 4, 1), "2.00", "3000", "2000.00"),
        # Starts and ends inside February (28 days): 8 days.
        (date(2026, 2, 10), date(2026, 2, 17), date(2026, 2, 1), "1.20", "5000.50", "1714.46"),
        # A leap February: 29 days.
        (date(2028, 2, 1), None, date(2028, 2, 1), "0.99", "1234.56", "1222.21"),
        # Not serving that month at all.
        (date(2026, 5, 1), None, date(2026, 4, 1), "1.50", "10000", "0.00"),
    ],
)
def test_invoice_amounts(starts_on, ends_on, month, fee, area, expected):
    engagement = make_unsaved(starts_on=starts_on, ends_on=ends_on, fee=D(fee), area=D(area))
    assert total(invoice_lines(engagement, month)) == D(expected)


def make_unsaved(**fields):
    from contracts.models import Engagement

    return Engagement(kind=EngagementKind.TRIAL, phase=EngagementPhase.LIVE, **fields)


def test_fen_conversion_is_exact():
    assert to_fen(D("7258.06")) == 725806
    assert to_fen(D("0.01")) == 1
    assert isinstance(to_fen(D("15000.00")), int)


def test_zero_fee_trial_gets_no_invoice(compound, firm):
    engagement = make_engagement(compound, firm, kind=EngagementKind.TRIAL, fee=D("0"))
    assert (
        invoice_issue(engagement=engagement, month=date(2026, 3, 1), today=date(2026, 3, 1)) is None
    )
    daily_run(today=date(2026, 3, 1))
    assert not Invoice.objects.exists()


def test_daily_run_issues_one_invoice_per_engagement_month(compound, firm, other_compound):
    contract = make_engagement(compound, firm)
    trial = make_engagement(
        other_compound, firm, kind=EngagementKind.TRIAL, fee=D("0.50"), area=D("2000")
    )
    fallback = make_engagement(
        compound, firm, kind=EngagementKind.FALLBACK, phase=EngagementPhase.ENDED, fee=D("1")
    )
    for day in (date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 15)):
        daily_run(today=day)
    assert Invoice.objects.filter(engagement=contract).count() == 1
    assert Invoice.objects.get(engagement=trial).amount == D("1000.00")
    assert not Invoice.objects.filter(engagement=fallback).exists()  # not live
    daily_run(today=date(2026, 4, 1))
    assert Invoice.objects.filter(engagement=contract).count() == 2


def test_fallback_is_invoiced_at_its_fee(compound, firm):
    fallback = make_engagement(
        compound, firm, kind=EngagementKind.FALLBACK, ends_on=None, fee=D("0.80"), area=D("500")
    )
    daily_run(today=date(2026, 3, 3))
    invoice = Invoice.objects.get(engagement=fallback)
    assert invoice.amount == D("400.00")
    assert invoice.status == InvoiceStatus.OPEN


def test_issue_is_idempotent_and_the_database_refuses_a_second(engagement):
    first = invoice_issue(engagement=engagement, month=date(2026, 3, 9), today=date(2026, 3, 9))
    again = invoice_issue(engagement=engagement, month=date(2026, 3, 20), today=date(2026, 3, 20))
    assert first.pk == again.pk
    with pytest.raises(IntegrityError):
        Invoice.objects.create(
            engagement=engagement,
            period_start=date(2026, 3, 1),
            served_from=date(2026, 3, 1),
            served_to=date(2026, 3, 31),
            amount=D("1"),
            issued_on=date(2026, 3, 1),
        )


def test_voided_month_can_be_issued_again(engagement):
    first = invoice_issue(engagement=engagement, month=date(2026, 3, 1), today=date(2026, 3, 1))
    Invoice.objects.filter(pk=first.pk).update(status=InvoiceStatus.VOID)
    second = invoice_issue(engagement=engagement, month=date(2026, 3, 1), today=date(2026, 3, 2))
    assert second.pk != first.pk


@pytest.fixture
def signed_contract(draft_contract, committee_member, firm_admin):
    return sign_both(draft_contract, committee_member, firm_admin)


def test_amendment_mid_month_applies_from_its_effective_date(signed_contract):
    contract = signed_contract
    engagement = contract.engagement
    month = (contract.starts_on.replace(day=1) + timedelta(days=40)).replace(day=1)
    effective_on = month.replace(day=16)
    ContractAmendment.objects.create(
        contract=contract,
        status=AmendmentStatus.APPROVED,
        fee=contract.fee + D("0.50"),
        effective_on=effective_on,
        reason="评估后调价",
    )
    # A proposed (not approved) amendment changes nothing.
    ContractAmendment.objects.create(
        contract=contract, fee=D("9.00"), effective_on=month.replace(day=20), reason="未批准"
    )
    lines = invoice_lines(engagement, month)
    import calendar

    days = calendar.monthrange(month.year, month.month)[1]
    assert [(line.fee, line.days) for line in lines] == [
        (contract.fee, 15),
        (contract.fee + D("0.50"), days - 15),
    ]
    expected = (
        contract.area * contract.fee * 15 / days
        + contract.area * (contract.fee + D("0.50")) * (days - 15) / days
    ).quantize(D("0.01"))
    assert total(lines) == expected
