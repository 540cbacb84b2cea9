"""Public firm profiles, offer pages and the firms index (issue #3). A firm taken off the
market (suspended, revoked, blacklisted) vanishes from all of them at once."""

from decimal import Decimal

import pytest
from django.utils import timezone
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from cms.models import FirmPage, FirmPagePhoto, FirmsIndexPage, OfferPage
from cms.services import firm_page_ensure
from market.models import (
    CreditGrade,
    EnforcementMode,
    FeeGrade,
    FeeSchedule,
    FeeScheduleStatus,
    Offer,
)
from market.services.credit import firm_blacklist
from market.services.firms import firm_revoke, firm_suspend
from tests.factories import FirmFactory

BANDS = [(1, "0.50", "0.80", 60), (2, "0.80", "1.20", 70), (3, "1.20", "1.80", 80)]


def fee_schedule_for(district, enforcement):
    schedule = FeeSchedule.objects.create(
        district=district,
        version=1,
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
        )
    return schedule


@pytest.fixture
def listed_firm(district):
    firm = FirmFactory(
        name="北京康宁物业管理有限公司",
        registered_district=district,
        districts=[district],
        credit_score=Decimal("88.5"),
        credit_grade=CreditGrade.AAA,
    )
    firm_page_ensure(firm=firm)
    return firm


@pytest.fixture
def firm_page(listed_firm) -> FirmPage:
    return FirmPage.objects.get(firm=listed_firm)


def publish_offer_page(firm_page, district, **fields) -> OfferPage:
    """An offer page published as the bureau's approval publishes it: the page_published
    signal copies its terms to market.Offer."""
    values = {
        "title": "专业保洁与秩序维护服务",
        "slug": f"offer-{OfferPage.objects.count() + 1}",
        "summary": "专业保洁服务，每日两次清扫，24小时门岗。",
        "grade": 2,
        "cleaning": True,
        "order": True,
        "fee": Decimal("1.00"),
        "trial_months": 3,
        "trial_fee": Decimal("0.00"),
        **fields,
    }
    street_offices = values.pop("street_offices", [])
    page = OfferPage(**values)
    page.districts = [district]
    page.street_offices = street_offices
    firm_page.add_child(instance=page)
    page.save_revision().publish()
    return OfferPage.objects.get(pk=page.pk)


@pytest.fixture
def offer_page(firm_page, district, street_office) -> OfferPage:
    return publish_offer_page(firm_page, district, street_offices=[street_office])


# --- The firm's profile ---------------------------------------------------------------


@pytest.mark.django_db
def test_firm_page_shows_profile_credentials_and_live_offers(client, firm_page, offer_page):
    firm_page.introduction = "<p>成立于2003年，服务老旧小区二十年。</p>"
    firm_page.logo = Image.objects.create(title="标志", file=get_test_image_file())
    firm_page.save_revision().publish()
    FirmPagePhoto.objects.create(
        page=firm_page,
        image=Image.objects.create(title="门岗", file=get_test_image_file()),
        caption="小区门岗",
    )

    response = client.get(firm_page.url)

    assert response.status_code == 200
    text = response.content.decode()
    firm = firm_page.firm
    assert firm.name in text
    assert "成立于2003年" in text
    assert firm.credit_code in text
    assert "大兴区" in text  # registered district and service area
    assert "88.5" in text and "信用 AAA" in text
    assert "营业执照已核验" in text
    assert "小区门岗" in text and text.count("<img") >= 2  # logo and photo
    assert "专业保洁与秩序维护服务" in text
    assert f'href="{offer_page.url}"' in text
    assert "¥1.00/㎡·月" in text
    assert "评价与三率" in text
    assert "居民开始评价后" in text


@pytest.mark.django_db
def test_firm_page_lists_only_live_offers(client, firm_page, district):
    kept = publish_offer_page(firm_page, district, title="保留的方案")
    gone = publish_offer_page(firm_page, district, title="已下线的方案")
    gone.unpublish()

    text = client.get(firm_page.url).content.decode()

    assert kept.title in text
    assert gone.title not in text


@pytest.mark.django_db
def test_firm_page_without_offers_says_so(client, firm_page):
    response = client.get(firm_page.url)

    assert response.status_code == 200
    assert "该企业还没有经审核的服务方案" in response.content.decode()


# --- The offer page -------------------------------------------------------------------


