"""Fixtures of the fallback and handover tests (issue #6), imported by their modules."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from contracts.daily import daily_run
from contracts.models import Handover, HandoverItemKind
from contracts.services.fallback import fallback_designate
from contracts.services.handover import handover_confirm
from market.models import Compound
from tests.factories import FirmFactory, FirmMemberFactory

from ..conftest import TODAY

FALLBACK_FEE = Decimal("0.80")


@pytest.fixture
def operator(district):
    return FirmFactory(districts=[district], name="北京兴业国有物业管理有限公司")


@pytest.fixture
def operator_admin(operator):
    return FirmMemberFactory(firm=operator, role="admin").user


@pytest.fixture
def designation(operator, district, official):
    return fallback_designate(
        actor=official, district=district, firm=operator, fee=FALLBACK_FEE, today=TODAY
    )


@pytest.fixture
def backdated(compound):
    """The compound registered long before the trials of the contracts fixtures."""
    Compound.objects.filter(pk=compound.pk).update(registered_on=TODAY - timedelta(days=90))
    compound.refresh_from_db()
    return compound


def png_upload(name="facilities.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "green").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def confirm_everything(handover, outgoing, incoming, *, today):
    """Both firms confirm every item of the checklist on ``today``."""
    for kind in HandoverItemKind.values:
        extra = {}
        if kind == HandoverItemKind.FACILITIES:
            extra["photos"] = [png_upload()]
        if kind == HandoverItemKind.FEES:
            extra["refund_amount"] = "1234.50"
        handover_confirm(actor=outgoing, handover=handover, kind=kind, today=today, **extra)
        handover_confirm(actor=incoming, handover=handover, kind=kind, today=today)


@pytest.fixture
def outgoing_admin(firm_admin):
    """The firm of the contracts fixtures (``offer``, ``active_trial``) hands over."""
    return firm_admin


@pytest.fixture
def handover(designation, backdated, active_trial):
    """A lapsed trial: the trial firm hands over to the fallback operator."""
    daily_run(today=active_trial.ends_on + timedelta(days=1))
    return Handover.objects.get(outgoing_engagement=active_trial.engagement)
