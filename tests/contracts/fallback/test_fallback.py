"""Fallback to the district's state operator (issue #6): designation, the four triggers,
extension, leaving fallback, and the coverage selector."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from contracts.daily import daily_run
from contracts.models import (
    Engagement,
    EngagementKind,
    EngagementPhase,
    FallbackCase,
    FallbackCaseStatus,
    FallbackDesignation,
    FallbackTrigger,
    Handover,
    TrialStatus,
)
from contracts.selectors import (
    compounds_seeking_provider,
    compounds_served_count,
    open_fallback_cases,
    responsible_engagement,
)
from contracts.services.fallback import (
    fallback_designate,
    fallback_designation_end,
    fallback_extend,
    fallback_order,
    fallback_take_over_firm,
    written_warning_record,
)
from contracts.services.fallback import orders as fallback_services
from contracts.services.fallback.designation import designation_active
from contracts.services.trials import trial_accept, trial_end
from market.dates import add_months
from market.models import Compound, Event, ManagementStatus
from market.permissions import roles_of
from market.services.firms import firm_suspend
from tests.factories import CompoundFactory, FirmFactory

from ..conftest import TODAY, request_trial
from .conftest import FALLBACK_FEE, confirm_everything


def _cases(compound):
    return list(FallbackCase.objects.filter(compound=compound))


def _successor_lined_up(committee_member, compound, offer, starts_on):
    """Another firm's trial, requested and accepted, to start on ``starts_on``."""
    successor = request_trial(committee_member, compound, offer, starts_on=starts_on, today=TODAY)
    admin = offer.firm.members.get().user
    trial_accept(actor=admin, trial=successor, today=TODAY + timedelta(days=10))
    return successor, admin


# --- Designation ----------------------------------------------------------------------


def test_designation_is_recorded_with_its_fee(designation, operator, district):
    assert designation.active and designation.fee == FALLBACK_FEE
    operator.refresh_from_db()
    assert operator.is_fallback_operator
    assert Event.objects.filter(action="fallback.designated", district=district).exists()


def test_a_second_designation_while_one_is_active_is_refused(designation, district, official):
    other = FirmFactory(districts=[district])
    with pytest.raises(ValidationError) as error:
        fallback_designate(actor=official, district=district, firm=other, fee="1.00")
    assert "已是" in str(error.value) or designation.firm.name in str(error.value)
    assert FallbackDesignation.objects.filter(district=district).count() == 1


def test_the_database_allows_one_active_designation_per_district(designation, district):
    with pytest.raises(IntegrityError), transaction.atomic():
        FallbackDesignation.objects.create(
            district=district,
            firm=FirmFactory(districts=[district]),
            fee=Decimal("1"),
            designated_on=TODAY,
        )


def test_ending_a_designation_lets_the_bureau_designate_another(
    designation, district, official, operator
):
    with pytest.raises(ValidationError):
        fallback_designation_end(actor=official, designation=designation, reason=" ")
    fallback_designation_end(actor=official, designation=designation, reason="改制", today=TODAY)
    operator.refresh_from_db()
    assert not operator.is_fallback_operator
    other = FirmFactory(districts=[district])
    new = fallback_designate(actor=official, district=district, firm=other, fee="1.10")
    assert new.active and new.firm == other


@pytest.mark.parametrize("fee", ["-1", "abc", "99999"])
def test_a_bad_fee_is_refused(district, official, operator, fee):
    with pytest.raises(ValidationError) as error:
        fallback_designate(actor=official, district=district, firm=operator, fee=fee)
    assert "fee" in error.value.error_dict
    assert not FallbackDesignation.objects.exists()


def test_an_unapproved_or_foreign_firm_cannot_be_designated(district, other_district, official):
    with pytest.raises(ValidationError):
        fallback_designate(
            actor=official,
            district=district,
            firm=FirmFactory(districts=[district], status="suspended"),
            fee="1",
        )
    with pytest.raises(ValidationError):
        fallback_designate(
            actor=official, district=district, firm=FirmFactory(districts=[other_district]), fee="1"
        )


