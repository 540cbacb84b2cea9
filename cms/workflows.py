"""What happens when a moderation workflow finishes (``WAGTAIL_FINISH_WORKFLOW_ACTION``)."""

from django.core.exceptions import PermissionDenied


def publish_approved(workflow_state, user=None):
    """Publish the approved revision.

    Wagtail's default asks whether the approver holds Wagtail's ``publish_page``
    permission. Bureau officials hold none: who may approve a firm's content is decided
    by ``market.permissions`` (the firm's district bureau, DOMAIN: Offers), which every
    task of the workflow has already checked before approving. We check it once more here
    and then publish without Wagtail's group-permission check.
    """
    from .models import BureauApprovalTask

    obj = workflow_state.content_object
    firm = BureauApprovalTask._firm_of(obj)
    if firm is not None and user is not None and not user.is_superuser:
        from market.permissions import can_moderate_firm_content

        if not can_moderate_firm_content(user, firm):
            raise PermissionDenied
    obj.get_latest_revision().publish(user=user, skip_permission_checks=True)
