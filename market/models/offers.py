"""Offers as the market transacts them.

Firms write offers as Wagtail pages (``cms.OfferPage``) and the bureau approves them in a
moderation workflow. When a revision is approved and published, its terms are copied
here (``market.services.offers.offer_publish``): this row is what the catalogue lists,
searches and compares, and what trials and contracts snapshot. The page presents; this
row transacts.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..search import DocumentTsvector, TsvectorField
from .fees import FeeSchedule
from .firms import CreditGrade, Firm
from .geography import District, StreetOffice


class ScopeItem(models.TextChoices):
    """The service items an offer can include (DOMAIN: Offers). Order matters: the
    position is the bit in ``Offer.scope_mask``."""

    CLEANING = "cleaning", _("Cleaning and rubbish (保洁)")
    ORDER = "order", _("Order and security (秩序维护)")
    GREENING = "greening", _("Greening (绿化)")
    REPAIRS = "repairs", _("Repairs (维修)")
    WATER = "water", _("Secondary water supply (二次供水)")
    LIFTS = "lifts", _("Lifts (电梯)")
    CUSTOMER_SERVICE = "customer_service", _("Customer service (客服)")

    @classmethod
    def mask_of(cls, items) -> int:
        values = list(cls.values)
        return sum(1 << values.index(item) for item in items)

    @classmethod
    def items_of(cls, mask: int) -> list[str]:
        return [value for index, value in enumerate(cls.values) if mask & (1 << index)]


class OfferStatus(models.TextChoices):
    LIVE = "live", _("Live")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# What the public catalogue shows: live offers of listable firms.
LISTED = Q(status=OfferStatus.LIVE, firm_listed=True)


class Offer(models.Model):
    # The Wagtail page this offer is edited as (cms.OfferPage); not a FK, since market
    # must not depend on cms.
    page_id = models.PositiveIntegerField(unique=True)
    url = models.CharField(max_length=300)
    firm = models.ForeignKey(
        Firm, on_delete=models.PROTECT, related_name="offers", verbose_name=_("firm")
    )
    title = models.CharField(_("title"), max_length=255)
    summary = models.TextField(_("summary"), blank=True)
    grade = models.PositiveSmallIntegerField(_("service grade claimed"))
    scope_mask = models.PositiveIntegerField(_("scope items"))
    fee = models.DecimalField(_("fee (¥/㎡·month)"), max_digits=6, decimal_places=2)
    # No trial offered when trial_months is null.
    trial_months = models.PositiveSmallIntegerField(
        _("trial length (months)"), null=True, blank=True
    )
    trial_fee = models.DecimalField(
        _("trial fee (¥/㎡·month)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    min_area = models.DecimalField(
        _("smallest compound served (m²)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_area = models.DecimalField(
        _("largest compound served (m²)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    districts = models.ManyToManyField(District, related_name="offers", verbose_name=_("districts"))
    # Empty: the whole of each district.
    street_offices = models.ManyToManyField(
        StreetOffice, related_name="offers", blank=True, verbose_name=_("street offices")
    )
    fee_schedule = models.ForeignKey(
        FeeSchedule, on_delete=models.PROTECT, null=True, related_name="offers"
    )
    # Approved outside its grade's band under benchmark enforcement: shown publicly.
    outside_band = models.BooleanField(_("fee outside the grade's band"), default=False)
    status = models.CharField(max_length=20, choices=OfferStatus.choices, default=OfferStatus.LIVE)
    revision_id = models.PositiveIntegerField(help_text="The approved page revision.")
    published_at = models.DateTimeField()
    # The exact terms as approved, for trials and contracts to snapshot.
    terms = models.JSONField(default=dict)
    # Character unigrams and bigrams of the title, summary and firm name, space-separated,
    # so that word-less Chinese text can be searched on PostgreSQL and SQLite alike.
    search_document = models.TextField(blank=True)
    # search_document's tokens as a tsvector, computed by PostgreSQL on every write and
    # indexed (GIN), so that matching a row does not tokenise it again (NULL on SQLite,
    # which searches search_document with LIKE; see market.search).
    search_vector = models.GeneratedField(
        expression=DocumentTsvector("search_document"),
        output_field=TsvectorField(null=True),
        db_persist=True,
    )
    # Filled by the ratings app (issue #5).
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    rating_count = models.PositiveIntegerField(default=0)
    # Copies of the firm's listing (Firm.is_listable) and credit, so that the catalogue
    # filters and sorts on this table alone, along indexes that match (docs/performance.md).
    # Every service that changes them on the firm copies them here in the same
    # transaction (market.services.offers.offer_listing_sync), so a suspended,
    # revoked or blacklisted firm's offers still vanish at once.
    firm_listed = models.BooleanField(default=False)
    firm_credit_score = models.DecimalField(max_digits=5, decimal_places=1, default=80)
    firm_credit_grade = models.CharField(
        max_length=3, choices=CreditGrade.choices, default=CreditGrade.AA
    )

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=5), name="offer_grade_1_5"),
            models.CheckConstraint(condition=Q(fee__gt=0), name="offer_fee_positive"),
            models.CheckConstraint(
                condition=Q(trial_months__isnull=True)
                | Q(trial_months__gte=1, trial_months__lte=3, trial_fee__gte=0),
                name="offer_trial_terms_valid",
            ),
            models.CheckConstraint(condition=Q(scope_mask__gt=0), name="offer_has_scope"),
        ]
        # The catalogue's orderings, over listed offers only: a page is the first rows
        # of one of these, and a count reads the smallest. (The rating order sorts
        # NULLS LAST, which SQLite cannot index: migration 0007 adds it on PostgreSQL.)
        indexes = [
            models.Index(
                fields=["-firm_credit_score", "fee", "id"],
                condition=LISTED,
                name="offer_listed_by_credit",
            ),
            models.Index(fields=["fee", "id"], condition=LISTED, name="offer_listed_by_fee"),
            models.Index(
                fields=["-published_at", "-id"], condition=LISTED, name="offer_listed_by_newest"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def scope_items(self) -> list[str]:
        return ScopeItem.items_of(self.scope_mask)

    @property
    def scope_labels(self) -> list[str]:
        labels = dict(ScopeItem.choices)
        return [labels[item] for item in self.scope_items]

    @property
    def trial_available(self) -> bool:
        return self.trial_months is not None
