"""Reads for ratings: the three rates and rating averages, computed in the database."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from contracts.models import Engagement, EngagementPhase
from market.dates import add_months
from market.models import Event, Firm
from market.permissions import roles_of

from .models import (
    AdjustmentStatus,
    CommentStatus,
    Evaluation,
    FeeAdjustment,
    Rating,
    RequestStatus,
    ServiceRequest,
)

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole in percent, 2 decimals; None (“no requests”) when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ThreeRates:
    total: int = 0
    responded_in_time: int = 0
    resolved: int = 0
    confirmed: int = 0
    satisfied: int = 0

    @property
    def response_rate(self) -> Decimal | None:
        return percent(self.responded_in_time, self.total)

    @property
    def resolution_rate(self) -> Decimal | None:
        return percent(self.resolved, self.total)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied, self.confirmed)

    @property
    def score(self) -> Decimal | None:
        """Equal thirds of the rates there are (DOMAIN "Quarterly evaluation")."""
        rates = [
            r
            for r in (self.response_rate, self.resolution_rate, self.satisfaction_rate)
            if r is not None
        ]
        if not rates:
            return None
        return (sum(rates) / len(rates)).quantize(CENT, rounding=ROUND_HALF_UP)


# DOMAIN: response rate = responded within the SLA / all; resolution = resolved / all;
# satisfaction = satisfied / confirmed. Responding one minute late is not “in time”.
RATE_AGGREGATES = {
    "total": Count("id"),
    "responded_in_time": Count(
        "id", filter=Q(responded_at__isnull=False, responded_at__lte=F("respond_by"))
    ),
    "resolved": Count("id", filter=Q(status__in=[RequestStatus.RESOLVED, RequestStatus.CLOSED])),
    "confirmed": Count("id", filter=Q(confirmed_at__isnull=False)),
    "satisfied": Count("id", filter=Q(satisfied=True)),
}


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def requests_in(*, start: date, end: date) -> QuerySet[ServiceRequest]:
    """Requests raised from ``start`` to ``end`` inclusive (local days)."""
    return ServiceRequest.objects.filter(
        created_at__gte=day_start(start), created_at__lt=day_start(end + timedelta(days=1))
    )


def three_rates(*, start: date, end: date, firm=None, compound=None, engagement=None) -> ThreeRates:
    requests = requests_in(start=start, end=end)
    if firm is not None:
        requests = requests.filter(firm=firm)
    if compound is not None:
        requests = requests.filter(compound=compound)
    if engagement is not None:
        requests = requests.filter(engagement=engagement)
    return ThreeRates(**requests.aggregate(**RATE_AGGREGATES))


def three_rates_by(*, field: str, start: date, end: date, ids=None) -> dict[int, ThreeRates]:
    """The three rates of many engagements (or firms, compounds) in one GROUP BY."""
    requests = requests_in(start=start, end=end)
    if ids is not None:
        requests = requests.filter(**{f"{field}__in": ids})
    rows = requests.values(field).order_by().annotate(**RATE_AGGREGATES)
    return {row.pop(field): ThreeRates(**row) for row in rows}


def rating_averages_by(*, field: str, start: date, end: date, ids=None) -> dict[int, tuple]:
    """(average 1–5, count) of ratings of the months from ``start`` to ``end``."""
    ratings = Rating.objects.filter(month__gte=start.replace(day=1), month__lte=end)
    if ids is not None:
        ratings = ratings.filter(**{f"{field}__in": ids})
    rows = ratings.values(field).order_by().annotate(average=Avg("average"), count=Count("id"))
    return {row[field]: (row["average"], row["count"]) for row in rows}


def rating_average(*, start: date, end: date, **filters) -> tuple[Decimal | None, int]:
    ratings = Rating.objects.filter(month__gte=start.replace(day=1), month__lte=end, **filters)
    row = ratings.aggregate(average=Avg("average"), count=Count("id"))
    average = row["average"]
    if average is not None:
        average = Decimal(average).quantize(CENT, rounding=ROUND_HALF_UP)
    return average, row["count"]


def public_ratings(**filters) -> QuerySet[Rating]:
    """Ratings with their comment shown only when published (moderation)."""
    return Rating.objects.filter(**filters).select_related("compound").order_by("-created_at")


@dataclass(frozen=True)
class PublicSummary:
    start: date
    end: date
    rates: ThreeRates
    rating_average: Decimal | None
    rating_count: int


SUMMARY_DAYS = 365


def public_summary(*, firm=None, compound=None, today: date | None = None) -> PublicSummary:
    """What the firm's page, the compound's page and the notice board show: the last 12
    months."""
    end = today or timezone.localdate()
    start = end - timedelta(days=SUMMARY_DAYS - 1)
    filters = {"firm": firm} if firm is not None else {"compound": compound}
    average, count = rating_average(start=start, end=end, **filters)
    return PublicSummary(
        start=start,
        end=end,
        rates=three_rates(start=start, end=end, **filters),
        rating_average=average,
        rating_count=count,
    )


def latest_evaluation(*, compound) -> Evaluation | None:
    return Evaluation.objects.filter(compound=compound).order_by("-period_start").first()


def firm_quarter_scores(*, compound, firm) -> list[Decimal]:
    """The firm's quarterly scores at ``compound``, oldest first, one per quarter (a trial
    and the contract that followed it in the same quarter: the later engagement's). The
    bureau's fallback order reads them (DOMAIN "Fallback": two consecutive quarters below
    60). Only the latest run of consecutive quarters counts: a quarter with nothing
    measured breaks the run, so two low quarters apart are not "consecutive"."""
    rows = (
        Evaluation.objects.filter(compound=compound, firm=firm, score__isnull=False)
        .order_by("period_start", "engagement__starts_on", "id")
        .values_list("period_start", "score")
    )
    by_quarter = dict(rows)
    quarters = list(by_quarter)
    run_start = len(quarters) - 1
    while run_start > 0 and add_months(quarters[run_start - 1], 3) == quarters[run_start]:
        run_start -= 1
    return [by_quarter[quarter] for quarter in quarters[max(run_start, 0) :]]


def pending_fee_adjustments(*, compound) -> QuerySet[FeeAdjustment]:
    return FeeAdjustment.objects.filter(evaluation__compound=compound).order_by("-proposed_at")


def published_comments(**filters) -> QuerySet[Rating]:
    return (
        Rating.objects.filter(comment_status=CommentStatus.PUBLISHED, **filters)
        .select_related("compound")
        .order_by("-created_at")
    )


def overdue_requests(*, now: datetime, district=None) -> QuerySet[ServiceRequest]:
    """Requests still waiting for the firm's first response past ``respond_by`` — escalated
    or about to be (吹哨报到, DOMAIN "Service requests"); of one district if given."""
    requests = ServiceRequest.objects.filter(status=RequestStatus.OPEN, respond_by__lt=now)
    if district is not None:
        requests = requests.filter(compound__street_office__district=district)
    return requests


def requests_seen_by(requests: QuerySet[ServiceRequest], *, user, district):
    """The whole district for its bureau, the street's own for a street office."""
    roles = roles_of(user)
    if user.is_superuser or district.pk in roles.bureau_district_ids:
        return requests
    return requests.filter(compound__street_office_id__in=roles.street_office_ids)


