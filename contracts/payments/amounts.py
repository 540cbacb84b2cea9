"""What an engagement owes for a month (DOMAIN "Payments"): floor area × fee per ㎡·月,
pro-rated by days for partial months, with fee amendments applied from their effective
date. Pure arithmetic on Decimal ¥; rounded once, to the fen, at the end."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from contracts.models import AmendmentStatus, Contract, Engagement, EngagementKind

FEN = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    start: date
    end: date
    fee: Decimal
    amount: Decimal  # unrounded

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_json(self) -> dict:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "days": self.days,
            "fee": str(self.fee),
            "amount": str(self.amount.quantize(FEN, rounding=ROUND_HALF_UP)),
        }


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def last_billable_day(engagement: Engagement) -> date | None:
    """The last day the engagement serves (or is planned to): its actual end once it has
    ended, else its term end; None while the term is indefinite."""
    return engagement.ended_on or engagement.ends_on


def served_days(engagement: Engagement, month: date, *, until: date | None = None):
    """(first, last) day served in ``month``, or None when it serves no day of it."""
    first = max(engagement.starts_on, month_start(month))
    last_day = until if until is not None else last_billable_day(engagement)
    last = month_end(month) if last_day is None else min(last_day, month_end(month))
    return (first, last) if first <= last else None


def fee_changes(engagement: Engagement) -> list[tuple[date, Decimal]]:
    """The fee in force from each date on, oldest first. A contract's own fee is its
    immutable term (not the engagement's copy); approved amendments take over from their
    effective date."""
    return fee_changes_of([engagement])[engagement.pk]


def fee_changes_of(engagements) -> dict:
    """``fee_changes`` of many engagements, by engagement pk: one query for all the
    contracts among them (the daily rule prices a month's invoices together)."""
    contract_ids = [
        engagement.pk
        for engagement in engagements
        if engagement.kind == EngagementKind.CONTRACT and engagement.pk is not None
    ]
    # The contract's fee and its amendments in one query (it was the contract, then its
    # approved amendments: two per invoice). The LEFT JOIN gives a contract without
    # amendments one row whose amendment columns are NULL; the few not approved are
    # dropped here (a FilteredRelation costs more to compile than they cost to read).
    rows = (
        Contract.objects.filter(engagement_id__in=contract_ids)
        .order_by("engagement_id", "amendments__effective_on", "amendments__id")
        .values_list(
            "engagement_id",
            "fee",
            "amendments__status",
            "amendments__effective_on",
            "amendments__fee",
        )
        if contract_ids
        else ()
    )
    contract_rows: dict = {}
    for engagement_id, *row in rows:
        contract_rows.setdefault(engagement_id, []).append(row)
    return {
        engagement.pk: _changes(engagement, contract_rows.get(engagement.pk))
        for engagement in engagements
    }


def _changes(engagement: Engagement, rows) -> list[tuple[date, Decimal]]:
    if not rows:
        return [(engagement.starts_on, engagement.fee)]
    changes = [(engagement.starts_on, rows[0][0])]
    changes += [
        (since, fee) for _, status, since, fee in rows if status == AmendmentStatus.APPROVED
    ]
    return changes


def invoice_lines(
    engagement: Engagement, month: date, *, until: date | None = None, changes=None
) -> list[Line]:
    """One line per fee in force over the days served in ``month``. ``changes`` are the
    engagement's ``fee_changes`` when the caller read them already (for many at once)."""
    window = served_days(engagement, month, until=until)
    if window is None:
        return []
    first, last = window
    days_in_month = Decimal(calendar.monthrange(month.year, month.month)[1])
    if changes is None:
        changes = fee_changes(engagement)
    lines = []
    for index, (since, fee) in enumerate(changes):
        next_since = changes[index + 1][0] if index + 1 < len(changes) else None
        start = max(first, since)
        end = last if next_since is None else min(last, next_since - timedelta(days=1))
        if start > end:
            continue
        days = Decimal((end - start).days + 1)
        lines.append(Line(start, end, fee, engagement.area * fee * days / days_in_month))
    return lines


def total(lines: list[Line]) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0")).quantize(FEN, rounding=ROUND_HALF_UP)
