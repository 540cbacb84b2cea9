from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Site content")

    def ready(self):
        # signals: receivers; inbox: a source for the bureau's approvals inbox (market.console)
        from . import inbox, signals  # noqa: F401