def test_only_the_district_bureau_designates(
    district, operator, other_official, committee_member, firm_admin
):
    for user in (other_official, committee_member, firm_admin):
        with pytest.raises(PermissionDenied):
            fallback_designate(actor=user, district=district, firm=operator, fee="1")
    assert not FallbackDesignation.objects.exists()


# --- Trigger 1: no operator within 30 days --------------------------------------------


def test_a_compound_seeking_for_30_days_goes_to_fallback_once(
    designation, street_office, committee_member, compound, operator
):
    Compound.objects.filter(pk=compound.pk).update(registered_on=TODAY)
    compound.refresh_from_db()
    daily_run(today=TODAY + timedelta(days=29))
    assert _cases(compound) == []
    mail.outbox.clear()
    first_day = TODAY + timedelta(days=30)
    with transaction.atomic():
        daily_run(today=first_day)
    (case,) = _cases(compound)
    assert case.trigger == FallbackTrigger.NO_OPERATOR and case.operator == operator
    assert case.outgoing_firm is None and case.opened_on == first_day
    assert case.planned_end_on == add_months(first_day, 6) - timedelta(days=1)
    engagement = case.engagement
    assert engagement.kind == EngagementKind.FALLBACK and engagement.phase == EngagementPhase.LIVE
    assert engagement.fee == FALLBACK_FEE and engagement.firm == operator
    compound.refresh_from_db()
    assert compound.management_status == ManagementStatus.FALLBACK
    # Running the day again, or the next day, opens no second case.
    daily_run(today=first_day)
    daily_run(today=first_day + timedelta(days=1))
    from contracts.fallback_rules import cover_unserved
    from contracts.rules import end_trials  # noqa: F401  (rules registered)

    cover_unserved(first_day)
    assert len(_cases(compound)) == 1
    assert compound in compounds_seeking_provider(compound.street_office.district)


