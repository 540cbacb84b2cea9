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
    "firm.rejected": _("Firm application rejected"),
    "firm.resubmitted": _("Firm application corrected and resubmitted"),
    "firm.suspended": _("Firm suspended"),
    "firm.reinstated": _("Firm reinstated"),
    "firm.revoked": _("Firm approval revoked"),
    "firm.blacklisted": _("Firm blacklisted"),
    "firm.unblacklisted": _("Firm taken off the blacklist"),
    "firm.credit_entry_added": _("Credit entry recorded"),
    "firm.credit_changed": _("Credit score changed"),
    "firm.member_added": _("Staff member added"),
    "official.appointed": _("Official appointed"),
    "fee_schedule.draft_created": _("Fee schedule version drafted"),
    "fee_schedule.draft_updated": _("Fee schedule draft edited"),
    "fee_schedule.draft_discarded": _("Fee schedule draft discarded"),
    "fee_schedule.approved": _("Fee schedule version approved"),
    "fee_schedule.recorded": _("Fee schedule version recorded"),
    "compound_import.completed": _("List of compounds imported"),
    # contracts app: trials, owners' votes, contracts
    "trial.requested": _("Trial requested"),
    "trial.accepted": _("Trial accepted by the firm"),
    "trial.declined": _("Trial declined by the firm"),
    "trial.withdrawn": _("Trial request withdrawn"),
    "trial.started": _("Trial started"),
    "trial.reminder_sent": _("Reminder: the trial ends in 7 days"),
    "trial.ended": _("Trial ended; report ready"),
    "vote.recorded": _("Owners' vote recorded"),
    "vote.annulled": _("Owners' vote annulled"),
    "contract.generated": _("Contract generated"),
    "contract.signed": _("Contract signed by one party"),
    "contract.concluded": _("Contract signed by both parties"),
    "contract.cancelled": _("Contract draft cancelled"),
    "contract.started": _("Contract in force"),
    "contract.filed": _("Contract filed with the bureau"),
    "contract.filing_overdue": _("Contract not filed within 15 days"),
    "contract.renewal_opened": _("Renewal decision opened"),
    "contract.notice_given": _("Notice of ending given"),
    "contract.holdover": _("Contract continues without a fixed term"),
    "contract.ended": _("Contract ended"),
    "invoice.issued": _("Invoice issued"),
    "invoice.payment_started": _("Invoice payment started"),
    "invoice.payment_failed": _("Invoice payment failed"),
    "invoice.payment_mismatch": _("Payment did not match the invoice"),
    "invoice.paid": _("Invoice paid"),
    "invoice.paid_after_void": _("Payment received for a voided invoice"),
    "invoice.voided": _("Invoice voided"),
    "invoice.refunded": _("Invoice refunded"),
    "fallback.designated": _("Fallback operator designated"),
    "fallback.designation_ended": _("Fallback operator designation ended"),
    "fallback.opened": _("Passed to the fallback operator"),
    "fallback.closed": _("Fallback ended: a new provider took over"),
    "fallback.extended": _("Fallback extended by the bureau"),
    "fallback.ordered": _("Fallback ordered by the bureau"),
    "fallback.warning_issued": _("Written warning issued"),
    "handover.opened": _("Handover opened"),
    "handover.item_confirmed": _("Handover item confirmed"),
    "handover.completed": _("Handover completed"),
    "handover.refused": _("Handover refused"),
    "handover.overdue": _("Handover deadline missed"),
    "household_codes.issued": _("Household codes issued"),
    "household_code.revoked": _("Household code revoked"),
    "household_code.reissued": _("Household code re-issued"),
    "rating.submitted": _("Resident rating submitted"),
    "rating.comment_flagged": _("Rating comment held for moderation"),
    "rating.comment_moderated": _("Rating comment moderated"),
    "rating.replied": _("Firm replied to a rating"),
    "service_request.raised": _("Service request raised"),
    "service_request.responded": _("Service request responded to"),
    "service_request.working": _("Service request being worked on"),
    "service_request.resolved": _("Service request resolved"),
    "service_request.confirmed": _("Service request confirmed by the resident"),
    "service_request.reopened": _("Service request reopened"),
    "service_request.escalated": _("Service request escalated (吹哨报到)"),
    "inspection.recorded": _("Committee inspection recorded"),
    "evaluation.recorded": _("Quarterly evaluation recorded"),
    "fee_adjustment.proposed": _("Fee change proposed"),
    "fee_adjustment.decided": _("Fee change decided by the bureau"),
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
