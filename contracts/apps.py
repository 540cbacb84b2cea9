from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self):
        from . import (
            console,  # noqa: F401  (panels, exports and inbox of the bureau's console, #8)
            fallback_rules,  # noqa: F401  (fallback rules and receivers, issue #6)
            rules,  # noqa: F401  (registers the daily rules)
        )
