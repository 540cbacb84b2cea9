"""Reads for statements and arrears (DOMAIN "Payments")."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum

from contracts.models import Engagement
from market.models import Compound, District

from .models import Invoice, InvoiceStatus


def engagement_invoices(*, engagement: Engagement):
    return (
        Invoice.objects.filter(engagement=engagement)
        .select_related("engagement__firm", "engagement__compound")
        .prefetch_related("refunds")
        .order_by("-period_start", "-id")
    )


def statement_totals(invoices) -> dict:
    billed = sum((i.amount for i in invoices if i.status != InvoiceStatus.VOID), Decimal("0"))
    paid = sum((i.amount for i in invoices if i.status == InvoiceStatus.PAID), Decimal("0"))
    refunded = sum((i.refunded_amount for i in invoices), Decimal("0"))
    return {"billed": billed, "paid": paid, "refunded": refunded, "outstanding": billed - paid}


@dataclass(frozen=True)
class Arrears:
    compound: Compound
    open_invoices: int
    amount: Decimal
    oldest_month: object


def district_arrears(*, district: District) -> list[Arrears]:
    """Compounds with open invoices, most owed first. Oversight only: arrears never stop
    service (Civil Code art. 944)."""
    rows = (
        Invoice.objects.filter(
            status=InvoiceStatus.OPEN,
            engagement__compound__street_office__district=district,
        )
        .values("engagement__compound")
        .annotate(
            open_invoices=Count("id", filter=Q(status=InvoiceStatus.OPEN)),
            amount=Sum("amount"),
            oldest=Min("period_start"),
        )
    )
    compounds = Compound.objects.select_related("street_office").in_bulk(
        [row["engagement__compound"] for row in rows]
    )
    arrears = [
        Arrears(
            compound=compounds[row["engagement__compound"]],
            open_invoices=row["open_invoices"],
            # SQLite sums decimals loosely; the ledger shows fen.
            amount=Decimal(str(row["amount"])).quantize(Decimal("0.01")),
            oldest_month=row["oldest"],
        )
        for row in rows
    ]
    return sorted(arrears, key=lambda a: (-a.amount, a.compound.name))