def test_opening_a_case_tells_the_committee(
    designation, compound, committee_member, django_capture_on_commit_callbacks
):
    Compound.objects.filter(pk=compound.pk).update(registered_on=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        daily_run(today=TODAY + timedelta(days=30))
    assert any(committee_member.email in message.to for message in mail.outbox)


def test_without_a_designated_operator_the_compound_is_reported_not_failed(compound):
    Compound.objects.filter(pk=compound.pk).update(registered_on=TODAY)
    result = daily_run(today=TODAY + timedelta(days=31))["fallback.cover_unserved"]
    assert result["no_fallback_operator"] == [compound.pk] and "failed" not in result


# --- Trigger 2: a trial or contract ends with no successor --------------------------


def test_a_lapsed_trial_without_successor_goes_to_fallback_after_the_handover(
    designation, backdated, active_trial, operator, outgoing_admin, operator_admin
):
    day_after = active_trial.ends_on + timedelta(days=1)
    daily_run(today=day_after)
    active_trial.refresh_from_db()
    assert active_trial.status == TrialStatus.ENDED
    (case,) = _cases(backdated)
    assert case.trigger == FallbackTrigger.ENGAGEMENT_ENDED
    assert case.outgoing_firm == active_trial.firm and case.opened_on == day_after
    assert case.previous_engagement == active_trial.engagement
    handover = Handover.objects.get(outgoing_engagement=active_trial.engagement)
    assert handover.incoming_firm == operator and handover.due_on == day_after + timedelta(30)
    # DOMAIN "handover": until it is complete the trial firm stays responsible and keeps
    # serving; the fallback operator's service has not started.
    for day in range(1, 4):
        daily_run(today=day_after + timedelta(days=day))
    assert len(_cases(backdated)) == 1
    for day in (active_trial.ends_on, day_after, day_after + timedelta(days=3)):
        assert responsible_engagement(compound=backdated, on=day).firm == active_trial.firm
    case.engagement.refresh_from_db()
    assert case.engagement.phase == EngagementPhase.UPCOMING
    backdated.refresh_from_db()
    assert backdated.management_status == ManagementStatus.TRIAL

    completed_on = day_after + timedelta(days=4)
    confirm_everything(handover, outgoing_admin, operator_admin, today=completed_on)
    active_trial.engagement.refresh_from_db()
    assert active_trial.engagement.phase == EngagementPhase.ENDED
    assert active_trial.engagement.ended_on == completed_on - timedelta(days=1)
    assert responsible_engagement(compound=backdated, on=completed_on - timedelta(days=1)).firm == (
        active_trial.firm
    )
    assert responsible_engagement(compound=backdated, on=completed_on).firm == operator
    case.refresh_from_db()
    # The 6-month term counts from the first day the fallback operator serves.
    assert case.opened_on == completed_on
    assert case.planned_end_on == add_months(completed_on, 6) - timedelta(days=1)
    backdated.refresh_from_db()
    assert backdated.management_status == ManagementStatus.FALLBACK
    daily_run(today=completed_on + timedelta(days=1))
    assert len(_cases(backdated)) == 1


def test_the_engagement_ended_signal_opens_the_case_at_once(
    designation, backdated, active_trial, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        trial_end(trial=active_trial, today=active_trial.ends_on + timedelta(days=1))
    (case,) = _cases(backdated)
    assert case.opened_on == active_trial.ends_on + timedelta(days=1)


def test_the_follow_up_of_an_ended_engagement_reads_its_compound_only_under_the_lock(
    designation, backdated, active_trial
):
    """``on_engagement_ended`` hands the compound's id to the service, which locks it and
    reads it under that lock: no plain read of the compound before (one statement fewer
    after every engagement that ends)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contracts.fallback_rules import on_engagement_ended

    # Ended as the trial's end leaves it, without the receivers that follow.
    Engagement.objects.filter(pk=active_trial.engagement_id).update(
        phase=EngagementPhase.ENDED, ended_on=active_trial.ends_on
    )
    engagement = Engagement.objects.get(pk=active_trial.engagement_id)
    with CaptureQueriesContext(connection) as queries:
        on_engagement_ended(sender=Engagement, engagement=engagement)
    compound_reads = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].split(" FROM ", 1)[-1].startswith('"market_compound"')
    ]
    assert len(compound_reads) == 1
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in compound_reads[0]
    (case,) = _cases(backdated)
    assert case.opened_on == active_trial.ends_on + timedelta(days=1)


def test_a_successor_starting_the_next_day_means_no_fallback(
    designation, backdated, active_trial, committee_member, other_firm_offer, outgoing_admin
):
    day_after = active_trial.ends_on + timedelta(days=1)
    successor, admin = _successor_lined_up(committee_member, backdated, other_firm_offer, day_after)
    daily_run(today=day_after)
    assert _cases(backdated) == []
    # The change of firm gets its handover, and the new firm starts when it completes.
    handover = Handover.objects.get(outgoing_engagement=active_trial.engagement)
    assert handover.incoming_firm == other_firm_offer.firm
    successor.refresh_from_db()
    assert successor.status == TrialStatus.ACCEPTED
    assert responsible_engagement(compound=backdated, on=day_after).firm == active_trial.firm
    confirm_everything(handover, outgoing_admin, admin, today=day_after)
    successor.refresh_from_db()
    assert successor.status == TrialStatus.ACTIVE
    assert responsible_engagement(compound=backdated, on=day_after).firm == successor.firm
    assert responsible_engagement(compound=backdated, on=active_trial.ends_on).firm == (
        active_trial.firm
    )
    daily_run(today=day_after + timedelta(days=1))
    assert _cases(backdated) == []


def test_a_late_handover_delays_the_successor_and_never_leaves_a_day_unserved(
    designation, backdated, active_trial, committee_member, other_firm_offer, outgoing_admin
):
    day_after = active_trial.ends_on + timedelta(days=1)
    successor, admin = _successor_lined_up(committee_member, backdated, other_firm_offer, day_after)
    for day in range(6):
        result = daily_run(today=day_after + timedelta(days=day))
        assert "failed" not in result["contracts.start_trials"]
    successor.refresh_from_db()
    assert successor.status == TrialStatus.ACCEPTED
    handover = Handover.objects.get(outgoing_engagement=active_trial.engagement)
    completed_on = day_after + timedelta(days=6)
    confirm_everything(handover, outgoing_admin, admin, today=completed_on)
    successor.refresh_from_db()
    successor.engagement.refresh_from_db()
    assert successor.status == TrialStatus.ACTIVE
    # The new firm's service (and its invoices) start the day it took over.
    assert successor.engagement.starts_on == completed_on
    for offset in range(-8, 3):
        day = completed_on + timedelta(days=offset)
        expected = active_trial.firm if day < completed_on else successor.firm
        assert responsible_engagement(compound=backdated, on=day).firm == expected


# --- Trigger 3: the firm is suspended, revoked or blacklisted ------------------------


def test_a_suspension_moves_every_live_site_to_fallback(
    designation, backdated, active_trial, official, operator, django_capture_on_commit_callbacks
):
    firm = active_trial.firm
    today = active_trial.starts_on + timedelta(days=10)
    second = CompoundFactory(street_office=backdated.street_office)
    Compound.objects.filter(pk=second.pk).update(registered_on=TODAY - timedelta(days=90))
    second_engagement = Engagement.objects.create(
        compound=second,
        kind=EngagementKind.CONTRACT,
        firm=firm,
        phase=EngagementPhase.LIVE,
        starts_on=TODAY - timedelta(days=60),
        fee=Decimal("1"),
        area=second.exclusive_area,
    )
    cases = fallback_take_over_firm(firm=firm, today=today)
    assert cases == []  # still approved: nothing moves
    firm_suspend(firm=firm, actor=None, reason="违规")
    cases = fallback_take_over_firm(firm=firm, today=today)
    assert {case.compound_id for case in cases} == {backdated.pk, second.pk}
    assert all(case.trigger == FallbackTrigger.FIRM_SANCTIONED for case in cases)
    assert all(case.opened_on == today and case.operator == operator for case in cases)
    active_trial.refresh_from_db()
    second_engagement.refresh_from_db()
    assert active_trial.status == TrialStatus.ENDED
    assert second_engagement.phase == EngagementPhase.ENDED
    assert second_engagement.ended_on == today - timedelta(days=1)
    # Idempotent.
    assert fallback_take_over_firm(firm=firm, today=today) == []


def test_the_suspension_signal_triggers_the_take_over(
    designation, backdated, active_trial, official, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        firm_suspend(firm=active_trial.firm, actor=official, reason="违规")
    (case,) = _cases(backdated)
    assert case.trigger == FallbackTrigger.FIRM_SANCTIONED


# --- Trigger 4: bureau order -----------------------------------------------------------


def test_a_bureau_order_needs_a_prior_written_warning_and_two_low_quarters(
    designation, backdated, active_trial, official, monkeypatch
):
    today = active_trial.starts_on + timedelta(days=20)
    with pytest.raises(ValidationError):
        fallback_order(
            actor=official, compound=backdated, warning=None, reason="连续低分", today=today
        )
    with pytest.raises(ValidationError):
        written_warning_record(actor=official, compound=backdated, text="  ", today=today)
    warning = written_warning_record(
        actor=official, compound=backdated, text="请限期整改", today=today - timedelta(days=5)
    )
    # The evaluation data comes from ratings (issue #5); stub the hook.
    with pytest.raises(ValidationError):  # no scores yet
        fallback_order(
            actor=official, compound=backdated, warning=warning, reason="连续低分", today=today
        )
    monkeypatch.setattr(
        fallback_services,
        "fallback_order_quarter_scores",
        lambda **kw: [Decimal("55"), Decimal("62")],
    )
    with pytest.raises(ValidationError):  # only one low quarter
        fallback_order(
            actor=official, compound=backdated, warning=warning, reason="连续低分", today=today
        )
    monkeypatch.setattr(
        fallback_services,
        "fallback_order_quarter_scores",
        lambda **kw: [Decimal("58"), Decimal("55")],
    )
    with pytest.raises(ValidationError):  # no reason
        fallback_order(actor=official, compound=backdated, warning=warning, reason="", today=today)
    case = fallback_order(
        actor=official, compound=backdated, warning=warning, reason="连续低分", today=today
    )
    assert case.trigger == FallbackTrigger.BUREAU_ORDER and case.warning == warning
    assert case.outgoing_firm == active_trial.firm


def test_only_the_bureau_orders_fallback(designation, backdated, active_trial, other_official):
    with pytest.raises(PermissionDenied):
        written_warning_record(actor=other_official, compound=backdated, text="x")
    with pytest.raises(PermissionDenied):
        fallback_order(actor=other_official, compound=backdated, warning=None, reason="x")


# --- Extension -------------------------------------------------------------------------


@pytest.fixture
def case(designation, compound):
    Compound.objects.filter(pk=compound.pk).update(registered_on=TODAY)
    daily_run(today=TODAY + timedelta(days=30))
    return FallbackCase.objects.get(compound=compound)


def test_extension_needs_a_reason_and_at_most_six_more_months(case, official):
    end = case.planned_end_on
    with pytest.raises(ValidationError) as error:
        fallback_extend(actor=official, case=case, until=end + timedelta(days=30), reason="")
    assert "until" not in getattr(error.value, "error_dict", {})
    with pytest.raises(ValidationError):
        fallback_extend(actor=official, case=case, until=end, reason="选聘未完成")
    with pytest.raises(ValidationError):
        fallback_extend(actor=official, case=case, until=add_months(end, 7), reason="选聘未完成")
    case.refresh_from_db()
    assert case.planned_end_on == end
    fallback_extend(actor=official, case=case, until=add_months(end, 3), reason="选聘未完成")
    case.refresh_from_db()
    case.engagement.refresh_from_db()
    assert case.planned_end_on == add_months(end, 3) == case.engagement.ends_on
    assert "选聘未完成" in case.extension_reason


def test_an_extension_reads_the_case_with_its_operator_and_engagement(case, official):
    """One lock of the compound (with its district) and one of the case (with what the
    event needs): no separate read of the operator or the engagement, and
    the district only for the permission check."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from market.models import Event

    case = FallbackCase.objects.get(pk=case.pk)  # as a page or the simulation has it
    roles_of(official)
    with CaptureQueriesContext(connection) as queries:
        fallback_extend(
            actor=official, case=case, until=add_months(case.planned_end_on, 3), reason="选聘未完成"
        )
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]

    def alone(table):  # read by itself, not joined to a lock
        return sum(sql.split(" WHERE ")[0].endswith(f'FROM "{table}"') for sql in reads)

    assert alone("market_firm") == 0
    assert alone("contracts_engagement") == 1  # its lock, to move its end
    assert alone("market_district") <= 1
    event = Event.objects.get(action="fallback.extended")
    assert event.district_id == case.district_id and event.object_repr == str(case)


def test_only_the_district_bureau_extends(case, other_official, firm_admin):
    for user in (other_official, firm_admin):
        with pytest.raises(PermissionDenied):
            fallback_extend(
                actor=user, case=case, until=case.planned_end_on + timedelta(1), reason="x"
            )


# --- Leaving fallback ------------------------------------------------------------------


def test_a_new_trial_ends_fallback_the_day_before_with_a_handover(
    case, compound, committee_member, offer, firm_admin, operator
):
    start = case.opened_on + timedelta(days=40)
    trial = request_trial(
        committee_member, compound, offer, starts_on=start, today=start - timedelta(10)
    )
    trial_accept(actor=firm_admin, trial=trial, today=start - timedelta(days=9))
    daily_run(today=start)
    case.refresh_from_db()
    case.engagement.refresh_from_db()
    assert case.engagement.phase == EngagementPhase.ENDED
    assert case.engagement.ended_on == start - timedelta(days=1)
    assert case.status == FallbackCaseStatus.CLOSED
    handover = Handover.objects.get(outgoing_engagement=case.engagement)
    assert handover.outgoing_firm == operator and handover.incoming_firm == trial.firm
    compound.refresh_from_db()
    assert compound.management_status == ManagementStatus.TRIAL
    assert list(open_fallback_cases(compound.street_office.district)) == []


# --- Coverage --------------------------------------------------------------------------


def test_served_count_counts_any_responsible_operator(case, compound, district, other_compound):
    assert compounds_served_count(district, case.opened_on - timedelta(days=1)) == 0
    assert compounds_served_count(district, case.opened_on) == 1
    assert compounds_served_count(district, case.opened_on + timedelta(days=100)) == 1


def test_a_successor_withdrawn_during_the_handover_hands_the_compound_to_fallback(
    designation,
    backdated,
    active_trial,
    committee_member,
    other_firm_offer,
    outgoing_admin,
    operator_admin,
    operator,
):
    from contracts.services.trials import trial_withdraw

    day_after = active_trial.ends_on + timedelta(days=1)
    successor, admin = _successor_lined_up(committee_member, backdated, other_firm_offer, day_after)
    daily_run(today=day_after)
    handover = Handover.objects.get(outgoing_engagement=active_trial.engagement)
    trial_withdraw(actor=committee_member, trial=successor, today=day_after + timedelta(days=1))
    handover.refresh_from_db()
    # Nobody is left waiting for a firm that will not come: the fallback operator is.
    assert handover.incoming_firm == operator
    (case,) = _cases(backdated)
    assert case.engagement.phase == EngagementPhase.UPCOMING
    done_on = day_after + timedelta(days=2)
    confirm_everything(handover, outgoing_admin, operator_admin, today=done_on)
    assert responsible_engagement(compound=backdated, on=done_on).firm == operator
    assert responsible_engagement(compound=backdated, on=done_on - timedelta(days=1)).firm == (
        active_trial.firm
    )


def test_a_trial_delayed_past_its_planned_end_by_the_handover_still_runs_its_length(
    designation, backdated, active_trial, committee_member, other_firm_offer, outgoing_admin
):
    day_after = active_trial.ends_on + timedelta(days=1)
    successor, admin = _successor_lined_up(committee_member, backdated, other_firm_offer, day_after)
    length = successor.ends_on - successor.starts_on
    daily_run(today=day_after)
    handover = Handover.objects.get(outgoing_engagement=active_trial.engagement)
    late = successor.ends_on + timedelta(days=5)
    confirm_everything(handover, outgoing_admin, admin, today=late)
    successor.refresh_from_db()
    successor.engagement.refresh_from_db()
    assert successor.status == TrialStatus.ACTIVE
    assert successor.starts_on == late and successor.ends_on - successor.starts_on == length
    assert successor.engagement.starts_on == late
    assert successor.engagement.ends_on == successor.ends_on


def test_the_active_designation_is_read_by_a_query_compiled_once(designation, district):
    """Read by every case opened and engagement finished (market.prepared)."""
    from django.db.models.sql.compiler import SQLCompiler

    assert designation_active(district) == designation
    compiled = []
    as_sql = SQLCompiler.as_sql
    with mock.patch.object(
        SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or as_sql(self, *a, **k)
    ):
        again = designation_active(district)
    assert again == designation and again.firm == designation.firm
    assert compiled == []
