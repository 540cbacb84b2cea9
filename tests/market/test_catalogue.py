"""The public catalogue (issue #3): live offers of listable firms, filtered, searched,
sorted, paginated and compared. Runs on SQLite and PostgreSQL alike."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cms.services import firm_page_ensure
from market.catalogue import CatalogueFilters, Sort, catalogue_offers
from market.models import CreditGrade, FirmStatus, Offer, OfferStatus
from market.search import filter_by_search
from market.services.credit import credit_entry_add, firm_blacklist, firm_unblacklist
from market.services.firms import firm_reinstate, firm_revoke, firm_suspend
from tests.factories import FirmFactory, OfferFactory, StreetOfficeFactory

URL = "/catalogue/"
COMPARE_URL = "/catalogue/compare/"


@pytest.fixture
def huangcun(district):
    return StreetOfficeFactory(district=district, name="黄村街道")


@pytest.fixture
def catalogue(district, other_district, street_office, huangcun):
    """Four listed offers with hand-picked terms, and three that must never show.

    ======  =====  =====  ===================================  =====  =======  ============
    offer   firm   grade  scope                                fee    trial    serves
    ======  =====  =====  ===================================  =====  =======  ============
    a       AAA    2      cleaning, order                      1.00   3m free  大兴 (all)
    b       B      3      cleaning, order, greening, lifts     1.50   —        大兴: 黄村
    c       B      2      order                                0.90   1m 0.50  通州 (all)
    d       AA     2      cleaning, order, repairs             1.10   2m free  大兴: 兴丰; 通州
    ======  =====  =====  ===================================  =====  =======  ============
    """
    now = timezone.now()
    firm_aaa = FirmFactory(
        name="北京甲物业管理有限公司",
        credit_score=Decimal("90"),
        credit_grade=CreditGrade.AAA,
        registered_district=district,
        districts=[district],
    )
    firm_aa = FirmFactory(
        name="北京丁物业管理有限公司",
        credit_score=Decimal("82"),
        credit_grade=CreditGrade.AA,
        registered_district=district,
        districts=[district, other_district],
    )
    firm_b = FirmFactory(
        name="北京乙物业管理有限公司",
        credit_score=Decimal("65"),
        credit_grade=CreditGrade.B,
        registered_district=district,
        districts=[district, other_district],
    )
    offers = SimpleNamespace(firm_aaa=firm_aaa, firm_aa=firm_aa, firm_b=firm_b)
    offers.a = OfferFactory(
        firm=firm_aaa,
        title="标准物业服务",
        summary="专业保洁服务，每日两次清扫。",
        grade=2,
        scope=("cleaning", "order"),
        fee=Decimal("1.00"),
        trial_months=3,
        trial_fee=Decimal("0.00"),
        districts=[district],
        published_at=now - timedelta(days=4),
        rating_average=Decimal("4.50"),
        rating_count=10,
    )
    offers.b = OfferFactory(
        firm=firm_b,
        title="高端住宅服务",
        summary="电梯维保与绿化养护。",
        grade=3,
        scope=("cleaning", "order", "greening", "lifts"),
        fee=Decimal("1.50"),
        districts=[district],
        street_offices=[huangcun],
        published_at=now - timedelta(days=3),
        rating_average=Decimal("4.80"),
        rating_count=5,
    )
    offers.c = OfferFactory(
        firm=firm_b,
        title="门岗值守方案",
        summary="二十四小时门岗值守。",
        grade=2,
        scope=("order",),
        fee=Decimal("0.90"),
        trial_months=1,
        trial_fee=Decimal("0.50"),
        districts=[other_district],
        published_at=now - timedelta(days=2),
    )
    offers.d = OfferFactory(
        firm=firm_aa,
        title="维修保障方案",
        summary="维修及时，报修两小时到场。",
        grade=2,
        scope=("cleaning", "order", "repairs"),
        fee=Decimal("1.10"),
        trial_months=2,
        trial_fee=Decimal("0.00"),
        districts=[district, other_district],
        street_offices=[street_office],
        published_at=now - timedelta(days=1),
        rating_average=Decimal("4.50"),
        rating_count=20,
    )
    # Never listed: withdrawn, a suspended firm's, a blacklisted firm's. They match
    # every filter below that a listed offer matches, so a leak would show.
    OfferFactory(
        firm=firm_aaa,
        title="已撤回的保洁方案",
        grade=2,
        scope=("cleaning", "order"),
        fee=Decimal("1.00"),
        trial_months=3,
        trial_fee=Decimal("0"),
        status=OfferStatus.WITHDRAWN,
        districts=[district],
    )
    OfferFactory(
        firm=FirmFactory(status=FirmStatus.SUSPENDED, credit_grade=CreditGrade.AAA),
        title="停业整顿企业的保洁方案",
        grade=2,
        scope=("cleaning", "order"),
        fee=Decimal("1.00"),
        trial_months=3,
        trial_fee=Decimal("0"),
        districts=[district],
    )
    OfferFactory(
        firm=FirmFactory(blacklisted=True, credit_grade=CreditGrade.AAA),
        title="黑名单企业的保洁方案",
        grade=2,
        scope=("cleaning", "order"),
        fee=Decimal("1.00"),
        trial_months=3,
        trial_fee=Decimal("0"),
        districts=[district],
    )
    return offers


def titles(offers) -> set[str]:
    return {offer.title for offer in offers}


def listed(catalogue, **filters) -> list:
    return list(catalogue_offers(filters=CatalogueFilters(**filters)))


def ids(*offers) -> set[int]:
    return {offer.pk for offer in offers}


def found(**filters) -> set[int]:
    return {offer.pk for offer in catalogue_offers(filters=CatalogueFilters(**filters))}


# --- Search ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_finds_chinese_words_inside_the_summary(catalogue):
    result = found(search="保洁")

    assert catalogue.a.pk in result  # 专业保洁服务…
    assert catalogue.c.pk not in result  # 门岗值守: no 保洁 anywhere
    assert found(search="每日两次") == ids(catalogue.a)
    assert found(search="门岗") == ids(catalogue.c)
    assert found(search="两次清扫 保洁") == ids(catalogue.a)  # every term must match


@pytest.mark.django_db
def test_search_matches_the_firm_name_and_is_not_fooled_by_partial_tokens(catalogue):
    assert found(search="丁物业") == ids(catalogue.d)
    assert found(search="保安清洁") == set()  # 保 and 洁 occur, but not 安清 or 清洁 here


@pytest.mark.django_db
def test_search_on_the_page(client, catalogue):
    response = client.get(URL, {"q": "保洁"})

    assert response.status_code == 200
    shown = titles(response.context["page_obj"])
    assert "标准物业服务" in shown and "门岗值守方案" not in shown
    assert not shown & {"已撤回的保洁方案", "停业整顿企业的保洁方案", "黑名单企业的保洁方案"}


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN index: PostgreSQL only")
def test_search_can_use_the_gin_index():
    # The index of migration 0007 covers the stored tsvector, which the search matches
    # instead of tokenising every row's document again.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = filter_by_search(Offer.objects.all(), "保洁").explain()

    assert "market_offer_search_gin" in plan
    catalogue_sql = str(catalogue_offers(filters=CatalogueFilters(search="保洁")).query)
    assert '"market_offer"."search_vector" @@' in catalogue_sql
    assert "to_tsvector" not in catalogue_sql


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="tsvector: PostgreSQL only")
def test_the_stored_tsvector_follows_the_document(catalogue):
    Offer.objects.filter(pk=catalogue.c.pk).update(search_document="门 岗 门岗 消 防 消防")

    assert found(search="消防") == ids(catalogue.c)
    assert found(search="门岗") == ids(catalogue.c)
    assert found(search="保洁") == ids(catalogue.a, catalogue.b, catalogue.d)


# --- Filters --------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_filter_lists_every_live_offer_of_listable_firms_only(catalogue):
    assert found() == ids(catalogue.a, catalogue.b, catalogue.c, catalogue.d)


@pytest.mark.django_db
def test_filter_by_district(catalogue, district, other_district):
    assert found(district=district) == ids(catalogue.a, catalogue.b, catalogue.d)
    assert found(district=other_district) == ids(catalogue.c, catalogue.d)


@pytest.mark.django_db
def test_filter_by_street_office_counts_whole_district_offers(catalogue, street_office, huangcun):
    # a serves the whole of 大兴; b names 黄村 only; d names 兴丰 in 大兴.
    assert found(street_office=street_office) == ids(catalogue.a, catalogue.d)
    assert found(street_office=huangcun) == ids(catalogue.a, catalogue.b)


@pytest.mark.django_db
def test_street_offices_of_one_district_do_not_narrow_another(catalogue, other_district):
    # d names a street office of 大兴 only, so it serves the whole of 通州.
    tongzhou_street = StreetOfficeFactory(district=other_district, name="永顺街道")

    assert found(street_office=tongzhou_street) == ids(catalogue.c, catalogue.d)


@pytest.mark.django_db
def test_filter_by_grade(catalogue):
    assert found(grade=2) == ids(catalogue.a, catalogue.c, catalogue.d)
    assert found(grade=3) == ids(catalogue.b)
    assert found(grade=5) == set()


@pytest.mark.django_db
def test_filter_by_scope_needs_every_chosen_item(catalogue):
    assert found(scope_items=("cleaning",)) == ids(catalogue.a, catalogue.b, catalogue.d)
    assert found(scope_items=("cleaning", "order")) == ids(catalogue.a, catalogue.b, catalogue.d)
    assert found(scope_items=("lifts",)) == ids(catalogue.b)
    assert found(scope_items=("cleaning", "repairs")) == ids(catalogue.d)
    assert found(scope_items=("repairs", "lifts")) == set()


@pytest.mark.django_db
def test_filter_by_fee_range_includes_the_bounds(catalogue):
    assert found(fee_min=Decimal("1.00")) == ids(catalogue.a, catalogue.b, catalogue.d)
    assert found(fee_max=Decimal("1.00")) == ids(catalogue.a, catalogue.c)
    assert found(fee_min=Decimal("0.95"), fee_max=Decimal("1.20")) == ids(catalogue.a, catalogue.d)


@pytest.mark.django_db
def test_filter_by_credit_grade_one_or_several(catalogue):
    assert found(credit_grades=("AAA",)) == ids(catalogue.a)
    assert found(credit_grades=("AA", "B")) == ids(catalogue.b, catalogue.c, catalogue.d)
    assert found(credit_grades=("C",)) == set()


@pytest.mark.django_db
def test_filter_by_trial_available(catalogue):
    assert found(trial_only=True) == ids(catalogue.a, catalogue.c, catalogue.d)


@pytest.mark.django_db
def test_filters_combine(catalogue, other_district):
    combined = {
        "grade": 2,
        "scope_items": ("cleaning",),
        "fee_min": Decimal("0.95"),
        "fee_max": Decimal("1.20"),
        "trial_only": True,
    }
    assert found(**combined) == ids(catalogue.a, catalogue.d)
    assert found(**combined, district=other_district) == ids(catalogue.d)
    assert found(**combined, credit_grades=("AAA",)) == ids(catalogue.a)
    assert found(**combined, search="维修") == ids(catalogue.d)
    assert found(**combined, credit_grades=("AAA",), district=other_district) == set()


@pytest.mark.django_db
def test_filters_combine_on_the_page(client, catalogue, district):
    response = client.get(
        URL,
        {
            "district": district.code,
            "grade": "2",
            "scope": ["cleaning", "order"],
            "fee_min": "0.95",
            "fee_max": "1.20",
            "trial": "1",
            "credit": ["AAA", "AA"],
        },
    )

    assert response.status_code == 200
    assert titles(response.context["page_obj"]) == {"标准物业服务", "维修保障方案"}
    assert "共 2 个服务方案" in response.content.decode()


# --- Sorting --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (Sort.FEE_ASC, "cadb"),
        (Sort.FEE_DESC, "bdac"),
        (Sort.CREDIT, "adcb"),  # 90, 82, then the two 65s by fee
        (Sort.RATING, "bdac"),  # 4.8; 4.5 with 20 ratings before 4.5 with 10; unrated last
        (Sort.NEWEST, "dcba"),
    ],
)
def test_sort_orders(catalogue, sort, expected):
    names = {getattr(catalogue, letter).pk: letter for letter in "abcd"}

    order = "".join(names[offer.pk] for offer in listed(catalogue, sort=sort))

    assert order == expected


@pytest.mark.django_db
def test_sort_on_the_page(client, catalogue):
    response = client.get(URL, {"sort": "-fee"})

    assert [o.pk for o in response.context["page_obj"]] == [
        catalogue.b.pk,
        catalogue.d.pk,
        catalogue.a.pk,
        catalogue.c.pk,
    ]


# --- The page -------------------------------------------------------------------------


@pytest.mark.django_db
def test_cards_show_the_terms(client, catalogue, district):
    Offer.objects.filter(pk=catalogue.b.pk).update(outside_band=True)

    response = client.get(URL)

    assert response.status_code == 200
    text = response.content.decode()
    assert "北京甲物业管理有限公司" in text
    assert "AAA" in text
    assert "标准物业服务" in text
    assert "¥1.00/㎡·月" in text
    assert "收费超出指导价区间（经审核）" in text
    assert text.count("收费超出指导价区间（经审核）") == 1  # b only
    assert "可免费试用 3 个月" in text
    assert "可试用 1 个月，试用费 ¥0.50/㎡·月" in text
    assert f'href="{catalogue.a.url}"' in text
    assert f'name="offer" value="{catalogue.a.pk}"' in text
    assert 'action="/catalogue/compare/"' in text
    assert "共 4 个服务方案" in text


@pytest.mark.django_db
def test_cards_link_to_the_firm_page(client, catalogue):
    page = firm_page_ensure(firm=catalogue.firm_aaa)

    text = client.get(URL).content.decode()

    assert f'href="{page.url}"' in text


@pytest.mark.django_db
def test_empty_state(client, catalogue):
    response = client.get(URL, {"grade": "5"})

    assert response.status_code == 200
    assert "没有符合这些条件的服务方案" in response.content.decode()


@pytest.mark.django_db
def test_empty_catalogue(client, db):
    response = client.get(URL)

    assert response.status_code == 200
    assert "还没有经审核发布的服务方案" in response.content.decode()


@pytest.mark.django_db
def test_pagination_keeps_the_filters(client, district):
    firm = FirmFactory(districts=[district])
    OfferFactory.create_batch(
        25, firm=firm, grade=2, trial_months=1, trial_fee=Decimal("0"), districts=[district]
    )
    OfferFactory.create_batch(3, firm=firm, grade=3, districts=[district])
    query = {"grade": "2", "trial": "1", "sort": "fee"}

    first = client.get(URL, query)

    assert len(first.context["page_obj"]) == 20
    assert first.context["page_obj"].paginator.count == 25
    text = first.content.decode()
    assert "?grade=2&amp;trial=1&amp;sort=fee&amp;page=2" in text

    second = client.get(URL, {**query, "page": "2"})

    assert len(second.context["page_obj"]) == 5
    assert {o.grade for o in second.context["page_obj"]} == {2}
    assert "?grade=2&amp;trial=1&amp;sort=fee&amp;page=1" in second.content.decode()
    pks = [o.pk for o in first.context["page_obj"]] + [o.pk for o in second.context["page_obj"]]
    assert len(set(pks)) == 25


@pytest.mark.django_db
def test_the_list_page_query_count_does_not_grow_with_the_results(
    client, district, street_office, huangcun
):
    firms = [FirmFactory(districts=[district], registered_district=district) for _ in range(3)]
    for firm in firms:
        firm_page_ensure(firm=firm)

    def add_offers(count):
        for n in range(count):
            OfferFactory(
                firm=firms[n % 3],
                scope=("cleaning", "order", "lifts"),
                districts=[district],
                street_offices=[street_office, huangcun][: n % 3],
                trial_months=1,
                trial_fee=Decimal("0.10"),
            )

    add_offers(3)
    client.get(URL)  # warm the caches (content types, site root paths)
    with CaptureQueriesContext(connection) as three:
        response = client.get(URL)
    assert len(response.context["page_obj"]) == 3

    add_offers(17)
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(URL)
    assert len(response.context["page_obj"]) == 20

    assert len(three) == len(twenty)


# --- Bad input ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"grade": "9"}, "grade"),
        ({"grade": "abc"}, "grade"),
        ({"fee_min": "abc"}, "fee_min"),
        ({"fee_min": "-1"}, "fee_min"),
        ({"fee_max": "1.234"}, "fee_max"),
        ({"fee_min": "2", "fee_max": "1"}, "fee_max"),
        ({"district": "999999"}, "district"),
        ({"street": "abc"}, "street"),
        ({"scope": "flying"}, "scope"),
        ({"credit": "Z"}, "credit"),
        ({"sort": "price"}, "sort"),
        ({"q": "保" * 101}, "q"),
    ],
)
def test_bad_parameters_show_a_message_with_status_400(client, catalogue, params, field):
    response = client.get(URL, params)

    assert response.status_code == 400
    text = response.content.decode()
    assert "部分筛选条件无法使用" in text
    assert response.context["form"].errors[field]
    for error in response.context["form"].errors[field]:
        assert str(error) in text.replace("&#x27;", "'").replace("&quot;", '"')
    assert "page_obj" not in response.context


@pytest.mark.django_db
def test_a_street_office_outside_the_chosen_district_is_refused(
    client, catalogue, other_district, street_office
):
    response = client.get(URL, {"district": other_district.code, "street": street_office.pk})

    assert response.status_code == 400
    assert "该街道办事处不在所选的区内" in response.content.decode()


@pytest.mark.django_db
def test_a_page_number_out_of_range_shows_the_last_page(client, catalogue):
    response = client.get(URL, {"page": "99"})

    assert response.status_code == 200
    assert response.context["page_obj"].number == 1


# --- Suspended, revoked and blacklisted firms vanish at once --------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["suspend", "revoke", "blacklist"])
def test_a_firm_taken_off_the_market_vanishes_from_list_search_and_compare(
    client, catalogue, official, action
):
    firm = catalogue.firm_aaa
    compare = {"offer": [catalogue.a.pk, catalogue.b.pk, catalogue.d.pk]}
    assert catalogue.a in client.get(URL).context["page_obj"]
    assert catalogue.a in client.get(URL, {"q": "保洁"}).context["page_obj"]
    assert catalogue.a in client.get(COMPARE_URL, compare).context["offers"]

    if action == "suspend":
        firm_suspend(firm=firm, actor=official, reason="服务质量严重下降")
    elif action == "revoke":
        firm_revoke(firm=firm, actor=official, reason="伪造资质")
    else:
        firm_blacklist(firm=firm, actor=official, reason="恶意弃管")

    assert catalogue.a not in client.get(URL).context["page_obj"]
    assert catalogue.a not in client.get(URL, {"q": "保洁"}).context["page_obj"]
    response = client.get(COMPARE_URL, compare)
    assert response.status_code == 200
    assert catalogue.a not in response.context["offers"]
    assert "1 个所选方案不在（或已不在）目录中，已略去" in response.content.decode()


# --- Compare --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 3, 4])
def test_compare_two_to_four_offers(client, catalogue, count):
    chosen = [catalogue.a, catalogue.b, catalogue.c, catalogue.d][:count]

    response = client.get(COMPARE_URL, {"offer": [o.pk for o in chosen]})

    assert response.status_code == 200
    assert response.context["offers"] == chosen  # in the order asked
    text = response.content.decode()
    for offer in chosen:
        assert offer.title in text
    assert "table-wrap" in text  # scrolls sideways on phones
    assert "✓" in text and "—" in text


@pytest.mark.django_db
def test_compare_rows(client, catalogue):
    Offer.objects.filter(pk=catalogue.b.pk).update(
        outside_band=True, min_area=Decimal("5000"), max_area=Decimal("80000")
    )

    response = client.get(COMPARE_URL, {"offer": [catalogue.a.pk, catalogue.b.pk, catalogue.c.pk]})

    text = response.content.decode()
    for heading in ["企业", "信用等级", "服务等级", "收费", "试用", "服务小区规模", "服务范围"]:
        assert f'<th scope="row">{heading}</th>' in text
    assert text.count("收费超出指导价区间（经审核）") == 1
    assert "5000–80000 ㎡" in text  # b
    assert "不限" in text  # a and c name no size
    assert "4.50 / 5（10 条评价）" in text  # a
    assert "暂无评价" in text  # c
    assert "黄村街道" in text  # b's street office
    assert "AAA" in text and "信用 B" in text


@pytest.mark.django_db
@pytest.mark.parametrize("count", [0, 1])
def test_compare_fewer_than_two_is_refused(client, catalogue, count):
    response = client.get(COMPARE_URL, {"offer": [catalogue.a.pk][:count]})

    assert response.status_code == 400
    assert "请至少选择 2 个目录中的服务方案进行对比" in response.content.decode()


@pytest.mark.django_db
def test_compare_more_than_four_is_refused(client, catalogue):
    extra = OfferFactory(firm=catalogue.firm_aa, districts=[])
    chosen = [catalogue.a, catalogue.b, catalogue.c, catalogue.d, extra]

    response = client.get(COMPARE_URL, {"offer": [o.pk for o in chosen]})

    assert response.status_code == 400
    assert "最多可同时对比 4 个服务方案，您选择了 5 个" in response.content.decode()


@pytest.mark.django_db
def test_compare_ignores_unknown_and_unlisted_ids_with_a_message(client, catalogue):
    withdrawn = Offer.objects.get(title="已撤回的保洁方案")

    response = client.get(
        COMPARE_URL,
        {"offer": [catalogue.a.pk, 999999, withdrawn.pk, "abc", catalogue.c.pk, catalogue.a.pk]},
    )

    assert response.status_code == 200
    assert response.context["offers"] == [catalogue.a, catalogue.c]
    assert "3 个所选方案不在（或已不在）目录中，已略去" in response.content.decode()


@pytest.mark.django_db
def test_compare_refuses_when_too_few_remain_after_leaving_out_unknown_ids(client, catalogue):
    response = client.get(COMPARE_URL, {"offer": [catalogue.a.pk, 999999]})

    assert response.status_code == 400
    text = response.content.decode()
    assert "1 个所选方案不在（或已不在）目录中，已略去" in text
    assert "请至少选择 2 个目录中的服务方案进行对比" in text


# --- Performance measures (docs/performance.md) keep the page right -------------------


def listing_copies(offer) -> tuple:
    offer.refresh_from_db()
    return offer.firm_listed, offer.firm_credit_score, offer.firm_credit_grade


@pytest.mark.django_db
def test_every_firm_decision_copies_listing_and_credit_onto_its_offers(catalogue, official):
    firm, offer = catalogue.firm_aaa, catalogue.a
    assert listing_copies(offer) == (True, Decimal("90"), CreditGrade.AAA)

    firm_suspend(firm=firm, actor=official, reason="服务质量严重下降")
    assert listing_copies(offer)[0] is False
    firm_reinstate(firm=firm, actor=official, reason="已整改")
    assert listing_copies(offer)[0] is True
    firm_blacklist(firm=firm, actor=official, reason="恶意弃管")
    assert listing_copies(offer)[0] is False
    firm_unblacklist(firm=firm, actor=official, reason="复核撤销")
    assert listing_copies(offer)[0] is True
    credit_entry_add(firm=firm, points=Decimal("-25"), reason="拒不移交", actor=official)
    assert listing_copies(offer) == (True, Decimal("55.0"), CreditGrade.C)
    firm_revoke(firm=firm, actor=official, reason="伪造资质")
    assert listing_copies(offer)[0] is False


@pytest.mark.django_db
def test_a_credit_change_reorders_and_refilters_the_catalogue_at_once(client, catalogue, official):
    credit_entry_add(firm=catalogue.firm_b, points=Decimal("40"), reason="市级表彰", actor=official)

    by_credit = [offer.pk for offer in listed(catalogue, sort=Sort.CREDIT)]
    assert by_credit[:2] == [catalogue.c.pk, catalogue.b.pk]  # 120 now, by fee
    assert found(credit_grades=("AAA",)) == ids(catalogue.a, catalogue.b, catalogue.c)
    response = client.get(URL, {"credit": "AAA"})
    assert "信用 B" not in response.content.decode()


@pytest.mark.django_db
def test_only_so_many_offers_are_counted(client, district, monkeypatch):
    monkeypatch.setattr("market.views.catalogue.COUNT_LIMIT", 3)
    monkeypatch.setattr("market.views.catalogue.PER_PAGE", 2)
    OfferFactory.create_batch(5, firm=FirmFactory(districts=[district]), districts=[district])

    first = client.get(URL)

    assert first.context["page_obj"].paginator.count == 3
    assert first.context["page_obj"].paginator.num_pages == 2
    text = first.content.decode()
    assert "超过 3 个服务方案" in text
    assert "以上是按此顺序排列的前 3 个服务方案" not in text
    last = client.get(URL, {"page": "2"})
    assert len(last.context["page_obj"]) == 1
    assert not last.context["page_obj"].has_next()
    assert "以上是按此顺序排列的前 3 个服务方案" in last.content.decode()
    exact = client.get(URL, {"grade": "5"})
    assert "没有符合这些条件的服务方案" in exact.content.decode()


@pytest.mark.django_db
def test_a_card_shows_a_changed_offer_at_once(client, catalogue):
    assert "标准物业服务" in client.get(URL).content.decode()  # the card is kept now

    Offer.objects.filter(pk=catalogue.a.pk).update(title="新版标准物业服务", fee=Decimal("1.05"))
    catalogue.firm_aaa.name = "北京甲新物业管理有限公司"
    catalogue.firm_aaa.save(update_fields=["name"])

    text = client.get(URL).content.decode()
    assert "新版标准物业服务" in text and "¥1.05/㎡·月" in text
    assert "北京甲新物业管理有限公司" in text


@pytest.mark.django_db
def test_a_card_follows_the_language(client, catalogue):
    assert "可免费试用 3 个月" in client.get(URL).content.decode()

    with translation.override("en"):
        text = client.get(URL, headers={"accept-language": "en"}).content.decode()

    assert "3-month trial, free of charge" in text
    assert "可免费试用 3 个月" not in text


@pytest.mark.django_db
def test_the_sidebar_shows_what_was_chosen(client, catalogue, district, street_office):
    response = client.get(
        URL,
        {
            "q": "保洁",
            "district": district.code,
            "street": street_office.pk,
            "grade": "2",
            "scope": ["cleaning", "lifts"],
            "fee_min": "0.50",
            "credit": ["AA"],
            "trial": "on",
            "sort": "-fee",
        },
    )

    text = response.content.decode()
    assert 'name="q" maxlength="100" id="id_q" value="保洁"' in text
    assert f'<option value="{district.code}" selected>大兴区</option>' in text
    assert f'<optgroup label="大兴区"><option value="{street_office.pk}" selected>兴丰街道' in text
    assert '<option value="2" selected>2</option>' in text
    assert 'value="cleaning" id="id_scope_0" checked' in text
    assert 'value="lifts" id="id_scope_5" checked' in text
    assert 'value="order" id="id_scope_1">' in text
    assert 'id="id_fee_min" value="0.50"' in text
    assert 'value="AA" id="id_credit_1" checked' in text
    assert 'id="id_trial" checked' in text
    assert '<option value="-fee" selected>' in text


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sort": "fee"},
        {"q": '保洁 "<b>&', "grade": "3", "trial": "on", "fee_max": "2.50"},
        {"district": "DISTRICT", "street": "STREET", "scope": ["cleaning", "lifts"]},
        {"credit": ["AAA", "B"], "fee_min": "0.50", "sort": "-fee", "grade": "2"},
    ],
)
def test_the_kept_filter_form_is_the_form_rendered_afresh(
    client, catalogue, district, street_office, language, params
):
    """A valid page shows the filter form rendered once and marked with what was chosen
    (catalogue_tags.catalogue_filters); it must be what the include renders itself."""
    params = {
        key: {"DISTRICT": district.code, "STREET": str(street_office.pk)}.get(value, value)
        if isinstance(value, str)
        else value
        for key, value in params.items()
    }
    with translation.override(language):
        response = client.get(URL, params, headers={"accept-language": language})
        assert response.status_code == 200
        fresh = render_to_string(
            "market/includes/catalogue_filters.html", response.context[0].flatten()
        )

    assert fresh.strip().startswith('<form method="get" action="/catalogue/"')
    assert fresh in response.content.decode()


@pytest.mark.django_db
def test_the_sidebar_lists_a_new_street_office_at_once(client, catalogue, district):
    client.get(URL)  # the lists are kept now

    new_street = StreetOfficeFactory(district=district, name="清源街道")

    assert f'<option value="{new_street.pk}">清源街道</option>' in client.get(URL).content.decode()


@pytest.mark.django_db
def test_a_bad_value_is_shown_back_with_its_error(client, catalogue):
    response = client.get(URL, {"fee_min": "abc", "q": '"><script>'})

    assert response.status_code == 400
    text = response.content.decode()
    assert 'id="id_fee_min" value="abc" aria-invalid="true"' in text
    assert 'aria-describedby="id_fee_min_error"' in text
    assert '<p class="error" role="alert" id="id_fee_min_error">' in text
    assert 'value="&quot;&gt;&lt;script&gt;"' in text  # escaped, as the widget would


@pytest.mark.django_db
def test_deep_pages_list_the_same_offers(client, district, monkeypatch):
    monkeypatch.setattr("market.views.catalogue.PER_PAGE", 3)
    firm = FirmFactory(districts=[district])
    for cents in [130, 90, 110, 100, 120, 95, 105]:
        OfferFactory(firm=firm, fee=Decimal(cents) / 100, districts=[district])

    def pages():
        return [
            [offer.pk for offer in client.get(URL, {"sort": "fee", "page": n}).context["page_obj"]]
            for n in (1, 2, 3)
        ]

    shallow = pages()
    monkeypatch.setattr("market.catalogue.DEEP_PAGE_OFFSET", 1)  # pages 2 and 3 go deep
    deep = pages()

    assert deep == shallow
    assert [len(page) for page in deep] == [3, 3, 1]
    fees = [Offer.objects.get(pk=pk).fee for page in deep for pk in page]
    assert fees == sorted(fees)
