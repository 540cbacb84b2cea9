"""Property-based test of the coverage invariant (issue #6): hypothesis generates random
sequences of actions and dates for a handful of compounds — trials requested, accepted,
declined, withdrawn; hiring and dismissal votes passing and failing; contracts signed and
given notice; firms suspended and reinstated; handover items confirmed (or enforced by the
bureau); days passing with the daily entry point — and after every step (and every day)
every compound has exactly one responsible operator unless it is still in its 30 seeking
days, and no fallback runs past its term.

Each example runs in a savepoint rolled back at its end, on one synthetic district built
once; on-commit work (the receiver moving a suspended firm's sites) runs after each step.
Derandomized, so CI sees the same examples every run."""

import random
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.daily import daily_run
from contracts.models import (
    IN_FORCE_STATUSES,
    Contract,
    ContractStatus,
    Handover,
    HandoverStatus,
    Trial,
    TrialStatus,
)
from contracts.services import handover as handover_services
from contracts.services.trials import trial_accept, trial_decline, trial_withdraw
from contracts.simulation.clock import simulated_clock
from contracts.simulation.invariant import coverage_check
from contracts.simulation.moves import REFUSED, Moves, tally
from contracts.simulation.world import PlannedCompound, World
from market.models import Compound, Firm, FirmStatus
from market.services.firms import firm_reinstate, firm_suspend

START = date(2031, 3, 1)
# Registered 40 and 31 days before the start (fallback at once), 10 days before, and on
# the first day; the last one has no committee, so only fallback can serve it.
REGISTERED_BEFORE = [40, 31, 10, 0]


@pytest.fixture
def world(db):
    world = World(rng=random.Random(5), start=START, tag="H0000000001")
    world.build(compounds=0, days=1)
    for index, before in enumerate(REGISTERED_BEFORE):
        world.planned.append(
            PlannedCompound(index, START - timedelta(days=before), None if index == 3 else 0)
        )
    world.register_due(START)
    return world


def nth(queryset, n):
    rows = list(queryset.order_by("pk"))
    return rows[n % len(rows)] if rows else None


