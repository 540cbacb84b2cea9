"""The catalogue page's hot spots, written for speed (issue #3, docs/performance.md).

``offer_card`` renders a card once per process for each distinct content: the card's
key holds every value the card shows (and the language), so a change to any of them
renders it anew, and nothing about WHICH offers are listed is ever cached — the
catalogue query runs fresh on every request. ``select_options`` writes out a select's
options without Django's per-option widget templates.
"""

from functools import lru_cache
from typing import NamedTuple

from django import template
from django.template.loader import get_template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, override

from ..models import Offer, ScopeItem

register = template.Library()

# About 1.5 kB each: a few MB per process at most.
CARDS_KEPT = 4096


class OfferCard(NamedTuple):
    """Everything templates/market/includes/offer_card.html shows; it shows nothing else."""

    language: str
    pk: int
    url: str
    title: str
    summary: str
    grade: int
    fee: str
    outside_band: bool
    scope_mask: int
    trial_months: int | None
    trial_fee: str | None
    firm_name: str
    firm_credit_grade: str
    firm_url: str
    districts: tuple[str, ...]
    street_offices: tuple[str, ...]


def offer_card_of(offer: Offer) -> OfferCard:
    """The card's values; the offer comes from ``market.catalogue.catalogue_page``
    (its firm's name, grade and page URL and the names of the places it serves already
    attached)."""
    return OfferCard(
        language=get_language(),
        pk=offer.pk,
        url=offer.url,
        title=offer.title,
        summary=offer.summary,
        grade=offer.grade,
        fee=str(offer.fee),
        outside_band=offer.outside_band,
        scope_mask=offer.scope_mask,
        trial_months=offer.trial_months,
        # None for a free trial (or none), as the card says "free of charge" then.
        trial_fee=str(offer.trial_fee) if offer.trial_fee else None,
        firm_name=offer.firm_name,
        firm_credit_grade=offer.firm_grade,
        firm_url=offer.firm_url,
        districts=tuple(offer.district_names),
        street_offices=tuple(offer.street_office_names),
    )


@lru_cache(maxsize=CARDS_KEPT)
def render_offer_card(card: OfferCard) -> SafeString:
    labels = dict(ScopeItem.choices)
    with override(card.language):
        return get_template("market/includes/offer_card.html").render(
            {
                "card": card,
                "scope_labels": [labels[item] for item in ScopeItem.items_of(card.scope_mask)],
            }
        )


@register.simple_tag
def offer_card(offer: Offer) -> SafeString:
    return render_offer_card(offer_card_of(offer))


# The filter sidebar's option lists, rendered once per process and language for each
# (long-lived) list of choices: re-rendering a hundred street offices and the translated
# labels on every page showed in the profile. Only what was chosen is marked per request.
_RENDERINGS_KEPT = 64
_renderings: dict[tuple[int, str, str], tuple[object, str]] = {}


def _rendered(choices, render, *args) -> str:
    key = (id(choices), get_language(), repr(args))
    kept = _renderings.get(key)
    if kept is not None and kept[0] is choices:
        return kept[1]
    if len(_renderings) >= _RENDERINGS_KEPT:
        _renderings.clear()
    html = render(choices, *args)
    _renderings[key] = (choices, html)
    return html


def _options(choices) -> str:
    return "".join(
        f'<option value="{conditional_escape(value)}">{conditional_escape(label)}</option>'
        for value, label in choices
    )


def _grouped_options(groups) -> str:
    return "".join(
        f'<optgroup label="{conditional_escape(group)}">{_options(choices)}</optgroup>'
        for group, choices in groups
    )


def _checkboxes(choices, name: str) -> str:
    return "".join(
        f'<label class="checkbox"><input type="checkbox" name="{name}" '
        f'value="{conditional_escape(value)}" id="id_{name}_{index}"> '
        f"{conditional_escape(label)}</label>"
        for index, (value, label) in enumerate(choices)
    )


