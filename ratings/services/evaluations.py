"""Quarterly evaluation and fee adjustment (DOMAIN "Quarterly evaluation and fee
adjustment"): score 0–100 = 40% resident ratings + 30% committee inspections + 30% three
rates (equal thirds); grade earned = the highest whose minimum score is met; below the
contracted grade, a lower fee in the earned grade's band, at the same relative position,
is proposed to the bureau; above it two quarters running, the firm may apply for a raise.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Avg, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import (
    AmendmentStatus,
    Contract,
    ContractAmendment,
    Engagement,
    EngagementKind,
    EngagementPhase,
)
from market.dates import add_months
from market.models import District, Firm
from market.permissions import can_act_for_firm, can_decide_fee_adjustment, require
from market.selectors import current_fee_schedule
from market.services.credit import credit_entry_add
from market.services.events import event_record

from ..models import (
    ADJUSTMENT_TRANSITIONS,
    AdjustmentKind,
    AdjustmentStatus,
    Evaluation,
    FeeAdjustment,
    Inspection,
)
from ..selectors import rating_averages_by, three_rates_by
from .common import check_transition, committee_emails, email_after_commit, firm_emails

CENT = Decimal("0.01")
WEIGHTS = {"ratings": Decimal("0.40"), "inspections": Decimal("0.30"), "rates": Decimal("0.30")}

NOT_ABOVE_TWICE = _(
    "A raise can be applied for after two quarters in a row above the contracted grade."
)
ALREADY_APPLIED = _("A fee change for this evaluation has already been proposed.")
NOT_A_CONTRACT = _("Only a signed contract's fee can change.")


# --- The arithmetic ------------------------------------------------------------------


def quarter_of(day: date) -> tuple[date, date]:
    start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return start, add_months(start, 3) - timedelta(days=1)


def previous_quarter(day: date) -> tuple[date, date]:
    start, _end = quarter_of(day)
    return quarter_of(start - timedelta(days=1))


def ratings_points(average) -> Decimal | None:
    """A 1–5 average as points of 100: × 20 (5 stars = 100)."""
    if average is None:
        return None
    return (Decimal(average) * 20).quantize(CENT, rounding=ROUND_HALF_UP)


def evaluation_score(*, ratings, inspections, rates) -> Decimal | None:
    """40/30/30. A part with nothing to measure (no ratings, no inspection, no requests)
    is left out and the others weighed up in proportion; nothing at all → no score."""
    parts = {"ratings": ratings, "inspections": inspections, "rates": rates}
    present = {name: Decimal(value) for name, value in parts.items() if value is not None}
    if not present:
        return None
    weight = sum(WEIGHTS[name] for name in present)
    total = sum(WEIGHTS[name] * value for name, value in present.items())
    return (total / weight).quantize(CENT, rounding=ROUND_HALF_UP)


def grade_earned(score, grades: list[tuple[int, int]]) -> int:
    """The highest grade whose minimum score is met; 0 below every grade."""
    if score is None:
        return 0
    met = [grade for grade, minimum in grades if Decimal(score) >= minimum]
    return max(met, default=0)


def fee_in_band(fee: Decimal, *, band_from: tuple, band_to: tuple) -> Decimal:
    """``fee``'s relative position in ``band_from`` carried into ``band_to`` (a fee
    outside its band counts as at the nearer edge)."""
    low, high = (Decimal(v) for v in band_from)
    new_low, new_high = (Decimal(v) for v in band_to)
    position = (Decimal(fee) - low) / (high - low)
    position = min(max(position, Decimal(0)), Decimal(1))
    return (new_low + position * (new_high - new_low)).quantize(CENT, rounding=ROUND_HALF_UP)


def credit_points(score) -> Decimal:
    """What a firm's average quarterly score adds to its credit (DOMAIN "Firms")."""
    if score is None:
        return Decimal(0)
    score = Decimal(score)
    if score >= 90:
        return Decimal(2)
    if score >= 80:
        return Decimal(1)
    if score < 60:
        return Decimal(-3)
    if score < 70:
        return Decimal(-1)
    return Decimal(0)


