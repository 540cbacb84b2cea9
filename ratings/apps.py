from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("Ratings")

    def ready(self):
        from contracts.services.fallback.orders import quarter_scores_provider_register

        from . import (  # noqa: F401
            console,  # panels, export and inbox of the bureau's console (issue #8)
            receivers,  # signal receivers
            rules,  # daily rules
        )
        from .selectors import firm_quarter_scores

        # The bureau's fallback order (trigger 4) reads the quarterly scores from here.
        quarter_scores_provider_register(firm_quarter_scores)
