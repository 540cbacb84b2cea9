"""Registers the market's entries in the Wagtail admin. Decisions live in permissions."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .permissions import roles_of


class RoleMenuItem(MenuItem):
    def __init__(self, *args, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role

    def is_shown(self, request):
        roles = roles_of(request.user)
        if self.role == "official":
            return roles.is_official or request.user.is_superuser
        return roles.is_firm_staff


@hooks.register("register_admin_menu_item")
def register_my_district_menu_item():
    return RoleMenuItem(
        _("My district"),
        reverse("district_home"),
        name="my-district",
        icon_name="site",
        order=100,
        role="official",
    )


@hooks.register("register_admin_menu_item")
def register_my_firm_menu_item():
    return RoleMenuItem(
        _("My firm"), reverse("my_firm"), name="my-firm", icon_name="group", order=101, role="firm"
    )
