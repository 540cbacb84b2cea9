"""Issuing a month's invoices set-based (``invoices_issue_for_month``, the daily rule's
way) makes exactly what ``invoice_issue`` makes one engagement at a time; one bad
engagement still does not stop the others; two runs at once make one invoice each."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, transaction

from contracts.daily import each
from contracts.models import (
    AmendmentStatus,
    Contract,
    ContractAmendment,
    EngagementKind,
    EngagementPhase,
)
from contracts.payments import services
from contracts.payments.models import Invoice, InvoiceStatus
from contracts.payments.rules import issue_invoices
from contracts.payments.services import invoice_issue, invoices_issue_for_month, issue_candidates
from market.models import Event
from tests.contracts.conftest import sign_both
from tests.factories import CompoundFactory

from .conftest import make_engagement

D = Decimal
INVOICE_FIELDS = [f.attname for f in Invoice._meta.concrete_fields if f.attname != "created_at"]
EVENT_FIELDS = [
    f.attname for f in Event._meta.concrete_fields if f.attname not in ("id", "created_at")
]


class _Rollback(Exception):
    pass


def _snapshot():
    """Every invoice and event, comparable across two runs: ids (which differ) replaced
    by the engagement billed."""
    invoices = {
        invoice["id"]: invoice
        for invoice in Invoice.objects.values(*INVOICE_FIELDS, "engagement_id")
    }
    engagement_of = {pk: invoice["engagement_id"] for pk, invoice in invoices.items()}
    invoice_rows = sorted(
        (tuple((k, v) for k, v in row.items() if k != "id") for row in invoices.values()),
        key=repr,
    )
    events = []
    for event in (
        Event.objects.filter(action__startswith="invoice.").order_by("id").values(*EVENT_FIELDS)
    ):
        event["object_id"] = engagement_of[int(event["object_id"])]
        events.append(event)
    return invoice_rows, events


def _run(issue):
    """``issue()``'s summary and what it wrote, then rolled back."""
    try:
        with transaction.atomic():
            summary = issue()
            result = summary, _snapshot()
            raise _Rollback
    except _Rollback:
        pass
    return result


def _one_by_one(engagements, month):
    """What the rule did before: ``invoice_issue`` for each, in its own savepoint."""
    return each(
        sorted(engagements, key=lambda engagement: engagement.pk),
        lambda engagement: (
            invoice_issue(engagement=engagement, month=month, today=month) is not None
        ),
    )


@pytest.fixture
def month_and_engagements(draft_contract, committee_member, firm_admin, firm):
    """Every case the per-engagement service handles, for one month."""
    contract = sign_both(draft_contract, committee_member, firm_admin)
    month = (contract.starts_on.replace(day=1) + timedelta(days=40)).replace(day=1)
    office = contract.compound.street_office
    # Amended mid-month (approved), and a proposal that changes nothing.
    ContractAmendment.objects.create(
        contract=contract,
        status=AmendmentStatus.APPROVED,
        fee=contract.fee + D("0.50"),
        effective_on=month.replace(day=16),
        reason="评估后调价",
    )
    ContractAmendment.objects.create(
        contract=contract, fee=D("9.00"), effective_on=month.replace(day=20), reason="未批准"
    )
    engagements = {"contract": contract.engagement}

    def new(name, **fields):
        compound = CompoundFactory(street_office=office)
        engagements[name] = make_engagement(compound, firm, **fields)
        return engagements[name]

    # A second contract: its own fee (not the engagement's copy), amended before the
    # month and again from its first day.
    other = new("other_contract", starts_on=month - timedelta(days=90), fee=D("9.99"))
    vote = contract.vote
    vote.pk = vote.id = None
    vote.save(force_insert=True)
    # Every column, the PDF too (``Contract.objects`` leaves it out): this is a copy.
    second = Contract._base_manager.get(pk=contract.pk)
    second.vote = vote
    second.pk = second.id = None
    second.number = f"{contract.number}-2"
    second.compound = other.compound
    second.engagement = other
    second.fee = D("2.10")
    second.save(force_insert=True)
    for since, fee in ((month - timedelta(days=31), "2.20"), (month, "2.35")):
        ContractAmendment.objects.create(
            contract=second,
            status=AmendmentStatus.APPROVED,
            fee=D(fee),
            effective_on=since.replace(day=1),
            reason="调价",
        )
    new("contract_without_row", starts_on=month - timedelta(days=200))
    new("starts_mid_month", starts_on=month.replace(day=17), ends_on=None)
    new("ends_mid_month", starts_on=month - timedelta(days=100), ends_on=month.replace(day=10))
    new("inside_month", starts_on=month.replace(day=5), ends_on=month.replace(day=12))
    new(
        "ended_mid_month",
        phase=EngagementPhase.ENDED,
        starts_on=month - timedelta(days=100),
        ended_on=month.replace(day=20),
    )
    new("free_trial", kind=EngagementKind.TRIAL, fee=D("0"))
    new("paid_trial", kind=EngagementKind.TRIAL, fee=D("0.50"), area=D("2000"))
    new("fallback", kind=EngagementKind.FALLBACK, ends_on=None, fee=D("0.80"), area=D("500"))
    new("handing_over", starts_on=month - timedelta(days=400), ends_on=month - timedelta(days=1))
    new("not_started", starts_on=month + timedelta(days=40))
    issued = new("issued", starts_on=month - timedelta(days=100))
    invoice_issue(engagement=issued, month=month, today=month)
    voided = new("voided", starts_on=month - timedelta(days=100))
    void = invoice_issue(engagement=voided, month=month, today=month)
    Invoice.objects.filter(pk=void.pk).update(status=InvoiceStatus.VOID)
    ContentType.objects.get_for_model(Invoice)
    return month, engagements


