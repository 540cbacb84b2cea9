"""Demo content for the 大兴区 demo district: firm profiles and published offers.

``seed_demo`` (market) sends ``demo_district_seeded`` when the register is in place;
this module answers by writing the Wagtail side. Offers are published directly (the
demo stands in for a bureau that already approved them), so they go through the same
``page_published`` path as an approved moderation and land in ``market.Offer``.
"""

from decimal import Decimal
from typing import NamedTuple

from market.models import Firm

from .models import OfferPage
from .services import firm_page_ensure


class OfferSeed(NamedTuple):
    slug: str
    title: str
    summary: str
    grade: int
    scope: tuple[str, ...]
    fee: str
    trial_months: int | None = None
    trial_fee: str | None = None
    min_area: int | None = None
    max_area: int | None = None


BASIC = ("cleaning", "order", "water", "lifts")
STANDARD = ("cleaning", "order", "greening", "repairs", "water", "lifts")
FULL = (*STANDARD, "customer_service")

INTRODUCTIONS = {
    "xingda": "扎根大兴二十年，服务老旧小区四十余个，擅长老楼综合整治后的长效管理。",
    "kangzhuang": "以“小而精”著称，专注5万平方米以下的老旧小区，项目经理常驻小区。",
    "qingyuan": "提供保洁、绿化、维修一体化服务，自有维修队伍，急修2小时到场。",
    "tiangongyuan": "天宫院地区老牌物业企业，熟悉回迁房小区的管理与服务。",
    "yicheng": "亦庄地区物业服务企业，引入智慧物业平台，报修全程线上可查。",
    "xinsheng": "旧宫镇本地企业，员工多为本社区居民，服务响应快、沟通顺畅。",
    "jinxing": "以社区服务见长，配合街道开展垃圾分类与老旧小区综合整治。",
    "jingnan": "专注安居型住宅小区，注重秩序维护与消防安全管理。",
    "derun": "提供包干制与酬金制两种模式，账目按季度向业主公开。",
    "rongcheng": "服务中高端住宅小区，提供管家式客服与定制化增值服务。",
    "lvzhou": "园林绿化起家，小区绿化养护与环境提升经验丰富。",
}

OFFERS: dict[str, list[OfferSeed]] = {
    "xingda": [
        OfferSeed(
            "basic",
            "老旧小区基础物业服务",
            "专业保洁服务，垃圾日产日清；门岗值守，二次供水与电梯委托维保。",
            1,
            BASIC,
            "0.65",
            3,
            "0.00",
            max_area=80000,
        ),
        OfferSeed(
            "standard",
            "老旧小区标准物业服务",
            "保洁、秩序维护、绿化、维修全覆盖，急修2小时内到场。",
            2,
            STANDARD,
            "0.98",
            3,
            "0.50",
        ),
    ],
    "kangzhuang": [
        OfferSeed(
            "small",
            "小型老旧小区托管服务",
            "专为5万平方米以下小区设计：专业保洁服务、秩序维护、维修。",
            1,
            ("cleaning", "order", "repairs"),
            "0.72",
            2,
            "0.30",
            max_area=50000,
        ),
    ],
    "qingyuan": [
        OfferSeed(
            "one-stop",
            "保洁绿化维修一体化服务",
            "自有保洁与维修队伍，绿化专业养护，诉求24小时闭环。",
            2,
            STANDARD,
            "1.10",
            3,
            "0.60",
        ),
        OfferSeed(
            "premium",
            "品质提升物业服务",
            "在标准服务基础上增加客服中心与每日巡检，楼道每日清扫。",
            3,
            FULL,
            "1.45",
            1,
            "1.00",
            min_area=20000,
        ),
    ],
    "tiangongyuan": [
        OfferSeed(
            "resettlement",
            "回迁房小区物业服务",
            "熟悉回迁房管理，秩序维护、保洁、二次供水管理规范。",
            2,
            ("cleaning", "order", "water", "repairs"),
            "0.90",
            3,
            "0.00",
        ),
    ],
    "yicheng": [
        OfferSeed(
            "smart",
            "智慧物业标准服务",
            "线上报修、进度可查；专业保洁、绿化与电梯管理，客服7×12小时。",
            3,
            FULL,
            "1.60",
            2,
            "0.80",
        ),
    ],
    "xinsheng": [
        OfferSeed(
            "local",
            "社区邻里物业服务",
            "本地员工，响应迅速；保洁、秩序维护、维修服务。",
            1,
            ("cleaning", "order", "repairs"),
            "0.58",
            3,
            "0.00",
        ),
    ],
    "jinxing": [
        OfferSeed(
            "sorting",
            "垃圾分类示范物业服务",
            "配合街道推进垃圾分类，专业保洁服务与绿化养护。",
            2,
            ("cleaning", "greening", "order"),
            "0.85",
        ),
    ],
    "jingnan": [
        OfferSeed(
            "safety",
            "安居秩序与消防安全服务",
            "24小时门岗与巡逻，消防设施每月检查，电梯与二次供水管理。",
            2,
            ("order", "water", "lifts", "cleaning"),
            "1.05",
            1,
            "0.50",
        ),
    ],
    "derun": [
        OfferSeed(
            "transparent",
            "账目公开型综合物业服务",
            "包干制报价，账目按季度公开；保洁、绿化、维修、客服全覆盖。",
            3,
            FULL,
            "1.30",
            3,
            "0.90",
        ),
    ],
    "rongcheng": [
        OfferSeed(
            "butler",
            "管家式高品质物业服务",
            "一户一管家，楼道每日清扫两次，园林精细养护，客服全天候。",
            4,
            FULL,
            "2.20",
            1,
            "1.80",
            min_area=30000,
        ),
        OfferSeed(
            "comfort",
            "舒适型物业服务",
            "标准服务加客服中心，维修急修1小时到场。",
            3,
            FULL,
            "1.75",
            2,
            "1.20",
        ),
    ],
    "lvzhou": [
        OfferSeed(
            "garden",
            "园林绿化提升物业服务",
            "园林绿化专业养护，季节性补植；专业保洁服务与秩序维护。",
            2,
            ("greening", "cleaning", "order", "repairs"),
            "1.15",
            3,
            "0.60",
        ),
    ],
}


def demo_content_seed(*, district, firms: dict[str, Firm]) -> int:
    """Create what is missing; running it again creates nothing. Returns offers created."""
    created = 0
    for key, firm in firms.items():
        page = firm_page_ensure(firm=firm)
        if page is None:
            continue
        if key in INTRODUCTIONS and not page.introduction:
            page.introduction = f"<p>{INTRODUCTIONS[key]}</p>"
            page.credentials = "<p>营业执照、物业服务企业信用档案已由大兴区住建委核验。</p>"
            page.save_revision().publish()
        for seed in OFFERS.get(key, []):
            if page.get_children().filter(slug=seed.slug).exists():
                continue
            offer = OfferPage(
                title=seed.title,
                slug=seed.slug,
                summary=seed.summary,
                grade=seed.grade,
                fee=Decimal(seed.fee),
                trial_months=seed.trial_months,
                trial_fee=Decimal(seed.trial_fee) if seed.trial_fee is not None else None,
                min_area=seed.min_area,
                max_area=seed.max_area,
                **{item: True for item in seed.scope},
            )
            page.add_child(instance=offer)
            offer.districts.set([district])
            offer.save_revision().publish()
            created += 1
    return created
