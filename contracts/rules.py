"""The contracts app's daily rules (DOMAIN "Trials" and "Contracts"). Registered from
``ContractsConfig.ready``; run by ``contracts.daily.daily_run``.

Order matters: engagements that end make room before their successors start, so a
contract starting the day after a trial's last day finds the slot free.
"""

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q

from market.daily import daily_rule
from market.dates import add_months

from .daily import each
from .models import (
    FILING_DAYS,
    IN_FORCE_STATUSES,
    Contract,
    ContractStatus,
    Engagement,
    EngagementKind,
    EngagementPhase,
    Trial,
    TrialStatus,
)
from .services.contract_documents import contract_document_render, contracts_awaiting_document
from .services.contract_terms import contract_expire, contract_flag_unfiled, contract_open_renewal
from .services.contracts import RENEWAL_MONTHS, contract_start
from .services.trials import REMINDER_DAYS, trial_end, trial_remind, trial_start


@daily_rule("contracts.render_documents", order=5)
def render_documents(today: date) -> dict:
    """A contract PDF whose background task was lost (a worker stopped, say) is rendered
    here, the next day at the latest: the draft must not wait for it for ever."""
    return each(
        contracts_awaiting_document(before=today),
        lambda contract: contract_document_render(contract_id=contract.pk),
    )


@daily_rule("contracts.end_trials", order=10)
def end_trials(today: date) -> dict:
    """End trials whose last day has passed and produce their reports."""
    trials = Trial.objects.filter(status=TrialStatus.ACTIVE, ends_on__lt=today).order_by("pk")
    return each(trials, lambda trial: trial_end(trial=trial, today=today))


@daily_rule("contracts.end_contracts", order=20)
def end_contracts(today: date) -> dict:
    """Contracts past their term end, or past the last day of a notice, end — or, with no
    notice and no successor, continue as an indefinite term (art. 948)."""
    contracts = Contract.objects.filter(status__in=IN_FORCE_STATUSES).filter(
        Q(status=ContractStatus.ACTIVE, ends_on__lt=today) | Q(terminates_on__lt=today)
    )
    # Not the PDFs: the service locks and reloads each contract it changes.
    contracts = contracts.defer("document")
    return each(contracts.order_by("pk"), lambda c: contract_expire(contract=c, today=today))


def _not_waiting_for_handover(queryset):
    """Another firm still serving the compound (handing over, DOMAIN "handover") holds the
    start back; ``handover_release`` starts it when the handover completes."""
    serving = Engagement.objects.filter(
        compound=OuterRef("engagement__compound"), phase=EngagementPhase.LIVE
    ).exclude(kind=EngagementKind.FALLBACK)
    return queryset.filter(~Exists(serving))


@daily_rule("contracts.start_trials", order=30)
def start_trials(today: date) -> dict:
    trials = Trial.objects.filter(status=TrialStatus.ACCEPTED, starts_on__lte=today)
    trials = _not_waiting_for_handover(trials)
    return each(trials.order_by("pk"), lambda trial: trial_start(trial=trial, today=today))


@daily_rule("contracts.start_contracts", order=35)
def start_contracts(today: date) -> dict:
    contracts = Contract.objects.filter(status=ContractStatus.SIGNED, starts_on__lte=today)
    contracts = _not_waiting_for_handover(contracts)
    return each(contracts.order_by("pk"), lambda c: contract_start(contract=c, today=today))


@daily_rule("contracts.remind_trials", order=40)
def remind_trials(today: date) -> dict:
    """Remind the committee 7 days before a trial ends."""
    trials = Trial.objects.filter(
        status=TrialStatus.ACTIVE,
        reminded_on__isnull=True,
        ends_on__lte=today + timedelta(days=REMINDER_DAYS),
    )
    return each(trials.order_by("pk"), lambda trial: trial_remind(trial=trial, today=today))


@daily_rule("contracts.open_renewals", order=50)
def open_renewals(today: date) -> dict:
    """The renew-or-replace decision opens 6 months before expiry (Beijing art. 75)."""
    contracts = Contract.objects.filter(
        status=ContractStatus.ACTIVE,
        renewal_opened_on__isnull=True,
        ends_on__lte=add_months(today, RENEWAL_MONTHS),
    )
    return each(contracts.order_by("pk"), lambda c: contract_open_renewal(contract=c, today=today))


@daily_rule("contracts.flag_unfiled", order=60)
def flag_unfiled(today: date) -> dict:
    """Flag contracts not filed with the bureau within 15 days of signing (Beijing art. 63)."""
    # ``filing_due_on`` is ``signed_on`` + FILING_DAYS: past it when signed before this.
    contracts = Contract.objects.filter(
        signed_on__lt=today - timedelta(days=FILING_DAYS),
        filed_on__isnull=True,
        filing_overdue_on__isnull=True,
        status__in=[ContractStatus.SIGNED, *IN_FORCE_STATUSES],
    )
    contracts = contracts.defer("document", "terms", "parties").order_by("pk")
    return each(contracts, lambda c: contract_flag_unfiled(contract=c, today=today))
