"""Property service contracts (物业服务合同, Civil Code arts. 937–950).

A contract is generated from a passed hiring vote and the trial's snapshot of the offer.
Its terms — and the PDF both parties sign — never change after generation: the database
refuses it (migration ``0002_contract_terms_immutable``). Changes are amendments.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from market.models import Committee, Compound, Firm, Offer

from .engagements import Engagement
from .trials import Trial
from .votes import Vote


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Awaiting signatures")
    SIGNED = "signed", _("Signed, not yet in force")
    ACTIVE = "active", _("In force")
    # Art. 948: service continuing after expiry is a contract of indefinite term.
    HOLDOVER = "holdover", _("Continuing without a fixed term")
    ENDED = "ended", _("Ended")
    CANCELLED = "cancelled", _("Cancelled before signing")


CONTRACT_TRANSITIONS: dict[str, set[str]] = {
    ContractStatus.DRAFT: {ContractStatus.SIGNED, ContractStatus.CANCELLED},
    ContractStatus.SIGNED: {ContractStatus.ACTIVE},
    ContractStatus.ACTIVE: {ContractStatus.HOLDOVER, ContractStatus.ENDED},
    ContractStatus.HOLDOVER: {ContractStatus.ENDED},
    ContractStatus.ENDED: set(),
    ContractStatus.CANCELLED: set(),
}
IN_FORCE_STATUSES = (ContractStatus.ACTIVE, ContractStatus.HOLDOVER)
# Beijing art. 63: the contract is filed with the bureau within 15 days of signing.
FILING_DAYS = 15


class CollectionMethod(models.TextChoices):
    MONTHLY = "monthly", _("Collected by the firm from each owner, monthly")
    QUARTERLY = "quarterly", _("Collected by the firm from each owner, quarterly")
    YEARLY = "yearly", _("Collected by the firm from each owner, yearly in advance")


class SigningParty(models.TextChoices):
    COMMITTEE = "committee", _("Owners' side (committee)")
    FIRM = "firm", _("Property firm")


class NoticeBy(models.TextChoices):
    OWNERS = "owners", _("The owners (dismissal vote, art. 946)")
    FIRM = "firm", _("The firm (will not renew, art. 947)")
    EITHER = "either", _("Either party (indefinite term, art. 948)")


# Columns fixed when the contract is generated. The database trigger refuses any change
# to them; keep this list and the trigger in the migration in step.
TERM_FIELDS = (
    "number",
    "compound",
    "committee",
    "firm",
    "vote",
    "trial",
    "offer",
    "previous_contract",
    "terms",
    "parties",
    "grade",
    "scope_items",
    "fee",
    "area",
    "monthly_amount",
    "collection_method",
    "term_years",
    "starts_on",
    "ends_on",
    "document",
    "document_sha256",
    "generated_on",
)


class ContractManager(models.Manager):
    """Contracts without their PDF, which only the download reads: it is ≈280 kB a
    contract, and every lock, list and rule read it for nothing (docs/performance.md,
    seventh pass). ``contract.document`` still loads it when asked for, and
    ``refresh_from_db`` reads it through the plain base manager."""

    def get_queryset(self):
        return super().get_queryset().defer("document")


class Contract(models.Model):
    # Not in Wagtail's reference index, which the bureau's read-only contract list
    # (a ModelViewSet) would otherwise enter it in: a contract refers only to plain
    # models, never to pages, images or snippets whose "usage" Wagtail shows, and its
    # references are fixed terms. Indexed, every save (each signature, the start, the
    # filing flag…) queued a task that reloaded the contract with its PDF, in the queue
    # where the PDFs wait (docs/performance.md, seventh pass).
    wagtail_reference_index_ignore = True

    number = models.CharField(_("contract number"), max_length=40, unique=True)
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("compound")
    )
    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("committee")
    )
    firm = models.ForeignKey(
        Firm, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("firm")
    )
    vote = models.ForeignKey(
        Vote, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("owners' vote")
    )
    trial = models.ForeignKey(
        Trial, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    offer = models.ForeignKey(
        Offer, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    previous_contract = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    # --- The terms (immutable) ---
    terms = models.JSONField(_("offer terms"), default=dict)
    parties = models.JSONField(_("parties"), default=dict)
    grade = models.PositiveSmallIntegerField(_("service grade"))
    scope_items = models.JSONField(_("service items"), default=list)
    fee = models.DecimalField(_("fee (¥/㎡·month)"), max_digits=6, decimal_places=2)
    area = models.DecimalField(_("floor area charged (m²)"), max_digits=12, decimal_places=2)
    monthly_amount = models.DecimalField(_("monthly total (¥)"), max_digits=14, decimal_places=2)
    collection_method = models.CharField(
        _("fee collection"), max_length=20, choices=CollectionMethod.choices
    )
    term_years = models.PositiveSmallIntegerField(_("term (years)"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # Rendered once, in the background, just after the contract is generated (it takes
    # WeasyPrint ≈ 0.15–0.7 s); empty until then, and nobody can sign before it exists.
    document = models.BinaryField(_("contract PDF"), editable=False, default=b"")
    document_sha256 = models.CharField(
        _("SHA-256 of the PDF"), max_length=64, db_index=True, blank=True
    )
    # The day the contract was generated, printed on the PDF.
    generated_on = models.DateField(_("generated on"), null=True, blank=True)
    # --- The lifecycle (changes through the services) ---
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(_("fully signed at"), null=True, blank=True)
    # The day the second signature made it binding: the 15-day filing clock starts here.
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    filed_on = models.DateField(_("filed with the bureau on"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by the daily run when the 15-day filing period (Beijing art. 63) has passed.
    filing_overdue_on = models.DateField(_("filing overdue since"), null=True, blank=True)
    renewal_opened_on = models.DateField(_("renewal decision opened on"), null=True, blank=True)
    notice_by = models.CharField(
        _("notice of ending given by"), max_length=20, choices=NoticeBy.choices, blank=True
    )
    notice_on = models.DateField(_("notice given on"), null=True, blank=True)
    terminates_on = models.DateField(_("last day of service"), null=True, blank=True)
    notice_reason = models.TextField(_("reason for ending"), blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    engagement = models.OneToOneField(
        Engagement, null=True, blank=True, on_delete=models.PROTECT, related_name="contract"
    )

    objects = ContractManager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ContractStatus.values), name="contract_status_valid"
            ),
            # DOMAIN "Contracts": a term of 1–3 years.
            models.CheckConstraint(
                condition=Q(term_years__gte=1, term_years__lte=3), name="contract_term_1_3_years"
            ),
            models.CheckConstraint(condition=Q(fee__gt=0), name="contract_fee_positive"),
            models.CheckConstraint(condition=Q(area__gt=0), name="contract_area_positive"),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="contract_ends_after_start"
            ),
            # A contract is signed on its PDF: only a draft (or a cancelled one) may be
            # without it, while the document is being rendered.
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"]) | ~Q(document_sha256=""),
                name="contract_has_document_hash",
            ),
            # One contract per passed vote (a cancelled draft may be generated again).
            models.UniqueConstraint(
                fields=["vote"],
                condition=~Q(status="cancelled"),
                name="contract_one_per_vote",
            ),
        ]

    def __str__(self):
        return f"{self.number} · {self.compound} · {self.firm}"

    def signature_of(self, party: str):
        return next((s for s in self.signatures.all() if s.party == party), None)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def filing_due_on(self):
        """The last day for filing with the bureau (15 days after both signed)."""
        if self.signed_on is None:
            return None
        return self.signed_on + timedelta(days=FILING_DAYS)


class ContractSignature(models.Model):
    """Who signed, when, from where, and the SHA-256 of the exact PDF they signed."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="signatures")
    party = models.CharField(_("party"), max_length=20, choices=SigningParty.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contract_signatures"
    )
    signer_name = models.CharField(_("signed by"), max_length=100)
    signed_at = models.DateTimeField(_("signed at"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    document_sha256 = models.CharField(_("SHA-256 of the PDF signed"), max_length=64)

    class Meta:
        verbose_name = _("contract signature")
        verbose_name_plural = _("contract signatures")
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "party"], name="signature_one_per_party"),
        ]

    def __str__(self):
        return f"{self.contract.number} · {self.get_party_display()} · {self.signer_name}"


class AmendmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


AMENDMENT_TRANSITIONS: dict[str, set[str]] = {
    AmendmentStatus.PROPOSED: {AmendmentStatus.APPROVED, AmendmentStatus.REJECTED},
    AmendmentStatus.APPROVED: set(),
    AmendmentStatus.REJECTED: set(),
}


class ContractAmendment(models.Model):
    """A change to a signed contract, e.g. the quarterly fee adjustment (issue #5): it
    takes effect on ``effective_on`` (the first day of a month) and never edits the
    contract itself."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="amendments")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AmendmentStatus.choices,
        default=AmendmentStatus.PROPOSED,
    )
    fee = models.DecimalField(_("new fee (¥/㎡·month)"), max_digits=6, decimal_places=2)
    grade = models.PositiveSmallIntegerField(_("service grade"), null=True, blank=True)
    effective_on = models.DateField(_("takes effect on"))
    reason = models.TextField(_("reason"))
    source = models.CharField(_("source"), max_length=30, default="evaluation")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("contract amendment")
        verbose_name_plural = _("contract amendments")
        ordering = ["effective_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(fee__gt=0), name="amendment_fee_positive"),
            models.CheckConstraint(
                condition=Q(status__in=AmendmentStatus.values), name="amendment_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.contract.number} · ¥{self.fee} · {self.effective_on:%Y-%m-%d}"
