"""Trials: request, accept, decline, withdraw, start, end — and the transition table."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from contracts.models import (
    TRIAL_TRANSITIONS,
    Engagement,
    EngagementPhase,
    Trial,
    TrialReport,
    TrialStatus,
)
from contracts.services.trials import (
    trial_accept,
    trial_decline,
    trial_end,
    trial_remind,
    trial_start,
    trial_withdraw,
)
from market.exceptions import InvalidTransition
from market.models import Event, ManagementStatus
from tests.factories import CommitteeMemberFactory, StreetOfficeFactory

from .conftest import TODAY, request_trial


def test_request_snapshots_the_offer_terms_and_computes_the_end(requested_trial, offer, compound):
    trial = requested_trial
    assert trial.status == TrialStatus.REQUESTED
    assert trial.firm == offer.firm and trial.committee == compound.current_committee
    assert trial.fee == Decimal("0.50") and trial.months == 2
    assert trial.starts_on == TODAY + timedelta(days=7)
    assert trial.ends_on == trial.starts_on.replace(month=trial.starts_on.month + 2) - timedelta(
        days=1
    )
    assert trial.terms["title"] == "枣园基础物业服务" and trial.terms["offer_id"] == offer.pk
    # The offer changing later does not change the trial.
    offer.terms = {**offer.terms, "fee": "9.99"}
    offer.save()
    trial.refresh_from_db()
    assert trial.terms["fee"] == "1.00"
    assert Event.objects.filter(action="trial.requested", compound=compound).exists()


def test_request_emails_the_firm_after_commit(
    committee_member, compound, offer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_trial(committee_member, compound, offer)
    assert len(mail.outbox) == 1
    assert offer.firm.email in mail.outbox[0].to
    assert compound.name in mail.outbox[0].subject


@pytest.mark.parametrize(
    "change, message",
    [
        ({"trial_months": None, "trial_fee": None}, "试用"),
        ({"min_area": Decimal("999999")}, "㎡"),
        ({"max_area": Decimal("100")}, "㎡"),
    ],
)
def test_request_refused_when_the_offer_does_not_fit(
    committee_member, compound, offer, change, message
):
    for field, value in change.items():
        setattr(offer, field, value)
    offer.save()
    with pytest.raises(ValidationError) as error:
        request_trial(committee_member, compound, offer)
    assert message in " ".join(error.value.messages)
    assert not Trial.objects.exists()


def test_request_refused_outside_the_offers_district_or_street(
    committee_member, compound, offer, other_district, district
):
    offer.districts.set([other_district])
    with pytest.raises(ValidationError):
        request_trial(committee_member, compound, offer)
    offer.districts.set([district])
    offer.street_offices.set([StreetOfficeFactory(district=district, name="别的街道")])
    with pytest.raises(ValidationError) as error:
        request_trial(committee_member, compound, offer)
    assert "兴丰街道" in " ".join(error.value.messages)
    assert not Trial.objects.exists()


def test_request_refused_for_past_or_far_start_and_duplicates(committee_member, compound, offer):
    with pytest.raises(ValidationError) as error:
        request_trial(committee_member, compound, offer, starts_on=TODAY - timedelta(days=1))
    assert "starts_on" in error.value.message_dict
    with pytest.raises(ValidationError):
        request_trial(committee_member, compound, offer, starts_on=TODAY + timedelta(days=400))
    request_trial(committee_member, compound, offer)
    with pytest.raises(ValidationError):
        request_trial(committee_member, compound, offer)
    assert Trial.objects.count() == 1


def test_only_the_chair_or_signer_may_request(compound, offer, firm_admin, official):
    plain_member = CommitteeMemberFactory(
        committee=compound.current_committee
        or CommitteeMemberFactory(committee__compound=compound).committee
    ).user
    for user in (plain_member, firm_admin, official):
        with pytest.raises(PermissionDenied):
            request_trial(user, compound, offer)
    assert not Trial.objects.exists()


def test_accept_lines_up_an_engagement_and_start_puts_the_compound_on_trial(
    accepted_trial, compound
):
    engagement = accepted_trial.engagement
    assert accepted_trial.status == TrialStatus.ACCEPTED
    assert engagement.phase == EngagementPhase.UPCOMING
    assert engagement.fee == Decimal("0.50") and engagement.area == compound.exclusive_area
    with pytest.raises(ValidationError):
        trial_start(trial=accepted_trial, today=accepted_trial.starts_on - timedelta(days=1))
    trial = trial_start(trial=accepted_trial, today=accepted_trial.starts_on)
    assert trial.status == TrialStatus.ACTIVE
    engagement.refresh_from_db()
    compound.refresh_from_db()
    assert engagement.phase == EngagementPhase.LIVE
    assert compound.management_status == ManagementStatus.TRIAL


def test_accept_on_the_start_day_starts_at_once(committee_member, compound, offer, firm_admin):
    trial = request_trial(committee_member, compound, offer, starts_on=TODAY)
    trial = trial_accept(actor=firm_admin, trial=trial, today=TODAY)
    assert trial.status == TrialStatus.ACTIVE


def test_accept_refused_when_the_start_date_has_passed(requested_trial, firm_admin):
    with pytest.raises(ValidationError):
        trial_accept(
            actor=firm_admin, trial=requested_trial, today=requested_trial.starts_on + timedelta(1)
        )
    requested_trial.refresh_from_db()
    assert requested_trial.status == TrialStatus.REQUESTED
    assert not Engagement.objects.exists()


def test_second_acceptance_for_the_same_compound_is_refused(
    committee_member, compound, offer, other_firm_offer, firm_admin
):
    first = request_trial(committee_member, compound, offer)
    second = request_trial(committee_member, compound, other_firm_offer)
    trial_accept(actor=firm_admin, trial=first, today=TODAY)
    with pytest.raises(ValidationError) as error:
        trial_accept(actor=None, trial=second, today=TODAY)
    assert compound.name in " ".join(error.value.messages)
    second.refresh_from_db()
    assert second.status == TrialStatus.REQUESTED
    assert Engagement.objects.count() == 1


def test_decline_needs_a_reason_and_tells_the_committee(
    requested_trial, firm_admin, committee_member, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError) as error:
        trial_decline(actor=firm_admin, trial=requested_trial, reason="  ")
    assert "reason" in error.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        trial = trial_decline(actor=firm_admin, trial=requested_trial, reason="人手不足")
    assert trial.status == TrialStatus.DECLINED and trial.decline_reason == "人手不足"
    assert committee_member.email in mail.outbox[-1].to
    assert "人手不足" in mail.outbox[-1].body


def test_only_the_firm_answers(requested_trial, committee_member, firm_staff, other_official):
    for user in (committee_member, firm_staff, other_official):
        with pytest.raises(PermissionDenied):
            trial_accept(actor=user, trial=requested_trial, today=TODAY)
        with pytest.raises(PermissionDenied):
            trial_decline(actor=user, trial=requested_trial, reason="x")
    requested_trial.refresh_from_db()
    assert requested_trial.status == TrialStatus.REQUESTED


def test_withdraw_after_acceptance_frees_the_slot(accepted_trial, committee_member, firm_admin):
    trial = trial_withdraw(
        actor=committee_member, trial=accepted_trial, reason="改变主意", today=TODAY
    )
    assert trial.status == TrialStatus.WITHDRAWN
    assert trial.engagement.phase == EngagementPhase.CANCELLED
    with pytest.raises(PermissionDenied):
        trial_withdraw(actor=firm_admin, trial=trial, today=TODAY)


def test_end_produces_an_empty_report_and_keeps_the_status(active_trial, compound):
    with pytest.raises(ValidationError):
        trial_end(trial=active_trial, today=active_trial.ends_on)
    trial = trial_end(trial=active_trial, today=active_trial.ends_on + timedelta(days=1))
    assert trial.status == TrialStatus.ENDED
    report = TrialReport.objects.get(trial=trial)
    # Filled by the ratings app (issue #5): no requests were raised, so no rates.
    assert report.requests_handled == 0 and report.response_rate is None
    engagement = trial.engagement
    engagement.refresh_from_db()
    assert engagement.phase == EngagementPhase.ENDED and engagement.ended_on == trial.ends_on
    compound.refresh_from_db()
    # Fallback (issue #6) moves it on; the trial never sends it back to "seeking".
    assert compound.management_status == ManagementStatus.TRIAL


def test_reminder_is_sent_once_seven_days_before_the_end(
    active_trial, committee_member, django_capture_on_commit_callbacks
):
    assert trial_remind(trial=active_trial, today=active_trial.ends_on - timedelta(days=8)) is False
    with django_capture_on_commit_callbacks(execute=True):
        assert trial_remind(trial=active_trial, today=active_trial.ends_on - timedelta(days=7))
    assert committee_member.email in mail.outbox[-1].to
    assert trial_remind(trial=active_trial, today=active_trial.ends_on - timedelta(days=6)) is False


# --- The transition table: every (state, action) pair --------------------------------

ACTIONS = {
    TrialStatus.ACCEPTED: lambda t, ctx: trial_accept(actor=ctx["firm"], trial=t, today=TODAY),
    TrialStatus.DECLINED: lambda t, ctx: trial_decline(actor=ctx["firm"], trial=t, reason="忙"),
    TrialStatus.WITHDRAWN: lambda t, ctx: trial_withdraw(actor=ctx["chair"], trial=t, today=TODAY),
    TrialStatus.ACTIVE: lambda t, ctx: trial_start(trial=t, today=t.starts_on),
    TrialStatus.ENDED: lambda t, ctx: trial_end(trial=t, today=t.ends_on + timedelta(days=1)),
}


def _trial_in(status, chair, compound, offer, firm_admin) -> Trial:
    trial = request_trial(chair, compound, offer)
    if status == TrialStatus.REQUESTED:
        return trial
    if status == TrialStatus.DECLINED:
        return trial_decline(actor=firm_admin, trial=trial, reason="忙")
    if status == TrialStatus.WITHDRAWN:
        return trial_withdraw(actor=chair, trial=trial, today=TODAY)
    trial = trial_accept(actor=firm_admin, trial=trial, today=TODAY)
    if status == TrialStatus.ACCEPTED:
        return trial
    trial = trial_start(trial=trial, today=trial.starts_on)
    if status == TrialStatus.ACTIVE:
        return trial
    return trial_end(trial=trial, today=trial.ends_on + timedelta(days=1))


@pytest.mark.parametrize("state", TrialStatus.values)
@pytest.mark.parametrize("target", list(ACTIONS))
def test_transition_table(state, target, committee_member, compound, offer, firm_admin):
    trial = _trial_in(state, committee_member, compound, offer, firm_admin)
    assert trial.status == state
    context = {"firm": firm_admin, "chair": committee_member}
    if target in TRIAL_TRANSITIONS[state]:
        moved = ACTIONS[target](trial, context)
        assert moved.status == target
    else:
        events_before = Event.objects.count()
        with pytest.raises(InvalidTransition) as error:
            ACTIONS[target](trial, context)
        assert str(error.value) == f"trial: {state} → {target} is not allowed"
        trial.refresh_from_db()
        assert trial.status == state
        assert Event.objects.count() == events_before
