"""The illustrative default fee schedule of DOMAIN.md, "Fee schedule (质价相符)":
G1 0.50–0.80 (score ≥ 60), G2 0.80–1.20 (≥ 70), G3 1.20–1.80 (≥ 80), G4 1.80–2.50 (≥ 88),
G5 2.50–3.50 (≥ 94), fees in ¥ per ㎡ of floor area per month.

The one place these numbers live: ``seed_demo`` records them as the demo district's first
version, and ``fee_schedule_draft_create`` starts a district's first draft from them. The
service standards are the bureau's own text (schedule content, not interface strings), so
they are in Chinese; each entry names a ``ScopeItem`` value.
"""

import copy
from decimal import Decimal

from .models import EnforcementMode
from .models.offers import ScopeItem

DEFAULT_ENFORCEMENT = EnforcementMode.CAP

_S = ScopeItem
DEFAULT_GRADES: tuple[dict, ...] = (
    {
        "grade": 1,
        "name": "一级（基础服务）",
        "fee_min": Decimal("0.50"),
        "fee_max": Decimal("0.80"),
        "min_score": 60,
        "standard": [
            {
                "item": _S.CLEANING,
                "standard": "楼道、楼梯每周清扫1次，每月湿拖1次；生活垃圾日产日清。",
            },
            {"item": _S.ORDER, "standard": "主出入口8:00–20:00有人值守；夜间巡查不少于2次。"},
            {"item": _S.GREENING, "standard": "每年修剪2次，及时清除枯枝、杂草。"},
            {"item": _S.REPAIRS, "standard": "一般报修24小时内响应；公共照明损坏7日内修复。"},
            {"item": _S.WATER, "standard": "水箱每年清洗消毒1次，水质每年检测1次并公示。"},
            {"item": _S.LIFTS, "standard": "委托有资质单位每15日维保1次；困人报警30分钟内到场。"},
            {"item": _S.CUSTOMER_SERVICE, "standard": "工作日8:30–17:30接听服务电话，受理诉求。"},
        ],
    },
    {
        "grade": 2,
        "name": "二级（标准服务）",
        "fee_min": Decimal("0.80"),
        "fee_max": Decimal("1.20"),
        "min_score": 70,
        "standard": [
            {"item": _S.CLEANING, "standard": "楼道每周清扫2次、湿拖1次；垃圾日产日清，分类驳运。"},
            {"item": _S.ORDER, "standard": "主出入口24小时值守；夜间巡查不少于3次。"},
            {"item": _S.GREENING, "standard": "每年修剪3次，草坪生长季每月修剪1次。"},
            {"item": _S.REPAIRS, "standard": "一般报修12小时内响应，急修2小时内到场。"},
            {"item": _S.WATER, "standard": "水箱每半年清洗消毒1次，水质每半年检测1次并公示。"},
            {"item": _S.LIFTS, "standard": "每15日维保1次，每月巡查1次；困人报警30分钟内到场。"},
            {
                "item": _S.CUSTOMER_SERVICE,
                "standard": "每日8:00–18:00设服务台，诉求当日登记、限时回复。",
            },
        ],
    },
    {
        "grade": 3,
        "name": "三级（良好服务）",
        "fee_min": Decimal("1.20"),
        "fee_max": Decimal("1.80"),
        "min_score": 80,
        "standard": [
            {"item": _S.CLEANING, "standard": "楼道每日清扫1次、每周湿拖2次；垃圾桶每日清洗。"},
            {"item": _S.ORDER, "standard": "各出入口24小时值守；每2小时巡查1次，监控24小时值班。"},
            {"item": _S.GREENING, "standard": "专人养护，每季度修剪，及时补植、病虫害防治。"},
            {
                "item": _S.REPAIRS,
                "standard": "一般报修2小时内响应，急修30分钟内到场；设施月度巡检。",
            },
            {"item": _S.WATER, "standard": "水箱每季度清洗消毒1次，水质每季度检测并公示。"},
            {"item": _S.LIFTS, "standard": "每15日维保1次，每周巡查；困人报警20分钟内到场。"},
            {
                "item": _S.CUSTOMER_SERVICE,
                "standard": "每日8:00–20:00服务台，24小时热线；每年满意度调查1次。",
            },
        ],
    },
    {
        "grade": 4,
        "name": "四级（优质服务）",
        "fee_min": Decimal("1.80"),
        "fee_max": Decimal("2.50"),
        "min_score": 88,
        "standard": [
            {
                "item": _S.CLEANING,
                "standard": "楼道每日清扫2次、每日湿拖1次；公共区域每日巡回保洁。",
            },
            {"item": _S.ORDER, "standard": "出入口24小时值守，门禁与访客登记；每小时巡查1次。"},
            {"item": _S.GREENING, "standard": "专业养护，每月修剪，四季有景，枯死苗木7日内补植。"},
            {
                "item": _S.REPAIRS,
                "standard": "一般报修1小时内响应，急修20分钟内到场；设施每周巡检。",
            },
            {
                "item": _S.WATER,
                "standard": "水箱每季度清洗消毒，水质每月检测公示；泵房24小时监控。",
            },
            {"item": _S.LIFTS, "standard": "每15日维保1次，每日巡查；困人报警15分钟内到场。"},
            {
                "item": _S.CUSTOMER_SERVICE,
                "standard": "24小时服务台与热线；诉求回访率100%，每半年满意度调查。",
            },
        ],
    },
    {
        "grade": 5,
        "name": "五级（精品服务）",
        "fee_min": Decimal("2.50"),
        "fee_max": Decimal("3.50"),
        "min_score": 94,
        "standard": [
            {
                "item": _S.CLEANING,
                "standard": "楼道每日清扫、湿拖2次，专人全天巡回保洁；外墙每年清洗。",
            },
            {"item": _S.ORDER, "standard": "全封闭管理，出入口及监控中心24小时双岗；每小时巡查。"},
            {"item": _S.GREENING, "standard": "园艺师专业养护，每半月修剪，季节性花卉布置。"},
            {
                "item": _S.REPAIRS,
                "standard": "报修30分钟内响应，急修15分钟内到场；24小时维修值班。",
            },
            {"item": _S.WATER, "standard": "水箱每两月清洗消毒，水质每月检测，在线监测实时公示。"},
            {
                "item": _S.LIFTS,
                "standard": "每15日维保1次，每日巡查，专人24小时值守；困人10分钟内到场。",
            },
            {
                "item": _S.CUSTOMER_SERVICE,
                "standard": "24小时管家式专属客服；诉求全程跟踪，每季度满意度调查。",
            },
        ],
    },
)


def default_grades() -> list[dict]:
    """A fresh copy of the default grades (callers may change it), with plain-string
    scope item values ready for the JSON field."""
    grades = copy.deepcopy(list(DEFAULT_GRADES))
    for grade in grades:
        grade["standard"] = [
            {"item": str(entry["item"]), "standard": entry["standard"]}
            for entry in grade["standard"]
        ]
    return grades
