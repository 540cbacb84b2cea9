"""The compound's public notice board while a fallback case is open (issue #6): the state
fallback operator, basic services only, the case's last day, and the open selection round."""

from django.urls import reverse

from contracts.models import FallbackCase, FallbackCaseStatus

from .conftest import confirm_everything


def test_the_notice_board_shows_the_fallback_operator_and_the_selection_round(
    client, handover, operator, outgoing_admin, operator_admin
):
    confirm_everything(handover, outgoing_admin, operator_admin, today=handover.opened_on)
    case = FallbackCase.objects.get(compound=handover.compound)
    for name in ("notice_board", "notice_poster"):
        text = client.get(reverse(name, args=[case.compound.pk])).content.decode()
        assert (
            f"本小区由国企兜底企业{operator.name}提供基本服务，最迟至{case.planned_end_on:%Y-%m-%d}"
            in text
        )
        assert "本小区正在重新选聘物业" in text
        assert "二次供水" in text  # basic services only


def test_during_the_handover_the_board_names_the_outgoing_firm(client, handover, operator):
    """Until the checklist is complete the trial firm still serves (Civil Code art. 949):
    the board names it, with its own services; the selection round is already open."""
    text = client.get(reverse("notice_board", args=[handover.compound.pk])).content.decode()
    assert handover.outgoing_firm.name in text
    assert "国企兜底企业" not in text and "电梯" not in text  # lifts: fallback scope
    assert "本小区正在重新选聘物业" in text


def test_no_fallback_notice_without_an_open_case(client, handover):
    case = FallbackCase.objects.get(compound=handover.compound)
    FallbackCase.objects.filter(pk=case.pk).update(status=FallbackCaseStatus.CLOSED)
    text = client.get(reverse("notice_board", args=[case.compound.pk])).content.decode()
    assert "国企兜底企业" not in text and "重新选聘" not in text


def test_a_market_firm_shows_no_fallback_notice(client, active_trial):
    text = client.get(reverse("notice_board", args=[active_trial.compound.pk])).content.decode()
    assert active_trial.firm.name in text and "重新选聘" not in text
