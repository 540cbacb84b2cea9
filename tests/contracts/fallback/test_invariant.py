"""The coverage invariant (DOMAIN "Fallback (国企兜底) and handover"), proven by a seeded
random walk through the real services: trials requested, accepted, lapsing or hired;
contracts given notice, expiring and held over; firms suspended and reinstated; the bureau
extending fallback; the daily entry point every day. After every day, every compound:

- has at most one responsible operator;
- has exactly one once it is past its 30 seeking days or has been served once;
- is served by the fallback operator only within the case's (extended) term.
"""

import random
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q

from contracts.daily import daily_run
from contracts.models import (
    Contract,
    ContractStatus,
    Engagement,
    EngagementKind,
    EngagementPhase,
    FallbackCase,
    FallbackCaseStatus,
    Trial,
    TrialStatus,
)
from contracts.services.contract_terms import contract_give_notice
from contracts.services.contracts import contract_generate
from contracts.services.fallback import fallback_extend, fallback_take_over_firm
from contracts.services.trials import trial_accept, trial_request
from contracts.services.votes import vote_record
from market.exceptions import InvalidTransition
from market.models import Compound, Firm
from market.services.firms import firm_reinstate, firm_suspend
from tests.factories import CommitteeMemberFactory, CompoundFactory, FirmMemberFactory, OfferFactory

from ..conftest import TODAY, offer_terms, passing_tally, sign_both

DAYS = 400
COMPOUNDS = 4
FIRMS = 3


class World:
    def __init__(self, rng, district, street_office):
        self.rng = rng
        self.district = district
        self.compounds, self.chairs = [], {}
        for n in range(COMPOUNDS):
            compound = CompoundFactory(street_office=street_office, name=f"随机小区{n}")
            # Registered at different days of the walk, some before it starts.
            registered = TODAY + timedelta(days=rng.randint(-40, 60))
            Compound.objects.filter(pk=compound.pk).update(registered_on=registered)
            compound.refresh_from_db()
            self.compounds.append(compound)
            seat = CommitteeMemberFactory(committee__compound=compound, role="chair")
            self.chairs[compound.pk] = seat.user
        self.firms, self.admins, self.offers = [], {}, []
        for n in range(FIRMS):
            member = FirmMemberFactory(role="admin", firm__districts=[district])
            self.firms.append(member.firm)
            self.admins[member.firm_id] = member.user
            self.offers.append(
                OfferFactory(
                    firm=member.firm,
                    trial_months=1,
                    trial_fee=0,
                    terms=offer_terms(title=f"方案{n}", trial_months=1, trial_fee="0"),
                    districts=[district],
                )
            )
        self.first_served = {}
        self.suspensions = 0

    def attempt(self, action):
        try:
            action()
        except (ValidationError, InvalidTransition):
            pass  # refused by the rules (slot taken, firm unavailable, ...): fine

    def act(self, day):
        rng = self.rng
        compound = rng.choice(self.compounds)
        if compound.registered_on <= day and rng.random() < 0.15:
            offer = rng.choice(self.offers)
            chair = self.chairs[compound.pk]

            def request_and_accept():
                trial = trial_request(
                    actor=chair,
                    compound=compound,
                    offer=offer,
                    starts_on=day + timedelta(days=rng.randint(1, 20)),
                    today=day,
                )
                trial_accept(actor=self.admins[offer.firm_id], trial=trial, today=day)

            self.attempt(request_and_accept)
        # A trial in its last days: the owners hire the firm (sometimes).
        for trial in Trial.objects.filter(status=TrialStatus.ACTIVE, ends_on=day):
            if rng.random() < 0.5:
                self.attempt(lambda trial=trial: self.hire(trial, day))
        # A contract in force: notice by the firm, or in holdover by either party.
        for contract in Contract.objects.filter(
            status__in=[ContractStatus.ACTIVE, ContractStatus.HOLDOVER], terminates_on__isnull=True
        ):
            if rng.random() < 0.01:
                by = "firm" if contract.status == ContractStatus.ACTIVE else "either"
                self.attempt(
                    lambda contract=contract, by=by: contract_give_notice(
                        actor=None, contract=contract, by=by, reason="不再续约", notice_on=day
                    )
                )
        # Firms suspended (their sites go to fallback) and reinstated.
        for firm in Firm.objects.filter(pk__in=[f.pk for f in self.firms]):
            if firm.status == "approved" and rng.random() < 0.004:
                firm_suspend(firm=firm, actor=None, reason="违规")
                self.suspensions += 1
                # What the firm_status_changed receiver does after commit.
                fallback_take_over_firm(firm=firm, today=day)
            elif firm.status == "suspended" and rng.random() < 0.03:
                firm_reinstate(firm=firm, actor=None, reason="整改完成")
        # The bureau extends fallback near the end of its term, with a reason.
        for case in FallbackCase.objects.filter(
            status=FallbackCaseStatus.OPEN, planned_end_on__lte=day + timedelta(days=10)
        ):
            fallback_extend(
                actor=None,
                case=case,
                until=case.planned_end_on + timedelta(days=90),
                reason="选聘仍在进行",
            )

    def hire(self, trial, day):
        chair = self.chairs[trial.compound_id]
        vote = vote_record(
            actor=chair,
            compound=trial.compound,
            kind="hire",
            trial=trial,
            notice_on=day - timedelta(days=20),
            vote_on=day - timedelta(days=2),
            today=day,
            **passing_tally(trial.compound),
        )
        contract = contract_generate(actor=chair, vote=vote, term_years=1, today=day)
        sign_both(contract, chair, self.admins[trial.firm_id], today=day)

    def check(self, day):
        covering = Engagement.objects.filter(
            phase__in=[EngagementPhase.LIVE, EngagementPhase.ENDED], starts_on__lte=day
        ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        for compound in self.compounds:
            operators = list(covering.filter(compound=compound))
            assert len(operators) <= 1, (day, compound, operators)
            if operators:
                self.first_served.setdefault(compound.pk, day)
            must_be_served = (
                day >= compound.registered_on + timedelta(days=30)
                or compound.pk in self.first_served
            )
            if must_be_served:
                assert len(operators) == 1, (day, compound, "unserved")
            if operators and operators[0].kind == EngagementKind.FALLBACK:
                case = operators[0].fallback_case
                case.refresh_from_db()
                assert day <= case.planned_end_on, (day, case, "fallback past its term")


@pytest.mark.parametrize("seed", [1, 2])
def test_every_compound_has_one_responsible_operator_every_day(
    seed, district, street_office, designation
):
    rng = random.Random(seed)
    world = World(rng, district, street_office)
    for offset in range(DAYS):
        day = TODAY + timedelta(days=offset)
        results = daily_run(today=day)
        assert not any(r and r.get("failed") for r in results.values()), (day, results)
        world.act(day)
        world.check(day)
    # The walk exercised what it is meant to.
    triggers = set(FallbackCase.objects.values_list("trigger", flat=True))
    print(
        seed,
        sorted(triggers),
        Engagement.objects.filter(kind="contract").exclude(phase="upcoming").count(),
        Engagement.objects.filter(kind="trial").exclude(phase="upcoming").count(),
        FallbackCase.objects.filter(status=FallbackCaseStatus.CLOSED).count(),
        world.suspensions,
    )
    assert len(triggers) >= 2 and FallbackCase.objects.filter(status="closed").exists()