class Run:
    """One example: the actions, the simulated day, the check after each step."""

    def __init__(self, world, clock, capture):
        self.world, self.clock, self.capture = world, clock, capture
        self.moves = Moves(world, Counter())
        self.today = START
        self.compound_pks = [p.pk for p in world.planned]

    def check(self):
        result = coverage_check(district=self.world.district, day=self.today)
        assert result.violations == 0, (self.today, result)

    def attempt(self, action):
        try:
            with transaction.atomic():
                action()
        except REFUSED:
            pass  # refused by the rules (slot taken, firm unavailable, …): fine

    def day(self):
        """What happens on every day: the daily entry point, then the bureau extends
        fallback nearing its 6 months (it must, with a reason)."""
        self.clock.today = self.today
        with self.capture(execute=True):
            results = daily_run(today=self.today)
            self.moves.extensions(self.today)
        assert not any(r and r.get("failed") for r in results.values()), results

    # --- actions ---------------------------------------------------------------------

    def advance(self, days):
        for _ in range(days):
            self.today += timedelta(days=1)
            self.day()
            self.check()

    def request(self, compound, firm, start_in):
        pk = self.compound_pks[compound % len(self.compound_pks)]
        chair = self.world.chairs.get(pk)
        if chair is None:
            return
        offer = self.world.offers[firm % len(self.world.offers)]
        from contracts.services.trials import trial_request

        self.attempt(
            lambda: trial_request(
                actor=chair,
                compound=Compound(pk=pk),
                offer=offer,
                starts_on=self.today + timedelta(days=start_in),
                today=self.today,
            )
        )

    def answer(self, n, verb):
        statuses = [TrialStatus.REQUESTED]
        if verb == "withdraw":
            statuses.append(TrialStatus.ACCEPTED)
        trial = nth(Trial.objects.filter(status__in=statuses, compound_id__in=self.compound_pks), n)
        if trial is None:
            return
        staff = self.world.staff[trial.firm_id]
        chair = self.world.chairs[trial.compound_id]
        action = {
            "accept": lambda: trial_accept(actor=staff, trial=trial, today=self.today),
            "decline": lambda: trial_decline(actor=staff, trial=trial, reason="人手不足"),
            "withdraw": lambda: trial_withdraw(actor=chair, trial=trial, reason="改主意"),
        }[verb]
        self.attempt(action)

    def hire(self, n, passing):
        trial = nth(
            Trial.objects.filter(status=TrialStatus.ACTIVE, compound_id__in=self.compound_pks), n
        )
        if trial is None or trial.ends_on - self.today > timedelta(days=25):
            return
        from contracts.services.contracts import contract_generate, contract_sign
        from contracts.services.votes import vote_record

        chair = self.world.chairs[trial.compound_id]

        def hire():
            vote = vote_record(
                actor=chair,
                compound=trial.compound,
                kind="hire",
                trial=trial,
                notice_on=self.today - timedelta(days=20),
                vote_on=self.today - timedelta(days=1),
                today=self.today,
                **tally(trial.compound, passing=passing),
            )
            if not passing:
                return
            contract = contract_generate(actor=chair, vote=vote, term_years=1, today=self.today)
            for party, signer in (("committee", chair), ("firm", self.world.staff[trial.firm_id])):
                contract_sign(
                    actor=signer,
                    contract=contract,
                    party=party,
                    document_sha256=contract.document_sha256,
                    today=self.today,
                )

        self.attempt(hire)

    def notice(self, n, dismiss):
        contract = nth(
            Contract.objects.filter(
                status__in=IN_FORCE_STATUSES,
                terminates_on__isnull=True,
                compound_id__in=self.compound_pks,
            ).select_related("compound", "firm"),
            n,
        )
        if contract is None:
            return
        chair = self.world.chairs[contract.compound_id]
        if dismiss:
            self.attempt(lambda: self.moves.dismiss(contract, chair, self.today))
            return
        from contracts.services.contract_terms import contract_give_notice

        holdover = contract.status == ContractStatus.HOLDOVER
        self.attempt(
            lambda: contract_give_notice(
                actor=chair if holdover else self.world.staff[contract.firm_id],
                contract=contract,
                by="either" if holdover else "firm",
                reason="不再续约",
                notice_on=self.today,
            )
        )

    def sanction(self, firm, suspend):
        firm = Firm.objects.get(pk=self.world.firms[firm % len(self.world.firms)].pk)
        if suspend and firm.status == FirmStatus.APPROVED:
            self.attempt(lambda: firm_suspend(firm=firm, actor=None, reason="违规"))
        elif not suspend and firm.status == FirmStatus.SUSPENDED:
            self.attempt(lambda: firm_reinstate(firm=firm, actor=None, reason="整改完成"))

    def handover(self, n, enforce):
        handover = nth(
            Handover.objects.filter(
                status__in=[HandoverStatus.OPEN, HandoverStatus.REFUSED],
                compound_id__in=self.compound_pks,
            ),
            n,
        )
        if handover is None:
            return
        enforcing = getattr(handover_services, "handover_enforce", None)
        if enforce:
            if enforcing is not None and handover.due_on < self.today:
                self.attempt(
                    lambda: enforcing(
                        actor=self.world.official,
                        handover=handover,
                        reason="逾期未交接",
                        today=self.today,
                    )
                )
            return
        self.moves.confirm_all(handover, self.today)


ACTIONS = st.one_of(
    st.tuples(st.just("advance"), st.integers(1, 35)),
    st.tuples(st.just("request"), st.integers(0, 3), st.integers(0, 3), st.integers(0, 20)),
    st.tuples(st.sampled_from(["accept", "decline", "withdraw"]), st.integers(0, 3)),
    st.tuples(st.just("hire"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("notice"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("sanction"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("handover"), st.integers(0, 3), st.booleans()),
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(ACTIONS, min_size=3, max_size=10))
def test_every_step_leaves_every_compound_served(world, django_capture_on_commit_callbacks, steps):
    with simulated_clock(START) as clock, transaction.atomic():
        run = Run(world, clock, django_capture_on_commit_callbacks)
        run.day()
        run.check()
        for step in steps:
            name, *args = step
            if name == "advance":
                run.advance(*args)  # each day captures its own on-commit work
                continue
            with run.capture(execute=True):
                if name in ("accept", "decline", "withdraw"):
                    run.answer(args[0], name)
                elif name == "notice":
                    run.notice(args[0], dismiss=args[1])
                elif name == "sanction":
                    run.sanction(args[0], suspend=args[1])
                elif name == "handover":
                    run.handover(args[0], enforce=args[1])
                elif name == "hire":
                    run.hire(args[0], passing=args[1])
                else:
                    run.request(*args)
            run.check()
        transaction.set_rollback(True)
