"""Quarterly evaluation: score → grade → proposed fee, table-driven; the run, the
bureau's decision and the amendment."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from contracts.models import AmendmentStatus, ContractAmendment
from market.fee_defaults import DEFAULT_GRADES
from ratings.models import AdjustmentStatus, Evaluation, FeeAdjustment
from ratings.services.evaluations import (
    engagements_to_evaluate,
    evaluation_score,
    evaluations_run,
    fee_adjustment_decide,
    fee_in_band,
    fee_raise_apply,
    grade_earned,
    previous_quarter,
    quarter_of,
    ratings_points,
)
from ratings.services.ratings import rating_submit
from tests.factories import CommitteeMemberFactory, UserFactory

D = Decimal
GRADES = [(g["grade"], g["min_score"]) for g in DEFAULT_GRADES]
BANDS = {g["grade"]: (g["fee_min"], g["fee_max"]) for g in DEFAULT_GRADES}


@pytest.mark.parametrize(
    ("ratings", "inspections", "rates", "score"),
    [
        (D(100), D(100), D(100), D("100.00")),
        (D(80), D(70), D(90), D("80.00")),  # 32 + 21 + 27
        (D(90), D(60), D(75), D("76.50")),  # 36 + 18 + 22.5
        (D(50), None, D(80), D("62.86")),  # (20 + 24) / 0.7
        (None, None, D(70), D("70.00")),
        (None, None, None, None),
    ],
)
def test_score_weights(ratings, inspections, rates, score):
    assert evaluation_score(ratings=ratings, inspections=inspections, rates=rates) == score


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (D("59.99"), 0),
        (D("60"), 1),
        (D("69.99"), 1),
        (D("70"), 2),
        (D("80"), 3),
        (D("87.99"), 3),
        (D("88"), 4),
        (D("93.99"), 4),
        (D("94"), 5),
        (D("100"), 5),
        (None, 0),
    ],
)
def test_grade_earned_is_the_highest_met(score, grade):
    assert grade_earned(score, GRADES) == grade


@pytest.mark.parametrize(
    ("fee", "from_grade", "to_grade", "expected"),
    [
        (D("1.20"), 3, 2, D("0.80")),  # bottom of G3 → bottom of G2
        (D("1.80"), 3, 2, D("1.20")),  # top → top
        (D("1.50"), 3, 2, D("1.00")),  # middle → middle
        (D("1.35"), 3, 1, D("0.58")),  # 25% → 0.50 + 0.075 = 0.575 → 0.58
        (D("1.00"), 2, 1, D("0.65")),  # 50%
        (D("2.00"), 3, 2, D("1.20")),  # above its band: at the top edge
        (D("1.00"), 3, 2, D("0.80")),  # below its band: at the bottom edge
        (D("0.80"), 1, 2, D("1.20")),  # raise: top of G1 → top of G2
    ],
)
def test_fee_keeps_its_relative_position(fee, from_grade, to_grade, expected):
    assert fee_in_band(fee, band_from=BANDS[from_grade], band_to=BANDS[to_grade]) == expected


def test_ratings_points():
    assert ratings_points(D("4.5")) == D("90.00")
    assert ratings_points(None) is None


@pytest.mark.parametrize(
    ("day", "quarter", "previous"),
    [
        (date(2026, 4, 1), (date(2026, 4, 1), date(2026, 6, 30)), date(2026, 1, 1)),
        (date(2026, 1, 15), (date(2026, 1, 1), date(2026, 3, 31)), date(2025, 10, 1)),
        (date(2026, 12, 31), (date(2026, 10, 1), date(2026, 12, 31)), date(2026, 7, 1)),
    ],
)
def test_quarters(day, quarter, previous):
    assert quarter_of(day) == quarter
    assert previous_quarter(day)[0] == previous


# --- The run on a contract ----------------------------------------------------------


@pytest.fixture
def contract(draft_contract, committee_member, firm_admin):
    from contracts.rules import start_contracts
    from tests.contracts.conftest import sign_both

    sign_both(draft_contract, committee_member, firm_admin)
    from contracts.rules import end_trials

    end_trials(draft_contract.starts_on)
    start_contracts(draft_contract.starts_on)
    draft_contract.refresh_from_db()
    assert draft_contract.engagement.phase == "live"
    return draft_contract


@pytest.mark.django_db
def test_low_ratings_propose_a_lower_fee_and_approval_amends(
    contract, codes, official, fee_schedule
):
    # Contract: grade 2, ¥1.00 (50% of 0.80–1.20). All ratings 3/5 → 60 points, the only
    # part measured: grade 1 earned → ¥0.65 (50% of 0.50–0.80).
    month = contract.starts_on
    for row, _plain in codes:
        rating_submit(
            household_code=row, scores={"cleaning": 3, "order": 3, "water": 3}, today=month
        )
    quarter_start, quarter_end = quarter_of(month)
    after = quarter_end + timedelta(days=1)
    result = evaluations_run(today=after)
    # The trial (ended this quarter) and the contract.
    assert len(result["done"]) == 2 and result["proposed"] == 1
    evaluation = Evaluation.objects.get(engagement=contract.engagement)
    from market.models.events import Event

    event = Event.objects.get(action="evaluation.recorded", object_id=str(evaluation.pk))
    assert event.compound_id == contract.compound_id and event.after["grade"] == 1
    assert Event.objects.filter(action="evaluation.recorded").count() == 2
    assert evaluation.score == D("60.00") and evaluation.grade_earned == 1
    adjustment = FeeAdjustment.objects.get()
    assert (adjustment.current_fee, adjustment.proposed_fee, adjustment.grade) == (
        D("1.00"),
        D("0.65"),
        1,
    )
    # Idempotent.
    assert evaluations_run(today=after + timedelta(days=1)) == {"done": []}
    decided = fee_adjustment_decide(
        actor=official, adjustment=adjustment, approve=True, today=date(2026, 7, 15)
    )
    assert decided.status == AdjustmentStatus.APPROVED
    amendment = ContractAmendment.objects.get()
    assert amendment.status == AmendmentStatus.APPROVED
    assert amendment.fee == D("0.65") and amendment.effective_on == date(2026, 8, 1)
    # The invoices (payments) use the amended fee from its effective date.
    from contracts.payments.amounts import invoice_lines

    engagement = contract.engagement
    assert {line.fee for line in invoice_lines(engagement, date(2026, 7, 1))} == {D("1.00")}
    assert {line.fee for line in invoice_lines(engagement, date(2026, 8, 1))} == {D("0.65")}
    with pytest.raises(Exception):  # noqa: B017  (decided once)
        fee_adjustment_decide(actor=official, adjustment=adjustment, approve=False)


@pytest.mark.django_db
def test_the_quarterly_probe_reads_the_quarters_evaluations_once(contract, codes, fee_schedule):
    # The daily probe asks every day of the quarter whether anything is left to evaluate.
    # As an anti-join PostgreSQL compared each engagement with each of the quarter's
    # evaluations (docs/performance.md, eighth pass); as NOT IN it hashes them once.
    quarter_start, quarter_end = quarter_of(contract.starts_on)
    evaluations_run(today=quarter_end + timedelta(days=1))
    left = engagements_to_evaluate(start=quarter_start, end=quarter_end)
    assert not left.exists()
    sql = str(left.query)
    assert "EXISTS" not in sql and sql.count("ratings_evaluation") == 1
    if connection.vendor == "postgresql":
        sql, params = left.order_by()[:1].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Anti Join" not in plan and "SubPlan" in plan


@pytest.mark.django_db
def test_decision_refused_for_others(
    contract, codes, fee_schedule, other_official, firm_admin, committee_member, street_office
):
    for row, _plain in codes:
        rating_submit(
            household_code=row,
            scores={"cleaning": 1, "order": 1, "water": 1},
            today=contract.starts_on,
        )
    evaluations_run(today=quarter_of(contract.starts_on)[1] + timedelta(days=1))
    adjustment = FeeAdjustment.objects.get()
    from tests.factories import OfficialFactory

    street_official = OfficialFactory(
        district=street_office.district, street_office=street_office
    ).user
    for user in (other_official, firm_admin, committee_member, UserFactory(), street_official):
        with pytest.raises(PermissionDenied):
            fee_adjustment_decide(actor=user, adjustment=adjustment, approve=True)
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.PROPOSED and not ContractAmendment.objects.exists()


@pytest.mark.django_db
def test_decide_view_bad_input_400(contract, codes, fee_schedule, official, client):
    for row, _plain in codes:
        rating_submit(
            household_code=row,
            scores={"cleaning": 1, "order": 1, "water": 1},
            today=contract.starts_on,
        )
    evaluations_run(today=quarter_of(contract.starts_on)[1] + timedelta(days=1))
    adjustment = FeeAdjustment.objects.get()
    client.force_login(official)
    url = reverse("fee_adjustment_decide", args=[adjustment.pk])
    assert client.post(url, {"decision": "maybe"}).status_code == 400
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.PROPOSED


@pytest.mark.django_db
def test_raise_needs_two_quarters_above(contract, codes, fee_schedule, firm_admin):
    def quarter_with(score, day):
        for row, _plain in codes:
            rating_submit(
                household_code=row,
                scores={"cleaning": score, "order": score, "water": score},
                today=day,
            )
        evaluations_run(today=quarter_of(day)[1] + timedelta(days=1))

    first = contract.starts_on
    quarter_with(5, first)  # 100 → grade 5 earned, contracted 2
    with pytest.raises(ValidationError):
        fee_raise_apply(actor=firm_admin, contract=contract)
    quarter_with(5, quarter_of(first)[1] + timedelta(days=1))
    adjustment = fee_raise_apply(actor=firm_admin, contract=contract)
    assert adjustment.kind == "raise" and adjustment.grade == 5
    assert adjustment.proposed_fee == D("3.00")  # 50% of 2.50–3.50
    with pytest.raises(ValidationError):
        fee_raise_apply(actor=firm_admin, contract=contract)


@pytest.mark.django_db
def test_committee_member_cannot_apply_for_raise(contract, committee_member):
    with pytest.raises(PermissionDenied):
        fee_raise_apply(actor=committee_member, contract=contract)
    with pytest.raises(PermissionDenied):
        fee_raise_apply(actor=CommitteeMemberFactory().user, contract=contract)


@pytest.mark.django_db
def test_raise_view_refusals(contract, committee_member, firm_admin, official, client):
    url = reverse("fee_raise_apply", args=[contract.pk])
    for user in (committee_member, official, UserFactory()):
        client.force_login(user)
        assert client.post(url).status_code == 403
    client.force_login(firm_admin)
    response = client.post(url)  # no evaluation above the contract yet
    assert response.status_code == 400
    assert "连续两个季度" in response.content.decode()
    assert not FeeAdjustment.objects.exists()


@pytest.mark.django_db
def test_firm_sees_its_evaluations(contract, codes, fee_schedule, firm_admin, client):
    evaluations_run(today=quarter_of(contract.starts_on)[1] + timedelta(days=1))
    client.force_login(firm_admin)
    response = client.get(reverse("firm_requests"))
    assert response.status_code == 200 and "季度评价" in response.content.decode()
