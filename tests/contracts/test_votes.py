"""The owners' vote (Civil Code art. 278): exact arithmetic at the boundaries, refusals."""

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from contracts.models import Vote, VoteStatus, vote_outcome
from contracts.services.votes import vote_annul, vote_record
from market.exceptions import InvalidTransition
from tests.factories import CommitteeMemberFactory

# register: 300 owners, 9000.00 ㎡ — 2/3 is exactly 200 owners and 6000.00 ㎡.
REGISTER = {"register_owners": 300, "register_area": Decimal("9000.00")}


@pytest.mark.parametrize(
    "p_owners, p_area, a_owners, a_area, passed, failed",
    [
        # exactly 2/3 participation on both counts passes
        (200, "6000.00", 101, "3000.01", True, []),
        # one owner (or one hundredth of a ㎡) short of 2/3 fails that count only
        (199, "6000.00", 101, "3000.01", False, ["participation_owners"]),
        (200, "5999.99", 101, "3000.01", False, ["participation_area"]),
        # exactly 1/2 approval fails, on each count separately
        (200, "6000.00", 100, "3000.01", False, ["approval_owners"]),
        (200, "6000.00", 101, "3000.00", False, ["approval_area"]),
        # area passes but headcount fails, and the reverse
        (300, "9000.00", 140, "8000.00", False, ["approval_owners"]),
        (300, "9000.00", 290, "4000.00", False, ["approval_area"]),
        (150, "8000.00", 140, "7000.00", False, ["participation_owners"]),
        (290, "5000.00", 280, "4900.00", False, ["participation_area"]),
        # everybody, everybody in favour
        (300, "9000.00", 300, "9000.00", True, []),
        # nobody took part
        (
            0,
            "0",
            0,
            "0",
            False,
            ["participation_area", "participation_owners", "approval_area", "approval_owners"],
        ),
    ],
)
def test_pass_rule_at_the_boundaries(p_owners, p_area, a_owners, a_area, passed, failed):
    outcome = vote_outcome(
        **REGISTER,
        participating_owners=p_owners,
        participating_area=Decimal(p_area),
        approving_owners=a_owners,
        approving_area=Decimal(a_area),
    )
    assert outcome.passed is passed
    assert outcome.failed_thresholds == failed


def test_shares_are_exact_fractions():
    outcome = vote_outcome(
        register_owners=3,
        register_area=Decimal("0.03"),
        participating_owners=2,
        participating_area=Decimal("0.02"),
        approving_owners=2,
        approving_area=Decimal("0.02"),
    )
    assert outcome.participation_owners == Fraction(2, 3)
    assert outcome.participation_area == Fraction(2, 3)  # a float would give 0.666…67
    assert outcome.passed


def _record(chair, trial, **overrides):
    compound = trial.compound
    values = {
        "notice_on": trial.ends_on - timedelta(days=20),
        "vote_on": trial.ends_on - timedelta(days=5),
        "participating_owners": 214,
        "participating_area": (compound.exclusive_area * 2 / 3).quantize(Decimal("0.01")) + 1,
        "approving_owners": 108,
        "approving_area": (compound.exclusive_area / 2).quantize(Decimal("0.01")) + 1,
    }
    values.update(overrides)
    return vote_record(
        actor=chair,
        compound=compound,
        kind="hire",
        trial=trial,
        today=trial.ends_on,
        **values,
    )


def test_recording_a_passing_vote(active_trial, committee_member, compound):
    vote = _record(committee_member, active_trial)
    assert vote.status == VoteStatus.PASSED
    assert vote.register_owners == compound.owners == 320
    assert vote.firm == active_trial.firm


def test_a_failed_vote_can_be_held_again(active_trial, committee_member):
    failed = _record(committee_member, active_trial, approving_owners=107)
    assert failed.status == VoteStatus.FAILED
    assert failed.outcome.failed_thresholds == ["approval_owners"]
    again = _record(committee_member, active_trial)
    assert again.status == VoteStatus.PASSED
    with pytest.raises(ValidationError):
        _record(committee_member, active_trial)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"participating_owners": 321}, "participating_owners"),
        ({"participating_area": Decimal("25600.01")}, "participating_area"),
        ({"approving_owners": 215}, "approving_owners"),
        (
            {"participating_area": Decimal("100"), "approving_area": Decimal("100.01")},
            "approving_area",
        ),
        ({"participating_owners": -1}, "participating_owners"),
    ],
)
def test_tallies_above_the_register_or_participation_are_refused(
    active_trial, committee_member, overrides, field
):
    with pytest.raises(ValidationError) as error:
        _record(committee_member, active_trial, **overrides)
    assert field in error.value.message_dict
    assert not Vote.objects.exists()


def test_vote_less_than_15_days_after_notice_is_refused(active_trial, committee_member):
    notice = active_trial.ends_on - timedelta(days=20)
    with pytest.raises(ValidationError) as error:
        _record(
            committee_member, active_trial, notice_on=notice, vote_on=notice + timedelta(days=14)
        )
    assert "vote_on" in error.value.message_dict
    assert "15" in error.value.message_dict["vote_on"][0]
    vote = _record(
        committee_member, active_trial, notice_on=notice, vote_on=notice + timedelta(days=15)
    )
    assert vote.status == VoteStatus.PASSED


def test_future_votes_and_early_publication_are_refused(active_trial, committee_member):
    with pytest.raises(ValidationError):
        _record(committee_member, active_trial, vote_on=active_trial.ends_on + timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        _record(
            committee_member,
            active_trial,
            published_on=active_trial.ends_on - timedelta(days=6),
        )
    assert "published_on" in error.value.message_dict
    assert not Vote.objects.exists()


def test_no_hiring_vote_before_the_trial_starts(accepted_trial, committee_member):
    with pytest.raises(ValidationError):
        _record(committee_member, accepted_trial)


def test_only_the_chair_or_signer_records(active_trial, firm_admin, official, compound):
    member = CommitteeMemberFactory(committee=compound.current_committee).user
    for user in (member, firm_admin, official):
        with pytest.raises(PermissionDenied):
            _record(user, active_trial)
    assert not Vote.objects.exists()


def test_bureau_annuls_a_passed_vote_with_a_reason(
    active_trial, committee_member, official, other_official
):
    vote = _record(committee_member, active_trial)
    with pytest.raises(PermissionDenied):
        vote_annul(actor=other_official, vote=vote, reason="程序违规")
    with pytest.raises(ValidationError):
        vote_annul(actor=official, vote=vote, reason="")
    vote = vote_annul(actor=official, vote=vote, reason="程序违规")
    assert vote.status == VoteStatus.ANNULLED
    with pytest.raises(InvalidTransition):
        vote_annul(actor=official, vote=vote, reason="again")