def _mark(html: str, before: str, chosen, attribute: str) -> str:
    """Add `` selected``/`` checked`` to the element whose markup starts with
    ``before`` + the chosen value + ``"``."""
    for value in chosen:
        start = html.find(f'{before}{conditional_escape(value)}"')
        if start != -1:
            end = html.index(">", start)
            html = f"{html[:end]} {attribute}{html[end:]}"
    return html


@register.simple_tag
def select_options(choices, selected) -> SafeString:
    """``<option>``s for (value, label) pairs, the one equal to ``selected`` selected.
    ``choices`` must be a list that lives as long as the process and never changes
    (module constants, ``market.catalogue.places``' lists)."""
    html = _rendered(choices, _options)
    return mark_safe(_mark(html, '<option value="', [selected] if selected else [], "selected"))


@register.simple_tag
def grouped_select_options(groups, selected) -> SafeString:
    """``<optgroup>``s of ``<option>``s for (label, [(value, label)]) groups, as
    ``select_options``."""
    html = _rendered(groups, _grouped_options)
    return mark_safe(_mark(html, '<option value="', [selected] if selected else [], "selected"))


@register.simple_tag
def checkbox_options(name, choices, checked) -> SafeString:
    """Labelled checkboxes ``name`` for (value, label) pairs (ids ``id_<name>_<n>``, as
    Django's CheckboxSelectMultiple), those in ``checked`` checked; ``choices`` as for
    ``select_options``."""
    html = _rendered(choices, _checkboxes, name)
    return mark_safe(_mark(html, f'name="{name}" value="', checked, "checked"))


# The filter form (templates/market/includes/catalogue_filters.html) of a page whose
# filters are valid: rendered once per process, language and set of lists with nothing
# chosen, then marked with what was chosen. Rendering it took a third of the page's
# time (docs/performance.md). A page with errors renders the include itself.
_BLANK_CHOSEN = {
    "q": "",
    "district": "",
    "street": "",
    "grade": "",
    "scope": [],
    "fee_min": "",
    "fee_max": "",
    "credit": [],
    "trial": False,
    "sort": "",
}
_LISTS = ("places", "grade_choices", "scope_choices", "credit_choices", "sort_choices")
_blank_forms: dict[str, tuple[tuple, str]] = {}


def _blank_filter_form(context) -> str:
    lists = tuple(context[name] for name in _LISTS)
    language = get_language()
    kept = _blank_forms.get(language)
    if kept is not None and all(a is b for a, b in zip(kept[0], lists, strict=True)):
        return kept[1]
    with context.push(chosen=_BLANK_CHOSEN):
        html = get_template("market/includes/catalogue_filters.html").template.render(context)
    _blank_forms[language] = (lists, html)
    return html


def _mark_select(html: str, name: str, value: str) -> str:
    """Select ``value`` among the options of the select ``name`` only (an option of
    another select may have the same value)."""
    start = html.index(f'<select name="{name}"')
    end = html.index("</select>", start)
    marked = _mark(html[start:end], '<option value="', [value] if value else [], "selected")
    return html[:start] + marked + html[end:]


def _mark_input(html: str, name: str, value: str) -> str:
    if not value:
        return html
    return html.replace(
        f'id="id_{name}">', f'id="id_{name}" value="{conditional_escape(value)}">', 1
    )


@register.simple_tag(takes_context=True)
def catalogue_filters(context, chosen) -> SafeString:
    """The filter form with ``chosen`` (``CatalogueFilterForm.chosen()``) shown, for a
    form without errors: the same markup as the include renders with them."""
    html = _blank_filter_form(context)
    html = _mark_input(html, "q", chosen["q"])
    for name in ("district", "street", "grade", "sort"):
        html = _mark_select(html, name, chosen[name])
    html = _mark(html, 'name="scope" value="', chosen["scope"], "checked")
    html = _mark_input(html, "fee_min", chosen["fee_min"])
    html = _mark_input(html, "fee_max", chosen["fee_max"])
    html = _mark(html, 'name="credit" value="', chosen["credit"], "checked")
    if chosen["trial"]:
        html = html.replace('id="id_trial">', 'id="id_trial" checked>', 1)
    return mark_safe(html)
