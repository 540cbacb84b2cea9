"""The record of the daily run: one row per rule and day, so a day runs once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyRun(models.Model):
    rule = models.CharField(_("rule"), max_length=80)
    day = models.DateField(_("day"))
    ran_at = models.DateTimeField(_("ran at"), auto_now_add=True)
    # What the rule did, e.g. {"started": [12, 15]}: for the audit trail and the tests.
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("daily run")
        verbose_name_plural = _("daily runs")
        ordering = ["-day", "rule"]
        constraints = [
            # Day first: the daily entry point reads a day's records (with the rule first
            # that read scanned every record of every day: 9 ms at ten years).
            models.UniqueConstraint(fields=["day", "rule"], name="daily_run_once_per_rule_and_day")
        ]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.rule}"