# --- Running it ----------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    grade: int
    fee: Decimal
    contract: Contract | None


def _terms(engagement: Engagement, on: date) -> Terms | None:
    contract = getattr(engagement, "contract", None)
    trial = getattr(engagement, "trial", None)
    if contract is not None:
        # ``contract.amendments`` may be prefetched (the quarterly run): filter in Python.
        approved = [
            a
            for a in contract.amendments.all()
            if a.status == AmendmentStatus.APPROVED and a.effective_on <= on
        ]
        if approved:
            amendment = max(approved, key=lambda a: (a.effective_on, a.pk))
            return Terms(amendment.grade or contract.grade, amendment.fee, contract)
        return Terms(contract.grade, contract.fee, contract)
    if trial is not None:
        return Terms(int(trial.terms.get("grade") or trial.offer.grade), engagement.fee, None)
    return None


def engagements_to_evaluate(*, start: date, end: date):
    """Trials and contracts that served during the quarter and have no evaluation yet."""
    return (
        Engagement.objects.filter(
            kind__in=[EngagementKind.TRIAL, EngagementKind.CONTRACT],
            starts_on__lte=end,
        )
        .filter(Q(phase=EngagementPhase.LIVE) | Q(phase=EngagementPhase.ENDED, ended_on__gte=start))
        # NOT IN, not an anti-join: the daily probe runs this all quarter long, and the
        # statistics of a quarter's new evaluations (too few to make autovacuum analyse
        # the table) say there are none, so PostgreSQL compared every engagement with
        # every evaluation of the quarter (19 ms a day at ten years; docs/performance.md).
        .exclude(pk__in=Evaluation.objects.filter(period_start=start).values("engagement_id"))
        .order_by("pk")
    )


def _rate_fields(rates) -> dict:
    if rates is None:
        return {}
    return {
        "rates_score": rates.score,
        "response_rate": rates.response_rate,
        "resolution_rate": rates.resolution_rate,
        "satisfaction_rate": rates.satisfaction_rate,
    }


_ENGAGEMENT_FIELDS = (
    "pk",
    "compound_id",
    "firm_id",
    "fee",
    "compound__street_office__district_id",
    "contract__id",
    "contract__grade",
    "contract__fee",
    "trial__terms",
    "trial__offer__grade",
)


def _row_terms(row: dict, amendments: dict) -> tuple[int, Decimal] | None:
    """(grade, fee) the engagement runs on at the quarter's end (``_terms`` for a row)."""
    if row["contract__id"] is not None:
        amended = amendments.get(row["contract__id"])
        if amended is not None:
            return amended[1] or row["contract__grade"], amended[0]
        return row["contract__grade"], row["contract__fee"]
    if row["trial__offer__grade"] is not None:
        terms = row["trial__terms"] or {}
        return int(terms.get("grade") or row["trial__offer__grade"]), row["fee"]
    return None


_EVALUATION_COLUMNS = (
    "engagement_id",
    "compound_id",
    "firm_id",
    "period_start",
    "period_end",
    "ratings_score",
    "inspection_score",
    "rates_score",
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "score",
    "grade_earned",
    "grade_contracted",
    "created_on",
)


def _adapt(value):
    if isinstance(value, Decimal):
        return connection.ops.adapt_decimalfield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _insert_evaluations(values: list[tuple]) -> None:
    """Write the rows without model instances (10,000 of them each quarter, see
    bench/evaluation.py): COPY on PostgreSQL, executemany elsewhere."""
    table = connection.ops.quote_name(Evaluation._meta.db_table)
    columns = ", ".join(_EVALUATION_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(_EVALUATION_COLUMNS))
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
            [tuple(_adapt(value) for value in row) for row in values],
        )


