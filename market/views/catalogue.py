from django.shortcuts import render

from .. import selectors


def catalogue(request):
    """The public list of vetted firms. (Issue #3 turns this into the full catalogue.)"""
    return render(request, "market/catalogue.html", {"firms": selectors.approved_firms()})
