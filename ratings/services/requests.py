"""Service requests (诉求): raised by a household, answered by the serving firm within the
district's SLA, confirmed by the household; overdue ones escalate (吹哨报到)."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import Engagement, EngagementPhase
from market.permissions import can_answer_for_firm, require
from market.services.events import event_record

from .. import selectors
from ..models import (
    DEFAULT_NORMAL_HOURS,
    DEFAULT_URGENT_HOURS,
    REQUEST_TRANSITIONS,
    DistrictRatingSettings,
    HouseholdCode,
    RequestCategory,
    RequestStatus,
    ServiceRequest,
    Urgency,
)
from .common import check_transition, email_after_commit, firm_emails, serving_engagement

MAX_TEXT = 2000
TEXT_REQUIRED = _("Describe the problem.")
TEXT_TOO_LONG = _("At most %(max)d characters.")
BAD_CATEGORY = _("Choose a category from the list.")
BAD_URGENCY = _("Choose normal or urgent.")
RESPONSE_REQUIRED = _("Write your response to the resident.")
RESOLUTION_REQUIRED = _("Say what was done.")
NOT_YOURS = _("This request was raised by another household.")


def response_hours(*, district, urgency: str) -> int:
    """DOMAIN: urgent 2 h, normal 24 h, unless the district set its own."""
    settings = DistrictRatingSettings.objects.filter(district=district).first()
    if urgency == Urgency.URGENT:
        return settings.urgent_response_hours if settings else DEFAULT_URGENT_HOURS
    return settings.normal_response_hours if settings else DEFAULT_NORMAL_HOURS


def _text(value: str, field: str, required_message) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: required_message})
    if len(value) > MAX_TEXT:
        raise ValidationError({field: TEXT_TOO_LONG % {"max": MAX_TEXT}})
    return value


@transaction.atomic
def request_raise(
    *,
    household_code: HouseholdCode,
    category: str,
    urgency: str,
    text: str,
    photo=None,
    now: datetime | None = None,
) -> ServiceRequest:
    """Raise a request with the firm serving now; the deadline is fixed at this moment.
    ``photo`` must already have passed ``market.uploads.validate_upload``."""
    now = now or timezone.now()
    code = HouseholdCode.objects.select_for_update().get(pk=household_code.pk)
    if category not in RequestCategory.values:
        raise ValidationError({"category": BAD_CATEGORY})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": BAD_URGENCY})
    text = _text(text, "text", TEXT_REQUIRED)
    compound = code.compound
    engagement = serving_engagement(compound)
    hours = response_hours(district=compound.street_office.district, urgency=urgency)
    request = ServiceRequest(
        compound=compound,
        engagement=engagement,
        firm=engagement.firm,
        household_code=code,
        category=category,
        urgency=urgency,
        text=text,
        created_at=now,
        respond_by=now + timedelta(hours=hours),
    )
    if photo:
        request.photo = photo
    request.save()
    event_record(
        actor=None,
        action="service_request.raised",
        target=request,
        compound=compound,
        after={
            "status": request.status,
            "urgency": urgency,
            "respond_by": request.respond_by.isoformat(),
        },
    )
    email_after_commit(
        recipients=firm_emails(engagement.firm),
        subject=_("New service request at %(compound)s") % {"compound": compound.name},
        body=_("Respond by %(deadline)s.")
        % {"deadline": timezone.localtime(request.respond_by).strftime("%Y-%m-%d %H:%M")},
    )
    return request


def _lock(request: ServiceRequest) -> ServiceRequest:
    return (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("compound__street_office__district", "firm")
        .get(pk=request.pk)
    )


def _move(*, actor, request: ServiceRequest, target: str, action: str, fields: dict, now):
    locked = _lock(request)
    check_transition(
        model="service_request",
        table=REQUEST_TRANSITIONS,
        current=locked.status,
        target=target,
    )
    before = locked.status
    locked.status = target
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=["status", *fields])
    event_record(
        actor=actor,
        action=action,
        target=locked,
        before={"status": before},
        after={"status": target, "at": now.isoformat()},
    )
    return locked


@transaction.atomic
def request_respond(*, actor, request: ServiceRequest, response: str, now=None):
    """The firm's first answer; on time when at or before ``respond_by``."""
    require(can_answer_for_firm(actor, request.firm))
    now = now or timezone.now()
    response = _text(response, "response", RESPONSE_REQUIRED)
    return _move(
        actor=actor,
        request=request,
        target=RequestStatus.RESPONDED,
        action="service_request.responded",
        fields={"responded_at": now, "response": response, "handled_by": actor},
        now=now,
    )


@transaction.atomic
def request_start_work(*, actor, request: ServiceRequest, now=None):
    require(can_answer_for_firm(actor, request.firm))
    now = now or timezone.now()
    return _move(
        actor=actor,
        request=request,
        target=RequestStatus.WORKING,
        action="service_request.working",
        fields={},
        now=now,
    )


@transaction.atomic
def request_resolve(*, actor, request: ServiceRequest, resolution: str, now=None):
    require(can_answer_for_firm(actor, request.firm))
    now = now or timezone.now()
    resolution = _text(resolution, "resolution", RESOLUTION_REQUIRED)
    return _move(
        actor=actor,
        request=request,
        target=RequestStatus.RESOLVED,
        action="service_request.resolved",
        fields={"resolved_at": now, "resolution": resolution},
        now=now,
    )


