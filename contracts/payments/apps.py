from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "contracts.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self):
        # rules: the daily rules; console: arrears panel and downloads (issue #8)
        from . import console, rules  # noqa: F401
