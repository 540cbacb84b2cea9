"""What an offer lets a compound try (DOMAIN "Trials"), and the terms a trial keeps."""

from django.utils.translation import gettext_lazy as _

from market.models import Compound, Offer, OfferStatus, ScopeItem

NO_TRIAL_TERMS = _("This offer does not include a trial.")
OFFER_WITHDRAWN = _("This offer is no longer in the catalogue.")
FIRM_UNAVAILABLE = _("This firm cannot take on trials at present.")
NOT_IN_DISTRICT = _("This offer does not serve %(district)s.")
NOT_ON_STREET = _("This offer does not serve compounds of %(street)s.")
AREA_TOO_SMALL = _("This offer serves compounds of at least %(area)s ㎡; yours has %(own)s ㎡.")
AREA_TOO_LARGE = _("This offer serves compounds of at most %(area)s ㎡; yours has %(own)s ㎡.")


def offer_trial_problems(*, offer: Offer, compound: Compound) -> list[str]:
    """Why ``compound`` cannot try ``offer``: no trial terms, not served, wrong size."""
    problems = []
    if offer.status != OfferStatus.LIVE:
        problems.append(str(OFFER_WITHDRAWN))
    if not offer.trial_available:
        problems.append(str(NO_TRIAL_TERMS))
    if not offer.firm.is_listable:
        problems.append(str(FIRM_UNAVAILABLE))
    district = compound.street_office.district
    if not offer.districts.filter(pk=district.pk).exists():
        problems.append(str(NOT_IN_DISTRICT % {"district": district.name}))
    elif (
        offer.street_offices.exists()
        and not offer.street_offices.filter(pk=compound.street_office_id).exists()
    ):
        problems.append(str(NOT_ON_STREET % {"street": compound.street_office.name}))
    area = compound.exclusive_area
    if offer.min_area is not None and area < offer.min_area:
        problems.append(str(AREA_TOO_SMALL % {"area": offer.min_area, "own": area}))
    if offer.max_area is not None and area > offer.max_area:
        problems.append(str(AREA_TOO_LARGE % {"area": offer.max_area, "own": area}))
    return problems


def terms_snapshot(offer: Offer) -> dict:
    """The exact approved terms (``offer.terms``), completed from the offer row for
    anything the approved JSON does not carry."""
    snapshot = dict(offer.terms or {})
    snapshot.setdefault("title", offer.title)
    snapshot.setdefault("grade", offer.grade)
    snapshot.setdefault("scope_items", offer.scope_items)
    snapshot.setdefault("fee", str(offer.fee))
    snapshot.setdefault("trial_months", offer.trial_months)
    snapshot.setdefault("trial_fee", None if offer.trial_fee is None else str(offer.trial_fee))
    snapshot["offer_id"] = offer.pk
    snapshot["firm"] = {"id": offer.firm_id, "name": offer.firm.name}
    snapshot["revision_id"] = snapshot.get("revision_id", offer.revision_id)
    return snapshot


def scope_labels(items) -> list[str]:
    labels = dict(ScopeItem.choices)
    return [str(labels.get(item, item)) for item in items or []]