def _own(household_code: HouseholdCode, request: ServiceRequest) -> None:
    if request.household_code_id != household_code.pk:
        raise ValidationError(NOT_YOURS, code="not_yours")


@transaction.atomic
def request_confirm(
    *, household_code: HouseholdCode, request: ServiceRequest, satisfied: bool, now=None
):
    """The household confirms the resolution, satisfied or not (satisfaction rate)."""
    _own(household_code, request)
    now = now or timezone.now()
    return _move(
        actor=None,
        request=request,
        target=RequestStatus.CLOSED,
        action="service_request.confirmed",
        fields={"confirmed_at": now, "satisfied": bool(satisfied)},
        now=now,
    )


@transaction.atomic
def request_reopen(*, household_code: HouseholdCode, request: ServiceRequest, now=None):
    """The problem is not fixed: back to the firm; it no longer counts as resolved."""
    _own(household_code, request)
    now = now or timezone.now()
    locked = _lock(request)
    return _move(
        actor=None,
        request=locked,
        target=RequestStatus.WORKING,
        action="service_request.reopened",
        fields={"resolved_at": None, "reopened_count": locked.reopened_count + 1},
        now=now,
    )


@transaction.atomic
def request_escalate(*, request: ServiceRequest, now: datetime) -> bool:
    """吹哨报到: a request still unanswered past its deadline goes to the street office
    and the bureau. Idempotent: escalates once."""
    locked = _lock(request)
    if (
        locked.escalated_at is not None
        or locked.status != RequestStatus.OPEN
        or locked.respond_by >= now
    ):
        return False
    locked.escalated_at = now
    locked.save(update_fields=["escalated_at"])
    event_record(
        actor=None,
        action="service_request.escalated",
        target=locked,
        after={"respond_by": locked.respond_by.isoformat(), "at": now.isoformat()},
    )
    email_after_commit(
        recipients=firm_emails(locked.firm),
        subject=_("A service request at %(compound)s is overdue")
        % {"compound": locked.compound.name},
        body=_(
            "The request was not answered in time and has been reported to the street "
            "office and the bureau."
        ),
    )
    return True


def overdue_requests(*, now: datetime):
    """Overdue and not yet escalated: what the daily rule escalates."""
    return selectors.overdue_requests(now=now).filter(escalated_at__isnull=True).order_by("pk")


# Not yet resolved: what the new operator must answer. A resolved request waits for the
# household's confirmation of the work of the firm that did it, so it stays.
TRANSFERABLE_STATUSES = (RequestStatus.OPEN, RequestStatus.RESPONDED, RequestStatus.WORKING)
NO_INCOMING_ENGAGEMENT = _(
    "%(firm)s has no engagement at %(compound)s yet, so the open service requests cannot be "
    "transferred to it."
)


@transaction.atomic
def requests_transfer(*, compound, from_firm, to_engagement, actor=None) -> list[int]:
    """Move the compound's open requests of ``from_firm`` to ``to_engagement``'s firm (the
    new operator answers them; Civil Code art. 949, DOMAIN "Fallback and handover"). The SLA
    deadline and escalation stay as they were: the household waited all along. One event per
    moved request, so its page shows the move. Idempotent; returns the moved ids."""
    to_firm = to_engagement.firm
    if from_firm.pk == to_firm.pk:
        return []
    moving = list(
        ServiceRequest.objects.select_for_update()
        .filter(compound=compound, firm=from_firm, status__in=TRANSFERABLE_STATUSES)
        .order_by("pk")
    )
    for request in moving:
        before = {"firm": from_firm.name, "engagement": request.engagement_id}
        request.engagement, request.firm = to_engagement, to_firm
        request.save(update_fields=["engagement", "firm"])
        event_record(
            actor=actor,
            action="service_request.transferred",
            target=request,
            compound=compound,
            before=before,
            after={"firm": to_firm.name, "engagement": to_engagement.pk},
        )
    if moving:
        email_after_commit(
            recipients=firm_emails(to_firm),
            subject=_("Open service requests at %(compound)s are now yours")
            % {"compound": compound.name},
            body=_("Open requests transferred from %(firm)s: %(count)d. Their deadlines stand.")
            % {"count": len(moving), "firm": from_firm.name},
        )
    return [request.pk for request in moving]


def handover_incoming_engagement(handover):
    """The incoming firm's engagement at the handover's compound: live, else lined up."""
    engagement = (
        Engagement.objects.filter(
            compound_id=handover.compound_id,
            firm_id=handover.incoming_firm_id,
            phase__in=[EngagementPhase.LIVE, EngagementPhase.UPCOMING],
        )
        .select_related("firm")
        .order_by("starts_on", "pk")
        .first()
    )
    if engagement is None:
        # The incoming firm has already been replaced in turn (a fallback operator that a
        # new trial or contract relieved): the requests go to whoever serves now.
        engagement = (
            Engagement.objects.filter(compound_id=handover.compound_id, phase=EngagementPhase.LIVE)
            .exclude(firm_id=handover.outgoing_firm_id)
            .select_related("firm")
            .first()
        )
    if engagement is None:
        raise ValidationError(
            NO_INCOMING_ENGAGEMENT
            % {"firm": handover.incoming_firm.name, "compound": handover.compound.name},
            code="no_incoming_engagement",
        )
    return engagement
