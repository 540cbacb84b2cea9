"""Static demo data for ``manage.py seed_demo``: the 大兴区 demo district.

Plain constants only; the command (``market/management/commands/seed_demo.py``) turns them
into rows through the market's services. Everything here is fictional but shaped like a
Beijing district's register: real street offices and street names, believable compounds
(old work-unit housing 单位宿舍, resettlement housing 回迁房, 1990s–2000s commodity
housing), property firms and the people who act for them. Phone numbers, e-mail
addresses and credit codes are made up (e-mails use the reserved ``.example`` domain).
"""

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from .validators import CREDIT_CODE_ALPHABET, credit_code_check_character

# The one password of every demo login (printed by the command; never use it elsewhere).
DEMO_PASSWORD = "wuye-demo-2026"

# Seed of every random choice the command makes (committee member names and phones), so
# that two runs, on any machine, produce the same data.
RANDOM_SEED = 20260115

# --- Geography ------------------------------------------------------------------------

DISTRICT = {
    "code": "110115",  # GB/T 2260
    "city": "北京市",
    "name": "大兴区",
    "bureau_name": "大兴区住房和城乡建设委员会",
    "bureau_phone": "010-69243006",
}

# (name, phone) of the street offices (街道办事处) and towns (镇) the demo covers.
STREET_OFFICES = [
    ("兴丰街道", "010-69242361"),
    ("林校路街道", "010-69243890"),
    ("清源街道", "010-69268511"),
    ("观音寺街道", "010-60213106"),
    ("天宫院街道", "010-61207005"),
    ("高米店街道", "010-69217660"),
    ("亦庄镇", "010-67880125"),
    ("旧宫镇", "010-67960022"),
]


# --- The compound register --------------------------------------------------------------


class CompoundSeed(NamedTuple):
    street_office: str
    name: str
    address: str
    buildings: int
    owners: int
    households: int
    exclusive_area: Decimal  # m², about 60–95 m² per household
    year_built: int
    registered_days_ago: int  # registered_on = today − this
    # ("owners", size) for a 业委会, ("management", size) for a 物管会, None: no committee yet.
    committee: tuple[str, int] | None