def _record_evaluation_events(*, after_id: int) -> None:
    """One "evaluation.recorded" event per evaluation inserted after ``after_id`` (this
    run, inside its transaction), in one INSERT … SELECT (the append-only log accepts
    INSERTs)."""
    content_type = ContentType.objects.get_for_model(Evaluation)
    if connection.vendor == "postgresql":
        after = "jsonb_build_object('score', ev.score::text, 'grade', ev.grade_earned)"
        repr_ = (
            "c.name || ' · ' || to_char(ev.period_start, 'YYYY-MM') || ' · ' "
            "|| coalesce(ev.score::text, 'None')"
        )
        empty = "'{}'::jsonb"
    else:
        after = "json_object('score', CAST(ev.score AS TEXT), 'grade', ev.grade_earned)"
        repr_ = (
            "c.name || ' · ' || strftime('%%Y-%%m', ev.period_start) || ' · ' "
            "|| coalesce(CAST(ev.score AS TEXT), 'None')"
        )
        empty = "'{}'"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO market_event (created_at, actor_id, action, content_type_id,
                object_id, object_repr, district_id, compound_id, before, after, data)
            SELECT %s, NULL, 'evaluation.recorded', %s, CAST(ev.id AS TEXT),
                   substr({repr_}, 1, 200), so.district_id, ev.compound_id, NULL,
                   {after}, {empty}
            FROM ratings_evaluation ev
            JOIN market_compound c ON c.id = ev.compound_id
            JOIN market_streetoffice so ON so.id = c.street_office_id
            WHERE ev.id > %s
            """,  # noqa: S608
            [
                connection.ops.adapt_datetimefield_value(timezone.now()),
                content_type.pk,
                after_id,
            ],
        )


@transaction.atomic
def evaluations_run(*, today: date) -> dict:
    """Evaluate the quarter before ``today``'s (idempotent: each engagement once per
    quarter), propose fee changes, and record each firm's credit entry.

    Three aggregate queries (three rates, ratings, inspections, each one GROUP BY over
    the quarter's rows), then the evaluations and their events in bulk: the work grows
    with the number of engagements, not with the number of ratings and requests."""
    start, end = previous_quarter(today)
    engagements = list(engagements_to_evaluate(start=start, end=end).values(*_ENGAGEMENT_FIELDS))
    if not engagements:
        return {"done": []}
    ids = [e["pk"] for e in engagements] if len(engagements) <= 1000 else None
    rates = three_rates_by(field="engagement", start=start, end=end, ids=ids)
    averages = rating_averages_by(field="engagement", start=start, end=end, ids=ids)
    inspections = Inspection.objects.filter(month__gte=start, month__lte=end)
    if ids is not None:
        inspections = inspections.filter(engagement__in=ids)
    inspection_scores = dict(
        inspections.values("engagement")
        .order_by()
        .annotate(score=Avg("score"))
        .values_list("engagement", "score")
    )
    # The latest approved amendment in force at the quarter's end, per contract.
    amendments = {
        contract_id: (fee, grade)
        for contract_id, fee, grade in ContractAmendment.objects.filter(
            status=AmendmentStatus.APPROVED, effective_on__lte=end
        )
        .order_by("contract_id", "effective_on", "id")
        .values_list("contract_id", "fee", "grade")
    }
    schedules: dict[int, list] = {}
    values, below, by_firm = [], [], defaultdict(list)
    for row in engagements:
        terms = _row_terms(row, amendments)
        if terms is None:
            continue
        grade_contracted, fee = terms
        district_id = row["compound__street_office__district_id"]
        if district_id not in schedules:
            schedule = current_fee_schedule(district=District(pk=district_id), on=end)
            schedules[district_id] = list(schedule.grades.all()) if schedule else []
        grades = schedules[district_id]
        engagement_rates = rates.get(row["pk"])
        ratings = ratings_points(averages.get(row["pk"], (None, 0))[0])
        inspection = inspection_scores.get(row["pk"])
        if inspection is not None:
            inspection = Decimal(inspection).quantize(CENT, rounding=ROUND_HALF_UP)
        rate_fields = _rate_fields(engagement_rates)
        score = evaluation_score(
            ratings=ratings, inspections=inspection, rates=rate_fields.get("rates_score")
        )
        earned = (
            grade_earned(score, [(g.grade, g.min_score) for g in grades])
            if score is not None
            else None
        )
        values.append(
            (
                row["pk"],
                row["compound_id"],
                row["firm_id"],
                start,
                end,
                ratings,
                inspection,
                rate_fields.get("rates_score"),
                rate_fields.get("response_rate"),
                rate_fields.get("resolution_rate"),
                rate_fields.get("satisfaction_rate"),
                score,
                earned,
                grade_contracted,
                today,
            )
        )
        if score is not None:
            by_firm[row["firm_id"]].append(score)
        if row["contract__id"] is not None and earned is not None and earned < grade_contracted:
            below.append(row["pk"])
    last_id = Evaluation.objects.aggregate(last=Max("id"))["last"] or 0
    _insert_evaluations(values)
    _record_evaluation_events(after_id=last_id)
    proposals = 0
    for evaluation in Evaluation.objects.filter(
        engagement_id__in=below, period_start=start
    ).select_related("compound__street_office", "engagement__contract"):
        terms = _terms(evaluation.engagement, end)
        grades = schedules[evaluation.compound.street_office.district_id]
        if _propose_lower(evaluation=evaluation, terms=terms, grades=grades):
            proposals += 1
    _credit(by_firm=by_firm, start=start, today=today)
    done = list(
        Evaluation.objects.filter(id__gt=last_id).order_by("pk").values_list("pk", flat=True)
    )
    return {"done": done, "quarter": start.isoformat(), "proposed": proposals}


def _band(grades, grade: int) -> tuple | None:
    row = next((g for g in grades if g.grade == grade), None)
    return (row.fee_min, row.fee_max) if row else None


def _propose_lower(*, evaluation: Evaluation, terms: Terms, grades) -> FeeAdjustment | None:
    earned = evaluation.grade_earned
    if terms.contract is None or earned is None or earned >= terms.grade or not grades:
        return None
    target = max(earned, min(g.grade for g in grades))
    band_from, band_to = _band(grades, terms.grade), _band(grades, target)
    if band_from is None or band_to is None:
        return None
    fee = fee_in_band(terms.fee, band_from=band_from, band_to=band_to)
    if fee >= terms.fee:
        return None
    return _adjustment_create(
        evaluation=evaluation,
        contract=terms.contract,
        kind=AdjustmentKind.LOWER,
        current_fee=terms.fee,
        proposed_fee=fee,
        grade=target,
        actor=None,
    )


def _adjustment_create(*, evaluation, contract, kind, current_fee, proposed_fee, grade, actor):
    reason = _(
        "Quarter from %(start)s: score %(score)s, grade earned %(earned)s, contracted grade "
        "%(contracted)s."
    ) % {
        "start": evaluation.period_start.isoformat(),
        "score": evaluation.score,
        "earned": evaluation.grade_earned,
        "contracted": evaluation.grade_contracted,
    }
    adjustment = FeeAdjustment.objects.create(
        evaluation=evaluation,
        contract=contract,
        kind=kind,
        current_fee=current_fee,
        proposed_fee=proposed_fee,
        grade=grade,
        reason=str(reason),
    )
    event_record(
        actor=actor,
        action="fee_adjustment.proposed",
        target=adjustment,
        compound=evaluation.compound,
        after={"fee": str(proposed_fee), "grade": grade, "kind": kind},
    )
    return adjustment


def _credit(*, by_firm: dict[int, list[Decimal]], start: date, today: date) -> None:
    for firm in Firm.objects.filter(pk__in=list(by_firm)).order_by("pk"):
        scores = by_firm[firm.pk]
        average = (sum(scores) / len(scores)).quantize(CENT, rounding=ROUND_HALF_UP)
        points = credit_points(average)
        if points:
            credit_entry_add(
                firm=firm,
                points=points,
                reason=str(
                    _("Quarterly evaluation from %(start)s: average score %(score)s")
                    % {"start": start.isoformat(), "score": average}
                ),
                actor=None,
                recorded_on=today,
                source="evaluation",
            )


@transaction.atomic
def fee_raise_apply(*, actor, contract: Contract) -> FeeAdjustment:
    """A firm above its contracted grade two quarters running may apply for a raise into
    the lower of the two grades earned, at the same relative position."""
    require(can_act_for_firm(actor, contract.firm))
    if contract.engagement_id is None:
        raise ValidationError(NOT_A_CONTRACT)
    last_two = list(
        Evaluation.objects.filter(engagement_id=contract.engagement_id).order_by("-period_start")[
            :2
        ]
    )
    consecutive = (
        len(last_two) == 2
        and last_two[1].period_start == previous_quarter(last_two[0].period_start)[0]
    )
    if not consecutive or any((e.grade_earned or 0) <= e.grade_contracted for e in last_two):
        raise ValidationError(NOT_ABOVE_TWICE, code="not_above")
    latest = last_two[0]
    if FeeAdjustment.objects.filter(evaluation=latest).exists():
        raise ValidationError(ALREADY_APPLIED, code="applied")
    terms = _terms(contract.engagement, timezone.localdate())
    schedule = current_fee_schedule(district=contract.compound.street_office.district)
    grades = list(schedule.grades.all()) if schedule else []
    target = min(e.grade_earned for e in last_two)
    band_from, band_to = _band(grades, terms.grade), _band(grades, target)
    if band_from is None or band_to is None:
        raise ValidationError(NOT_ABOVE_TWICE, code="no_band")
    fee = fee_in_band(terms.fee, band_from=band_from, band_to=band_to)
    return _adjustment_create(
        evaluation=latest,
        contract=contract,
        kind=AdjustmentKind.RAISE,
        current_fee=terms.fee,
        proposed_fee=fee,
        grade=target,
        actor=actor,
    )


@transaction.atomic
def fee_adjustment_decide(
    *, actor, adjustment: FeeAdjustment, approve: bool, note: str = "", today=None
) -> FeeAdjustment:
    """The bureau approves (→ a contract amendment effective the first day of next month,
    posted on the notice board) or rejects."""
    today = today or timezone.localdate()
    locked = (
        FeeAdjustment.objects.select_for_update(of=("self",))
        .select_related("contract__compound__street_office__district", "contract__firm")
        .get(pk=adjustment.pk)
    )
    contract = locked.contract
    require(can_decide_fee_adjustment(actor, contract.compound))
    target = AdjustmentStatus.APPROVED if approve else AdjustmentStatus.REJECTED
    check_transition(
        model="fee_adjustment",
        table=ADJUSTMENT_TRANSITIONS,
        current=locked.status,
        target=target,
    )
    before = locked.status
    locked.status = target
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = (note or "").strip()[:2000]
    if approve:
        effective_on = add_months(today.replace(day=1), 1)
        locked.amendment = ContractAmendment.objects.create(
            contract=contract,
            status=AmendmentStatus.APPROVED,
            fee=locked.proposed_fee,
            grade=locked.grade,
            effective_on=effective_on,
            reason=locked.reason,
            source="evaluation",
            decided_by=actor,
            decided_at=locked.decided_at,
        )
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "amendment"])
    event_record(
        actor=actor,
        action="fee_adjustment.decided",
        target=locked,
        compound=contract.compound,
        before={"status": before},
        after={
            "status": target,
            "fee": str(locked.proposed_fee),
            "effective_on": locked.amendment.effective_on.isoformat() if approve else None,
        },
    )
    committee = contract.compound.current_committee
    email_after_commit(
        recipients=(committee_emails(committee.pk) if committee else [])
        + firm_emails(contract.firm),
        subject=_("Fee change at %(compound)s: %(status)s")
        % {"compound": contract.compound.name, "status": locked.get_status_display()},
        body=_("Proposed fee ¥%(fee)s per ㎡·month.") % {"fee": locked.proposed_fee},
    )
    return locked
