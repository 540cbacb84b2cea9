"""What the payments daily rules cost: issuing a monthly invoice takes a fixed, small
number of queries; settling reads only recent, unsettled invoices, however many
engagements ended long ago (the 10-year district simulation runs these every day)."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.models import AmendmentStatus, ContractAmendment, EngagementPhase
from contracts.payments import services
from contracts.payments.models import Invoice, InvoiceRefund, InvoiceStatus
from contracts.payments.rules import (
    SETTLE_LOOKBACK_DAYS,
    issue_invoices,
    settle_candidates,
    settle_ended,
)
from contracts.payments.services import invoice_issue
from market.models import Event
from tests.contracts.conftest import sign_both
from tests.factories import CompoundFactory

from .conftest import make_engagement

D = Decimal
# Lock the engagement (with its compound and street office), look for the month's
# invoice, read the contract's fee with its approved amendments, insert the invoice,
# insert the event row. It was 12 (savepoints, the contract, its amendments, the
# compound and the street office each on their own).
ISSUE_QUERIES = 5
# The daily rule issues a batch of engagements at once: its savepoint (SAVEPOINT,
# RELEASE), the lock of the batch's engagements, the month's invoices already issued,
# the contracts' fees with their amendments, one INSERT of the invoices, one of the
# events — however many invoices. It was ISSUE_QUERIES + 2 per invoice.
RULE_QUERIES_PER_BATCH = 7


@pytest.fixture
def signed_contract(draft_contract, committee_member, firm_admin):
    contract = sign_both(draft_contract, committee_member, firm_admin)
    ContractAmendment.objects.create(
        contract=contract,
        status=AmendmentStatus.APPROVED,
        fee=contract.fee + D("0.50"),
        effective_on=(contract.starts_on.replace(day=1) + timedelta(days=40)).replace(day=16),
        reason="评估后调价",
    )
    return contract


def test_issuing_a_monthly_invoice_takes_five_queries(signed_contract, django_assert_num_queries):
    engagement = signed_contract.engagement
    month = (signed_contract.starts_on.replace(day=1) + timedelta(days=40)).replace(day=1)
    ContentType.objects.get_for_model(Invoice)  # cached per process, as in a long run
    with django_assert_num_queries(ISSUE_QUERIES):
        invoice = invoice_issue(engagement=engagement, month=month, today=month)
    # The amendment from the 16th applies (the contract's fee and the amendment were
    # read in the one query).
    assert [line["fee"] for line in invoice.lines] == [
        str(signed_contract.fee),
        str(signed_contract.fee + D("0.50")),
    ]
    event = Event.objects.get(action="invoice.issued")
    assert event.compound_id == engagement.compound_id
    assert event.district_id == engagement.compound.street_office.district_id
    assert event.object_repr == str(invoice)
    # Issued already: the lock and one read.
    with django_assert_num_queries(2):
        assert invoice_issue(engagement=engagement, month=month, today=month).pk == invoice.pk


def test_the_daily_rule_costs_a_fixed_number_of_queries_per_batch(
    compound, firm, other_compound, monkeypatch
):
    ContentType.objects.get_for_model(Invoice)
    today = date(2026, 3, 1)
    make_engagement(compound, firm)
    with CaptureQueriesContext(connection) as one:
        assert len(issue_invoices(today)["done"]) == 1
    for _ in range(3):
        make_engagement(CompoundFactory(street_office=other_compound.street_office), firm)
    make_engagement(other_compound, firm)
    with CaptureQueriesContext(connection) as four:
        # The first engagement is invoiced already: not a candidate again.
        assert len(issue_invoices(today)["done"]) == 4
    # The candidate query, once, and one batch: the same for one invoice as for four.
    assert len(one) == len(four) == 1 + RULE_QUERIES_PER_BATCH
    assert Invoice.objects.count() == Event.objects.filter(action="invoice.issued").count() == 5
    # In batches of two: five invoices in three batches.
    monkeypatch.setattr(services, "ISSUE_BATCH_SIZE", 2)
    with CaptureQueriesContext(connection) as five:
        assert len(issue_invoices(date(2026, 4, 1))["done"]) == 5
    assert len(five) == 1 + 3 * RULE_QUERIES_PER_BATCH


def _paid_invoice(engagement, period, *, intent):
    return Invoice.objects.create(
        engagement=engagement,
        period_start=period,
        served_from=period,
        served_to=period.replace(day=28),
        amount=D("100.00"),
        status=InvoiceStatus.PAID,
        paid_at=timezone.now(),
        payment_intent_id=intent,
        issued_on=period,
    )


def _ended(compound, firm, ended_on):
    return make_engagement(
        compound,
        firm,
        phase=EngagementPhase.ENDED,
        starts_on=ended_on.replace(day=1),
        ends_on=ended_on,
        ended_on=ended_on,
    )


def test_settling_reads_only_recent_unsettled_invoices(compound, firm, django_assert_num_queries):
    today = date(2026, 3, 11)
    recent = _paid_invoice(
        _ended(compound, firm, date(2026, 2, 10)), date(2026, 2, 1), intent="pi_a"
    )
    recent_open = Invoice.objects.create(
        engagement=_ended(compound, firm, date(2026, 3, 10)),
        period_start=date(2026, 3, 1),
        served_from=date(2026, 3, 1),
        served_to=date(2026, 3, 31),
        amount=D("100.00"),
        issued_on=date(2026, 3, 1),
    )
    # Settled already (refunded to its target): not read again.
    settled = _paid_invoice(
        _ended(compound, firm, date(2026, 2, 12)), date(2026, 2, 1), intent="pi_b"
    )
    InvoiceRefund.objects.create(
        invoice=settled, amount=D("50.00"), reason="ended early", stripe_refund_id="re_b"
    )
    Invoice.objects.filter(pk=settled.pk).update(refunded_amount=D("50.00"))
    # Engagements that ended years ago, their last month's days after the end paid and
    # refunded long since: outside the bound, not read every day any more.
    for year in range(2016, 2024):
        _paid_invoice(
            _ended(compound, firm, date(year, 5, 10)), date(year, 5, 1), intent=f"pi_{year}"
        )
    candidates = list(settle_candidates(today))
    assert [invoice.pk for invoice in candidates] == [recent.pk, recent_open.pk]
    assert (today - recent.served_to).days <= SETTLE_LOOKBACK_DAYS


def test_an_unsettled_invoice_stays_a_candidate_for_the_whole_lookback(compound, firm):
    invoice = _paid_invoice(
        _ended(compound, firm, date(2026, 2, 10)), date(2026, 2, 1), intent="pi_c"
    )
    last = invoice.served_to + timedelta(days=SETTLE_LOOKBACK_DAYS)
    assert list(settle_candidates(last)) == [invoice]
    assert list(settle_candidates(last + timedelta(days=1))) == []


def test_settling_costs_the_same_however_many_engagements_ended_long_ago(compound, firm):
    today = date(2026, 3, 11)
    with CaptureQueriesContext(connection) as before:
        settle_ended(today)
    for year in range(2016, 2024):
        _paid_invoice(
            _ended(compound, firm, date(year, 5, 10)), date(year, 5, 1), intent=f"pi_{year}"
        )
    with CaptureQueriesContext(connection) as after:
        assert settle_ended(today) == {"done": []}
    assert len(after) == len(before) == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_issuers_racing_for_one_month_make_one_invoice(engagement):
    """Without a savepoint around the insert, the engagement's row lock decides: every
    racer returns the one invoice, none hits the unique constraint."""
    count = 8
    barrier = threading.Barrier(count)
    outcomes = []

    def run():
        try:
            barrier.wait()
            with transaction.atomic():
                invoice = invoice_issue(
                    engagement=engagement, month=date(2026, 3, 5), today=date(2026, 3, 5)
                )
                outcomes.append(invoice.pk)
        except Exception as error:  # noqa: BLE001  (reported by the assertion)
            outcomes.append(f"error: {error!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    invoice = Invoice.objects.get(engagement=engagement)
    assert outcomes == [invoice.pk] * count, outcomes
    assert Event.objects.filter(action="invoice.issued").count() == 1
