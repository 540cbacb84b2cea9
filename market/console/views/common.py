from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from ...models import District
from ...permissions import can_use_console


def console_district(request, code: str) -> District:
    """The district whose console this is; its bureau officials only (403 otherwise)."""
    district = get_object_or_404(District, code=code)
    if not can_use_console(request.user, district):
        raise PermissionDenied
    return district


def query_without_page(request) -> str:
    """The current filters as a query string, for pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
