"""What the people of the simulated district do on one day, through the real services:
committees ask for trials, withdraw them, hold votes, generate and sign (or abandon)
contracts and give notice; firms accept or decline trial requests, give notice and hand
over; the bureau suspends, revokes and reinstates firms, warns after a quality slump and
asks for a fallback order, and extends fallback cases. Each move is one service call;
a refusal by the rules is counted, never worked around."""

import logging
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from market.exceptions import InvalidTransition
from market.models import Compound, Firm, FirmStatus
from market.prepared import KeyedQuery

from ..models import (
    IN_FORCE_STATUSES,
    Contract,
    ContractStatus,
    Engagement,
    EngagementPhase,
    FallbackCase,
    FallbackCaseStatus,
    Handover,
    HandoverItemKind,
    HandoverStatus,
    SigningParty,
    Trial,
    TrialStatus,
    VoteKind,
    VoteStatus,
)
from ..services import handover as handover_services
from ..services.contract_terms import contract_give_notice
from ..services.contracts import contract_cancel, contract_generate, contract_sign
from ..services.fallback import fallback_extend, fallback_order, written_warning_record
from ..services.trials import trial_accept, trial_decline, trial_request, trial_withdraw
from ..services.votes import vote_record
from .documents import document_wait
from .world import World, photo

REFUSED = (ValidationError, InvalidTransition, PermissionDenied)
# Trials (of vetted firms, DOMAIN "Trials") end in an owners' vote nine times in ten,
# and three in four hire the firm; the rest go to fallback and try another firm.
VOTE_HELD = 0.9
VOTE_PASSES = 0.75
# Owners who replace their firm when its fixed term comes to an end; the rest keep it.
REPLACE_SHARE = 0.35
# Days between generating a contract and both sides signing it: they read it first. The
# owners vote three days before the trial's last day, so three days sign it on that last
# day, in time for the contract to start the day after. (Fewer days were shorter than the
# renders of a burst of contracts at the pace of a large district: the run waited for
# the PDFs, docs/performance.md, seventh and eighth passes.)
SIGNING_DAYS = 3
# Contract terms chosen (years: weight): most owners sign for the longest term allowed.
TERM_YEARS = {1: 2, 2: 3, 3: 5}
logger = logging.getLogger(__name__)


# What the people look at every day, the same questions of the same district: compiled
# once per connection, keyed by the district (market.prepared; docs/performance.md, tenth
# pass). Sets and a dict need no order; the lists keep the models' own, which the draws
# follow.
def _in_district(district_id: int, prefix: str = "compound__") -> dict:
    return {f"{prefix}street_office__district": district_id}


