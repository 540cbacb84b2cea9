"""Offers: checking fees against the fee schedule, and recording approved terms."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..catalogue import catalogue_changed
from ..models import District, EnforcementMode, Firm, Offer, OfferStatus, ScopeItem, StreetOffice
from ..search import search_document
from ..selectors import current_fee_schedule
from .events import event_record

FEE_OUTSIDE_BAND_CAP = _(
    "%(district)s caps grade %(grade)d fees at ¥%(low)s–%(high)s per ㎡·month "
    "(government-guided price); ¥%(fee)s is outside that band."
)
FEE_NO_SCHEDULE = _(
    "%(district)s has no approved fee schedule in force, so no offer can be approved there yet."
)
FEE_NO_GRADE = _("%(district)s's fee schedule has no grade %(grade)d.")


@dataclass
class FeeCheck:
    """The fee of an offer against each district's schedule in force."""

    refusals: list[str] = field(default_factory=list)  # cap violations and missing schedules
    outside_band_in: list[District] = field(default_factory=list)  # benchmark: needs approval
    schedule_by_district: dict[int, object] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return not self.refusals

    @property
    def needs_outside_band_approval(self) -> bool:
        return bool(self.outside_band_in)


def offer_fee_check(*, districts, grade: int, fee: Decimal, on: date | None = None) -> FeeCheck:
    """Cap enforcement refuses a fee outside its grade's band; benchmark enforcement
    (Beijing art. 73) lets it through only with the bureau's explicit approval."""
    check = FeeCheck()
    for district in districts:
        schedule = current_fee_schedule(district=district, on=on)
        if schedule is None:
            check.refusals.append(str(FEE_NO_SCHEDULE % {"district": district.name}))
            continue
        check.schedule_by_district[district.pk] = schedule
        band = next((g for g in schedule.grades.all() if g.grade == grade), None)
        if band is None:
            check.refusals.append(str(FEE_NO_GRADE % {"district": district.name, "grade": grade}))
            continue
        if band.fee_min <= fee <= band.fee_max:
            continue
        if schedule.enforcement == EnforcementMode.CAP:
            check.refusals.append(
                str(
                    FEE_OUTSIDE_BAND_CAP
                    % {
                        "district": district.name,
                        "grade": grade,
                        "low": band.fee_min,
                        "high": band.fee_max,
                        "fee": fee,
                    }
                )
            )
        else:
            check.outside_band_in.append(district)
    return check


@dataclass(frozen=True)
class OfferTerms:
    """The terms of one approved revision, as the page hands them over."""

    page_id: int
    url: str
    revision_id: int
    title: str
    summary: str
    grade: int
    scope_items: list[str]
    fee: Decimal
    trial_months: int | None
    trial_fee: Decimal | None
    min_area: Decimal | None
    max_area: Decimal | None
    district_ids: list[int]
    street_office_ids: list[int]
    details: dict

    def as_json(self) -> dict:
        return {
            "title": self.title,
            "grade": self.grade,
            "scope_items": self.scope_items,
            "fee": str(self.fee),
            "trial_months": self.trial_months,
            "trial_fee": None if self.trial_fee is None else str(self.trial_fee),
            "min_area": None if self.min_area is None else str(self.min_area),
            "max_area": None if self.max_area is None else str(self.max_area),
            "districts": self.district_ids,
            "street_offices": self.street_office_ids,
            "revision_id": self.revision_id,
            **self.details,
        }


def offer_listing_sync(*, firm: Firm) -> int:
    """Copy the firm's listing and credit onto all its offers, which the catalogue filters
    and sorts by (DOMAIN: Firms and vetting: a suspended, revoked or blacklisted firm's
    offers vanish at once). Every service that changes the firm's status, blacklisting
    or credit calls this after saving the firm, inside its transaction and with the firm
    row locked. Returns how many offers were updated."""
    catalogue_changed()  # an UPDATE sends no post_save
    return Offer.objects.filter(firm_id=firm.pk).update(
        firm_listed=firm.is_listable,
        firm_credit_score=firm.credit_score,
        firm_credit_grade=firm.credit_grade,
    )


@transaction.atomic
def offer_publish(*, firm: Firm, terms: OfferTerms, actor) -> Offer:
    """Record the approved terms of an offer page's published revision. Called when the
    bureau's approval publishes the page."""
    # The firm row first, locked, as the firm services lock it before offer rows: its
    # listing is copied onto the offer, and a suspension meanwhile must not be missed.
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    districts = list(District.objects.filter(pk__in=terms.district_ids))
    check = offer_fee_check(districts=districts, grade=terms.grade, fee=terms.fee)
    schedule = check.schedule_by_district.get(firm.registered_district_id) or next(
        iter(check.schedule_by_district.values()), None
    )
    offer = Offer.objects.select_for_update().filter(page_id=terms.page_id).first()
    before = dict(offer.terms) if offer else None
    values = {
        "url": terms.url,
        "firm": firm,
        "title": terms.title,
        "summary": terms.summary,
        "grade": terms.grade,
        "scope_mask": ScopeItem.mask_of(terms.scope_items),
        "fee": terms.fee,
        "trial_months": terms.trial_months,
        "trial_fee": terms.trial_fee if terms.trial_months else None,
        "min_area": terms.min_area,
        "max_area": terms.max_area,
        "fee_schedule": schedule,
        "outside_band": check.needs_outside_band_approval,
        "status": OfferStatus.LIVE,
        "firm_listed": firm.is_listable,
        "firm_credit_score": firm.credit_score,
        "firm_credit_grade": firm.credit_grade,
        "revision_id": terms.revision_id,
        "published_at": timezone.now(),
        "terms": terms.as_json(),
        "search_document": search_document(
            terms.title,
            terms.summary,
            firm.name,
            " ".join(str(ScopeItem(i).label) for i in terms.scope_items),
        ),
    }
    if offer is None:
        offer = Offer.objects.create(page_id=terms.page_id, **values)
    else:
        for name, value in values.items():
            setattr(offer, name, value)
        offer.save()
    offer.districts.set(districts)
    offer.street_offices.set(StreetOffice.objects.filter(pk__in=terms.street_office_ids))
    event_record(
        actor=actor,
        action="offer.published",
        target=offer,
        district=firm.registered_district,
        before=before,
        after=offer.terms,
        data={"outside_band": offer.outside_band},
    )
    return offer


@transaction.atomic
def offer_withdraw(*, page_id: int, actor) -> Offer | None:
    """The page was unpublished or deleted: the offer leaves the catalogue. Trials and
    contracts keep their own snapshot of its terms."""
    offer = Offer.objects.select_for_update().filter(page_id=page_id).first()
    if offer is None or offer.status == OfferStatus.WITHDRAWN:
        return offer
    offer.status = OfferStatus.WITHDRAWN
    offer.save(update_fields=["status"])
    event_record(
        actor=actor,
        action="offer.withdrawn",
        target=offer,
        district=offer.firm.registered_district,
        before={"status": OfferStatus.LIVE},
        after={"status": OfferStatus.WITHDRAWN},
    )
    return offer
