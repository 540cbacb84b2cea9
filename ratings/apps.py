from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("Ratings")

    def ready(self):
        from . import (  # noqa: F401
            console,  # panels, export and inbox of the bureau's console (issue #8)
            receivers,  # signal receivers
            rules,  # daily rules
        )
