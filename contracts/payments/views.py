"""The treasurer's payment page, the Stripe webhook, statements and arrears."""

import csv
import logging

import stripe
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from contracts.models import Engagement
from market.exceptions import InvalidTransition
from market.models import District
from market.permissions import can_pay_invoice, can_view_arrears, can_view_engagement

from . import selectors
from .gateway import webhook_event
from .models import Invoice, InvoiceStatus
from .services import invoice_payment_confirm, invoice_payment_intent
from .webhooks import stripe_event_process

logger = logging.getLogger(__name__)


def _invoice_or_404(pk: int) -> Invoice:
    return get_object_or_404(
        Invoice.objects.select_related(
            "engagement__compound__street_office__district", "engagement__firm"
        ),
        pk=pk,
    )


def _contract_of(engagement):
    return getattr(engagement, "contract", None)


def _messages(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


@login_required
@require_GET
def invoice_pay(request, pk: int):
    """Amount, period, contract and firm; the card form (Stripe.js) while it is open."""
    invoice = _invoice_or_404(pk)
    if not can_pay_invoice(request.user, invoice.engagement.compound):
        raise PermissionDenied
    context = {
        "invoice": invoice,
        "engagement": invoice.engagement,
        "contract": _contract_of(invoice.engagement),
        "stripe_js_url": settings.STRIPE_JS_URL,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
    }
    status = 200
    if invoice.status == InvoiceStatus.OPEN:
        try:
            intent = invoice_payment_intent(invoice=invoice, actor=request.user)
            context["client_secret"] = intent["client_secret"]
            context["intent_status"] = intent["status"]
        except ValidationError as error:
            context["error"] = _messages(error)
            status = 503
    return render(request, "payments/invoice_pay.html", context, status=status)


@login_required
@require_POST
def invoice_pay_confirm(request, pk: int):
    """The browser posts the card token Stripe.js made; the intent is confirmed here.
    The answer says what the browser does next; the invoice is paid by the webhook."""
    invoice = _invoice_or_404(pk)
    if not can_pay_invoice(request.user, invoice.engagement.compound):
        raise PermissionDenied
    try:
        intent = invoice_payment_confirm(
            invoice=invoice, actor=request.user, card_token=request.POST.get("token", "")
        )
    except ValidationError as error:
        return JsonResponse({"error": _messages(error)}, status=400)
    except InvalidTransition:
        return JsonResponse({"error": _("This invoice is no longer open for payment.")}, status=400)
    return JsonResponse({"status": intent["status"], "client_secret": intent["client_secret"]})


@login_required
@require_GET
def invoice_status(request, pk: int):
    invoice = _invoice_or_404(pk)
    if not can_pay_invoice(request.user, invoice.engagement.compound):
        raise PermissionDenied
    return JsonResponse(
        {
            "status": invoice.status,
            "label": str(invoice.get_status_display()),
            "failure": invoice.failure_message,
        }
    )


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's signed events. A bad signature is refused (400) before anything is read
    or written; every verified event is acknowledged (200), known or not."""
    try:
        event = webhook_event(request.body, request.headers.get("Stripe-Signature", ""))
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponseBadRequest("invalid signature")
    outcome = stripe_event_process(event=event)
    return JsonResponse({"received": True, "outcome": outcome})


CSV_HEADER = (
    "invoice",
    "month",
    "served_from",
    "served_to",
    "amount_cny",
    "status",
    "paid_at",
    "refunded_cny",
    "compound",
    "firm",
)


def _csv_response(filename: str, header, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so Excel opens the Chinese names as UTF-8
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@login_required
@require_GET
def engagement_statement(request, pk: int):
    """Invoices and payments for one engagement: its committee, the firm, officials."""
    engagement = get_object_or_404(
        Engagement.objects.select_related("compound__street_office__district", "firm"), pk=pk
    )
    if not can_view_engagement(request.user, engagement.compound, engagement.firm):
        raise PermissionDenied
    invoices = list(selectors.engagement_invoices(engagement=engagement))
    if request.GET.get("format") == "csv":
        rows = [
            (
                i.number,
                i.period_start.strftime("%Y-%m"),
                i.served_from.isoformat(),
                i.served_to.isoformat(),
                i.amount,
                i.status,
                i.paid_at.isoformat() if i.paid_at else "",
                i.refunded_amount,
                engagement.compound.name,
                engagement.firm.name,
            )
            for i in invoices
        ]
        return _csv_response(f"statement-{engagement.pk}.csv", CSV_HEADER, rows)
    return render(
        request,
        "payments/statement.html",
        {
            "engagement": engagement,
            "contract": _contract_of(engagement),
            "invoices": invoices,
            "totals": selectors.statement_totals(invoices),
            "can_pay": can_pay_invoice(request.user, engagement.compound),
        },
    )


@login_required
@require_GET
def district_arrears(request, code: str):
    district = get_object_or_404(District, code=code)
    if not can_view_arrears(request.user, district):
        raise PermissionDenied
    arrears = selectors.district_arrears(district=district)
    if request.GET.get("format") == "csv":
        rows = [
            (
                a.compound.name,
                a.compound.street_office.name,
                a.open_invoices,
                a.amount,
                a.oldest_month.strftime("%Y-%m"),
            )
            for a in arrears
        ]
        header = ("compound", "street_office", "open_invoices", "amount_cny", "oldest_month")
        return _csv_response(f"arrears-{district.code}.csv", header, rows)
    return render(
        request, "payments/district_arrears.html", {"district": district, "arrears": arrears}
    )
