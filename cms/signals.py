"""Receivers only: each calls one service in cms.services."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from market.signals import demo_district_seeded, firm_members_changed, firm_status_changed

from . import demo, services
from .models import OfferPage


@receiver(firm_status_changed)
def on_firm_status_changed(sender, firm, **kwargs):
    services.firm_page_ensure(firm=firm)


@receiver(firm_members_changed)
def on_firm_members_changed(sender, firm, **kwargs):
    services.firm_editors_sync(firm=firm)


@receiver(page_published, sender=OfferPage)
def on_offer_page_published(sender, instance, revision, **kwargs):
    services.offer_page_published(page=instance, revision=revision)


@receiver(page_unpublished, sender=OfferPage)
def on_offer_page_unpublished(sender, instance, **kwargs):
    services.offer_page_unpublished(page=instance, user=kwargs.get("user"))


@receiver(pre_delete, sender=OfferPage)
def on_offer_page_deleted(sender, instance, **kwargs):
    services.offer_page_unpublished(page=instance, user=None)


@receiver(demo_district_seeded)
def on_demo_district_seeded(sender, district, firms, created, **kwargs):
    created["offers"] += demo.demo_content_seed(district=district, firms=firms)
