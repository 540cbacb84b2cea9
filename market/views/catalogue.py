"""The public catalogue: live offers of vetted firms, filtered, searched and compared."""

from django.contrib import messages
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..catalogue import (
    COMPARE_MAX,
    COMPARE_MIN,
    Sort,
    catalogue_page,
    offers_to_compare,
    places,
)
from ..forms import CatalogueFilterForm
from ..models import CreditGrade, ScopeItem

PER_PAGE = 20
# The sidebar's fixed choices, as lists that live as long as the process: its tags render
# each once per language (market.templatetags.catalogue_tags).
GRADE_CHOICES = [(str(grade), str(grade)) for grade in range(1, 6)]
SCOPE_CHOICES = ScopeItem.choices
CREDIT_CHOICES = CreditGrade.choices
# Offers counted exactly, at most (CataloguePaginator): 50 pages.
COUNT_LIMIT = 1000


def catalogue(request):
    form = CatalogueFilterForm(request.GET or None)
    context = {
        "form": form,
        "chosen": form.chosen(),
        "places": places(),
        "grade_choices": GRADE_CHOICES,
        "scope_choices": SCOPE_CHOICES,
        "credit_choices": CREDIT_CHOICES,
        "sort_choices": Sort.choices,
        "compare_max": COMPARE_MAX,
    }
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Some filters have values that cannot be used; see below."))
        return render(request, "market/catalogue.html", {**context, "invalid": True}, status=400)
    context["page_obj"] = catalogue_page(
        filters=form.filters(),
        number=request.GET.get("page"),
        per_page=PER_PAGE,
        count_limit=COUNT_LIMIT,
    )
    context["filtered"] = any(v for k, v in request.GET.items() if k not in ("page", "sort"))
    return render(request, "market/catalogue.html", context)


def _offer_ids(values: list[str]) -> tuple[list[int], int]:
    """The distinct ids asked for, in order, and how many values were not ids at all."""
    ids: list[int] = []
    unreadable = 0
    for value in values:
        if value.strip().isdigit() and int(value) > 0:
            if int(value) not in ids:
                ids.append(int(value))
        else:
            unreadable += 1
    return ids, unreadable


def catalogue_compare(request):
    ids, unreadable = _offer_ids(request.GET.getlist("offer"))
    if len(ids) > COMPARE_MAX:
        messages.error(
            request,
            _("You can compare at most %(max)d offers side by side; you chose %(count)d.")
            % {"max": COMPARE_MAX, "count": len(ids)},
        )
        return render(request, "market/catalogue_compare.html", {"offers": []}, status=400)
    comparison = offers_to_compare(offer_ids=ids)
    left_out = len(comparison.missing_ids) + unreadable
    if left_out:
        messages.warning(
            request,
            ngettext(
                "%(count)d of the chosen offers is not (or no longer) in the catalogue "
                "and was left out.",
                "%(count)d of the chosen offers are not (or no longer) in the catalogue "
                "and were left out.",
                left_out,
            )
            % {"count": left_out},
        )
    if len(comparison.offers) < COMPARE_MIN:
        messages.error(
            request,
            _("Choose at least %(min)d offers in the catalogue to compare them.")
            % {"min": COMPARE_MIN},
        )
        return render(request, "market/catalogue_compare.html", {"offers": []}, status=400)
    return render(
        request,
        "market/catalogue_compare.html",
        {"offers": comparison.offers, "scope_choices": ScopeItem.choices},
    )


urlpatterns = [
    path("catalogue/", catalogue, name="catalogue"),
    path("catalogue/compare/", catalogue_compare, name="catalogue_compare"),
]