_UPCOMING_COMPOUNDS = KeyedQuery(
    lambda district_id: (
        Engagement.objects.filter(phase=EngagementPhase.UPCOMING, **_in_district(district_id))
        .order_by()
        .values_list("compound_id", flat=True)
    )
)
_REQUESTING_COMPOUNDS = KeyedQuery(
    lambda district_id: (
        Trial.objects.filter(status=TrialStatus.REQUESTED, **_in_district(district_id))
        .order_by()
        .values_list("compound_id", flat=True)
    )
)
_LIVE_ENGAGEMENTS = KeyedQuery(
    lambda district_id: (
        Engagement.objects.filter(phase=EngagementPhase.LIVE, **_in_district(district_id))
        .order_by()
        .values_list("compound_id", "kind", "ends_on", "firm_id", "pk")
    )
)
_OPEN_TRIAL_REQUESTS = KeyedQuery(
    lambda district_id: Trial.objects.filter(
        status__in=[TrialStatus.REQUESTED, TrialStatus.ACCEPTED], **_in_district(district_id)
    ).select_related("firm", "compound")
)
_CONTRACTS_IN_FORCE = KeyedQuery(
    lambda district_id: (
        Contract.objects.filter(
            status__in=IN_FORCE_STATUSES, terminates_on__isnull=True, **_in_district(district_id)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
)
_OPEN_HANDOVERS = KeyedQuery(
    lambda district_id: Handover.objects.filter(
        status__in=[HandoverStatus.OPEN, HandoverStatus.REFUSED], **_in_district(district_id)
    )
)


class Moves:
    def __init__(self, world: World, stats: Counter, timings: Counter | None = None):
        self.world = world
        self.rng = world.rng
        self.stats = stats
        self.timings = timings if timings is not None else Counter()
        self.handover_plan: dict[int, date | None] = {}
        self.warnings: dict[int, tuple[object, date]] = {}  # contract pk -> (warning, on)
        self.renewals: dict[int, tuple[date, bool]] = {}  # engagement -> (end, replaced?)
        self.to_sign: list[tuple[date, Contract, object, int]] = []  # (day, contract, …)
        self.errors: list[str] = []

    def attempt(self, name: str, service, **kwargs) -> object | None:
        """Call ``service(**kwargs)``; count it, or count its refusal by the rules."""
        try:
            result = service(**kwargs)
        except REFUSED:
            self.stats[f"refused.{name}"] += 1
            return None
        except Exception as error:
            # Not a refusal: a bug (e.g. a constraint the service broke). Counted and
            # reported — the run fails — but the history goes on (the service's
            # transaction was rolled back).
            logger.exception("simulation: %s failed", name)
            self.stats[f"error.{name}"] += 1
            if len(self.errors) < 20:
                self.errors.append(f"{name}: {type(error).__name__}: {error}"[:500])
            return None
        self.stats[name] += 1
        return result

    def district_filter(self, prefix: str = "compound__") -> dict:
        return _in_district(self.world.district.pk, prefix)

    # --- committees looking for a firm ---------------------------------------------------

    def request_trials(self, today: date) -> None:
        chairs = self.world.chairs
        if not chairs:
            return
        district_id = self.world.district.pk
        upcoming = set(_UPCOMING_COMPOUNDS.rows(district_id))
        pending = set(_REQUESTING_COMPOUNDS.rows(district_id))
        live = {
            compound_id: (kind, ends_on, firm_id, pk)
            for compound_id, kind, ends_on, firm_id, pk in _LIVE_ENGAGEMENTS.rows(district_id)
        }
        for compound_id, chair in chairs.items():
            if compound_id in upcoming or compound_id in pending:
                continue
            kind, ends_on, firm_id, engagement_id = live.get(compound_id, (None,) * 4)
            if kind is None:
                chance, starts_on = 0.10, today + timedelta(days=self.rng.randint(1, 20))
            elif kind == "fallback":
                chance, starts_on = 0.05, today + timedelta(days=self.rng.randint(1, 20))
            elif kind == "contract" and ends_on is not None and (ends_on - today).days <= 150:
                if not self.replaces(engagement_id, ends_on):
                    continue  # kept: the contract runs on, into holdover (art. 948)
                # Line up the successor from the day after the last day.
                chance, starts_on = 0.10, max(ends_on, today) + timedelta(days=1)
            else:
                continue
            if self.rng.random() >= chance:
                continue
            offers = [o for o in self.world.offers if o.firm_id != firm_id]
            offer = self.rng.choice(offers)
            self.attempt(
                "trial.requested",
                trial_request,
                actor=chair,
                compound=Compound(pk=compound_id),
                offer=offer,
                starts_on=starts_on,
                today=today,
            )

    def replaces(self, engagement_id: int, ends_on: date) -> bool:
        """At the renew-or-replace decision most owners keep a firm they are content
        with (DOMAIN "Renewal clock"): decided once per contract term. A notice moves the
        end (dismissal, a firm not renewing, the end of a holdover): then the contract
        ends for certain and the owners look for a successor."""
        seen = self.renewals.get(engagement_id)
        if seen is None:
            seen = self.renewals[engagement_id] = (ends_on, self.rng.random() < REPLACE_SHARE)
        elif seen[0] != ends_on:
            seen = self.renewals[engagement_id] = (ends_on, True)
        return seen[1]

    def answer_requests(self, today: date) -> None:
        for trial in _OPEN_TRIAL_REQUESTS.rows(self.world.district.pk):
            chair = self.world.chairs.get(trial.compound_id)
            if self.rng.random() < 0.01 and chair is not None:
                self.attempt(
                    "trial.withdrawn",
                    trial_withdraw,
                    actor=chair,
                    trial=trial,
                    reason="业主改变主意",
                )
                continue
            if trial.status != TrialStatus.REQUESTED or self.rng.random() >= 0.3:
                continue
            staff = self.world.staff[trial.firm_id]
            if trial.starts_on < today:
                # The firm answered too late: the request lapses, declined with a reason.
                self.attempt(
                    "trial.lapsed_request",
                    trial_decline,
                    actor=staff,
                    trial=trial,
                    reason="开始日期已过",
                )
            elif self.rng.random() < 0.85:
                self.attempt("trial.accepted", trial_accept, actor=staff, trial=trial, today=today)
            else:
                self.attempt(
                    "trial.declined",
                    trial_decline,
                    actor=staff,
                    trial=trial,
                    reason="人手不足",
                )

    # --- the owners decide ------------------------------------------------------------

    def decide_trials(self, today: date) -> None:
        """Three days before a trial's last day the owners vote on hiring the firm."""
        for trial in Trial.objects.filter(
            status=TrialStatus.ACTIVE, ends_on=today + timedelta(days=3), **self.district_filter()
        ).select_related("compound", "firm"):
            chair = self.world.chairs.get(trial.compound_id)
            draw = self.rng.random()
            if chair is None or draw >= VOTE_HELD:
                self.stats["trial.no_vote"] += 1
                continue
            passing = draw < VOTE_PASSES
            vote = self.attempt(
                "vote.hire_passed" if passing else "vote.hire_failed",
                vote_record,
                actor=chair,
                compound=trial.compound,
                kind=VoteKind.HIRE,
                trial=trial,
                notice_on=today - timedelta(days=20),
                vote_on=today - timedelta(days=2),
                today=today,
                **tally(trial.compound, passing=passing),
            )
            if vote is None or vote.status != VoteStatus.PASSED:
                continue
            contract = self.attempt(
                "contract.generated",
                contract_generate,
                actor=chair,
                vote=vote,
                term_years=self.rng.choices(list(TERM_YEARS), weights=TERM_YEARS.values())[0],
                today=today,
            )
            if contract is None:
                continue
            if self.rng.random() < 0.08:
                self.attempt(
                    "contract.declined",
                    contract_cancel,
                    actor=chair,
                    contract=contract,
                    reason="条款未谈妥",
                )
                continue
            # Both sides read the PDF (rendered in the background) and sign on the
            # trial's last day (its contract starts the day after).
            self.to_sign.append(
                (today + timedelta(days=SIGNING_DAYS), contract, chair, trial.firm_id)
            )

    def sign_contracts(self, today: date) -> None:
        """The contracts generated ``SIGNING_DAYS`` ago are signed by both sides, on the
        PDF's hash (waiting for a document worker if it has not rendered it yet)."""
        due = [entry for entry in self.to_sign if entry[0] <= today]
        self.to_sign = [entry for entry in self.to_sign if entry[0] > today]
        for _day, contract, chair, firm_id in due:
            tick = time.monotonic()
            digest = document_wait(contract.pk)
            # Part of the moves' time: idle, waiting for a document worker's render.
            self.timings["documents_wait"] += time.monotonic() - tick
            for party, signer in (
                (SigningParty.COMMITTEE, chair),
                (SigningParty.FIRM, self.world.staff[firm_id]),
            ):
                self.attempt(
                    f"contract.signed_{party}",
                    contract_sign,
                    actor=signer,
                    contract=contract,
                    party=party,
                    document_sha256=digest,
                    today=today,
                )

    def notices(self, today: date) -> None:
        # One draw per contract in force; only the few that act are loaded (without the
        # PDF: the services reload what they change).
        drawn = [(pk, self.rng.random()) for pk in _CONTRACTS_IN_FORCE.rows(self.world.district.pk)]
        acting = {pk: draw for pk, draw in drawn if draw < 0.0015}
        if not acting:
            return
        contracts = (
            Contract.objects.filter(pk__in=acting)
            .select_related("compound", "firm")
            .defer("document", "terms", "parties")
            .order_by("pk")
        )
        for contract in contracts:
            chair = self.world.chairs.get(contract.compound_id)
            draw = acting[contract.pk]
            if contract.status == ContractStatus.HOLDOVER:
                if draw < 0.0015:
                    self.attempt(
                        "contract.notice_holdover",
                        contract_give_notice,
                        actor=chair,
                        contract=contract,
                        by="either",
                        reason="另选物业",
                        notice_on=today,
                    )
            elif draw < 0.0004 and today <= contract.ends_on - timedelta(days=90):
                staff = self.world.staff[contract.firm_id]
                self.attempt(
                    "contract.notice_firm",
                    contract_give_notice,
                    actor=staff,
                    contract=contract,
                    by="firm",
                    reason="不再续约",
                    notice_on=today,
                )
            elif draw < 0.0007 and chair is not None:
                self.dismiss(contract, chair, today)
            elif draw < 0.0009:
                self.slump(contract, today)

    def dismiss(self, contract, chair, today: date) -> None:
        passing = self.rng.random() < 0.7
        vote = self.attempt(
            "vote.dismiss_passed" if passing else "vote.dismiss_failed",
            vote_record,
            actor=chair,
            compound=contract.compound,
            kind=VoteKind.DISMISS,
            contract=contract,
            notice_on=today - timedelta(days=20),
            vote_on=today - timedelta(days=1),
            today=today,
            **tally(contract.compound, passing=passing),
        )
        if vote is not None and vote.status == VoteStatus.PASSED:
            self.attempt(
                "contract.dismissed",
                contract_give_notice,
                actor=chair,
                contract=contract,
                by="owners",
                reason="业主大会决定解聘",
                notice_on=today,
                vote=vote,
            )

    # --- the bureau -------------------------------------------------------------------

    def slump(self, contract, today: date) -> None:
        """A quality slump: the bureau's written warning; later it asks for a fallback
        order, which the service grants only on two quarters scoring below 60."""
        if contract.pk in self.warnings:
            return
        warning = self.attempt(
            "bureau.warning",
            written_warning_record,
            actor=self.world.official,
            compound=contract.compound,
            text="服务质量连续下滑，限期整改",
            today=today,
        )
        if warning is not None:
            self.warnings[contract.pk] = (warning, today + timedelta(days=100))

    def orders(self, today: date) -> None:
        for contract_pk, (warning, due) in list(self.warnings.items()):
            if due != today:
                continue
            del self.warnings[contract_pk]
            self.attempt(
                "bureau.fallback_ordered",
                fallback_order,
                actor=self.world.official,
                compound=warning.compound,
                warning=warning,
                reason="两个季度评分低于60分",
                today=today,
            )

    def sanctions(self, today: date) -> None:
        from market.services.firms import firm_reinstate, firm_revoke, firm_suspend

        for firm in Firm.objects.filter(pk__in=[f.pk for f in self.world.firms]):
            draw = self.rng.random()
            if firm.status == FirmStatus.APPROVED and draw < 0.00003:
                # The firm_status_changed receiver moves its sites to fallback.
                if self.attempt(
                    "firm.revoked", firm_revoke, firm=firm, actor=None, reason="吊销资质"
                ):
                    self.world.firm_enter()
                    self.stats["firm.entered"] += 1
            elif firm.status == FirmStatus.APPROVED and draw < 0.00025:
                self.attempt("firm.suspended", firm_suspend, firm=firm, actor=None, reason="违规")
            elif firm.status == FirmStatus.SUSPENDED and draw < 0.02:
                self.attempt(
                    "firm.reinstated",
                    firm_reinstate,
                    firm=firm,
                    actor=None,
                    reason="整改完成",
                )

    def extensions(self, today: date) -> None:
        """The bureau extends fallback near the end of its 6 months, with a reason."""
        for case in FallbackCase.objects.filter(
            district=self.world.district,
            status=FallbackCaseStatus.OPEN,
            engagement__phase=EngagementPhase.LIVE,
            planned_end_on__lte=today + timedelta(days=self.rng.randint(0, 10)),
        ):
            self.attempt(
                "fallback.extended",
                fallback_extend,
                actor=self.world.official,
                case=case,
                until=case.planned_end_on + timedelta(days=90),
                reason="选聘仍在进行",
            )

    # --- handovers --------------------------------------------------------------------

    def handovers(self, today: date) -> None:
        enforce = getattr(handover_services, "handover_enforce", None)
        for handover in _OPEN_HANDOVERS.rows(self.world.district.pk):
            if handover.pk not in self.handover_plan:
                if self.rng.random() < 0.05:
                    # Runs past the deadline; some refuse outright.
                    self.handover_plan[handover.pk] = None
                    if self.rng.random() < 0.5:
                        staff = self.world.staff[handover.outgoing_firm_id]
                        self.attempt(
                            "handover.refused",
                            handover_services.handover_refuse,
                            actor=staff,
                            handover=handover,
                            reason="费用争议未决",
                            today=today,
                        )
                else:
                    self.handover_plan[handover.pk] = max(
                        handover.opened_on + timedelta(days=self.rng.randint(1, 25)), today
                    )
            planned = self.handover_plan[handover.pk]
            if planned is None:
                if today <= handover.due_on + timedelta(days=2):
                    continue
                if enforce is not None and getattr(handover, "enforced_on", None) is None:
                    self.attempt(
                        "handover.enforced",
                        enforce,
                        actor=self.world.official,
                        handover=handover,
                        reason="逾期未交接",
                        today=today,
                    )
                # The late firm still owes the items, and hands them over at last.
                self.handover_plan[handover.pk] = today + timedelta(days=self.rng.randint(1, 15))
            elif planned <= today and not self.confirm_all(handover, today):
                # Refused somewhere (e.g. open requests that cannot move yet): not every
                # day again — the deadline passes and the bureau enforces, as for a late
                # firm; the items are handed over afterwards.
                self.stats["handover.stuck"] += 1
                self.handover_plan[handover.pk] = None

    def confirm_all(self, handover: Handover, today: date) -> bool:
        """Both firms confirm every item, one call each; True if the handover is complete."""
        outgoing = self.world.staff[handover.outgoing_firm_id]
        incoming = self.world.staff[handover.incoming_firm_id]
        confirmed = {
            kind: (out_on is not None, in_on is not None)
            for kind, out_on, in_on in handover.items.values_list(
                "kind", "outgoing_confirmed_on", "incoming_confirmed_on"
            )
        }
        for side, actor in enumerate((outgoing, incoming)):
            # Confirmed on an earlier try: not again (the service confirms what is left).
            left = [
                kind
                for kind in HandoverItemKind.values
                if not confirmed.get(kind, (False,) * 2)[side]
            ]
            if not left:
                continue
            extra = {}
            if actor is outgoing and HandoverItemKind.FACILITIES in left:
                extra["photos"] = [photo()]
            if actor is outgoing and HandoverItemKind.FEES in left:
                extra["refund_amount"] = Decimal(self.rng.randint(0, 50000)) / 100
            done = self.attempt(
                "handover.item_confirmed",
                handover_services.handover_confirm_remaining,
                actor=actor,
                handover=handover,
                today=today,
                **extra,
            )
            if done is not None:
                # Counted per item, as when each was confirmed on its own (attempt counted 1).
                self.stats["handover.item_confirmed"] += len(done) - 1
        return handover.status == HandoverStatus.COMPLETED


def tally(compound, *, passing: bool) -> dict:
    """An owners' vote: three quarters take part; most approve, or too few."""
    owners, area = compound.owners, compound.exclusive_area
    participating_owners = owners * 3 // 4 + 1
    participating_area = (area * 3 / 4).quantize(Decimal("0.01"))
    share = Decimal("0.9") if passing else Decimal("0.3")
    return {
        "participating_owners": participating_owners,
        "participating_area": participating_area,
        "approving_owners": int(participating_owners * share),
        "approving_area": (participating_area * share).quantize(Decimal("0.01")),
    }
