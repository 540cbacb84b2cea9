"""Under concurrency on PostgreSQL: one live engagement per compound, one concluded contract."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from contracts.models import (
    Contract,
    ContractSignature,
    ContractStatus,
    Engagement,
    EngagementPhase,
    SigningParty,
    TrialStatus,
)
from contracts.services.contracts import contract_sign
from contracts.services.trials import trial_accept, trial_request
from market.exceptions import InvalidTransition
from tests.factories import FirmMemberFactory, OfferFactory

from .conftest import TODAY, offer_terms

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks under concurrency: PostgreSQL only"
    ),
]
THREADS = 20


def _race(work, count):
    barrier = threading.Barrier(count)
    outcomes = []

    def run(index):
        try:
            barrier.wait()
            work(index)
            outcomes.append("ok")
        except (ValidationError, InvalidTransition):
            outcomes.append("refused")
        except Exception as error:  # noqa: BLE001  (reported by the assertion)
            outcomes.append(f"error: {error!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_firms_accepting_trials_of_one_compound_leave_one_engagement(
    compound, committee_member, district
):
    trials, admins = [], []
    for n in range(THREADS):
        member = FirmMemberFactory(role="admin", firm__districts=[district])
        offer = OfferFactory(
            firm=member.firm,
            trial_months=1,
            trial_fee=0,
            terms=offer_terms(title=f"方案{n}"),
            districts=[district],
        )
        trials.append(
            trial_request(
                actor=committee_member,
                compound=compound,
                offer=offer,
                starts_on=TODAY + timedelta(days=3),
                today=TODAY,
            )
        )
        admins.append(member.user)

    outcomes = _race(lambda i: trial_accept(actor=admins[i], trial=trials[i], today=TODAY), THREADS)

    assert sorted(outcomes) == ["ok"] + ["refused"] * (THREADS - 1), outcomes
    assert Engagement.objects.filter(compound=compound).count() == 1
    assert compound.trials.filter(status=TrialStatus.ACCEPTED).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_requests_and_acceptances_starting_today_leave_one_live_engagement(
    compound, committee_member, district
):
    """Each thread requests a trial of its own firm's offer and accepts it at once, to
    start today: exactly one becomes live."""
    offers = []
    for n in range(THREADS):
        member = FirmMemberFactory(role="admin", firm__districts=[district])
        offers.append(
            (
                OfferFactory(
                    firm=member.firm,
                    trial_months=1,
                    trial_fee=0,
                    terms=offer_terms(title=f"方案{n}"),
                    districts=[district],
                ),
                member.user,
            )
        )

    def request_and_accept(i):
        offer, admin = offers[i]
        trial = trial_request(
            actor=committee_member, compound=compound, offer=offer, starts_on=TODAY, today=TODAY
        )
        trial_accept(actor=admin, trial=trial, today=TODAY)

    outcomes = _race(request_and_accept, THREADS)

    assert outcomes.count("ok") == 1, outcomes
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert Engagement.objects.filter(compound=compound, phase=EngagementPhase.LIVE).count() == 1
    assert compound.trials.filter(status=TrialStatus.ACTIVE).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_both_signers_at_the_same_moment_conclude_one_contract(
    draft_contract, committee_member, firm_admin
):
    contract = Contract.objects.get(pk=draft_contract.pk)
    signers = [(committee_member, SigningParty.COMMITTEE), (firm_admin, SigningParty.FIRM)]
    today = contract.starts_on - timedelta(days=1)

    outcomes = _race(
        lambda i: contract_sign(
            actor=signers[i][0],
            contract=contract,
            party=signers[i][1],
            document_sha256=contract.document_sha256,
            today=today,
        ),
        2,
    )

    assert outcomes == ["ok", "ok"]
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert ContractSignature.objects.filter(contract=contract).count() == 2
    assert Engagement.objects.filter(contract=contract, phase=EngagementPhase.UPCOMING).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_signer_twice_at_once_signs_once(draft_contract, committee_member):
    contract = Contract.objects.get(pk=draft_contract.pk)
    outcomes = _race(
        lambda i: contract_sign(
            actor=committee_member,
            contract=contract,
            party=SigningParty.COMMITTEE,
            document_sha256=contract.document_sha256,
            today=contract.starts_on - timedelta(days=1),
        ),
        2,
    )
    assert sorted(outcomes) == ["ok", "refused"]
    assert ContractSignature.objects.filter(contract=contract).count() == 1
