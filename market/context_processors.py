from .permissions import can_access_admin, roles_of


def roles(request):
    """The current user's roles, for menus."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"my_roles": roles_of(user), "can_use_admin": can_access_admin(user)}