def test_bulk_issues_what_one_by_one_issues(month_and_engagements, monkeypatch):
    month, engagements = month_and_engagements
    today = month + timedelta(days=1)
    everyone = list(engagements.values())
    before, written = _run(lambda: _one_by_one(everyone, today))
    # Three batches, so the batches' seams are compared as well.
    monkeypatch.setattr(services, "ISSUE_BATCH_SIZE", 6)
    after, bulk_written = _run(
        lambda: invoices_issue_for_month(month=today, today=today, engagements=everyone)
    )
    assert after == before
    assert bulk_written == written
    # What is compared: a new invoice (and its event) for each of the ten engagements
    # that owe something and had none, besides the one issued already and the void one.
    invoices, events = written
    assert len(invoices) == len(events) == 10 + 2
    billed = {engagements[name].pk for name in ("free_trial", "handing_over", "not_started")}
    assert not billed & {dict(row)["engagement_id"] for row in invoices}
    assert set(before["done"]) == {e.pk for e in everyone} - billed
    fees = {
        dict(row)["engagement_id"]: [line["fee"] for line in dict(row)["lines"]]
        for row in invoices
        if dict(row)["status"] == InvoiceStatus.OPEN
    }
    contract = Contract.objects.get(engagement=engagements["contract"])
    assert fees[engagements["contract"].pk] == [str(contract.fee), str(contract.fee + D("0.50"))]
    assert fees[engagements["other_contract"].pk] == ["2.35"]


def test_the_rule_issues_what_it_issued_one_by_one(month_and_engagements):
    month, _ = month_and_engagements
    before = _run(lambda: _one_by_one(issue_candidates(month), month))
    after = _run(lambda: issue_invoices(month))
    assert after == before
    assert before[0]["done"]


def test_one_engagement_failing_does_not_stop_the_others(compound, firm, monkeypatch):
    month = date(2026, 3, 1)
    engagements = [make_engagement(compound, firm)] + [
        make_engagement(CompoundFactory(street_office=compound.street_office), firm)
        for _ in range(4)
    ]
    bad = engagements[2]
    lines = services.invoice_lines

    def pricing(engagement, *args, **kwargs):
        if engagement.pk == bad.pk:
            raise ArithmeticError("bad fee")
        return lines(engagement, *args, **kwargs)

    monkeypatch.setattr(services, "invoice_lines", pricing)
    summary = issue_invoices(month)
    good = [e.pk for e in engagements if e.pk != bad.pk]
    assert summary == {"done": good, "failed": [bad.pk]}
    assert sorted(Invoice.objects.values_list("engagement_id", flat=True)) == good
    assert Event.objects.filter(action="invoice.issued").count() == 4
    # The next day (or once fixed) it is issued; the others are not again.
    monkeypatch.setattr(services, "invoice_lines", lines)
    assert issue_invoices(month + timedelta(days=1)) == {"done": [bad.pk]}
    assert Invoice.objects.count() == Event.objects.filter(action="invoice.issued").count() == 5


def test_a_batch_whose_insert_fails_is_issued_one_by_one(compound, firm, monkeypatch):
    month = date(2026, 3, 1)
    engagements = [
        make_engagement(compound, firm),
        make_engagement(CompoundFactory(street_office=compound.street_office), firm, fee=D("2")),
    ]

    def refuse(*args, **kwargs):
        raise RuntimeError("insert failed")

    monkeypatch.setattr(Invoice.objects, "bulk_create", refuse)
    summary = invoices_issue_for_month(month=month, today=month)
    assert summary == {"done": [e.pk for e in engagements]}
    assert Invoice.objects.count() == Event.objects.filter(action="invoice.issued").count() == 2


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bulk_runs_at_once_make_one_invoice_per_engagement(compound, firm, monkeypatch, caplog):
    """Two daily runs (and a payment page issuing one) at the same moment: the rows are
    locked in one order, the later run finds the earlier one's invoices under the lock."""
    month = date(2026, 3, 1)
    engagements = [make_engagement(compound, firm)] + [
        make_engagement(CompoundFactory(street_office=compound.street_office), firm)
        for _ in range(6)
    ]
    ids = [engagement.pk for engagement in engagements]
    monkeypatch.setattr(services, "ISSUE_BATCH_SIZE", 3)
    workers = [
        lambda: invoices_issue_for_month(month=month, today=month)["done"],
        lambda: invoices_issue_for_month(month=month, today=month, engagements=engagements)["done"],
        lambda: invoice_issue(engagement=engagements[4], month=month, today=month).engagement_id,
    ]
    barrier = threading.Barrier(len(workers))
    outcomes = [None] * len(workers)

    def run(index):
        try:
            barrier.wait()
            with transaction.atomic():
                outcomes[index] = workers[index]()
        except Exception as error:  # noqa: BLE001  (reported by the assertion)
            outcomes[index] = f"error: {error!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(isinstance(outcome, str) for outcome in outcomes), outcomes
    # Settled by the locks, not by the unique constraint and the one-by-one fallback.
    assert "one by one" not in caplog.text
    # The explicit run has every engagement's invoice, issued by it or found issued.
    assert outcomes[1] == ids
    assert outcomes[2] == ids[4]
    assert set(outcomes[0]) <= set(ids)
    assert sorted(Invoice.objects.values_list("engagement_id", flat=True)) == ids
    assert Event.objects.filter(action="invoice.issued").count() == len(ids)
