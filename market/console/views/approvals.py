"""The approvals inbox: everything waiting for this bureau, from every app's inbox source
(``market.console.registry``). Each item opens the page that already approves or rejects
it through the same service functions as everywhere else."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import selectors
from .common import console_district


@login_required
@require_GET
def approvals_inbox(request, code: str):
    district = console_district(request, code)
    groups = selectors.approvals_inbox(district=district, user=request.user)
    return render(
        request,
        "market/console/approvals.html",
        {
            "district": district,
            "groups": groups,
            "waiting": sum(len(group.items) for group in groups),
        },
    )