@pytest.mark.django_db
def test_offer_page_shows_the_terms(client, firm_page, offer_page):
    response = client.get(offer_page.url)

    assert response.status_code == 200
    text = response.content.decode()
    assert "专业保洁与秩序维护服务" in text
    assert "2 级服务" in text
    assert "¥1.00/㎡·月" in text
    assert "可免费试用 3 个月" in text
    assert "保洁" in text and "秩序维护" in text
    assert "大兴区" in text and "兴丰街道" in text
    assert f'href="{firm_page.url}"' in text
    assert "收费超出指导价区间（经审核）" not in text
    assert "不限" in text  # compound size


@pytest.mark.django_db
def test_offer_page_flags_a_fee_approved_outside_the_band(client, firm_page, district):
    fee_schedule_for(district, EnforcementMode.BENCHMARK)
    page = publish_offer_page(firm_page, district, fee=Decimal("1.50"))  # grade 2: 0.80–1.20
    assert Offer.objects.get(page_id=page.pk).outside_band

    text = client.get(page.url).content.decode()

    assert "收费超出指导价区间（经审核）" in text


@pytest.mark.django_db
def test_trial_button_is_shown_to_committee_members_only(
    client, offer_page, committee_member, firm_staff
):
    assert "申请试用" not in client.get(offer_page.url).content.decode()

    client.force_login(firm_staff)
    assert "申请试用" not in client.get(offer_page.url).content.decode()

    client.force_login(committee_member)
    text = client.get(offer_page.url).content.decode()
    assert "申请试用" in text
    assert "即将开放" in text


@pytest.mark.django_db
def test_no_trial_button_when_the_offer_has_no_trial(client, firm_page, district, committee_member):
    page = publish_offer_page(firm_page, district, trial_months=None, trial_fee=None)
    client.force_login(committee_member)

    text = client.get(page.url).content.decode()

    assert "申请试用" not in text
    assert "不提供试用" in text


@pytest.mark.django_db
def test_a_published_offer_page_is_in_the_catalogue_and_its_search(client, offer_page):
    response = client.get("/catalogue/", {"q": "保洁"})

    offers = list(response.context["page_obj"])
    assert [offer.page_id for offer in offers] == [offer_page.pk]
    assert f'href="{offer_page.url}"' in response.content.decode()


# --- Taken off the market: gone at once -----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["suspend", "revoke", "blacklist"])
def test_firm_and_offer_pages_404_as_soon_as_the_firm_is_off_the_market(
    client, official, firm_page, offer_page, action
):
    firm = firm_page.firm
    assert client.get(firm_page.url).status_code == 200
    assert client.get(offer_page.url).status_code == 200

    if action == "suspend":
        firm_suspend(firm=firm, actor=official, reason="服务质量严重下降")
    elif action == "revoke":
        firm_revoke(firm=firm, actor=official, reason="伪造资质")
    else:
        firm_blacklist(firm=firm, actor=official, reason="恶意弃管")

    assert client.get(firm_page.url).status_code == 404
    assert client.get(offer_page.url).status_code == 404
    index = client.get(FirmsIndexPage.objects.get().url).content.decode()
    assert firm.name not in index
    assert client.get("/catalogue/").context["page_obj"].paginator.count == 0


# --- The firms index ------------------------------------------------------------------


@pytest.mark.django_db
def test_firms_index_lists_listable_firms_with_a_link_to_the_catalogue(
    client, listed_firm, district
):
    suspended = FirmFactory(name="北京停业物业管理有限公司", districts=[district])
    firm_page_ensure(firm=suspended)
    firm_suspend(firm=suspended, actor=None, reason="服务质量严重下降")
    blacklisted = FirmFactory(name="北京失信物业管理有限公司", districts=[district])
    firm_page_ensure(firm=blacklisted)
    firm_blacklist(firm=blacklisted, actor=None, reason="恶意弃管")

    response = client.get(FirmsIndexPage.objects.get().url)

    assert response.status_code == 200
    text = response.content.decode()
    assert listed_firm.name in text
    assert "信用 AAA" in text
    assert suspended.name not in text
    assert blacklisted.name not in text
    assert 'href="/catalogue/"' in text


@pytest.mark.django_db
def test_firms_index_is_paginated(client, district):
    for n in range(22):
        firm = FirmFactory(name=f"北京第{n:02d}物业管理有限公司", districts=[district])
        firm_page_ensure(firm=firm)
    url = FirmsIndexPage.objects.get().url

    first = client.get(url)
    second = client.get(url, {"page": "2"})

    assert len(first.context["firm_pages"]) == 20
    assert len(second.context["firm_pages"]) == 2
    assert "?page=2" in first.content.decode()
    assert "第 2 页，共 2 页" in second.content.decode()