_C = CompoundSeed
_D = Decimal
COMPOUNDS = [
    _C(
        "兴丰街道",
        "三合北巷小区",
        "三合北巷12号",
        2,
        80,
        84,
        _D("5468.40"),
        1986,
        56,
        ("management", 7),
    ),
    _C(
        "兴丰街道",
        "三合南里",
        "三合南巷3号院",
        16,
        836,
        848,
        _D("54144.80"),
        1990,
        77,
        ("owners", 5),
    ),
    _C(
        "兴丰街道",
        "兴华东里",
        "兴华大街二段18号",
        15,
        993,
        1050,
        _D("67599.00"),
        1992,
        142,
        ("management", 7),
    ),
    _C(
        "兴丰街道",
        "兴华中里",
        "兴华大街二段9号",
        15,
        1121,
        1155,
        _D("86359.35"),
        1989,
        182,
        ("owners", 5),
    ),
    _C("兴丰街道", "兴政东里", "兴政街26号", 9, 633, 648, _D("42936.48"), 1995, 13, None),
    _C(
        "兴丰街道",
        "黄村东里",
        "黄村东大街41号",
        2,
        80,
        80,
        _D("4833.60"),
        1982,
        157,
        ("management", 7),
    ),
    _C(
        "兴丰街道",
        "粮食局家属院",
        "兴丰大街三段88号",
        4,
        175,
        184,
        _D("11115.44"),
        1978,
        172,
        ("management", 9),
    ),
    _C(
        "兴丰街道",
        "百货公司宿舍楼",
        "黄村西大街28号",
        2,
        117,
        120,
        _D("7578.00"),
        1981,
        8,
        ("management", 7),
    ),
    _C("林校路街道", "林校北里", "林校路17号", 9, 569, 576, _D("38384.64"), 1996, 164, None),
    _C("林校路街道", "兴政西里", "兴政街5号", 8, 576, 576, _D("41978.88"), 1994, 3, None),
    _C(
        "林校路街道",
        "车站北里",
        "兴丰大街一段车站北路6号",
        6,
        329,
        348,
        _D("20994.84"),
        1988,
        78,
        ("management", 7),
    ),
    _C(
        "林校路街道",
        "滨河西里",
        "滨河街12号",
        13,
        767,
        806,
        _D("59926.10"),
        1998,
        36,
        ("owners", 7),
    ),
    _C("林校路街道", "滨河北里", "滨河街30号", 7, 466, 483, _D("34515.18"), 1999, 17, None),
    _C(
        "林校路街道",
        "金星小区",
        "金星路22号",
        18,
        1107,
        1134,
        _D("89415.90"),
        2001,
        66,
        ("owners", 7),
    ),
    _C(
        "林校路街道", "富强西里", "富强路7号", 8, 600, 608, _D("39842.24"), 1993, 157, ("owners", 7)
    ),
    _C(
        "林校路街道",
        "大兴一中教工宿舍",
        "林校南路2号",
        3,
        165,
        171,
        _D("10176.21"),
        1985,
        60,
        ("management", 7),
    ),
    _C("清源街道", "枣园小区", "枣园路19号", 6, 473, 480, _D("31948.80"), 1997, 67, ("owners", 7)),
    _C(
        "清源街道", "清澄名苑", "清源路36号", 12, 863, 900, _D("70812.00"), 2004, 169, ("owners", 7)
    ),
    _C("清源街道", "清苑小区", "清源路15号", 14, 794, 812, _D("51829.96"), 1999, 15, None),
    _C("清源街道", "枣园东里", "枣园路3号", 13, 700, 741, _D("49424.70"), 1996, 223, ("owners", 7)),
    _C("清源街道", "清源西里", "清源路52号", 13, 822, 845, _D("61625.85"), 1994, 23, None),
    _C(
        "清源街道",
        "双高花园",
        "兴华大街三段10号",
        9,
        834,
        864,
        _D("63288.00"),
        2003,
        200,
        ("management", 7),
    ),
    _C("清源街道", "建兴家园", "清源路甲8号", 18, 1497, 1548, _D("127493.28"), 2001, 172, None),
    _C("清源街道", "印刷厂家属院", "金星路9号", 6, 316, 336, _D("20123.04"), 1983, 8, None),
    _C("观音寺街道", "观音寺南里", "观音寺南路11号", 14, 815, 826, _D("56787.50"), 1998, 62, None),
    _C(
        "观音寺街道",
        "观音寺北里",
        "观音寺北路4号",
        10,
        897,
        910,
        _D("68695.90"),
        2000,
        187,
        ("owners", 5),
    ),
    _C(
        "观音寺街道",
        "兴涛小区",
        "兴业大街二段66号",
        21,
        1645,
        1659,
        _D("152246.43"),
        2002,
        182,
        ("owners", 7),
    ),
    _C(
        "观音寺街道",
        "香海园",
        "兴业大街二段120号",
        9,
        902,
        909,
        _D("78973.92"),
        2008,
        236,
        ("management", 7),
    ),
    _C(
        "观音寺街道",
        "泰中花园",
        "兴华大街四段27号",
        16,
        1157,
        1200,
        _D("96852.00"),
        2003,
        207,
        ("owners", 7),
    ),
    _C(
        "观音寺街道",
        "观林园",
        "观音寺南路甲2号",
        19,
        1798,
        1900,
        _D("167371.00"),
        2009,
        164,
        ("management", 9),
    ),
    _C(
        "观音寺街道",
        "电机厂宿舍",
        "兴华大街四段3号",
        7,
        419,
        420,
        _D("24880.80"),
        1980,
        37,
        ("management", 7),
    ),
    _C(
        "观音寺街道",
        "兴悦家园",
        "黄良路18号",
        20,
        1819,
        1820,
        _D("143871.00"),
        2006,
        24,
        ("owners", 7),
    ),
    _C(
        "天宫院街道",
        "海子角西里",
        "天华大街9号",
        17,
        1248,
        1292,
        _D("98114.48"),
        2010,
        133,
        ("management", 7),
    ),
    _C(
        "天宫院街道",
        "海子角东里",
        "天华大街15号",
        12,
        1109,
        1152,
        _D("96480.00"),
        2011,
        127,
        ("management", 9),
    ),
    _C(
        "天宫院街道",
        "天华苑",
        "天华大街33号",
        14,
        1303,
        1344,
        _D("105799.68"),
        2005,
        25,
        ("owners", 7),
    ),
    _C(
        "天宫院街道",
        "融汇小区",
        "天宫院西路8号",
        30,
        2402,
        2520,
        _D("221961.60"),
        2008,
        238,
        ("owners", 7),
    ),
    _C("天宫院街道", "天河北里", "天河西路21号", 7, 686, 707, _D("56892.29"), 2006, 126, None),
    _C(
        "天宫院街道",
        "佟馨家园",
        "天河西路56号",
        22,
        1710,
        1782,
        _D("144181.62"),
        2012,
        60,
        ("management", 7),
    ),
    _C(
        "天宫院街道",
        "兴业家园",
        "兴业大街三段29号",
        12,
        926,
        936,
        _D("76986.00"),
        2004,
        148,
        ("owners", 7),
    ),
    _C("天宫院街道", "天宫院西里", "天宫院西路30号", 11, 797, 836, _D("69270.96"), 2007, 166, None),
    _C("高米店街道", "康庄小区", "康庄路12号", 15, 984, 1020, _D("64708.80"), 1994, 113, None),
    _C(
        "高米店街道", "康盛园", "康庄路40号", 12, 796, 828, _D("55095.12"), 1999, 143, ("owners", 7)
    ),
    _C("高米店街道", "康和园", "康庄路25号", 10, 523, 540, _D("35845.20"), 1998, 19, None),
    _C(
        "高米店街道",
        "郁花园一里",
        "金星西路5号",
        13,
        804,
        819,
        _D("56764.89"),
        1997,
        70,
        ("owners", 7),
    ),
    _C("高米店街道", "郁花园二里", "金星西路19号", 6, 389, 408, _D("27442.08"), 1998, 140, None),
    _C(
        "高米店街道",
        "香留园",
        "欣宁街8号",
        17,
        1150,
        1156,
        _D("92711.20"),
        2002,
        113,
        ("owners", 7),
    ),
    _C(
        "高米店街道",
        "高米店北里",
        "兴华大街一段48号",
        20,
        1975,
        2000,
        _D("155180.00"),
        2001,
        22,
        None,
    ),
    _C("高米店街道", "康顺园", "欣宁街30号", 20, 1285, 1320, _D("108979.20"), 2000, 222, None),
    _C(
        "亦庄镇",
        "鹿海园一里",
        "鹿圈路2号",
        16,
        1423,
        1440,
        _D("110044.80"),
        2009,
        63,
        ("management", 9),
    ),
    _C(
        "亦庄镇",
        "鹿海园二里",
        "鹿圈路16号",
        28,
        1958,
        1988,
        _D("176534.40"),
        2010,
        68,
        ("management", 7),
    ),
    _C(
        "亦庄镇", "天瑞苑", "新凤河路38号", 20, 1651, 1700, _D("159698.00"), 2006, 86, ("owners", 7)
    ),
    _C(
        "亦庄镇",
        "羊坊家园",
        "小羊坊路5号",
        15,
        1372,
        1380,
        _D("111559.20"),
        2011,
        163,
        ("management", 7),
    ),
    _C("亦庄镇", "富源里", "新凤河路12号", 15, 1262, 1290, _D("112617.00"), 2004, 123, None),
    _C("亦庄镇", "四海庄园", "四海路6号", 13, 1040, 1079, _D("86373.95"), 2003, 35, ("owners", 5)),
    _C(
        "亦庄镇",
        "供销社宿舍",
        "亦庄镇政府街3号",
        3,
        121,
        123,
        _D("7607.55"),
        1987,
        187,
        ("management", 7),
    ),
    _C(
        "亦庄镇",
        "亦庄北里",
        "成寿寺路南延线20号",
        14,
        989,
        1036,
        _D("67329.64"),
        1996,
        206,
        ("management", 7),
    ),
    _C(
        "旧宫镇",
        "德茂佳苑",
        "德茂路9号",
        11,
        769,
        803,
        _D("64529.08"),
        2008,
        205,
        ("management", 7),
    ),
    _C(
        "旧宫镇",
        "清和园",
        "旧宫东路22号",
        15,
        1381,
        1425,
        _D("108357.00"),
        2005,
        133,
        ("owners", 7),
    ),
    _C(
        "旧宫镇",
        "旧宫新苑",
        "旧宫西路17号",
        13,
        1121,
        1131,
        _D("99347.04"),
        2007,
        122,
        ("management", 9),
    ),
    _C("旧宫镇", "庑殿小区", "庑殿路31号", 12, 826, 828, _D("74172.24"), 2002, 70, ("owners", 7)),
    _C(
        "旧宫镇",
        "旧宫东里",
        "旧宫东路6号",
        11,
        784,
        803,
        _D("59148.98"),
        1993,
        224,
        ("management", 7),
    ),
    _C("旧宫镇", "润星家园", "旧忠路26号", 26, 2323, 2444, _D("218738.00"), 2009, 16, None),
    _C("旧宫镇", "清欣园", "育龙路13号", 11, 959, 990, _D("85001.40"), 2006, 56, None),
    _C("旧宫镇", "南小街三里", "旧宫南小街40号", 11, 1123, 1133, _D("107419.73"), 2000, 55, None),
]
del _C, _D