def escalated_requests(*, district, user) -> QuerySet[ServiceRequest]:
    requests = ServiceRequest.objects.filter(
        escalated_at__isnull=False, compound__street_office__district=district
    )
    return requests_seen_by(requests, user=user, district=district)


def fee_adjustments_awaiting_bureau(*, district) -> QuerySet[FeeAdjustment]:
    return FeeAdjustment.objects.filter(
        status=AdjustmentStatus.PROPOSED, contract__compound__street_office__district=district
    ).select_related("contract__compound__street_office", "contract__firm")


def three_rates_by_firm(*, district, start: date, end: date) -> list[tuple[int, ThreeRates]]:
    """(firm id, rates) of the requests raised in the district's compounds, one GROUP BY."""
    requests = requests_in(start=start, end=end).filter(compound__street_office__district=district)
    rows = requests.values("firm").order_by("firm").annotate(**RATE_AGGREGATES)
    return [(row.pop("firm"), ThreeRates(**row)) for row in rows]


@dataclass(frozen=True)
class FirmRatesRow:
    """One line of the bureau's firm table: a firm serving compounds in the district."""

    firm: Firm
    compounds: int
    rates: ThreeRates
    # The latest quarter evaluated in the district: the average score of the firm's
    # compounds evaluated in that quarter (None: never evaluated there).
    evaluation_start: date | None = None
    evaluation_end: date | None = None
    evaluation_score: Decimal | None = None
    evaluated: int = 0
    # The grade that score earns (0: below every grade); filled by the console, which
    # knows the fee schedule's rule.
    grade: int | None = None


def firm_rates_table(*, district, start: date, end: date) -> list[FirmRatesRow]:
    """Every firm serving compounds in ``district`` today (a live trial, contract or
    fallback engagement), with the three rates of the requests raised in the district's
    compounds from ``start`` to ``end`` and its latest quarterly evaluation there. Four
    queries, each an aggregate (GROUP BY firm), whatever the number of requests."""
    served = dict(
        Engagement.objects.filter(
            phase=EngagementPhase.LIVE, compound__street_office__district=district
        )
        .values("firm")
        .order_by()
        .annotate(compounds=Count("compound", distinct=True))
        .values_list("firm", "compounds")
    )
    if not served:
        return []
    firms = Firm.objects.in_bulk(list(served))
    rates = dict(three_rates_by_firm(district=district, start=start, end=end))
    scored = Evaluation.objects.filter(
        compound__street_office__district=district, firm__in=list(served), score__isnull=False
    )
    latest = scored.filter(firm=OuterRef("firm")).order_by("-period_start").values("period_start")
    evaluations = {
        row["firm"]: row
        for row in scored.filter(period_start=Subquery(latest[:1]))
        .values("firm", "period_start", "period_end")
        .order_by()
        .annotate(score=Avg("score"), evaluated=Count("id"))
    }
    rows = []
    for firm_id, compounds in served.items():
        evaluation = evaluations.get(firm_id, {})
        score = evaluation.get("score")
        rows.append(
            FirmRatesRow(
                firm=firms[firm_id],
                compounds=compounds,
                rates=rates.get(firm_id, ThreeRates()),
                evaluation_start=evaluation.get("period_start"),
                evaluation_end=evaluation.get("period_end"),
                evaluation_score=None
                if score is None
                else Decimal(score).quantize(CENT, rounding=ROUND_HALF_UP),
                evaluated=evaluation.get("evaluated", 0),
            )
        )
    return rows


def request_deadline_changes(*, district, limit: int = 10):
    """The latest changes of the district's response deadlines, from the event log."""
    return (
        Event.objects.filter(district=district, action="request_deadlines.changed")
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
