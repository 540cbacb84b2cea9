"""Template tags other apps' templates load by name (``{% load ratings_tags %}``), so
the firm page (cms) and the compound page (market) show ratings without importing us."""

from django import template

from ..selectors import public_summary, published_comments

register = template.Library()


@register.inclusion_tag("ratings/includes/three_rates.html")
def three_rates_summary(firm=None, compound=None, comments=False):
    """The last 12 months' rating average and three rates of a firm or a compound."""
    summary = public_summary(firm=firm, compound=compound)
    filters = {"firm": firm} if firm is not None else {"compound": compound}
    return {
        # A firm nobody has rated yet: say when figures will appear, not "no requests".
        "nothing_yet": firm is not None and not summary.rating_count and not summary.rates.total,
        "summary": summary,
        "rates": summary.rates,
        "comments": published_comments(**filters)[:10] if comments else [],
    }


@register.filter
def rate(value):
    """A rate in percent, or “no requests” when there was nothing to count."""
    from django.utils.translation import gettext as _

    if value is None:
        return _("no requests")
    return f"{value}%"