# The compound whose committee seats the demo chair and member hold: (street office, name).
DEMO_COMPOUND = ("清源街道", "枣园小区")

# Committee members' e-mails: m<compound id>_<n>@demo.wuye.example.
MEMBER_EMAIL = "m{compound_id}_{n}@" + "demo.wuye.example"

# Names for committee members (mostly retired residents, as 业委会 and 物管会 members are).
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
    "贾丁魏薛叶阎潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟段钱汤尹"
)
GIVEN_NAMES = (
    "建国",
    "建华",
    "秀兰",
    "桂英",
    "淑珍",
    "玉兰",
    "国强",
    "志刚",
    "丽华",
    "红梅",
    "卫东",
    "振华",
    "海燕",
    "淑芬",
    "凤英",
    "德明",
    "文忠",
    "永利",
    "秀英",
    "春生",
    "金凤",
    "宝山",
    "淑琴",
    "长青",
    "立新",
    "建军",
    "玉梅",
    "晓东",
    "素芳",
    "国庆",
    "红霞",
    "志强",
    "丽娟",
    "明亮",
    "桂芝",
    "学军",
    "海军",
    "秀珍",
    "福全",
    "爱华",
    "洪涛",
    "雪梅",
    "连生",
    "凤兰",
    "树林",
    "桂兰",
    "少华",
    "春燕",
    "庆丰",
    "美玲",
    "光明",
    "小平",
    "德福",
    "月琴",
    "新民",
    "燕",
    "静",
    "敏",
    "勇",
    "军",
    "伟",
    "磊",
    "娜",
    "涛",
    "霞",
)


