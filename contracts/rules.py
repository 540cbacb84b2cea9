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


def _awaiting_document(today: date):
    return contracts_awaiting_document(before=today)


@daily_rule("contracts.render_documents", order=5, candidates=_awaiting_document)
def render_documents(today: date) -> dict:
    """A contract PDF whose background task was lost (a worker stopped, say) is rendered
    here, the next day at the latest: the draft must not wait for it for ever."""
    return each(
        _awaiting_document(today),
        lambda contract: contract_document_render(contract_id=contract.pk),
    )


def _trials_past_their_end(today: date):
    return Trial.objects.filter(status=TrialStatus.ACTIVE, ends_on__lt=today).order_by("pk")


@daily_rule("contracts.end_trials", order=10, candidates=_trials_past_their_end)
def end_trials(today: date) -> dict:
    """End trials whose last day has passed and produce their reports."""
    trials = _trials_past_their_end(today)
    return each(trials, lambda trial: trial_end(trial=trial, today=today))


def _contracts_past_their_end(today: date):
    contracts = Contract.objects.filter(status__in=IN_FORCE_STATUSES).filter(
        Q(status=ContractStatus.ACTIVE, ends_on__lt=today) | Q(terminates_on__lt=today)
    )
    # Not the PDFs: the service locks and reloads each contract it changes.
    return contracts.defer("document").order_by("pk")


@daily_rule("contracts.end_contracts", order=20, candidates=_contracts_past_their_end)
def end_contracts(today: date) -> dict:
    """Contracts past their term end, or past the last day of a notice, end — or, with no
    notice and no successor, continue as an indefinite term (art. 948)."""
    return each(
        _contracts_past_their_end(today), lambda c: contract_expire(contract=c, today=today)
    )


def _not_waiting_for_handover(queryset):
    """Another firm still serving the compound (handing over, DOMAIN "handover") holds the
    start back; ``handover_release`` starts it when the handover completes."""
    serving = Engagement.objects.filter(
        compound=OuterRef("engagement__compound"), phase=EngagementPhase.LIVE
    ).exclude(kind=EngagementKind.FALLBACK)
    return queryset.filter(~Exists(serving))


def _trials_to_start(today: date):
    trials = Trial.objects.filter(status=TrialStatus.ACCEPTED, starts_on__lte=today)
    return _not_waiting_for_handover(trials).order_by("pk")


@daily_rule("contracts.start_trials", order=30, candidates=_trials_to_start)
def start_trials(today: date) -> dict:
    return each(_trials_to_start(today), lambda trial: trial_start(trial=trial, today=today))


def _contracts_to_start(today: date):
    contracts = Contract.objects.filter(status=ContractStatus.SIGNED, starts_on__lte=today)
    return _not_waiting_for_handover(contracts).order_by("pk")


@daily_rule("contracts.start_contracts", order=35, candidates=_contracts_to_start)
def start_contracts(today: date) -> dict:
    return each(_contracts_to_start(today), lambda c: contract_start(contract=c, today=today))


def _trials_to_remind(today: date):
    return Trial.objects.filter(
        status=TrialStatus.ACTIVE,
        reminded_on__isnull=True,
        ends_on__lte=today + timedelta(days=REMINDER_DAYS),
    ).order_by("pk")


@daily_rule("contracts.remind_trials", order=40, candidates=_trials_to_remind)
def remind_trials(today: date) -> dict:
    """Remind the committee 7 days before a trial ends."""
    return each(_trials_to_remind(today), lambda trial: trial_remind(trial=trial, today=today))


def _contracts_to_renew_or_replace(today: date):
    return Contract.objects.filter(
        status=ContractStatus.ACTIVE,
        renewal_opened_on__isnull=True,
        ends_on__lte=add_months(today, RENEWAL_MONTHS),
    ).order_by("pk")


@daily_rule("contracts.open_renewals", order=50, candidates=_contracts_to_renew_or_replace)
def open_renewals(today: date) -> dict:
    """The renew-or-replace decision opens 6 months before expiry (Beijing art. 75)."""
    return each(
        _contracts_to_renew_or_replace(today),
        lambda c: contract_open_renewal(contract=c, today=today),
    )


def _contracts_unfiled_too_long(today: date):
    # ``filing_due_on`` is ``signed_on`` + FILING_DAYS: past it when signed before this.
    contracts = Contract.objects.filter(
        signed_on__lt=today - timedelta(days=FILING_DAYS),
        filed_on__isnull=True,
        filing_overdue_on__isnull=True,
        status__in=[ContractStatus.SIGNED, *IN_FORCE_STATUSES],
    )
    return contracts.defer("document", "terms", "parties").order_by("pk")


@daily_rule("contracts.flag_unfiled", order=60, candidates=_contracts_unfiled_too_long)
def flag_unfiled(today: date) -> dict:
    """Flag contracts not filed with the bureau within 15 days of signing (Beijing art. 63)."""
    return each(
        _contracts_unfiled_too_long(today),
        lambda c: contract_flag_unfiled(contract=c, today=today),
    )
