"""Reads for the trial, vote and contract pages, and each party's next step."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from market.dates import add_months
from market.models import Compound, District, Firm

from .models import (
    Contract,
    ContractSignature,
    ContractStatus,
    Engagement,
    EngagementPhase,
    SigningParty,
    Trial,
    TrialStatus,
    Vote,
    VoteKind,
    VoteStatus,
)
from .models.contracts import FILING_DAYS
from .services.contracts import RENEWAL_MONTHS


@dataclass(frozen=True)
class NextStep:
    text: str
    url: str = ""
    label: str = ""


def _day(value) -> str:
    return date_format(value, "Y-m-d")


def contracts_with_signatures():
    return Contract.objects.select_related(
        "compound__street_office__district", "firm", "committee"
    ).prefetch_related(Prefetch("signatures", queryset=ContractSignature.objects.all()))


def compound_overview(*, compound: Compound) -> dict:
    trials = list(
        Trial.objects.filter(compound=compound).select_related("firm", "offer", "engagement")
    )
    votes = list(Vote.objects.filter(compound=compound).select_related("firm", "trial"))
    contracts = list(contracts_with_signatures().filter(compound=compound))
    engagements = Engagement.objects.filter(compound=compound).select_related("firm")
    live = next((e for e in engagements if e.phase == EngagementPhase.LIVE), None)
    upcoming = next((e for e in engagements if e.phase == EngagementPhase.UPCOMING), None)
    return {
        "trials": trials,
        "votes": votes,
        "contracts": contracts,
        "live": live,
        "upcoming": upcoming,
        "next_step": committee_next_step(
            compound=compound, trials=trials, votes=votes, contracts=contracts
        ),
    }


def committee_next_step(*, compound, trials, votes, contracts) -> NextStep:
    """What the committee should do now, most urgent first."""
    for contract in contracts:
        if contract.status == ContractStatus.DRAFT:
            if contract.signature_of(SigningParty.COMMITTEE) is None:
                return NextStep(
                    _("Read and sign contract %(number)s.") % {"number": contract.number},
                    reverse("contract_detail", args=[contract.pk]),
                    _("Sign the contract"),
                )
            return NextStep(
                _("Waiting for %(firm)s to sign contract %(number)s.")
                % {"firm": contract.firm.name, "number": contract.number},
                reverse("contract_detail", args=[contract.pk]),
                _("View the contract"),
            )
    for vote in votes:
        if (
            vote.kind == VoteKind.HIRE
            and vote.status == VoteStatus.PASSED
            and not any(
                c.vote_id == vote.pk and c.status != ContractStatus.CANCELLED for c in contracts
            )
        ):
            return NextStep(
                _("The owners voted to hire %(firm)s: generate the contract.")
                % {"firm": vote.firm.name},
                reverse("contract_generate", args=[vote.pk]),
                _("Generate the contract"),
            )
    for trial in trials:
        hired = any(v.trial_id == trial.pk and v.status == VoteStatus.PASSED for v in votes)
        if trial.status in (TrialStatus.ACTIVE, TrialStatus.ENDED) and not hired:
            if trial.status == TrialStatus.ENDED and any(
                c.status in (ContractStatus.ACTIVE, ContractStatus.SIGNED) for c in contracts
            ):
                continue
            text = (
                _("The trial with %(firm)s runs until %(date)s. Call the owners' vote on hiring.")
                if trial.status == TrialStatus.ACTIVE
                else _("The trial with %(firm)s ended on %(date)s. Record the owners' vote.")
            )
            return NextStep(
                text % {"firm": trial.firm.name, "date": _day(trial.ends_on)},
                reverse("vote_hire", args=[trial.pk]),
                _("Record the owners' vote"),
            )
        if trial.status == TrialStatus.REQUESTED:
            return NextStep(
                _("Waiting for %(firm)s to answer your trial request.") % {"firm": trial.firm.name},
                reverse("trial_detail", args=[trial.pk]),
                _("View the request"),
            )
        if trial.status == TrialStatus.ACCEPTED:
            return NextStep(
                _("%(firm)s starts the trial on %(date)s.")
                % {"firm": trial.firm.name, "date": _day(trial.starts_on)},
                reverse("trial_detail", args=[trial.pk]),
                _("View the trial"),
            )
    for contract in contracts:
        if contract.status == ContractStatus.ACTIVE and contract.renewal_opened_on:
            return NextStep(
                _("Contract %(number)s ends on %(date)s: decide whether to renew.")
                % {"number": contract.number, "date": _day(contract.ends_on)},
                reverse("contract_detail", args=[contract.pk]),
                _("View the contract"),
            )
        if contract.status in (ContractStatus.ACTIVE, ContractStatus.SIGNED):
            return NextStep(
                _("Contract %(number)s with %(firm)s runs until %(date)s.")
                % {
                    "number": contract.number,
                    "firm": contract.firm.name,
                    "date": _day(contract.ends_on),
                },
                reverse("contract_detail", args=[contract.pk]),
                _("View the contract"),
            )
    return NextStep(
        _("Choose an offer in the catalogue and request a trial."),
        reverse("catalogue"),
        _("Browse the catalogue"),
    )


def firm_next_step_for_trial(trial: Trial) -> str:
    return {
        TrialStatus.REQUESTED: _("Accept or decline"),
        TrialStatus.ACCEPTED: _("Starts on %(date)s") % {"date": _day(trial.starts_on)},
        TrialStatus.ACTIVE: _("Serving until %(date)s") % {"date": _day(trial.ends_on)},
    }.get(trial.status, "")


def firm_next_step_for_contract(contract: Contract) -> str:
    if contract.status == ContractStatus.DRAFT:
        if contract.signature_of(SigningParty.FIRM) is None:
            return _("Sign the contract")
        return _("Waiting for the committee to sign")
    if contract.filed_on is None and contract.status != ContractStatus.CANCELLED:
        if contract.filing_overdue_on:
            return _("Filing overdue since %(date)s") % {"date": _day(contract.filing_due_on)}
        return _("File with the bureau by %(date)s") % {"date": _day(contract.filing_due_on)}
    if contract.status == ContractStatus.ACTIVE and contract.renewal_opened_on:
        return _("Renewal decision open")
    return ""


def firm_overview(*, firm: Firm) -> dict:
    trials = list(
        Trial.objects.filter(firm=firm)
        .select_related("compound__street_office", "offer")
        .order_by("-requested_at")
    )
    contracts = list(contracts_with_signatures().filter(firm=firm))
    return {
        "trials": [(t, firm_next_step_for_trial(t)) for t in trials],
        "contracts": [(c, firm_next_step_for_contract(c)) for c in contracts],
    }


def district_contracts(*, district: District):
    return (
        contracts_with_signatures()
        .filter(compound__street_office__district=district)
        .exclude(status=ContractStatus.CANCELLED)
        .order_by("filed_on", "-signed_at", "-id")
    )


# --- Fallback, handover and coverage (issue #6) ----------------------------------------


def _covering(on):
    """Engagements responsible for their compound on day ``on``."""
    return Engagement.objects.filter(
        phase__in=[EngagementPhase.LIVE, EngagementPhase.ENDED], starts_on__lte=on
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))


def responsible_engagement(*, compound: Compound, on) -> Engagement | None:
    """The trial, contract or fallback engagement answerable for ``compound`` on ``on``."""
    return _covering(on).filter(compound=compound).select_related("firm").first()


def compounds_served_count(district: District, on) -> int:
    """Registered compounds of ``district`` with a responsible operator (trial firm,
    contracted firm or fallback operator) on day ``on`` — the coverage numerator."""
    return (
        Compound.objects.filter(street_office__district=district, registered_on__lte=on)
        .filter(Exists(_covering(on).filter(compound=OuterRef("pk"))))
        .count()
    )


def compounds_seeking_provider(district: District):
    """Compounds on the market: seeking (no operator yet) or in fallback with an open
    case — opening a case opens a new selection round (Beijing art. 77)."""
    from .models import FallbackCase, FallbackCaseStatus

    open_case = FallbackCase.objects.filter(compound=OuterRef("pk"), status=FallbackCaseStatus.OPEN)
    return (
        Compound.objects.filter(street_office__district=district)
        .filter(Q(management_status="seeking") | Exists(open_case))
        .order_by("registered_on", "name")
    )


def open_fallback_cases(district: District):
    from .models import FallbackCase, FallbackCaseStatus

    return (
        FallbackCase.objects.filter(district=district, status=FallbackCaseStatus.OPEN)
        .select_related("compound__street_office", "operator", "outgoing_firm", "engagement")
        .order_by("planned_end_on", "compound__name")
    )


def handovers_past_deadline(district: District, today):
    from .models import Handover, HandoverStatus

    return (
        Handover.objects.filter(compound__street_office__district=district, due_on__lt=today)
        .exclude(status=HandoverStatus.COMPLETED)
        .select_related("compound", "outgoing_firm", "incoming_firm")
        .order_by("due_on")
    )


def compound_handovers(compound: Compound):

    return compound.handovers.select_related("outgoing_firm", "incoming_firm").order_by(
        "-opened_on", "-id"
    )


# --- The bureau's console (issue #8) ----------------------------------------------------


def trials_ending_between(district: District, start, end):
    """Running trials of ``district`` whose last day falls in [start, end]."""
    return (
        Trial.objects.filter(
            compound__street_office__district=district,
            status=TrialStatus.ACTIVE,
            ends_on__gte=start,
            ends_on__lte=end,
        )
        .select_related("compound", "firm")
        .order_by("ends_on", "compound__name")
    )


def contracts_to_renew(district: District, today):
    """Contracts in force whose term ends within the renewal window (Beijing art. 75: the
    renew-or-replace decision opens 6 months before expiry), soonest first."""
    return (
        Contract.objects.filter(
            compound__street_office__district=district,
            status=ContractStatus.ACTIVE,
            ends_on__lte=add_months(today, RENEWAL_MONTHS),
        )
        .select_related("compound", "firm")
        .order_by("ends_on", "compound__name")
    )


def contracts_awaiting_filing(district: District):
    """Signed contracts of ``district`` the bureau has not marked filed yet (Beijing
    art. 63), the longest waiting first."""
    return (
        Contract.objects.filter(
            compound__street_office__district=district,
            signed_on__isnull=False,
            filed_on__isnull=True,
        )
        .exclude(status=ContractStatus.CANCELLED)
        .select_related("compound", "firm")
        .order_by("signed_on", "number")
    )


def contracts_filing_overdue(district: District, today):
    """Signed contracts not filed within the 15 days (Beijing art. 63), as of ``today``:
    counted from the dates, so the figure does not wait for the daily run's flag."""
    return contracts_awaiting_filing(district).filter(
        signed_on__lt=today - timedelta(days=FILING_DAYS)
    )
