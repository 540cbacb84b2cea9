"""What the simulation's people read every day before they act: the same questions of
the same district, compiled once (market.prepared; docs/performance.md, tenth pass)."""

from unittest import mock

from django.db.models.sql.compiler import SQLCompiler

from contracts.models import Contract, Engagement, Handover, HandoverStatus, Trial, TrialStatus
from contracts.simulation import moves
from tests.factories import CommitteeMemberFactory

from ..conftest import request_trial


def _plain(district) -> dict:
    """The same questions asked of the ORM as they were before they were compiled."""
    in_district = {"compound__street_office__district": district}
    return {
        "upcoming": set(
            Engagement.objects.filter(phase="upcoming", **in_district).values_list(
                "compound_id", flat=True
            )
        ),
        "requesting": set(
            Trial.objects.filter(status=TrialStatus.REQUESTED, **in_district).values_list(
                "compound_id", flat=True
            )
        ),
        "live": set(
            Engagement.objects.filter(phase="live", **in_district).values_list(
                "compound_id", "kind", "ends_on", "firm_id", "pk"
            )
        ),
        "requests": list(
            Trial.objects.filter(
                status__in=[TrialStatus.REQUESTED, TrialStatus.ACCEPTED], **in_district
            )
        ),
        "in_force": list(
            Contract.objects.filter(
                status__in=["active", "holdover"], terminates_on__isnull=True, **in_district
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        "handovers": list(
            Handover.objects.filter(
                status__in=[HandoverStatus.OPEN, HandoverStatus.REFUSED], **in_district
            )
        ),
    }


def _compiled(district) -> dict:
    key = district.pk
    return {
        "upcoming": set(moves._UPCOMING_COMPOUNDS.rows(key)),
        "requesting": set(moves._REQUESTING_COMPOUNDS.rows(key)),
        "live": set(moves._LIVE_ENGAGEMENTS.rows(key)),
        "requests": moves._OPEN_TRIAL_REQUESTS.rows(key),
        "in_force": moves._CONTRACTS_IN_FORCE.rows(key),
        "handovers": moves._OPEN_HANDOVERS.rows(key),
    }


def test_the_daily_look_ups_read_what_the_orm_reads_for_the_district_only(
    handover, other_compound, other_firm_offer, district, other_district
):
    """A district with a trial engagement handing over, the fallback engagement waiting
    for it, the open handover, and another compound's trial request; the other district
    has none of them."""
    chair = CommitteeMemberFactory(committee__compound=other_compound, role="chair").user
    requested = request_trial(chair, other_compound, other_firm_offer, today=handover.opened_on)
    compiled = _compiled(district)
    assert compiled == _plain(district)
    assert compiled["live"] and compiled["upcoming"] == {handover.compound_id}
    assert compiled["handovers"] == [handover]
    assert compiled["requests"] == [requested]
    assert compiled["requesting"] == {other_compound.pk}
    assert all(not rows for rows in _compiled(other_district).values())
    # The trial requests come with their firm and compound, as the moves use them.
    for trial in compiled["requests"]:
        assert trial.firm.pk and trial.compound.pk


def test_the_daily_look_ups_are_compiled_once(handover, district):
    _compiled(district)
    compiled = []
    as_sql = SQLCompiler.as_sql
    with mock.patch.object(
        SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or as_sql(self, *a, **k)
    ):
        again = _compiled(district)
    assert compiled == []
    assert again["handovers"] == [handover]
