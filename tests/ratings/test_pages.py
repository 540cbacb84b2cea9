"""The notice board, the poster, the rates on the firm's and compound's pages, the
inspection and the trial report."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from contracts.rules import end_trials
from ratings.models import Inspection
from ratings.services.inspections import inspection_record
from ratings.services.ratings import rating_submit
from ratings.services.requests import (
    request_confirm,
    request_raise,
    request_resolve,
    request_respond,
)
from tests.factories import CommitteeMemberFactory, UserFactory

from .conftest import at

pytestmark = pytest.mark.django_db
DAY0 = date(2026, 3, 20)


def test_notice_board_is_public(serving, compound, client):
    response = client.get(reverse("notice_board", args=[compound.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert serving.firm.name in content
    assert reverse("resident_entry", args=[compound.pk]) in content
    assert "无诉求" in content


def test_poster_has_a_qr_code_to_the_resident_page(serving, compound, client):
    response = client.get(reverse("notice_poster", args=[compound.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "<svg" in content
    assert "http://testserver" + reverse("resident_entry", args=[compound.pk]) in content


def test_compound_page_shows_rates_and_links(serving, compound, committee_member, client):
    client.force_login(committee_member)
    content = client.get(reverse("compound_page", args=[compound.pk])).content.decode()
    assert "three-rates" in content
    assert reverse("household_codes", args=[compound.pk]) in content


def _checklist_results(n, value="met"):
    return [value] * n


def test_inspection_from_the_grade_standard(serving, compound, committee_member, fee_schedule):
    standard = fee_schedule.grades.get(grade=2).standard
    results = ["met"] * (len(standard) - 2) + ["partly", "not_met"]
    inspection = inspection_record(
        actor=committee_member,
        compound=compound,
        results=results,
        notes=[],
        today=serving.starts_on,
    )
    expected = (Decimal(100) * (len(standard) - 2) + 50) / len(standard)
    assert inspection.score == expected.quantize(Decimal("0.01"))
    assert inspection.grade == 2 and len(inspection.checklist) == len(standard)
    with pytest.raises(ValidationError):
        inspection_record(
            actor=committee_member,
            compound=compound,
            results=results,
            notes=[],
            today=serving.starts_on,
        )


def test_inspection_refused_for_others(serving, compound, firm_admin, official, other_official):
    for user in (
        firm_admin,
        official,
        other_official,
        UserFactory(),
        CommitteeMemberFactory().user,
    ):
        with pytest.raises(PermissionDenied):
            inspection_record(actor=user, compound=compound, results=["met"] * 7, notes=[])
    assert not Inspection.objects.exists()


def test_inspection_form_bad_input_400(serving, compound, committee_member, client):
    client.force_login(committee_member)
    url = reverse("inspection_new", args=[compound.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"result_0": "bogus"}).status_code == 400
    assert not Inspection.objects.exists()


def test_trial_report_is_filled_when_the_trial_ends(serving, code, firm_admin, active_trial):
    day = active_trial.starts_on
    rating_submit(household_code=code, scores={"cleaning": 5, "order": 4, "water": 3}, today=day)
    request = request_raise(
        household_code=code, category="repairs", urgency="normal", text="灯坏了", now=at(day)
    )
    request_respond(actor=firm_admin, request=request, response="好", now=at(day, 10))
    request_resolve(actor=firm_admin, request=request, resolution="好", now=at(day, 11))
    request_confirm(household_code=code, request=request, satisfied=True, now=at(day, 12))
    request_raise(
        household_code=code, category="order", urgency="urgent", text="有人", now=at(day, 13)
    )
    end_trials(active_trial.ends_on + timedelta(days=1))
    active_trial.refresh_from_db()
    report = active_trial.report
    assert (report.requests_total, report.requests_handled) == (2, 1)
    assert report.rating_count == 1 and report.rating_average == Decimal("4.00")
    assert report.response_rate == Decimal("50.00")
    assert report.resolution_rate == Decimal("50.00")
    assert report.satisfaction_rate == Decimal("100.00")
    # 40% × 80 + 30% × (50 + 50 + 100) / 3, over 0.7 (no inspection)
    assert report.score == Decimal("74.29")


def test_escalations_page_refused_to_other_roles(serving, district, client, firm_admin):
    url = reverse("escalations", args=[district.code])
    assert client.get(url).status_code == 302  # anonymous: log in first
    for user in (firm_admin, CommitteeMemberFactory().user, UserFactory()):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_fee_adjustments_page_for_the_bureau_only(serving, district, client, official, firm_admin):
    url = reverse("fee_adjustments", args=[district.code])
    client.force_login(official)
    assert client.get(url).status_code == 200
    for user in (firm_admin, CommitteeMemberFactory().user, UserFactory()):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_escalation_command(code, capsys):
    from django.core.management import call_command

    request_raise(household_code=code, category="repairs", urgency="urgent", text="x", now=at(DAY0))
    call_command("escalate_overdue_requests")
    assert "escalated: 1" in capsys.readouterr().out


def test_firm_request_list_refused_to_non_staff(client, committee_member):
    client.force_login(committee_member)
    assert client.get(reverse("firm_requests")).status_code == 403
