"""Wagtail pages. Pages present; the market's plain models transact."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from market.selectors import coverage_summary


class HomePage(Page):
    """The public front page: what the platform is, coverage, where to go next."""

    headline = models.CharField(_("headline"), max_length=120)
    intro = RichTextField(_("introduction"), blank=True)
    how_it_works = RichTextField(_("how it works"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("headline"),
        FieldPanel("intro"),
        FieldPanel("how_it_works"),
    ]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["coverage"] = coverage_summary()
        return context
