"""The event log: one row per state change, written by the service that made it.

It is the audit trail, the timeline on a compound's page and the history behind the
bureau's charts. Rows are append-only; the database refuses UPDATE and DELETE
(see migration ``0002_event_append_only``).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .compounds import Compound
from .geography import District

# What each action means to a person reading a timeline or the audit trail.
ACTION_LABELS = {
    "compound.registered": _("Put on the compound register"),
    "compound.management_status_changed": _("Management status changed"),
    "committee.registered": _("Committee registered"),
    "invitation.created": _("Invitation sent"),
    "invitation.accepted": _("Invitation accepted"),
    "invitation.revoked": _("Invitation withdrawn"),
    "firm.applied": _("Firm applied"),
    "firm.approved": _("Firm approved"),
    "firm.member_added": _("Staff member added"),
    "official.appointed": _("Official appointed"),
}


class Event(models.Model):
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=80, db_index=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("object"), max_length=200)
    # The district the event belongs to, so officials see only their own district's trail.
    district = models.ForeignKey(
        District,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The compound it concerns, if any: the timeline on the compound's page.
    compound = models.ForeignKey(
        Compound,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))