# --- Firms --------------------------------------------------------------------------------


def organisation_code(body8: str) -> str:
    """The 9-character organisation code (GB 11714): 8 characters and their check."""
    total = sum(
        (int(char) if char.isdigit() else ord(char) - 55) * weight
        for char, weight in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
    )
    check = 11 - total % 11
    return body8 + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(division: str, body8: str, *, registrar: str = "91") -> str:
    """A valid 统一社会信用代码 (GB 32100-2015): registrar and type ("91": company
    registered with market regulation), the 6-digit division code where it registered,
    the organisation code and the check character."""
    first17 = registrar + division + organisation_code(body8)
    assert all(char in CREDIT_CODE_ALPHABET for char in first17), first17
    return first17 + credit_code_check_character(first17)


class FirmSeed(NamedTuple):
    key: str  # used by DEMO_USERS and for the firm's e-mail domain
    name: str
    division: str  # where the firm is registered (GB/T 2260)
    org_body: str  # 8 characters of the organisation code
    legal_representative: str
    contact_name: str
    phone: str
    address: str
    approved: bool  # False: left "applied" so vetting has work to do
    is_fallback_operator: bool = False


FIRMS = [
    FirmSeed(
        "fallback",
        "北京大兴城市运营国有资产物业管理有限公司",
        "110115",
        "10227463",
        "韩志远",
        "马卫东",
        "010-69250118",
        "大兴区兴政街15号",
        True,
        is_fallback_operator=True,
    ),
    FirmSeed(
        "xingda",
        "北京兴大物业管理有限公司",
        "110115",
        "63378921",
        "赵德胜",
        "周建国",
        "010-69241577",
        "大兴区兴华大街二段33号",
        True,
    ),
    FirmSeed(
        "kangzhuang",
        "北京康庄物业服务有限公司",
        "110115",
        "72260158",
        "孙广田",
        "钱丽萍",
        "010-69218823",
        "大兴区康庄路46号",
        True,
    ),
    FirmSeed(
        "qingyuan",
        "北京清源恒通物业管理有限公司",
        "110115",
        "MA01C7K2",
        "李卫平",
        "冯晓梅",
        "010-69269910",
        "大兴区清源路22号",
        True,
    ),
    FirmSeed(
        "tiangongyuan",
        "北京天宫院宜居物业服务有限公司",
        "110115",
        "MA00F3R8",
        "郭永强",
        "何秀云",
        "010-61209036",
        "大兴区天华大街41号",
        True,
    ),
    FirmSeed(
        "yicheng",
        "北京亦城物业管理有限公司",
        "110115",
        "59803374",
        "杨春林",
        "朱海波",
        "010-67882216",
        "大兴区亦庄镇新凤河路20号",
        True,
    ),
    FirmSeed(
        "xinsheng",
        "北京旧宫鑫盛物业管理有限公司",
        "110115",
        "MA04D8N5",
        "董玉山",
        "潘丽君",
        "010-67963378",
        "大兴区旧宫镇德茂路15号",
        True,
    ),
    FirmSeed(
        "jinxing",
        "北京金星社区服务物业管理有限公司",
        "110115",
        "80214467",
        "吴国栋",
        "徐艳红",
        "010-69282654",
        "大兴区金星路30号",
        True,
    ),
    FirmSeed(
        "jingnan",
        "北京京南安居物业服务有限公司",
        "110106",
        "67402285",
        "曹振江",
        "宋佳",
        "010-87512340",
        "丰台区南苑路88号",
        True,
    ),
    FirmSeed(
        "derun",
        "北京兴业德润物业管理有限公司",
        "110115",
        "MA01UN3Q",
        "林德厚",
        "唐宇",
        "010-60219945",
        "大兴区兴业大街二段80号",
        True,
    ),
    FirmSeed(
        "rongcheng",
        "北京融城物业服务有限公司",
        "110105",
        "MA02B6W9",
        "高明远",
        "谢晓琳",
        "010-84620377",
        "朝阳区东三环南路58号",
        True,
    ),
    FirmSeed(
        "lvzhou",
        "北京永华绿洲物业管理有限公司",
        "110115",
        "75531906",
        "梁宝成",
        "邓红",
        "010-69276418",
        "大兴区永华北路12号",
        True,
    ),
    FirmSeed(
        "linxiao",
        "北京林校园区物业管理有限公司",
        "110115",
        "MA07H2E4",
        "蒋立群",
        "韩冬",
        "010-69245102",
        "大兴区林校路9号",
        False,
    ),
    FirmSeed(
        "yuelinjia",
        "北京悦邻家物业服务有限公司",
        "110115",
        "MA08Q5L1",
        "许文博",
        "彭雨",
        "010-69231865",
        "大兴区兴丰大街二段66号",
        False,
    ),
]

