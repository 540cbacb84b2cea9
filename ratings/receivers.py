"""What ratings does when contracts announce something (contracts never imports us)."""

from django.db.models import Avg
from django.dispatch import receiver

from contracts.signals import handover_requests_transfer, operator_changed, trial_ended

from .models import Inspection, RequestStatus
from .selectors import rating_average, three_rates
from .services.evaluations import evaluation_score, ratings_points
from .services.requests import handover_incoming_engagement, requests_transfer


@receiver(trial_ended, dispatch_uid="ratings.fill_trial_report")
def fill_trial_report(sender, trial, report, **kwargs):
    """The trial report's counts, rates and score (DOMAIN "Trials": ratings during a
    trial count for its report), on the unsaved report the trial service then saves.
    Runs inside the transaction that ends the trial."""
    engagement = trial.engagement
    if engagement is None:
        return
    start, end = trial.starts_on, trial.ends_on
    rates = three_rates(start=start, end=end, engagement=engagement)
    average, count = rating_average(start=start, end=end, engagement=engagement)
    inspection = Inspection.objects.filter(engagement=engagement).aggregate(s=Avg("score"))["s"]
    report.requests_total = rates.total
    report.requests_handled = engagement.service_requests.filter(
        status__in=[RequestStatus.RESOLVED, RequestStatus.CLOSED]
    ).count()
    report.rating_average = average
    report.rating_count = count
    report.inspection_score = round(inspection, 2) if inspection is not None else None
    report.response_rate = rates.response_rate
    report.resolution_rate = rates.resolution_rate
    report.satisfaction_rate = rates.satisfaction_rate
    report.score = evaluation_score(
        ratings=ratings_points(average), inspections=inspection, rates=rates.score
    )


# --- Open requests follow the operator (issue #6, Civil Code art. 949) ------------------


@receiver(operator_changed, dispatch_uid="ratings.requests_follow_operator")
def requests_follow_operator(sender, compound, from_engagement, to_engagement, **kwargs):
    """A sanctioned firm's site moved to the fallback operator: its open requests move in
    the same transaction (sent synchronously inside it)."""
    requests_transfer(
        compound=compound, from_firm=from_engagement.firm, to_engagement=to_engagement
    )


@receiver(handover_requests_transfer, dispatch_uid="ratings.handover_requests_transfer")
def requests_handed_over(sender, handover, **kwargs):
    """The outgoing firm confirmed the checklist item "open service requests": they move to
    the incoming firm's engagement, inside the confirming transaction."""
    requests_transfer(
        compound=handover.compound,
        from_firm=handover.outgoing_firm,
        to_engagement=handover_incoming_engagement(handover),
    )
