"""Wagtail pages. Pages present; the market's plain models transact.

Tree: Home → Firms index (/firms/) → one FirmPage per approved firm → its OfferPages.
Firm staff edit their own firm's subtree; every publication goes through the
"bureau approval" workflow (BureauApprovalTask), in which only the firm's district
bureau can approve.
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, Task, TaskState
from wagtail.search import index

from market.catalogue import firm_live_offers, listed_offer_for_page
from market.models import District, Firm, ScopeItem, StreetOffice
from market.page_urls import page_url
from market.permissions import can_moderate_firm_content
from market.selectors import coverage_summary
from market.services.offers import offer_fee_check


class HomePage(Page):
    """The public front page: what the platform is, coverage, where to go next."""

    headline = models.CharField(_("headline"), max_length=120)
    intro = RichTextField(_("introduction"), blank=True)
    how_it_works = RichTextField(_("how it works"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("headline"),
        FieldPanel("intro"),
        FieldPanel("how_it_works"),
    ]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["coverage"] = coverage_summary()
        return context


FIRMS_PER_PAGE = 20


class FirmsIndexPage(Page):
    """/firms/: the directory of vetted firms; holds every FirmPage."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.FirmPage"]
    max_count = 1

    class Meta:
        verbose_name = _("firms index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        firm_pages = (
            FirmPage.objects.live()
            .child_of(self)
            .filter(firm__in=Firm.objects.listable())
            .select_related("firm", "logo")
            .order_by("-firm__credit_score", "title", "pk")
        )
        context["firm_pages"] = Paginator(firm_pages, FIRMS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        return context


class FirmPage(Page):
    """A firm's public profile. Created when the bureau approves the firm."""

    firm = models.OneToOneField(
        Firm, on_delete=models.PROTECT, related_name="page", verbose_name=_("firm")
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logo"),
    )
    introduction = RichTextField(_("introduction"), blank=True)
    credentials = RichTextField(
        _("credentials"),
        blank=True,
        help_text=_("Qualifications, certifications, awards, references."),
    )
    service_area = models.CharField(_("service area"), max_length=255, blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("logo"),
        FieldPanel("introduction"),
        FieldPanel("credentials"),
        FieldPanel("service_area"),
        InlinePanel("photos", label=_("Photos")),
    ]
    search_fields = Page.search_fields + [index.SearchField("introduction")]
    parent_page_types = ["cms.FirmsIndexPage"]
    subpage_types = ["cms.OfferPage"]

    class Meta:
        verbose_name = _("firm profile")

    def serve(self, request, *args, **kwargs):
        # The firm and the district the page names, in one query.
        self.firm = Firm.objects.select_related("registered_district").get(pk=self.firm_id)
        # Suspended, revoked or blacklisted firms disappear from the public site at once.
        if not self.firm.is_listable:
            raise Http404
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["offers"] = firm_live_offers(firm=self.firm)
        # Without {% pageurl %}'s lookup of the site root paths in the cache backend.
        context["index_url"] = page_url(self.get_parent())
        return context


class FirmPagePhoto(Orderable):
    page = ParentalKey(FirmPage, on_delete=models.CASCADE, related_name="photos")
    image = models.ForeignKey(
        "wagtailimages.Image", on_delete=models.CASCADE, related_name="+", verbose_name=_("image")
    )
    caption = models.CharField(_("caption"), max_length=255, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]


# format_lazy keeps the label lazy: "%" on a lazy string would translate it at import time,
# baking the start-up language into the choices (and into migrations).
GRADE_CHOICES = [(grade, format_lazy(_("Grade {grade}"), grade=grade)) for grade in range(1, 6)]
TRIAL_CHOICES = [(1, _("1 month")), (2, _("2 months")), (3, _("3 months"))]

OFFER_NEEDS_SCOPE = _("An offer includes at least one service item.")
OFFER_TRIAL_FEE_REQUIRED = _("Give the trial fee (it may be 0) when a trial is offered.")
OFFER_AREA_ORDER = _("The smallest compound served cannot be larger than the largest.")
OFFER_DISTRICT_NOT_SERVED = _("%(firm)s is not registered to serve %(district)s.")


class OfferPageForm(WagtailAdminPageForm):
    """Checks that need the firm (known from the parent page, even before the page is
    saved): the districts it serves and the district's fee schedule."""

    def clean(self):
        cleaned = super().clean()
        parent = self.parent_page if self.instance.pk is None else self.instance.get_parent()
        firm = getattr(parent.specific, "firm", None) if parent else None
        districts = list(cleaned.get("districts") or [])
        if firm is not None:
            served = set(firm.districts.values_list("pk", flat=True))
            for district in districts:
                if district.pk not in served:
                    self.add_error(
                        "districts",
                        OFFER_DISTRICT_NOT_SERVED % {"firm": firm.name, "district": district.name},
                    )
        grade, fee = cleaned.get("grade"), cleaned.get("fee")
        if grade and fee is not None and districts:
            # Cap enforcement refuses an outside-band fee before it can even be submitted.
            for refusal in offer_fee_check(districts=districts, grade=grade, fee=fee).refusals:
                self.add_error("fee", refusal)
        return cleaned


class OfferPage(Page):
    """A service offer (服务方案). Its promises bind the firm once a contract is signed
    (Civil Code art. 938); the approved terms are copied to market.Offer."""

    summary = models.TextField(
        _("summary"), max_length=500, help_text=_("One paragraph shown in the catalogue list.")
    )
    description = RichTextField(_("service details"), blank=True)
    grade = models.PositiveSmallIntegerField(_("service grade claimed"), choices=GRADE_CHOICES)
    cleaning = models.BooleanField(ScopeItem.CLEANING.label, default=False)
    order = models.BooleanField(ScopeItem.ORDER.label, default=False)
    greening = models.BooleanField(ScopeItem.GREENING.label, default=False)
    repairs = models.BooleanField(ScopeItem.REPAIRS.label, default=False)
    water = models.BooleanField(ScopeItem.WATER.label, default=False)
    lifts = models.BooleanField(ScopeItem.LIFTS.label, default=False)
    customer_service = models.BooleanField(ScopeItem.CUSTOMER_SERVICE.label, default=False)
    fee = models.DecimalField(_("fee (¥/㎡·month)"), max_digits=6, decimal_places=2)
    trial_months = models.PositiveSmallIntegerField(
        _("trial length"),
        choices=TRIAL_CHOICES,
        null=True,
        blank=True,
        help_text=_("Leave empty if no trial (先尝后买) is offered."),
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
    districts = ParentalManyToManyField(District, related_name="+", verbose_name=_("districts"))
    street_offices = ParentalManyToManyField(
        StreetOffice,
        related_name="+",
        blank=True,
        verbose_name=_("street offices"),
        help_text=_("Leave empty to serve the whole of each district."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("grade"), FieldPanel("fee")]),
        MultiFieldPanel([FieldPanel(name) for name in ScopeItem.values], heading=_("Scope items")),
        FieldRowPanel(
            [FieldPanel("trial_months"), FieldPanel("trial_fee")], heading=_("Trial (先尝后买)")
        ),
        FieldRowPanel(
            [FieldPanel("min_area"), FieldPanel("max_area")], heading=_("Compound size served")
        ),
        FieldPanel("districts", widget=forms.CheckboxSelectMultiple),
        FieldPanel("street_offices", widget=forms.CheckboxSelectMultiple),
        FieldPanel("description"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")]
    base_form_class = OfferPageForm
    parent_page_types = ["cms.FirmPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("service offer")

    @property
    def firm(self) -> Firm | None:
        parent = self.get_parent()
        return parent.specific.firm if parent else None

    @property
    def scope_items(self) -> list[str]:
        return [item for item in ScopeItem.values if getattr(self, item)]

    def fee_check(self):
        return offer_fee_check(districts=list(self.districts.all()), grade=self.grade, fee=self.fee)

    def serve(self, request, *args, **kwargs):
        # As for the firm's profile: a suspended, revoked or blacklisted firm's offers
        # leave the public site at once (DOMAIN: Firms and vetting).
        firm = self.firm
        if firm is None or not firm.is_listable:
            raise Http404
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        labels = dict(ScopeItem.choices)
        context["scope_labels"] = [labels[item] for item in self.scope_items]
        context["firm_page"] = self.get_parent().specific
        if getattr(request, "is_preview", False):
            # A draft under review: flag what approving it would flag.
            context["outside_band"] = self.fee_check().needs_outside_band_approval
        else:
            offer = listed_offer_for_page(page_id=self.pk)
            context["outside_band"] = bool(offer and offer.outside_band)
        return context

    def clean(self):
        super().clean()
        errors: dict[str, list] = {}
        if not self.scope_items:
            errors.setdefault("cleaning", []).append(OFFER_NEEDS_SCOPE)
        if self.trial_months and self.trial_fee is None:
            errors.setdefault("trial_fee", []).append(OFFER_TRIAL_FEE_REQUIRED)
        if self.min_area and self.max_area and self.min_area > self.max_area:
            errors.setdefault("max_area", []).append(OFFER_AREA_ORDER)
        if errors:
            raise ValidationError(errors)


class BureauApprovalTask(Task):
    """Moderation by the firm's district housing bureau. Who may approve is decided by
    market.permissions, like everything else."""

    class Meta:
        verbose_name = _("bureau approval")
        verbose_name_plural = _("bureau approvals")

    @classmethod
    def get_description(cls):
        return _("The housing bureau of the firm's district approves or rejects with a comment.")

    @staticmethod
    def _firm_of(obj) -> Firm | None:
        page = obj.specific if hasattr(obj, "specific") else obj
        if isinstance(page, FirmPage):
            return page.firm
        if isinstance(page, OfferPage):
            return page.firm
        return None

    def _can_moderate(self, obj, user) -> bool:
        firm = self._firm_of(obj)
        return firm is not None and can_moderate_firm_content(user, firm)

    def user_can_access_editor(self, obj, user):
        return self._can_moderate(obj, user)

    def locked_for_user(self, obj, user):
        # While the bureau reviews it, the firm cannot change what is being reviewed.
        return not self._can_moderate(obj, user)

    def get_actions(self, obj, user):
        if not self._can_moderate(obj, user):
            return []
        reject = ("reject", _("Reject with a comment"), True)
        firm = self._firm_of(obj)
        if not firm.is_listable:
            return [reject]
        page = obj.specific
        if isinstance(page, OfferPage) and page.fee_check().needs_outside_band_approval:
            return [
                (
                    "approve_outside_band",
                    _("Approve the fee outside the band (it will be flagged publicly)"),
                    True,
                ),
                reject,
            ]
        return [
            ("approve", _("Approve"), False),
            ("approve", _("Approve with comment"), True),
            reject,
        ]

    def on_action(self, task_state, user, action_name, **kwargs):
        allowed = {
            name
            for name, _label, _needs_form in self.get_actions(
                task_state.revision.content_object, user
            )
        }
        if action_name not in allowed:
            raise PermissionDenied
        if action_name == "approve_outside_band":
            action_name = "approve"
        return super().on_action(task_state, user, action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        from market.permissions import roles_of

        district_ids = roles_of(user).bureau_district_ids
        states = TaskState.objects.filter(task=self, status=TaskState.STATUS_IN_PROGRESS)
        if user.is_superuser:
            return states
        if not district_ids:
            return TaskState.objects.none()
        page_ids = firm_subtree_page_ids(district_ids)
        return states.filter(workflow_state__object_id__in=[str(pk) for pk in page_ids])


def firm_subtree_page_ids(district_ids) -> list[int]:
    """Pages (firm profiles and their offers) of firms registered in these districts."""
    from django.db.models import Q

    paths = FirmPage.objects.filter(firm__registered_district__in=district_ids).values_list(
        "path", flat=True
    )
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    if not condition:
        return []
    return list(Page.objects.filter(condition).values_list("pk", flat=True))