FIRM_EMAIL = "contact@{key}.demo.wuye.example"


# --- Fee schedule (DOMAIN.md: Fee schedule, illustrative defaults) -------------------------

FEE_SCHEDULE = {
    "enforcement": "cap",  # government-guided price: offers outside their band are refused
    "effective_from": date(2026, 1, 1),
    "note": "大兴区住宅物业服务分级收费标准（2026年版）。政府指导价：物业服务报价须在所申报"
    "服务等级的收费区间内；收费按专有部分建筑面积计，单位：元/平方米·月。",
}

# The grades themselves are the DOMAIN defaults: market/fee_defaults.py.


# --- Demo logins --------------------------------------------------------------------------

# key → the person behind each demo login. "firm": a FIRMS key; "seat": their committee
# seat on DEMO_COMPOUND's committee; "lands_on": where /my/ sends them after logging in.
DEMO_USERS = {
    "bureau": {
        "email": "bureau@demo.wuye.example",
        "full_name": "刘振华",
        "title": "物业管理科科长",
        "lands_on": "/district/",
    },
    "street": {
        "email": "street@demo.wuye.example",
        "full_name": "陈静",
        "street_office": "清源街道",
        "title": "清源街道城市管理办公室物业专管员",
        "lands_on": "/district/",
    },
    "firm_admin": {
        "email": "firm-admin@demo.wuye.example",
        "full_name": "周建国",
        "firm": "xingda",
        "role": "admin",
        "is_signer": True,
        "lands_on": "/my/firm/",
    },
    "firm_staff": {
        "email": "firm-staff@demo.wuye.example",
        "full_name": "孙丽娜",
        "firm": "xingda",
        "role": "staff",
        "is_signer": False,
        "lands_on": "/my/firm/",
    },
    "fallback": {
        "email": "fallback@demo.wuye.example",
        "full_name": "马卫东",
        "firm": "fallback",
        "role": "admin",
        "is_signer": True,
        "lands_on": "/my/firm/",
    },
    "chair": {
        "email": "chair@demo.wuye.example",
        "full_name": "王秀兰",
        "seat": "chair",
        "phone": "13901150101",
        "lands_on": "/my/compound/",
    },
    "member": {
        "email": "member@demo.wuye.example",
        "full_name": "李建华",
        "seat": "member",
        "phone": "13901150102",
        "lands_on": "/my/compound/",
    },
    "admin": {
        "email": "admin@demo.wuye.example",
        "full_name": "平台管理员",
        "superuser": True,
        "lands_on": "/admin/",
    },
}

# (role label, e-mail) of every demo login, in the order the command prints them.
DEMO_LOGINS = [
    ("区住建委工作人员 (bureau official)", "bureau@demo.wuye.example"),
    ("街道工作人员 (street-office official)", "street@demo.wuye.example"),
    ("物业企业管理员 (firm admin)", "firm-admin@demo.wuye.example"),
    ("物业企业员工 (firm staff)", "firm-staff@demo.wuye.example"),
    ("国企兜底物业管理员 (fallback operator admin)", "fallback@demo.wuye.example"),
    ("业委会主任 (committee chair)", "chair@demo.wuye.example"),
    ("业委会委员 (committee member)", "member@demo.wuye.example"),
    ("平台管理员 (platform superuser)", "admin@demo.wuye.example"),
]
