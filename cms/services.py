"""Keeping the Wagtail side in step with the market: a profile page and an editors'
group per approved firm, and offer terms copied to market.Offer when the bureau's
approval publishes a page."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    TaskState,
)

from market.models import Firm, FirmStatus
from market.services.offers import OfferTerms, offer_publish, offer_withdraw

from .models import FirmPage, FirmsIndexPage, OfferPage

# What firm staff may do on their own firm's subtree: draft and submit, never publish
# (publishing is the bureau's approval).
FIRM_PAGE_PERMISSIONS = ("add_page", "change_page")
FIRM_IMAGE_PERMISSIONS = ("add_image", "change_image", "choose_image")


def firm_group_name(firm: Firm) -> str:
    return f"物业企业 #{firm.pk}"


@transaction.atomic
def firm_page_ensure(*, firm: Firm) -> FirmPage | None:
    """Give an approved firm its profile page (live at once, with what the bureau
    vetted), its editors' group and its image collection."""
    if firm.status != FirmStatus.APPROVED:
        return None
    page = FirmPage.objects.filter(firm=firm).first()
    if page is None:
        index = FirmsIndexPage.objects.first()
        page = FirmPage(
            title=firm.name,
            slug=f"firm-{firm.pk}",
            firm=firm,
            service_area="、".join(d.name for d in firm.districts.all()),
        )
        index.add_child(instance=page)
        page.save_revision().publish()
    _firm_permissions(firm, page)
    firm_editors_sync(firm=firm)
    return page


def _firm_permissions(firm: Firm, page: FirmPage) -> Group:
    group, _created = Group.objects.get_or_create(name=firm_group_name(firm))
    for codename in FIRM_PAGE_PERMISSIONS:
        permission = Permission.objects.get(
            content_type__app_label="wagtailcore", codename=codename
        )
        GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)
    collection = Collection.objects.filter(name=firm_group_name(firm)).first()
    if collection is None:
        collection = Collection.get_first_root_node().add_child(name=firm_group_name(firm))
    for codename in FIRM_IMAGE_PERMISSIONS:
        permission = Permission.objects.get(
            content_type__app_label="wagtailimages", codename=codename
        )
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=permission
        )
    return group


def firm_editors_sync(*, firm: Firm) -> None:
    """The firm's editors' group holds exactly its active staff."""
    group = Group.objects.filter(name=firm_group_name(firm)).first()
    if group is None:
        return
    users = [m.user for m in firm.members.active().select_related("user")]
    group.user_set.set(users)


def offer_terms_of(page: OfferPage, revision_id: int) -> OfferTerms:
    return OfferTerms(
        page_id=page.pk,
        url=page.url or "",
        revision_id=revision_id,
        title=page.title,
        summary=page.summary,
        grade=page.grade,
        scope_items=page.scope_items,
        fee=page.fee,
        trial_months=page.trial_months,
        trial_fee=page.trial_fee,
        min_area=page.min_area,
        max_area=page.max_area,
        district_ids=list(page.districts.values_list("pk", flat=True)),
        street_office_ids=list(page.street_offices.values_list("pk", flat=True)),
        details={"description_html": str(page.description)},
    )


def approver_of(revision):
    """Who approved this revision in the workflow (the page_published signal does not
    say); None when it was published directly (e.g. by the demo seed)."""
    state = (
        TaskState.objects.filter(revision=revision, status=TaskState.STATUS_APPROVED)
        .select_related("finished_by")
        .order_by("-finished_at")
        .first()
    )
    return state.finished_by if state else None


def offer_page_published(*, page: OfferPage, revision) -> None:
    offer_publish(
        firm=page.firm, terms=offer_terms_of(page, revision.pk), actor=approver_of(revision)
    )


def offer_page_unpublished(*, page: OfferPage, user) -> None:
    offer_withdraw(page_id=page.pk, actor=user)
