from decimal import Decimal

import pytest
from django.utils import timezone

from cms.services import firm_page_ensure
from market.models import EnforcementMode, FeeGrade, FeeSchedule, FeeScheduleStatus, FirmMember
from tests.factories import FirmFactory, FirmMemberFactory

BANDS = [
    (1, "0.50", "0.80", 60),
    (2, "0.80", "1.20", 70),
    (3, "1.20", "1.80", 80),
    (4, "1.80", "2.50", 88),
    (5, "2.50", "3.50", 94),
]


def approved_schedule(district, enforcement=EnforcementMode.CAP, version=1):
    schedule = FeeSchedule.objects.create(
        district=district,
        version=version,
        enforcement=enforcement,
        effective_from=timezone.localdate().replace(day=1),
        status=FeeScheduleStatus.APPROVED,
        approved_at=timezone.now(),
    )
    for grade, low, high, score in BANDS:
        FeeGrade.objects.create(
            schedule=schedule,
            grade=grade,
            name=f"{grade}级",
            fee_min=Decimal(low),
            fee_max=Decimal(high),
            min_score=score,
            standard=[{"item": "cleaning", "standard": "每日清扫"}],
        )
    return schedule


@pytest.fixture
def fee_schedule(district):
    return approved_schedule(district)


@pytest.fixture
def firm_a(district, fee_schedule):
    firm = FirmFactory(
        name="北京甲物业管理有限公司", registered_district=district, districts=[district]
    )
    firm_page_ensure(firm=firm)
    return firm


@pytest.fixture
def firm_b(district, fee_schedule):
    firm = FirmFactory(
        name="北京乙物业管理有限公司", registered_district=district, districts=[district]
    )
    firm_page_ensure(firm=firm)
    return firm


@pytest.fixture
def staff_a(firm_a):
    user = FirmMemberFactory(firm=firm_a, role="admin").user
    firm_page_ensure(firm=firm_a)  # syncs the editors' group
    return user


@pytest.fixture
def staff_b(firm_b):
    user = FirmMemberFactory(firm=firm_b, role="admin").user
    firm_page_ensure(firm=firm_b)
    return user


def staff_of(firm):
    return FirmMember.objects.filter(firm=firm).first().user
