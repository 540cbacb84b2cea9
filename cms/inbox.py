"""Firm profiles and offers waiting in the bureau's moderation task, for the approvals
inbox of the bureau's console (market.console, issue #8).

market never imports cms, so the console keeps a registry of inbox sources and cms adds
this one from ``CmsConfig.ready``. Each item opens the page in the Wagtail editor, where
the bureau approves or rejects it with a comment through the same workflow task
(``BureauApprovalTask``) as from Wagtail's own dashboard.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page, TaskState

from market.console.registry import InboxItem, inbox_source
from market.permissions import can_moderate_firm_content, can_vet_firms_in

from .models import BureauApprovalTask, FirmPage, firm_subtree_page_ids


@inbox_source(
    "cms.pages_in_moderation",
    label=gettext_lazy("Offers and firm profiles in moderation"),
    order=20,
)
def pages_in_moderation(*, district, user) -> list[InboxItem]:
    if not can_vet_firms_in(user, district):
        return []
    page_ids = [str(pk) for pk in firm_subtree_page_ids([district.pk])]
    if not page_ids:
        return []
    states = (
        TaskState.objects.filter(
            status=TaskState.STATUS_IN_PROGRESS,
            task_id__in=BureauApprovalTask.objects.values("pk"),
            workflow_state__object_id__in=page_ids,
        )
        .select_related("workflow_state", "revision")
        .order_by("started_at")
    )
    states = list(states)
    pages = Page.objects.filter(pk__in=[s.workflow_state.object_id for s in states]).specific()
    pages = {str(page.pk): page for page in pages}
    items = []
    for state in states:
        page = pages.get(state.workflow_state.object_id)
        firm = BureauApprovalTask._firm_of(page) if page is not None else None
        if firm is None or not can_moderate_firm_content(user, firm):
            continue
        items.append(
            InboxItem(
                title=state.revision.object_str or page.title,
                url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
                waiting_since=state.started_at,
                detail=(
                    _("Firm profile of %(firm)s")
                    if isinstance(page, FirmPage)
                    else _("Offer by %(firm)s")
                )
                % {"firm": firm.name},
            )
        )
    return items
