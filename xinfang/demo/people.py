"""Fictional petitioners: names, valid ID numbers, phones and addresses, cheap to draw."""

import random
from bisect import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from xinfang.demo.org import CITY_NAME as CITY
from xinfang.demo.weights import words
from xinfang.intake.idcard import check_digit

# The most common surnames, roughly in order of frequency; weights fall off with rank.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
_SURNAME_CUM = list(accumulate(1.0 / (rank + 8) for rank in range(len(SURNAMES))))

MALE_NAMES = words(
    "建国 建华 国强 国华 志强 志刚 志明 德明 德华 福生 长林 金海 海涛 "
    "文斌 永刚 卫东 振华 立新 春生 宝山 明辉 家福 荣华 树林 玉林 俊杰 "
    "子轩 浩然 宇航 晓东 伟 强 磊 军 勇 杰 涛 斌 超 鹏 刚 平 辉 波 "
    "明 亮 华 林 峰 凯 鑫 健 毅 俊 帅 昊 博 洋 晨 远"
)
FEMALE_NAMES = words(
    "秀英 桂兰 玉兰 秀兰 凤英 淑珍 翠花 桂英 春梅 丽华 美玲 红梅 海燕 "
    "晓燕 雪梅 文静 欣怡 雨涵 梓涵 佳慧 丽 静 敏 燕 芳 娟 霞 艳 玲 "
    "婷 颖 琳 洁 倩 慧 萍 英 红 梅 莉 兰 雪 璐 琴 蓉"
)

# ID regions outside the city: migrant workers and people who moved in.
OTHER_REGIONS = (
    "341221",
    "341222",
    "412727",
    "411522",
    "511321",
    "510322",
    "362427",
    "430524",
    "421127",
    "320721",
    "370827",
    "522123",
)
_PHONE_PREFIXES = words(
    "130 131 132 133 135 136 137 138 139 150 "
    "151 152 153 155 156 157 158 159 166 173 "
    "177 180 181 182 183 185 186 187 188 189 "
    "191 198 199"
)
_ROADS = words(
    "解放路 人民路 建设路 中山路 青山大道 望江路 东湖路 清河路 桃源路 "
    "新城大道 文昌路 府前街 滨湖路 长丰路 红星路 学府路 高铁大道 白沙路 "
    "石门路 柳溪路"
)

# The birth range is split into (day, serial) slots visited by a stride coprime to their count,
# so every petitioner number gets its own ID number and the ages still look scattered.
_BIRTH_DAYS = 20000  # about 55 years
_SLOTS = _BIRTH_DAYS * 1000
_STRIDE = 7_368_787  # odd and not a multiple of 5, so coprime to _SLOTS


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    phone: str
    address: str
    sex: str


class PeopleMaker:
    """Draws people; every person gets a distinct ID number."""

    def __init__(self, rng: random.Random, end: date) -> None:
        self.rng = rng
        self.count = 0
        self.offset = rng.randrange(_SLOTS)
        # The oldest petitioners are about 80 and the youngest about 25.
        self.oldest = end - timedelta(days=80 * 365)

    def surname(self) -> str:
        return SURNAMES[bisect(_SURNAME_CUM, self.rng.random() * _SURNAME_CUM[-1])]

    def given_name(self, sex: str) -> str:
        return self.rng.choice(MALE_NAMES if sex == "M" else FEMALE_NAMES)

    def phone(self) -> str:
        return f"{self.rng.choice(_PHONE_PREFIXES)}{self.rng.randrange(100_000_000):08d}"

    def person(
        self, *, region: str, district: str, street: str, place: str, place_kind: str
    ) -> Person:
        slot = (self.offset + self.count * _STRIDE) % _SLOTS
        self.count += 1
        birth = self.oldest + timedelta(days=slot // 1000)
        serial = slot % 1000
        first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
        sex = "M" if serial % 2 else "F"
        return Person(
            name=self.surname() + self.given_name(sex),
            id_number=first17 + check_digit(first17),
            phone=self.phone(),
            address=self.address(district, street, place, place_kind),
            sex=sex,
        )

    def address(self, district: str, street: str, place: str, place_kind: str) -> str:
        rng = self.rng
        if place_kind == "village":
            return (
                f"{CITY}{district}{street}{place}{rng.randrange(1, 13)}组{rng.randrange(1, 80)}号"
            )
        road = rng.choice(_ROADS)
        room = f"{rng.randrange(1, 33)}0{rng.randrange(1, 5)}"
        return (
            f"{CITY}{district}{street}{road}{rng.randrange(1, 400)}号"
            f"{rng.randrange(1, 30)}幢{rng.randrange(1, 6)}单元{room}室"
        )
