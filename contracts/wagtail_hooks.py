"""The bureau's read-only view of contracts in the Wagtail admin. Nothing is added, edited
or deleted here: filing and every other change go through the services (the contract
pages), and a signed contract's terms cannot change in the database anyway."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from market.permissions import can_file_contract, roles_of

from .models import Contract


class BureauReadOnlyPolicy(BasePermissionPolicy):
    """Bureau officials view the contracts of their district; no one changes them here."""

    def _districts(self, user):
        return roles_of(user).bureau_district_ids

    def user_has_permission(self, user, action):
        if action != "view" or not getattr(user, "is_authenticated", False):
            return False
        return user.is_superuser or bool(self._districts(user))

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        return get_user_model().objects.none()

    def user_has_permission_for_instance(self, user, action, instance):
        return action == "view" and can_file_contract(user, instance.compound)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, a, instance) for a in actions)

    def instances_user_has_any_permission_for(self, user, actions):
        if "view" not in actions or not self.user_has_permission(user, "view"):
            return Contract.objects.none()
        if user.is_superuser:
            return Contract.objects.all()
        return Contract.objects.filter(
            compound__street_office__district_id__in=self._districts(user)
        )


POLICY = BureauReadOnlyPolicy(Contract)
register_permission_policy(Contract, POLICY, exact_class=True)


class ContractIndexView(IndexView):
    def get_base_queryset(self):
        return (
            POLICY.instances_user_has_any_permission_for(self.request.user, ["view"])
            .select_related("compound", "firm")
            .order_by("-created_at")
        )


class ContractViewSet(ModelViewSet):
    model = Contract
    icon = "doc-full"
    menu_label = _("Contracts")
    menu_order = 102
    add_to_admin_menu = True
    index_view_class = ContractIndexView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "number",
        Column("compound", label=_("Compound")),
        Column("firm", label=_("Firm")),
        "status",
        DateColumn("starts_on", label=_("Starts on")),
        DateColumn("filed_on", label=_("Filed with the bureau")),
    ]
    list_filter = ["status"]
    # The edit form is never reachable (the policy grants "view" only); Wagtail still
    # needs a field list to build the class.
    form_fields = ["notice_reason"]
    inspect_view_fields = [
        "number",
        "status",
        "compound",
        "firm",
        "grade",
        "fee",
        "area",
        "monthly_amount",
        "collection_method",
        "starts_on",
        "ends_on",
        "document_sha256",
        "signed_at",
        "filed_on",
        "filing_overdue_on",
        "terminates_on",
    ]


@hooks.register("register_admin_viewset")
def register_contract_viewset():
    return ContractViewSet("contracts")
