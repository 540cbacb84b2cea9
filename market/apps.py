from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketConfig(AppConfig):
    name = "market"
    verbose_name = _("Market")

    def ready(self):
        # The console's own inbox sources, exports and daily rules (market.console).
        from .console import sources  # noqa: F401
